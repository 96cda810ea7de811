"""The TA review bundle, opened in a real headless Chromium: plots render, scores and rubrics show,
the links and keyboard shortcuts move between students, maths renders offline, and points typed
into a page reach nbgrader's gradebook through the exported CSV and `review import`."""
import base64
import csv
import io
import os
import re
import shutil
import subprocess
import sys

import matplotlib.image
import nbformat
import pytest
from nbclient import NotebookClient

from autograder import course, gradebook, mutants, release, review
from autograder.batch.store import Store
from autograder.course import course_root

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


def test_rubric_and_grading_form_follow_each_manually_graded_cell(bundle):
    page = (bundle / "alice.html").read_text()
    for grade_id in review.rubrics(A3):
        assert f"For the TA: <code>{grade_id}</code>" in page, grade_id
    cells = review.manual_cells(A3)
    assert {c.kind for c in cells} == {"answer", "plot"} and not any(c.rubric for c in cells if c.kind == "plot")
    for cell in cells:  # plot cells too, though they have no rubric
        form = re.search(rf'<div class="ta-grade" data-grade-id="{cell.grade_id}" data-max="([^"]+)">', page)
        assert form and float(form.group(1)) == cell.points, cell.grade_id
    assert "no rubric: judge the plot on its own" in page


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


# --- in a real browser (Playwright driving the system's Chromium), offline -------------------------

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (make system-deps does it)")
    with sync_playwright() as pw:
        chrome = pw.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        yield chrome
        chrome.close()


@pytest.fixture
def page(browser):
    """A fresh page (empty local storage) with the network off; ``page.requested`` lists every URL asked for."""
    context = browser.new_context(offline=True, accept_downloads=True)
    tab = context.new_page()
    tab.requested = []
    tab.on("request", lambda request: tab.requested.append(request.url))
    tab.errors = []
    tab.on("pageerror", lambda error: tab.errors.append(str(error)))
    yield tab
    context.close()


def only_local(urls):
    return [u for u in urls if not u.startswith(("file:", "data:", "blob:"))]


def test_index_links_and_keyboard_shortcuts_move_between_students(bundle, page):
    page.goto((bundle / "index.html").as_uri())
    assert [r.get_attribute("data-student") for r in page.locator("tr[data-student]").all()] == ["alice", "bob", "carol"]
    alice = page.inner_text("tr[data-student=alice]")
    assert "18 / 18" in alice and "0 / 12 (0 of 6 cells)" in alice, alice  # autograded, manual (nothing typed yet)
    assert "22 / 30" in alice, alice  # total: 18 + 4 bonus autograded + 0 manual, of 18 + 12
    page.click("a.ta-student >> text=bob")
    page.wait_for_url("**/bob.html")
    page.keyboard.press("j")
    page.wait_for_url("**/carol.html")  # carol's page is her error page, with the same navigation
    assert page.inner_text("span.ta-next") == "last student"
    page.keyboard.press("k")
    page.wait_for_url("**/bob.html")
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**/alice.html")
    assert page.inner_text("span.ta-prev") == "first student"
    page.focus("[data-grade-id=task1_answer] .ta-comment")
    page.keyboard.press("j")  # typing a comment does not leave the page
    page.wait_for_timeout(300)
    assert page.url.endswith("/alice.html") and page.input_value("[data-grade-id=task1_answer] .ta-comment") == "j"
    page.click("a.ta-next")
    page.wait_for_url("**/bob.html")
    page.click("a.ta-index")
    page.wait_for_url("**/index.html")
    assert not page.errors and not only_local(page.requested), (page.errors, page.requested)


def test_a_formula_renders_as_mathml_with_the_network_off(bundle, page):
    source = (bundle / "alice.html").read_text()
    assert not re.search(r"<script[^>]*\ssrc=", source), "the page loads no script"
    assert "mathjax" not in source.lower() and "<math" in source
    page.goto((bundle / "alice.html").as_uri())
    question = page.locator(".jp-MarkdownCell", has_text="Attention scores are").first
    formula = question.locator("math").first  # $K^\top Q$ in the task 1 question
    assert formula.evaluate("m => getComputedStyle(m).display").endswith("math"), "drawn as MathML"
    box = formula.bounding_box()
    assert box and box["width"] > 5 and box["height"] > 5, box
    assert "$K" not in question.inner_text() and "\\top" not in question.inner_text()
    assert not only_local(page.requested), page.requested


def nbgrader(root, *args):
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"


