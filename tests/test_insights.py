"""Class insights on a synthetic A3 class graded for real: students made from the mutants (several per
mistake), two with an unanticipated exception, two near-copies with renamed variables, one honest
unusual solution, the reference and one unusable input."""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

from autograder import course, grade, mutants
from autograder.sandbox.judge import MAX_EXAMPLES_ENV

A3 = course.get("a3_positional_encoding")
MODULE = "positional_encoding.py"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# A correct A3 written unlike the reference; COPY_B is COPY_A with every name of its own renamed.
COPY_A = '''import math

import torch


def positional_encoding(n_tokens, dim):
    if dim % 2 == 1 or dim < 1:
        raise ValueError("the dimension has to be even and positive")
    if n_tokens < 0:
        raise ValueError("the number of tokens cannot be negative")
    half = dim // 2
    k_index = torch.arange(half, dtype=torch.float64)
    omega = torch.pow(10000.0, -2.0 * k_index / dim)
    position = torch.arange(n_tokens, dtype=torch.float64)
    phase = omega[:, None] * position[None, :]
    stacked = torch.stack((torch.sin(phase), torch.cos(phase)), dim=1)
    return stacked.reshape(dim, n_tokens).float()


def attention_scores(X, E, mode):
    if X.dim() != 2 or E.dim() != 2 or X.shape != E.shape:
        raise ValueError("X and E need the same 2-D shape")
    enc = E.type(X.dtype)
    if mode == "concat":
        return X.transpose(0, 1) @ X + enc.transpose(0, 1) @ enc
    if mode == "add":
        summed = X + enc
        return summed.transpose(0, 1) @ summed
    raise ValueError("unknown mode " + repr(mode))


def mean_abs_cosine(dim, n_pairs, generator=None):
    first = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    second = torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64)
    dots = (first * second).sum(dim=1)
    norms = first.norm(dim=1) * second.norm(dim=1)
    return float((dots / norms).abs().mean())
'''
RENAMES = {"half": "h", "k_index": "idx", "omega": "freq", "position": "pos", "phase": "arg", "stacked": "out",
           "enc": "pe", "summed": "total", "first": "a", "second": "b", "dots": "num", "norms": "den"}
COPY_B = re.sub(r"\b(" + "|".join(RENAMES) + r")\b", lambda m: RENAMES[m.group(1)], COPY_A)

HONEST = '''import math

import torch


def positional_encoding(n_tokens: int, dim: int) -> torch.Tensor:
    # cos(x) = sin(x + pi/2): one sine over all rows, odd rows shifted by a quarter turn
    if not (dim > 0 and dim % 2 == 0):
        raise ValueError(f"need a positive even dim, not {dim}")
    if n_tokens < 0:
        raise ValueError(f"need n_tokens >= 0, not {n_tokens}")
    rows = torch.arange(dim)
    pair_start = (rows - rows % 2).to(torch.float64)
    rate = torch.exp(pair_start * (-math.log(10000.0) / dim))
    angle = torch.outer(rate, torch.arange(n_tokens, dtype=torch.float64))
    quarter = (rows % 2).to(torch.float64)[:, None] * (math.pi / 2)
    return torch.sin(angle + quarter).to(torch.float32)


def _gram(A: torch.Tensor) -> torch.Tensor:
    return torch.einsum("pi,pj->ij", A, A)


def attention_scores(X: torch.Tensor, E: torch.Tensor, mode: str) -> torch.Tensor:
    if mode not in ("add", "concat"):
        raise ValueError(f"mode {mode!r} is neither 'add' nor 'concat'")
    if X.ndim != 2 or tuple(X.shape) != tuple(E.shape):
        raise ValueError("X and E: two matrices of one shape (p, n)")
    E = E.to(X.dtype)
    return _gram(X + E) if mode == "add" else _gram(X) + _gram(E)


def mean_abs_cosine(dim: int, n_pairs: int, generator=None) -> float:
    draws = [torch.randn(n_pairs, dim, generator=generator, dtype=torch.float64) for _ in range(2)]
    unit = [d / d.norm(dim=1, keepdim=True) for d in draws]
    return (unit[0] * unit[1]).sum(1).abs().mean().item()
'''

