"""The TA review bundle, opened in a real headless Chromium: plots render, scores and rubrics show."""
import base64
import io
import re
import shutil
import subprocess

import matplotlib.image
import nbformat
import pytest
from nbclient import NotebookClient

from autograder import course, mutants, review

A3 = course.get("a3_positional_encoding")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def review_case(tmp_path_factory):
    """(submissions, bundle folder): alice hands in the reference and her executed report, bob the
    release untouched, carol the reference with a corrupt report."""
    subs = tmp_path_factory.mktemp("subs")
    alice = mutants.copy_submission(A3.solution_dir, subs / "alice")
    nb = nbformat.read(alice / A3.notebook, as_version=4)
    NotebookClient(nb, timeout=600, resources={"metadata": {"path": str(alice)}}).execute()
    nbformat.write(nb, alice / A3.notebook)  # alice hands in her executed report
    mutants.copy_submission(A3.skeleton_dir, subs / "bob")
    carol = mutants.copy_submission(A3.solution_dir, subs / "carol")
    (carol / A3.notebook).write_text("{ this is not a notebook")  # a corrupt report stops no one else
    out = tmp_path_factory.mktemp("review")
    built = review.build(A3, subs, out, workers=2, progress=False)  # grades now, through the batch grader
    assert built.students == 3 and not built.ungraded, built
    assert list(built.problems) == ["carol"] and "not a readable notebook" in built.problems["carol"]
    return subs, out


@pytest.fixture(scope="module")
def bundle(review_case):
    return review_case[1]


def chromium(*args, tmp):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (make system-deps does it)")
    proc = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}", *args],
                          capture_output=True, text=True, timeout=180)
    return proc


def test_index_lists_every_student_with_points(bundle):
    index = (bundle / "index.html").read_text()
    assert "alice" in index and "bob" in index
    assert "18 / 18" in index and "0 / 18" in index


def test_a_corrupt_notebook_gets_an_error_section_and_keeps_its_grade(bundle):
    page = (bundle / "carol.html").read_text()
    assert "The report could not be shown" in page and "not a readable notebook" in page
    assert "18 / 18" in page  # the autograde results are still there for the TA
    assert "carol" in (bundle / "index.html").read_text()


def test_review_with_grades_reads_the_grade_output(review_case, tmp_path):
    """`review --grades DIR` on a `grade --out DIR` folder: no regrading, the same points."""
    import os
    import sys

    subs, bundle = review_case
    grades = bundle / "grades"  # what the fixture's grading run wrote, as `grade --out` does
    assert (grades / "alice" / "report.json").is_file() and (grades / "alice" / "results.json").is_file()
    proc = subprocess.run([sys.executable, "-m", "autograder", "review", A3.id, str(subs),
                           "--out", str(tmp_path / "again"), "--grades", str(grades)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 students: 2 reports shown, 1 with a problem shown instead, 0 without a grade" in proc.stdout
    index = (tmp_path / "again" / "index.html").read_text()
    assert "18 / 18" in index and "0 / 18" in index
    assert not (tmp_path / "again" / "grades").exists(), "nothing was regraded"


def test_rubric_follows_each_answer_cell(bundle):
    page = (bundle / "alice.html").read_text()
    for grade_id in review.rubrics(A3):
        assert f"For the TA: <code>{grade_id}</code>" in page, grade_id


def test_page_renders_plots_and_scores_in_chromium(bundle, tmp_path):
    proc = chromium("--virtual-time-budget=5000", "--dump-dom", (bundle / "alice.html").as_uri(), tmp=tmp_path / "profile")
    dom = proc.stdout
    assert "Autograde results" in dom and "18 / 18" in dom, proc.stderr[-2000:]
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', dom)
    assert len(images) >= 3, f"expected the report's 3 plots, found {len(images)} images"
    for data in images:
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100 and pixels.std() > 0.01, "a plot is empty"


def test_screenshot_is_not_blank(bundle, tmp_path):
    shot = tmp_path / "alice.png"
    chromium(f"--screenshot={shot}", "--window-size=1200,2400", (bundle / "alice.html").as_uri(), tmp=tmp_path / "profile")
    pixels = matplotlib.image.imread(shot)
    assert pixels.std() > 0.02, "the rendered page is blank"