@pytest.fixture(scope="module")
def released_course(review_case, tmp_path_factory):
    """A throw-away nbgrader course with A3 released and the bundle's grades in its gradebook
    (as `grade --gradebook` writes them)."""
    root = tmp_path_factory.mktemp("course")
    shutil.copy(course_root() / "nbgrader_config.py", root)
    release.stage(A3, root)
    nbgrader(root, "generate_assignment", A3.id, "--force")
    saved = Store(review_case[1] / "grades")
    reports = {s: saved.load(s) for s in ("alice", "bob", "carol")}
    gradebook.record(A3, reports, f"sqlite:///{root / 'build' / 'nbgrader' / 'gradebook.db'}")
    return root, reports


@pytest.fixture
def course_copy(released_course, tmp_path):
    """(course folder, gradebook URL): a copy of the released course for one test to change."""
    root = tmp_path / "course"
    shutil.copytree(released_course[0], root)
    return root, f"sqlite:///{root / 'build' / 'nbgrader' / 'gradebook.db'}"


def review_import(*args):
    return subprocess.run([sys.executable, "-m", "autograder", "review", "import", *args],
                          capture_output=True, text=True, timeout=300)


def manual(db, student, grade_id):
    from nbgrader.api import Gradebook

    with Gradebook(db) as gb:
        grade = gb.find_grade(grade_id, "report", A3.id, student)
        comment = gb.find_comment(grade_id, "report", A3.id, student)
        return grade.manual_score, comment.manual_comment


def test_a_score_typed_in_the_page_is_exported_imported_and_shown_by_nbgrader_export(
        bundle, released_course, course_copy, page, tmp_path):
    root, db = course_copy
    page.goto((bundle / "alice.html").as_uri())
    page.fill("[data-grade-id=task1_answer] .ta-points", "3")
    page.fill("[data-grade-id=task1_answer] .ta-comment", 'Expansion (ii): write the "block" product out.')
    page.fill("[data-grade-id=task2_plot] .ta-points", "1")  # a plot cell: it has no rubric, still a points field
    page.fill("[data-grade-id=task3_discussion] .ta-points", "5")  # worth 2: refused in the page
    refused = page.locator("[data-grade-id=task3_discussion]")
    assert "between 0 and 2: not saved" in refused.inner_text() and "ta-bad" in refused.get_attribute("class")
    page.reload()  # what was typed is kept in the browser
    assert page.input_value("[data-grade-id=task1_answer] .ta-points") == "3"
    assert page.input_value("[data-grade-id=task3_discussion] .ta-points") == ""
    assert "manual: 4 / 12 (2 of 6 cells graded)" in page.inner_text(".ta-summary")
    page.click("a.ta-index")
    page.wait_for_url("**/index.html")
    row = page.inner_text("tr[data-student=alice]")
    assert "4 / 12 (2 of 6 cells)" in row and "26 / 30" in row, row
    with page.expect_download() as download:
        page.click(".ta-export")
    exported = tmp_path / "manual.csv"
    download.value.save_as(exported)
    rows = list(csv.DictReader(exported.open()))
    assert [(r["student"], r["grade_id"], r["points"], r["max_points"]) for r in rows] == [
        ("alice", "task1_answer", "3", "4"), ("alice", "task2_plot", "1", "1")]

    proc = review_import(str(exported), "--db", db)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "wrote 2 scores and 1 comments for 1 students" in proc.stdout
    nbgrader(root, "export", "--to", str(tmp_path / "grades.csv"))
    scores = {r["student_id"]: float(r["score"]) for r in csv.DictReader((tmp_path / "grades.csv").open())}
    autograded = released_course[1]["alice"].earned  # bonus included, as nbgrader counts it
    assert scores["alice"] == autograded + 4, scores
    assert scores["bob"] == 0, scores
    assert all(t.message.startswith("not implemented yet") for t in released_course[1]["bob"].tests)  # the zero's reason
    assert manual(db, "alice", "task1_answer") == (3, 'Expansion (ii): write the "block" product out.')
    assert not page.errors and not only_local(page.requested), (page.errors, page.requested)