# students per mutant: several per mistake, so the groups have counts to check
PER_MISTAKE = {"sin_cos_swapped": 3, "concat_along_tokens": 2, "cosine_without_abs": 2}
UNANTICIPATED = {"odd_one_3": 3, "odd_one_7": 7}  # an exception no test diagnoses, with different numbers


def make_class(root: Path) -> Path:
    by_name = {m.name: m for m in mutants.load(A3)}
    for name, n in PER_MISTAKE.items():
        for i in range(1, n + 1):
            mutants.apply(A3, by_name[name], root / f"{name}_{i}")
    for student, number in UNANTICIPATED.items():
        folder = mutants.copy_submission(A3.solution_dir, root / student)
        text = (folder / MODULE).read_text()
        old = "    return torch.nn.functional.cosine_similarity(u, v, dim=1).abs().mean().item()"
        assert text.count(old) == 1
        (folder / MODULE).write_text(text.replace(old, f"    raise IndexError('pair {number} is out of range')"))
    mutants.copy_submission(A3.solution_dir, root / "reference")
    for student, code in (("copy_a", COPY_A), ("copy_b", COPY_B), ("honest", HONEST)):
        (root / student).mkdir()
        (root / student / MODULE).write_text(code)
    (root / "empty_handed").mkdir()
    (root / "empty_handed" / "notes.txt").write_text("I could not finish.")
    return root


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The class graded by `python -m autograder grade`, whose last step writes the insights page."""
    root = tmp_path_factory.mktemp("insights")
    subs = make_class(root / "subs")
    grades = root / "grades"
    proc = subprocess.run([sys.executable, "-m", "autograder", "grade", A3.id, str(subs), "--out", str(grades),
                           "--workers", "2"], capture_output=True, text=True, timeout=600,
                          env={**os.environ, MAX_EXAMPLES_ENV: "5", "MPLBACKEND": "Agg"})
    assert proc.returncode == 1, proc.stdout + proc.stderr  # 1: empty_handed's input is unusable
    page = grades / "insights" / "insights.html"
    assert f"class insights: {page}" in proc.stdout, proc.stdout + proc.stderr
    data = json.loads((page.parent / "insights.json").read_text())
    return subs, grades, page, data, grade.load_reports(grades)


def test_the_synthetic_class_is_graded_as_built(graded):
    _, _, _, _, reports = graded
    for student in ("reference", "copy_a", "copy_b", "honest"):
        assert reports[student].full_marks, (student, [t.message for t in reports[student].tests if t.outcome != "passed"])
    assert not reports["sin_cos_swapped_1"].full_marks


def _group(data, test_name, kind):
    test = next(t for t in data["tests"] if t["id"].endswith("::" + test_name))
    return test, [g for g in test["groups"] if g["kind"] == kind]


def test_each_mistake_is_one_cause_group_with_its_students(graded):
    data = graded[3]
    test, causes = _group(data, "test_small_example", "cause")
    assert [(g["count"], g["students"]) for g in causes] == [
        (3, ["sin_cos_swapped_1", "sin_cos_swapped_2", "sin_cos_swapped_3"])]
    assert causes[0]["key"].startswith("sin and cos are swapped")
    assert "E differs at" in causes[0]["message"]
    assert test["failed"] == causes[0]["students"] and test["attempted"] == 13  # the empty-handed has no grade
    _, concat = _group(data, "test_concat_mode_has_no_mixed_terms", "cause")
    assert [(g["count"], g["students"]) for g in concat] == [(2, ["concat_along_tokens_1", "concat_along_tokens_2"])]
    assert "stack X and E along the feature axis" in concat[0]["key"]


def test_a_property_failure_carries_hypothesis_smallest_input(graded):
    data = graded[3]
    groups = [g for t in data["tests"] for g in t["groups"] if g["kind"] == "cause" and g["counterexample"]]
    assert groups, "no group shows a counterexample"
    assert all("=" in g["counterexample"] for g in groups)  # name=value, as hypothesis writes it


def test_unanticipated_failures_cluster_by_shape_with_numbers_normalised(graded):
    data = graded[3]
    clusters = [u for u in data["unanticipated"] if "IndexError" in u["shape"]]
    task_4 = [t["id"] for t in data["tests"] if t["task"] == "4" and "odd_one_3" in t["failed"]]
    assert len(clusters) == len(task_4) >= 1, data["unanticipated"]  # one cluster in each test the exception fails
    for cluster in clusters:
        assert cluster["students"] == ["odd_one_3", "odd_one_7"]
        assert cluster["shape"] == ("your code raised IndexError: pair <n> is out of range "
                                    "(positional_encoding.py, line <n>, in mean_abs_cosine, with dim = <n>, n_pairs = <n>)")
    assert not [u for u in data["unanticipated"] if "odd_one_3" in u["students"] and "IndexError" not in u["shape"]]


def test_tutorial_draft_ranks_the_most_common_cause_first(graded):
    data = graded[3]
    top = data["tutorial"][0]
    assert top["count"] == 3 and top["cause"].startswith("sin and cos are swapped"), data["tutorial"]
    assert all(t["count"] <= top["count"] for t in data["tutorial"])


def test_unusable_input_is_listed_apart_from_mistakes(graded):
    data = graded[3]
    assert [r["student"] for r in data["not_graded"]] == ["empty_handed"]
    assert data["not_graded"][0]["kind"] == "unusable input"
    assert all("empty_handed" not in g["students"] for t in data["tests"] for g in t["groups"])


def test_only_the_near_copies_are_flagged(graded):
    data = graded[3]
    assert [p["students"] for p in data["similar_pairs"]] == [["copy_a", "copy_b"]], \
        [(p["students"], p["similarity"]) for p in data["similar_pairs"]]
    pair = data["similar_pairs"][0]
    assert pair["similarity"] > 0.9 and "<mark>" in pair["files"][0]["left_html"]
    assert "<mark>" in pair["files"][0]["right_html"]
    flagged = {s for p in data["similar_pairs"] for s in p["students"]}
    assert "honest" not in flagged and "reference" not in flagged


def test_csv_holds_the_groups_and_the_pair(graded):
    import csv

    subs, grades, page, data, _ = graded
    rows = list(csv.DictReader((page.parent / "insights.csv").open()))
    swapped = [r for r in rows if r["test_id"].endswith("::test_small_example") and r["kind"] == "cause"]
    assert [r["students"] for r in swapped] == ["sin_cos_swapped_1;sin_cos_swapped_2;sin_cos_swapped_3"]
    assert any(r["kind"] == "unusable input" and r["students"] == "empty_handed" for r in rows)
    pairs = list(csv.DictReader((page.parent / "similarity.csv").open()))
    assert [(p["student_a"], p["student_b"]) for p in pairs] == [("copy_a", "copy_b")]


def _chromium(*args, tmp):
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail("chromium is not installed: `apt-get install chromium` (make system-deps does it)")
    return subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={tmp}", *args],
                          capture_output=True, text=True, timeout=180)


def test_page_opens_in_chromium_with_its_figures_rendered(graded, tmp_path):
    page = graded[2]
    proc = _chromium("--virtual-time-budget=5000", "--dump-dom", page.as_uri(), tmp=tmp_path / "profile")
    dom = proc.stdout
    assert "class insights" in dom and "What to discuss in the tutorial" in dom, proc.stderr[-2000:]
    assert 'data-figures-rendered="2"' in dom, "the browser did not decode both figures"
    images = re.findall(r'<img[^>]+src="data:image/png;base64,([^"]+)"', dom)
    assert len(images) == 2
    for data in images:
        pixels = matplotlib.image.imread(io.BytesIO(base64.b64decode(data)), format="png")
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100 and pixels.std() > 0.01, "a figure is empty"
    assert "copy_a and copy_b" in dom and "<mark>" in dom


def test_cli_writes_the_page_and_rejects_a_folder_that_is_not_a_grade_output(graded, tmp_path):
    subs, grades, _, _, _ = graded
    env = {**os.environ, "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-m", "autograder", "insights", A3.id, "--grades", str(grades),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    assert f"insights: {tmp_path / 'out' / 'insights.html'}" in proc.stdout
    assert "Not checked: pass --submissions" in (tmp_path / "out" / "insights.html").read_text()
    proc = subprocess.run([sys.executable, "-m", "autograder", "insights", A3.id, "--grades", str(subs)],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 2 and "no <student>/report.json" in proc.stderr and "Traceback" not in proc.stderr


def _report(student, outcome, message, error_kind=""):
    from autograder.results import Report, TestResult

    test = TestResult("t.py::test_x", "x works", "1", "x", 2.0, False, False, outcome, message)
    return Report(A3.id, student, [test], error=message if error_kind else "", error_kind=error_kind)


def test_time_outs_stubs_and_grader_errors_are_kept_apart_from_mistakes(tmp_path):
    """Written as the batch writes them: report.json files and a grades.csv row for an unsaved error."""
    from autograder import insights

    reports = {"slow": _report("slow", "failed", "stopped after 20 s: the test took too long (an endless loop, or far too slow?)"),
               "stub": _report("stub", "failed", "not implemented yet: build w_k"),
               "wrong": _report("wrong", "failed", "x is 3, expected 4 (tolerance 0.1)\nlikely cause: off by one"),
               "broken": _report("broken", "not run", "grader error, not a grade (a rerun retries it): worker died",
                                 error_kind="grader")}
    for student, report in reports.items():
        (tmp_path / student).mkdir()
        report.save(tmp_path / student / "report.json")
    (tmp_path / "grades.csv").write_text("student,task 1,total,bonus,max,error\n"
                                         "zipped,0,0,0,2,the zip is damaged (bad CRC): ask for a new upload\n")
    page = insights.build(A3, tmp_path)
    data = json.loads((page.parent / "insights.json").read_text())
    (test,) = data["tests"]
    assert test["failed"] == ["wrong"] and test["attempted"] == 2  # the stub did not attempt it
    assert [g["students"] for g in test["groups"]] == [["wrong"]] and test["groups"][0]["key"] == "off by one"
    assert test["timeouts"] == ["slow"] and test["not_implemented"] == ["stub"]
    assert data["timeouts"] == [{"student": "slow", "test": "x works"}]
    assert [(r["student"], r["kind"]) for r in data["not_graded"]] == [("broken", "grader error"), ("zipped", "unusable input")]
    assert data["graded"] == ["slow", "stub", "wrong"]
    text = page.read_text()
    assert "Not student mistakes" in text and "the zip is damaged" in text and "worker died" in text


def test_shape_normalises_numbers_names_and_lines():
    from autograder import insights

    a = insights.shape("your code raised KeyError: 'alpha' (m.py, line 12)\nsmallest failing input: n=3")
    b = insights.shape("your code raised KeyError: 'beta' (m.py, line 40)")
    assert a == b == "your code raised KeyError: '<name>' (m.py, line <n>)"
    assert insights.shape("E differs at 3 of 16 entries, e.g. E[0, 1]: expected -1.5e-06, got 2") == \
        "E differs at <n> of <n> entries, e.g. E[<n>, <n>]: expected <n>, got <n>"
    assert insights.cause_of("a\nlikely cause: b c\nsmallest failing input: n=1") == "b c"
    assert insights.counterexample_of("a\nlikely cause: b c\nsmallest failing input: n=1") == "n=1"


# Causes as the a1 and a5 tests write them (solutions/*/tests/); the tags come from autograder/concepts.py.
A1_CAUSES = {"leak": "compute channel_stats(images[train_idx]): the training split only",
             "eval": "call .eval() on the model before validating: in training mode dropout is active and the results are random",
             "batches": "the mean of per-batch means weights the small last batch too much: sum the per-sample losses, divide by N"}
A5_CAUSES = {"eval": "evaluation mode: BatchNorm must use its running statistics, not the batch's",
             "batches": "average the batch losses weighted by batch size: sum(loss * B) / N, in training mode",
             "other": "for independent variables the variances add: sigma = sqrt(sigma1^2 + sigma2^2)"}


def _write_class(folder: Path, assignment: str, failures: dict[str, str]) -> Path:
    from autograder.results import Report, TestResult

    for student, cause in failures.items():
        test = TestResult("t.py::test_y", "y", "1", "y", 1.0, False, False,
                          "failed" if cause else "passed", f"y is 1, expected 2\nlikely cause: {cause}" if cause else "")
        (folder / student).mkdir(parents=True)
        Report(assignment, student, [test]).save(folder / student / "report.json")
    return folder


def test_concept_tags_of_known_causes():
    from autograder import concepts

    assert concepts.tag_of(A1_CAUSES["leak"]).tag == "test-set-leakage"
    assert concepts.tag_of(A1_CAUSES["eval"]).tag == concepts.tag_of(A5_CAUSES["eval"]).tag == "eval-mode"
    assert concepts.tag_of(A1_CAUSES["batches"]).tag == concepts.tag_of(A5_CAUSES["batches"]).tag == "batch-vs-sample-average"
    assert concepts.tag_of(A5_CAUSES["other"]) is None


def test_course_lists_the_misconceptions_that_recur_per_student(tmp_path):
    a1 = _write_class(tmp_path / "a1", "a1_galaxy_cnn", {"ann": A1_CAUSES["eval"], "ben": A1_CAUSES["batches"],
                                                          "cat": A1_CAUSES["leak"], "dan": ""})
    a5 = _write_class(tmp_path / "a5", "a5_signs_cnn", {"ann": A5_CAUSES["eval"], "ben": A5_CAUSES["other"],
                                                         "cat": "", "dan": A5_CAUSES["batches"]})
    proc = subprocess.run([sys.executable, "-m", "autograder", "insights", "--course", "--grades", str(a1), str(a5),
                           "--out", str(tmp_path / "course")], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr
    data = json.loads((tmp_path / "course" / "course.json").read_text())
    assert data["assignments"] == ["a1_galaxy_cnn", "a5_signs_cnn"]
    # ann misses eval() in both; ben, cat and dan show each misconception in one assignment only
    assert data["recurring"] == {"ann": {"eval-mode": ["a1_galaxy_cnn", "a5_signs_cnn"]}}
    assert "eval-mode" in (tmp_path / "course" / "course.html").read_text()
    proc = subprocess.run([sys.executable, "-m", "autograder", "insights", "--course", "--grades", str(a1)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "--course needs --out" in proc.stderr


def test_tutorial_draft_names_the_concept_of_a_tagged_cause(tmp_path):
    from autograder import insights

    page = insights.build(A3, _write_class(tmp_path / "a1", "a1_galaxy_cnn", {"ann": A1_CAUSES["eval"], "ben": ""}))
    data = json.loads((page.parent / "insights.json").read_text())
    assert [(t["tag"], t["count"]) for t in data["tutorial"]] == [("eval-mode", 1)]
    assert "concept: BatchNorm and Dropout behave differently" in page.read_text()


def test_a_cause_cut_off_by_the_message_limit_joins_its_group():
    from autograder import insights

    full = "TensorDataset(normalize(images[train_idx]), labels[train_idx]), in the order of train_idx"
    reports = {"ann": _report("ann", "failed", f"x differs at 3 of 9 entries\nlikely cause: {full}"),
               "ben": _report("ben", "failed", f"x differs at 3 of 9 entries, e.g. a long example\nlikely cause: {full[:40]}...")}
    (test,) = insights.per_test(reports)
    assert [(g.key, g.students) for g in test.groups] == [(full, ["ann", "ben"])]


def test_a_student_called_insights_keeps_their_folder(tmp_path):
    from autograder import insights

    _write_class(tmp_path, A3.id, {"insights": "", "other": ""})
    page = insights.build(A3, tmp_path)
    assert page == tmp_path / "_insights" / "insights.html"
    assert sorted(p.name for p in (tmp_path / "insights").iterdir()) == ["report.json"]
