"""Batch inputs (``autograder.batch.inputs``): every layout instructors have, every student exactly
once under a stable name, one bad input is that student's problem, and a batch that cannot be right
stops before anything is graded. Discovery only: nothing here grades (see test_batch.py for that)."""
from __future__ import annotations

import io
import os
import struct
import zipfile
from pathlib import Path

import pytest

from autograder import course
from autograder.batch import inputs

A3 = course.get("a3_positional_encoding")
A5 = course.get("a5_signs_cnn")
MODULE = "positional_encoding.py"
CODE = "def positional_encoding(n, dim):\n    return None\n"


def zip_bytes(entries: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _headers(data: bytearray) -> tuple[int, int]:
    return data.find(b"PK\x03\x04"), data.rfind(b"PK\x01\x02")


def encrypted_zip() -> bytes:
    """A zip whose entry carries the "encrypted" flag (zipfile cannot write encrypted entries)."""
    data = bytearray(zip_bytes({MODULE: CODE}))
    local, central = _headers(data)
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    return bytes(data)


def bad_crc_zip() -> bytes:
    data = bytearray(zip_bytes({MODULE: CODE}))
    i = data.find(b"positional_encoding(n")
    data[i] ^= 0x20  # stored data no longer matches its CRC-32
    return bytes(data)


def lying_size_zip(size: int) -> bytes:
    """A deflated entry whose headers claim ``size`` bytes uncompressed."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(MODULE, CODE * 100)
    data = bytearray(buf.getvalue())
    local, central = _headers(data)
    struct.pack_into("<I", data, local + 22, size)
    struct.pack_into("<I", data, central + 24, size)
    return bytes(data)


BROKEN = {  # student: (their own zip, words the reason must hold)
    "notazip": (b"this is a text file renamed to .zip\n", "not a readable zip"),
    "fileandfolder": (zip_bytes({"work": "a file", f"work/{MODULE}": CODE}), "a file and a folder both named 'work'"),
    "encrypted": (encrypted_zip(), "password-protected"),
    "badcrc": (bad_crc_zip(), "damaged"),
    "shortsize": (lying_size_zip(10), "damaged"),
    "hugesize": (lying_size_zip(3_000_000_000), "the limit is 64 MB per file"),
    "deep": (zip_bytes({"/".join(["d"] * 1100) + f"/{MODULE}": CODE}), "1101 levels deep"),
}


def student(root: Path, name: str | bytes, files: dict[str, str | bytes] | None = None) -> Path:
    folder = Path(os.fsdecode(os.path.join(os.fsencode(root), os.fsencode(name))))
    folder.mkdir(parents=True)
    for rel, data in (files if files is not None else {MODULE: CODE}).items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data if isinstance(data, bytes) else data.encode())
    return folder


def discover(submissions: Path, tmp_path: Path, assignment=A3) -> dict[str, inputs.Submission]:
    return inputs.discover(submissions, tmp_path / "out" / "_submissions", assignment)


# --- layouts --------------------------------------------------------------------------------------
def test_nbgrader_submitted_tree_grades_each_students_assignment_folder(tmp_path):
    submitted = tmp_path / "build" / "nbgrader" / "submitted"
    for name in ("alice", "bob"):
        student(submitted / name, A3.id, {MODULE: CODE, "report.ipynb": "{}", "timestamp.txt": "2026-12-01 10:00:00.000000 UTC\n"})
        student(submitted / name, A5.id, {"gaussians.py": ""})
    for name in ("carol", "dave", "erin"):  # handed in a5 only: not a sign of the wrong assignment
        student(submitted / name, A5.id, {"gaussians.py": ""})
    found = discover(submitted, tmp_path)
    assert sorted(found) == ["alice", "bob", "carol", "dave", "erin"]
    assert found["alice"].folder == submitted / "alice" / A3.id
    assert found["alice"].submitted_at == "2026-12-01 10:00:00.000000 UTC"
    assert found["alice"].problem == ""
    assert found["carol"].folder is None
    assert f"nothing submitted for {A3.id}" in found["carol"].problem and A5.id in found["carol"].problem
    with pytest.raises(inputs.WrongInput, match="5 of 5 submissions .* have none of contrastive.py") as exc:
        discover(submitted, tmp_path, course.get("a2_contrastive"))
    assert f"gaussians.py (5), which {A5.id} grades" in str(exc.value)


def test_wrapper_folders_and_ambiguous_ones(tmp_path):
    subs = tmp_path / "subs"
    student(subs / "alice", "alice-a3")
    student(subs, "bob", {f"v1/{MODULE}": CODE, f"v2/{MODULE}": CODE})
    student(subs, "carol")
    found = discover(subs, tmp_path)
    assert found["alice"].folder == subs / "alice" / "alice-a3"
    assert found["bob"].folder is None and "found in 2 folders (v1/, v2/)" in found["bob"].problem
    assert found["carol"].folder == subs / "carol"


def test_student_folder_without_graded_module_is_an_error_row(tmp_path):
    subs = tmp_path / "subs"
    student(subs, "alice")
    student(subs, "bob")
    student(subs, "carol", {"my_solution.py": "x = 1", "notes.txt": "hi"})
    found = discover(subs, tmp_path)
    assert found["carol"].problem == "no graded file found: expected positional_encoding.py; found my_solution.py"
    assert found["carol"].no_graded_file and found["carol"].folder is None
    assert not found["alice"].problem and not found["bob"].problem


def test_moodle_export_keeps_notebook_and_merges_plugin_folders(tmp_path):
    export = tmp_path / "moodle.zip"
    export.write_bytes(zip_bytes({
        f"A3/Émilie Durand_77_assignsubmission_file_/{MODULE}": CODE,
        "A3/Émilie Durand_77_assignsubmission_file_/report.ipynb": "{}",
        "A3/Émilie Durand_77_assignsubmission_onlinetext_/onlinetext.html": "<p>hi</p>",
        f"A3/Bob Jones_78_assignsubmission_file_/{MODULE}": CODE,
    }))
    found = discover(export, tmp_path)
    assert sorted(found) == ["Bob Jones_78", "Émilie Durand_77"]
    emilie = found["Émilie Durand_77"]
    assert {p.name for p in emilie.folder.iterdir()} == {MODULE, "report.ipynb", "onlinetext.html"}
    assert emilie.late is None, "Moodle's export says nothing about lateness"


@pytest.mark.parametrize("wrapper", ["", "Assignment 3 Submissions/"])
def test_canvas_duplicate_names_stay_apart_with_late_flag_and_notebook(tmp_path, wrapper):
    export = tmp_path / "canvas.zip"
    export.write_bytes(zip_bytes({wrapper + name: data for name, data in {
        f"smithjohn_11_101_{MODULE}": "first = 1\n" + CODE,
        "smithjohn_11_101_notes.txt": "a file that is no graded module",
        f"smithjohn_LATE_22_202_positional_encoding-1.py": "second = 2\n" + CODE,
        "smithjohn_LATE_22_202_report-2.ipynb": "{}",
        "émilezola_33_303_submission.zip": zip_bytes({f"émile-a3/{MODULE}": CODE, "émile-a3/report.ipynb": "{}"}),
        "grades_export.csv": "a stray file that belongs to nobody",
    }.items()}))
    found = discover(export, tmp_path)
    assert sorted(found) == ["smithjohn_11", "smithjohn_22", "émilezola_33"]
    first, second = found["smithjohn_11"], found["smithjohn_22"]
    assert (first.folder / MODULE).read_text().startswith("first")
    assert (second.folder / MODULE).read_text().startswith("second")
    assert (second.folder / "report.ipynb").is_file(), "the notebook is kept under its own name"
    assert (first.folder / "notes.txt").is_file()
    assert (first.late, second.late) == (False, True)
    emile = found["émilezola_33"]
    assert (emile.folder / MODULE).is_file() and (emile.folder / "report.ipynb").is_file()
    assert discover(export, tmp_path).keys() == found.keys(), "a rerun finds the same names"


def test_folder_of_student_zips_and_zip_inside_a_student_folder(tmp_path):
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.zip").write_bytes(zip_bytes({f"a3/{MODULE}": CODE}))
    student(subs, "bob", {"upload.zip": zip_bytes({MODULE: CODE, "inner.zip": zip_bytes({MODULE: CODE})}),
                          "report.ipynb": "{}"})
    before = sorted(p.name for p in (subs / "bob").iterdir())
    found = discover(subs, tmp_path)
    assert sorted(found) == ["alice", "bob"]
    assert (found["alice"].folder / MODULE).is_file()
    bob = found["bob"].folder
    assert {p.name for p in bob.iterdir()} == {MODULE, "report.ipynb", "inner.zip"}, "unpacked once, never recursively"
    assert sorted(p.name for p in (subs / "bob").iterdir()) == before, "the instructor's folder is not written to"


# --- names ----------------------------------------------------------------------------------------
def test_unicode_names_are_kept(tmp_path):
    subs = tmp_path / "subs"
    names = ["Émile Zola", "Øystein", "Straße", "王小明", "_underscore", "O'Brien", "O`Brien", "grades.csv"]
    for name in names:
        student(subs, name)
    found = discover(subs, tmp_path)
    assert len(found) == len(names), "nobody dropped"
    assert {"Émile Zola", "Øystein", "Straße", "王小明", "_underscore"} <= set(found)
    obriens = sorted(k for k in found if k.startswith("O_Brien"))
    assert len(obriens) == 2 and obriens[0] != obriens[1], "names that clean to one stay apart"
    assert "grades.csv" not in found and any(k.startswith("grades.csv-") for k in found), "--out's own names are not students"
    assert all(not s.problem for s in found.values())


def test_folder_names_that_are_not_utf8_get_a_stable_safe_name(tmp_path):
    subs = tmp_path / "subs"
    student(subs, b"Jos\xe9")
    student(subs, b"Jos\xf1")
    student(subs, "José")
    found = discover(subs, tmp_path)
    assert len(found) == 3 and "José" in found
    odd = sorted(k for k in found if k != "José")
    assert all(k.startswith("Jos_-") and k.isprintable() for k in odd) and odd[0] != odd[1]
    for name in odd:
        name.encode("utf-8")  # no surrogate escapes left: csv, log and folder names can be written
        assert found[name].source.startswith("Jos\\x")
    assert sorted(discover(subs, tmp_path)) == sorted(found), "stable across runs"


def test_student_name_cleaning():
    assert inputs.student_name("Émile Zola") == "Émile Zola"
    assert inputs.student_name("王小明") == "王小明"
    assert inputs.student_name("a/b\\c:d") == "a_b_c_d"
    assert inputs.student_name("..") == "student"
    assert len(inputs.student_name("王" * 300).encode()) <= inputs.MAX_NAME_BYTES


# --- broken inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize("where", ["folder", "top-level zip", "canvas"])
def test_each_broken_zip_is_that_students_problem(tmp_path, where):
    subs = tmp_path / "subs"
    student(subs, "honest")
    student(subs, "honest2")
    expected_names = {}
    for name, (data, _) in BROKEN.items():
        if where == "folder":
            student(subs, name, {"submission.zip": data})
            expected_names[name] = name
        elif where == "top-level zip":
            (subs / f"{name}.zip").write_bytes(data)
            expected_names[name] = name
    if where == "canvas":
        export = tmp_path / "canvas.zip"
        entries = {f"honest_1_1_{MODULE}": CODE, f"honest_2_2_{MODULE}": CODE}
        entries.update({f"{name}_{i}_{i}_submission.zip": data for i, (name, (data, _)) in enumerate(BROKEN.items(), 3)})
        export.write_bytes(zip_bytes(entries))
        expected_names = {name: f"{name}_{i}" for i, name in enumerate(BROKEN, 3)}
        subs = export
    for attempt in range(2):  # a rerun unpacks again and does not crash either
        found = discover(subs, tmp_path)
        assert len(found) == len(BROKEN) + 2
        for name, (_, reason) in BROKEN.items():
            s = found[expected_names[name]]
            assert s.folder is None and reason in s.problem, (name, s.problem)
            assert not s.no_graded_file
        assert sum(not s.problem for s in found.values()) == 2


def test_zip_with_too_many_entries_is_that_students_problem(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_MEMBERS", 50)
    subs = tmp_path / "subs"
    student(subs, "alice")
    student(subs, "bob")
    student(subs, "mallory", {"many.zip": zip_bytes({f"f{i}": "" for i in range(51)} | {MODULE: CODE})})
    found = discover(subs, tmp_path)
    assert found["mallory"].problem == "many.zip holds 52 entries (the limit is 50)"


def test_broken_entries_inside_the_batch_zip_are_that_students_problem(tmp_path):
    export = tmp_path / "moodle.zip"
    export.write_bytes(zip_bytes({f"Alice_1_assignsubmission_file_/{MODULE}": CODE,
                                  f"Bob_2_assignsubmission_file_/{MODULE}": CODE,
                                  "Carol_3_assignsubmission_file_/x": "a file",
                                  f"Carol_3_assignsubmission_file_/x/{MODULE}": CODE,
                                  "Dave_4_assignsubmission_file_/" + "d/" * 1100 + MODULE: CODE}))
    found = discover(export, tmp_path)
    assert "a file and a folder both named 'x'" in found["Carol_3"].problem
    assert "1101 levels deep" in found["Dave_4"].problem
    assert not found["Alice_1"].problem and not found["Bob_2"].problem


def test_deep_folder_in_an_input_folder_is_a_problem_not_a_crash(tmp_path):
    subs = tmp_path / "subs"
    student(subs, "alice")
    student(subs, "bob")
    deep = student(subs, "mallory")
    path = os.fsencode(deep)
    for _ in range(inputs.MAX_DEPTH + 5):  # os.makedirs would recurse; build it step by step
        path = os.path.join(path, b"d")
        os.mkdir(path)
    found = discover(subs, tmp_path)
    assert "more than 32 levels deep" in found["mallory"].problem


# --- batches that cannot be right -----------------------------------------------------------------
def test_empty_folder_stops(tmp_path):
    (tmp_path / "subs").mkdir()
    with pytest.raises(inputs.WrongInput, match="holds no student submissions"):
        discover(tmp_path / "subs", tmp_path)


def test_one_students_folder_stops(tmp_path):
    one = student(tmp_path, "alice")
    with pytest.raises(inputs.WrongInput, match=r"holds positional_encoding.py itself, so it looks like ONE student's folder"):
        discover(one, tmp_path)
    nbgrader_student = tmp_path / "submitted" / "bob"
    student(nbgrader_student, A3.id)
    with pytest.raises(inputs.WrongInput, match=rf"holds assignment folders \({A3.id}\).*build/nbgrader/submitted"):
        discover(nbgrader_student, tmp_path)
    with pytest.raises(inputs.WrongInput, match="holds positional_encoding.py itself"):
        discover(nbgrader_student / A3.id, tmp_path)
    export = tmp_path / "one.zip"
    export.write_bytes(zip_bytes({MODULE: CODE}))
    with pytest.raises(inputs.WrongInput, match="looks like ONE student's zip"):
        discover(export, tmp_path)


def test_wrong_assignment_stops_and_names_what_was_found(tmp_path):
    subs = tmp_path / "subs"
    for name in ("alice", "bob", "carol"):
        student(subs, name)
    with pytest.raises(inputs.WrongInput) as exc:
        discover(subs, tmp_path, A5)
    message = str(exc.value)
    assert "3 of 3 submissions" in message and "gaussians.py" in message
    assert f"positional_encoding.py (3), which {A3.id} grades" in message
    assert f"Is {A5.id} the right assignment" in message
    assert not (tmp_path / "out" / "_submissions").exists(), "nothing left behind"


def test_not_a_zip_or_missing_input_stops(tmp_path):
    bogus = tmp_path / "export.zip"
    bogus.write_text("not a zip")
    with pytest.raises(inputs.WrongInput, match="is not a readable zip file"):
        discover(bogus, tmp_path)
    with pytest.raises(inputs.WrongInput, match="does not exist"):
        discover(tmp_path / "nowhere", tmp_path)


def test_linked_student_folder_is_followed(tmp_path):
    subs = tmp_path / "subs"
    student(subs, "alice")
    real = student(tmp_path / "elsewhere", "bob")
    (subs / "bob").symlink_to(real, target_is_directory=True)
    found = discover(subs, tmp_path)
    assert sorted(found) == ["alice", "bob"] and (found["bob"].folder / MODULE).is_file()


def test_out_folder_inside_the_submissions_is_not_a_student(tmp_path):
    subs = tmp_path / "subs"
    student(subs, "alice")
    found = inputs.discover(subs, subs / "graded" / "_submissions", A3)
    assert sorted(found) == ["alice"]


def test_main_stops_with_exit_2_before_grading_anyone(tmp_path, capsys):
    from autograder import grade

    subs = tmp_path / "subs"
    for name in ("alice", "bob"):
        student(subs, name)
    out = tmp_path / "out"
    assert grade.main(A5, subs, out) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 2 of 2 submissions") and f"Is {A5.id} the right assignment" in err
    assert not (out / "grades.csv").exists(), "no grade was written"
    (tmp_path / "empty").mkdir()
    assert grade.main(A3, tmp_path / "empty", out) == 2
    assert "holds no student submissions" in capsys.readouterr().err


# --- end to end: grading a batch with every kind of bad input ----------------------------------------
def test_batch_with_broken_zips_unicode_and_duplicate_names_grades_everyone_else(tmp_path, monkeypatch):
    """A Canvas export (duplicate names, Unicode names, a late flag, seven broken zips, a student with
    no graded file) and an nbgrader tree with a folder name that is not UTF-8: everyone else is graded,
    each broken one is listed once with its reason and not saved, and a rerun neither crashes nor
    regrades."""
    import csv

    from autograder import grade, mutants
    from autograder.results import INPUT_ERROR
    from autograder.sandbox.judge import MAX_EXAMPLES_ENV
    from autograder.sandbox.limits import Limits

    monkeypatch.setenv(MAX_EXAMPLES_ENV, "10")
    limits = Limits(test_s=20, import_s=20, submission_s=300)
    reference = (A3.solution_dir / MODULE).read_text()
    skeleton = (A3.skeleton_dir / MODULE).read_text()
    export = tmp_path / "canvas.zip"
    entries = {f"smithjohn_11_101_{MODULE}": reference,
               f"smithjohn_LATE_22_202_positional_encoding-1.py": skeleton,
               "émilezola_33_303_submission.zip": zip_bytes({f"a3/{MODULE}": reference}),
               f"王小明_44_404_{MODULE}": reference,
               "nofile_55_505_positional_encodings.py": reference}
    entries.update({f"{name}_{i}_{i}_submission.zip": data for i, (name, (data, _)) in enumerate(BROKEN.items(), 60)})
    export.write_bytes(zip_bytes(entries))
    out = tmp_path / "out"

    reports = grade.grade_batch(A3, export, out, workers=2, progress=False, limits=limits)
    graded = {"smithjohn_11": 22, "smithjohn_22": 0, "émilezola_33": 22, "王小明_44": 22}
    broken = {f"{name}_{i}": reason for i, (name, (_, reason)) in enumerate(BROKEN.items(), 60)}
    broken["nofile_55"] = "no graded file found: expected positional_encoding.py; found positional_encodings.py"
    rows = list(csv.DictReader((out / "grades.csv").open(encoding="utf-8")))
    assert sorted(r["student"] for r in rows) == sorted([*graded, *broken]), "every student exactly once"
    assert sorted(reports) == sorted([*graded, *broken])
    for name, points in graded.items():
        assert reports[name].graded and reports[name].earned == points, (name, reports[name].error)
        assert (out / name / "report.json").is_file()
    assert all("not implemented" in t.message for t in reports["smithjohn_22"].tests)
    by_name = {r["student"]: r for r in rows}
    for name, reason in broken.items():
        assert reports[name].error_kind == INPUT_ERROR and reason in reports[name].error, (name, reports[name].error)
        assert reason in by_name[name]["error"] and by_name[name]["total"] == "0"
        assert not (out / name / "report.json").exists(), "an input error is not saved as a grade"
    log = (out / "grading.log").read_text(encoding="utf-8")
    assert log.count("unusable input") == len(broken)

    stamps = {name: (out / name / "report.json").stat().st_mtime_ns for name in graded}
    again = grade.grade_batch(A3, export, out, workers=2, progress=False, limits=limits)
    assert sorted(again) == sorted(reports), "a rerun lists the same students"
    assert {name: (out / name / "report.json").stat().st_mtime_ns for name in graded} == stamps, "and regrades nobody"
    assert all(again[name].error_kind == INPUT_ERROR for name in broken)

    submitted = tmp_path / "submitted"
    odd = student(submitted / os.fsdecode(b"Jos\xe9"), A3.id, {MODULE: reference, "timestamp.txt": "2026-12-01 09:00:00 UTC"})
    mutants.copy_submission(A3.solution_dir, submitted / "Øystein" / A3.id)
    reports = grade.grade_batch(A3, submitted, tmp_path / "out-nbgrader", workers=2, progress=False, limits=limits)
    assert odd.is_dir() and len(reports) == 2 and "Øystein" in reports
    (odd_name,) = [k for k in reports if k != "Øystein"]
    assert odd_name.startswith("Jos_-") and all(r.earned == 22 for r in reports.values())
    assert grade.grade_batch(A3, submitted, tmp_path / "out-nbgrader", workers=2, progress=False,
                             limits=limits).keys() == reports.keys(), "a rerun after a non-UTF-8 name does not crash"