def test_import_refuses_bad_rows_and_writes_nothing(course_copy, tmp_path):
    root, db = course_copy
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "assignment,student,notebook,grade_id,points,max_points,comment\n"
        f"{A3.id},alice,report,task1_answer,2,4,fine on its own\n"
        f"{A3.id},alice,report,task2_plot,3,1,\n"        # line 3: the plot is worth 1
        f"{A3.id},zed,report,task1_answer,1,4,\n"        # line 4: no such student
        f"{A3.id},alice,report,task9_answer,1,4,\n"      # line 5: no such cell
        f"{A3.id},alice,report,tests_task2,12,12,\n"     # line 6: autograded, not the TA's
        f"{A3.id},bob,report,task2_plot,-1,1,\n")        # line 7: negative
    proc = review_import(str(bad), "--db", db)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    err = proc.stderr
    assert "nothing was written to the gradebook" in err and "Traceback" not in err, err
    assert "line 3: 3 points for alice's task2_plot is out of range: the cell is worth 0 to 1" in err, err
    assert "line 4: unknown student 'zed'" in err, err
    assert "line 5: unknown cell 'task9_answer'" in err, err
    assert "line 6: unknown cell 'tests_task2'" in err, err
    assert "line 7: -1 points for bob's task2_plot is out of range" in err, err
    assert "line 2" not in err
    assert manual(db, "alice", "task1_answer") == (None, None), "the valid row was not written either"

    missing = review_import(str(tmp_path / "nope.csv"), "--db", db)
    assert missing.returncode == 1 and "does not exist" in missing.stderr and "Traceback" not in missing.stderr
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("student,points\nalice,3\n")
    proc = review_import(str(wrong), "--db", db)
    assert proc.returncode == 1 and "lacks the column(s) assignment, notebook, grade_id, comment" in proc.stderr


def test_plot_checks_compare_the_figure_with_what_the_cell_declares():
    from autograder.plotcheck import checks

    one_curve = [{"axes": [{"title": "", "xlabel": "step", "ylabel": "loss", "xscale": "linear", "yscale": "linear",
                            "lines": 1, "images": [], "collections": 0, "legend": ["train"]}]}]
    declared = {"curves": 2, "legend": ["train", "validation"], "xlabel": "epoch", "yscale": "log"}
    assert checks(one_curve, declared) == ["one curve, expected 2", "legend lacks 'validation'",
                                           "x axis label 'step', expected 'epoch'", "y axis linear, expected log scale"]
    assert checks(one_curve) == [], "nothing declared, nothing wrong"
    assert checks([]) == ["no figure drawn in this cell"]
    bars = [{"axes": [{"title": "", "xlabel": "class", "ylabel": "images", "xscale": "linear", "yscale": "linear",
                       "lines": 0, "images": [], "collections": 0, "patches": 6, "legend": None}]}]
    assert checks(bars) == [], "a bar chart is a figure"
    heatmap = {"title": "similarity", "xlabel": "", "ylabel": "", "xscale": "linear", "yscale": "linear", "lines": 0,
               "images": [[3, 3]], "collections": 0, "patches": 0, "legend": None}
    named = [{"axes": [{**heatmap, "xticks": ["C1", "C2", "B1"], "yticks": ["C1", "C2", "B1"]}]}]
    numbered = [{"axes": [{**heatmap, "xticks": ["0", "1", "2"], "yticks": ["\u22121.0", "0.0", "1.0"]}]}]
    assert checks(named) == [], "ticks that name the rows and columns label the axes"
    assert checks(numbered) == ["no axis labels"]
    gallery = [{"axes": [{**heatmap, "title": "", "images": [[28, 28]], "ticks": False}] * 8}]
    assert checks(gallery, {"images": 8}) == [], "pictures without ticks need no axis labels"
    assert checks([{"axes": [{**heatmap, "ticks": True}]}]) == ["no axis labels"]
    curve = {"title": "", "xlabel": "epoch", "ylabel": "", "xscale": "linear", "yscale": "log", "lines": 3,
             "images": [], "collections": 0, "patches": 0, "legend": None}
    panels = [{"axes": [{**curve, "legend": ["lr = 0.1", "lr = 0.01", "lr = 0.001"]}, curve, curve, curve]}]
    assert checks(panels) == ["no y axis label on 4 of 4 axes"], "one legend serves panels of the same runs"
    apart = [{"axes": [curve]}, {"axes": [curve]}]
    assert checks(apart) == ["no y axis label on 2 of 2 axes", "curves without a legend on 2 axes"]
    assert checks([{"axes": [curve], "legend": ["a", "b", "c"]}], {"legend": ["b"]}) == ["no y axis label"]


def test_a_declared_plot_is_described_in_words():
    from autograder.plotcheck import describe

    assert describe({"curves": 2, "legend": ["train", "validation"], "xlabel": "epoch", "yscale": "log"}) == (
        "2 curves; legend: train, validation; x axis 'epoch'; y axis log scale")
    assert describe({"images": 1, "legend": True, "title": True}) == "1 image; a legend; a title"
    assert describe({"curves": 1, "ylabel": "loss"}) == "1 curve; y axis 'loss'"
    assert describe({}) == ""


@pytest.mark.parametrize("assignment", course.assignments(), ids=lambda a: a.id)
def test_every_solution_plot_cell_declares_what_it_draws(assignment):
    from autograder.plotcheck import KEYS, describe

    plots = [c for c in review.manual_cells(assignment) if c.kind == "plot"]
    assert plots, f"{assignment.id} has no manually graded plot cell"
    for cell in plots:
        assert cell.expect, f"{assignment.id} {cell.grade_id}: no autograder.plot metadata"
        assert set(cell.expect) <= set(KEYS), f"{cell.grade_id}: unknown keys {set(cell.expect) - set(KEYS)}"
        assert describe(cell.expect), cell.grade_id


@pytest.mark.slow
def test_executed_plot_without_axis_labels_shows_the_advisory_check(review_case, tmp_path, page):
    """`review --execute` on alice's modules with a report whose Gram-matrix plot has no axis labels
    (her grades are reused): the TA sees the check next to that plot, and its count in the index."""
    subs, bundle = review_case
    alice = mutants.copy_submission(A3.solution_dir, tmp_path / "subs" / "alice")
    nb = nbformat.read(alice / A3.notebook, as_version=4)
    keep = {"imports", "task2_plot", "task3_plot"}
    nb.cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") in keep]
    plot = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "task2_plot")
    assert ', xlabel="token j", ylabel="token i"' in plot.source
    plot.source = plot.source.replace(', xlabel="token j", ylabel="token i"', "")
    nbformat.write(nb, alice / A3.notebook)
    out = tmp_path / "review"
    built = review.build(A3, tmp_path / "subs", out, grades=bundle / "grades", execute=True, progress=False)
    assert built.students == 1 and not built.problems, built
    page.goto((out / "alice.html").as_uri())
    unlabelled = page.locator(".jp-MarkdownCell", has_text="For the TA: task2_plot")
    assert "Plot checks (advisory; they do not change points): no axis labels." in unlabelled.inner_text()
    labelled = page.locator(".jp-MarkdownCell", has_text="For the TA: task3_plot")
    assert "Plot checks (advisory; they do not change points): nothing to note." in labelled.inner_text()
    assert page.locator("img").count() >= 2, "the executed plots are on the page"
    page.goto((out / "index.html").as_uri())
    assert page.inner_text("tr[data-student=alice] .ta-checks") == "1"


def _notebook_with(folder, sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    nbformat.write(nb, folder / A3.notebook)
    return nb


def test_execute_runs_the_notebook_in_the_sandbox_not_on_the_tas_machine(tmp_path):
    """`review --execute`: the notebook's code sees neither the course nor the TA's files, and what it
    writes stays in the sandbox; its plots and prints come back."""
    from autograder import plotcheck

    alice = mutants.copy_submission(A3.solution_dir, tmp_path / "alice")
    nb = _notebook_with(alice, [
        "import os\nprint('course visible:', os.path.exists(%r), os.path.exists(%r))"
        % (str(course_root() / "solutions"), str(tmp_path)),
        "open('pwned.txt', 'w').write('x')\nprint('wrote', os.path.abspath('pwned.txt'))",
        "from positional_encoding import positional_encoding\nimport matplotlib.pyplot as plt\n"
        "plt.imshow(positional_encoding(8, 4)); plt.show()",
        "def ratio(x):\n    return 1 / x\n\nprint('before')\nratio(0)",
    ])
    figures = plotcheck.execute(nb, alice, A3, review.execute_limits(A3))
    printed = [o.get("text", "") for c in nb.cells for o in c.outputs if o.output_type == "stream"]
    assert "course visible: False False\n" in printed, printed
    assert not (alice / "pwned.txt").exists(), "a write reached the submitted folder"
    assert any("image/png" in o.get("data", {}) for o in nb.cells[2].outputs), nb.cells[2].outputs
    errors = [(i, o) for i, c in enumerate(nb.cells) for o in c.outputs if o.output_type == "error"]
    assert [i for i, _ in errors] == [3], errors
    shown = "\n".join(errors[0][1].traceback)  # the TA sees where it failed, as Jupyter shows it
    assert "return 1 / x" in shown and "ratio(0)" in shown and "ZeroDivisionError" in shown, shown
    assert nb.cells[3].outputs[0].text == "before\n", "the traceback belongs in the error output, not stdout"
    assert figures == {}, "no cell has a grade id"


def test_execute_stops_a_notebook_at_the_time_limit_with_the_reason(tmp_path):
    import dataclasses

    from autograder import plotcheck
    from autograder.sandbox import errors

    alice = mutants.copy_submission(A3.solution_dir, tmp_path / "alice")
    nb = _notebook_with(alice, ["while True:\n    pass"])
    limits = dataclasses.replace(review.execute_limits(A3), test_s=3)
    with pytest.raises(errors.SandboxError, match="stopped after 3"):
        plotcheck.execute(nb, alice, A3, limits)
