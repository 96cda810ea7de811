"""Batch grading of untrusted submissions; results persisted the moment they are known.

Each submission is graded by ``sandbox.judge``: the assignment's tests run in a trusted worker
process, the student's modules in a fresh sandboxed child forked from that worker's warm fork
server. Workers are a local process pool (one per core, as many as memory holds:
``batch.capacity``) or, with ``scheduler``, the workers of a Dask distributed cluster: both run
the same function, ``batch.job.grade_job``.

Layout of ``--out`` (see ``batch.store``)::

    grades.csv                       student, points per task, total, bonus, max, error
    grading.log                      what happened, one line per event
    <student>/report.json            the full Report (plain JSON): present = graded
    <student>/results.json           Gradescope's autograder format
    <student>/feedback.md, .html     what the student reads

A rerun grades only students without ``report.json`` (so an interrupted batch resumes and never
grades anyone twice); ``force=True`` regrades everyone.

Before grading anyone, the batch grades the reference solution on the same workers, in the same
sandbox, with the same limits (:func:`prove`, the *preflight*). Anything short of full marks
stops the batch before a grade is written: a zero must never come from the grader's own
environment. A fault the trusted side recognises as its own (a worker or fork server died, the
sandbox cannot import what the grader imports) is a *grader error*: shown in the student's row,
never saved as a grade (a rerun retries it), and counted in the exit status.
"""
from __future__ import annotations

import csv
import sys
import time
from concurrent.futures import FIRST_COMPLETED
from pathlib import Path

from . import suite
from .batch import groups, inputs
from .batch.store import Store, atomic_write
from .course import Assignment
from .deadlines import Deadline, lateness, submission_time
from .results import GRADER_ERROR, INPUT_ERROR, Report, TestResult
from .sandbox.limits import Limits

MAX_ATTEMPTS = 2  # a submission whose worker failed twice gets an error report (not saved: a rerun retries)
REFERENCE = "reference solution"  # the preflight job's name in the log


class PreflightFailed(RuntimeError):
    """The grader could not grade the reference solution at full marks: nothing was graded."""


def expected_tests(assignment: Assignment) -> list[TestResult]:
    """The graded tests of the full suite, collected without running any student code."""
    return suite.run(assignment, None, collect_only=True)[0].tests


def default_limits(assignment: Assignment) -> Limits:
    """The limits of real grading (``Limits.for_suite``: per test the rule ``check`` uses too)."""
    return Limits.for_suite(assignment.tests_dir())


def grade_one(assignment: Assignment, folder: Path, *, limits: Limits | None = None, isolate: str = "auto") -> Report:
    """Grade one folder with its code sandboxed, with the limits of real grading unless ``limits``
    (see ``sandbox.judge``); a crash or time limit costs only the tests it hit. Raises
    ``sandbox.errors.GraderFault`` when the grader's own processes failed."""
    from .sandbox import judge

    return judge.grade(assignment, Path(folder), limits=limits, isolate=isolate)[0]


def load_reports(out: Path) -> dict[str, Report]:
    """{student: Report} of every submission graded under ``out`` (from ``<student>/report.json``)."""
    store = Store(Path(out))
    found = {p.parent.name: store.load(p.parent.name) for p in sorted(Path(out).glob("*/report.json"))}
    return {k: v for k, v in found.items() if v is not None}


def failed_report(assignment_id: str, student: str, problem: str, expected: list[TestResult],
                  kind: str = GRADER_ERROR) -> Report:
    """A report that holds no grade: every expected test "not run" with ``problem`` as the reason."""
    tests = [TestResult(**{**t.__dict__, "outcome": "not run", "message": problem}) for t in expected]
    return Report(assignment_id, student, tests, error=problem, error_kind=kind)


def reference_files(assignment: Assignment, limits: Limits) -> dict[str, bytes]:
    """The reference solution's files as a student would hand them in (no tests, no instructor files)."""
    import tempfile

    from .mutants import copy_submission
    from .sandbox.files import collect_files

    missing = [m for m in assignment.modules if not (assignment.solution_dir / m).is_file()]
    if missing:
        raise PreflightFailed(
            f"there is no reference solution of {assignment.id} to prove the grader with ({', '.join(missing)} "
            f"not found in {assignment.solution_dir}). Grade from the course repository, or pass --no-preflight "
            "to grade without this check (the log will say so).")
    with tempfile.TemporaryDirectory() as tmp:
        return collect_files(copy_submission(assignment.solution_dir, Path(tmp) / "reference"), limits)


def preflight_problem(assignment: Assignment, report: Report, info: dict | None) -> str:
    """Why the reference did not earn full marks, in words an instructor can act on."""
    failed = [t for t in report.tests if t.outcome != "passed"]
    lines = [f"the grader gave the reference solution of {assignment.id} "
             f"{report.base_earned:g}/{report.possible:g}, not full marks, in the sandbox; "
             "so it would grade students wrongly, and nothing was graded or written."]
    if report.error:
        lines.append(f"  problem: {report.error}")
    for t in failed[:3]:
        lines.append(f"  failed: {t.title} -- {(t.message or t.outcome).splitlines()[0][:200]}")
    if len(failed) > 3:
        lines.append(f"  ... and {len(failed) - 3} more tests")
    hidden = (info or {}).get("hidden_paths") or []
    if hidden:
        lines.append("  likely cause: the sandbox does not show these folders the grader imports from: "
                     + ", ".join(hidden))
    else:
        lines.append(f"  next step: `python -m autograder check {assignment.id} --submission "
                     f"{assignment.solution_dir}` shows whether the reference fails outside the sandbox too; "
                     "if it passes there, the sandbox limits or the machine are the cause (see grading.log)")
    return "\n".join(lines)


_proven: set[tuple] = set()  # (assignment, limits, scheduler) proven in this process


def prove(assignment: Assignment, executor, limits: Limits, log, key: tuple) -> None:
    """The preflight: grade the reference on ``executor`` like any submission; raise
    :class:`PreflightFailed` unless it earns full marks. ``log`` takes one line of text."""
    if key in _proven:
        log("preflight: the reference solution already earned full marks earlier in this process")
        return
    began = time.monotonic()
    job = {"assignment": assignment.id, "student": REFERENCE, "folder": str(assignment.solution_dir),
           "files": reference_files(assignment, limits), "limits": limits.to_dict()}
    try:
        result = executor.submit(job).result()
    except Exception as exc:  # noqa: BLE001 - the grader could not run at all
        raise PreflightFailed(f"the grader could not grade the reference solution of {assignment.id}: "
                              f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ''}"
                              "; nothing was graded or written.") from None
    if result.get("fault"):
        raise PreflightFailed(f"the grader could not grade the reference solution of {assignment.id}: "
                              f"{result['fault']}; nothing was graded or written.")
    report = Report.from_json(result["report"])
    if not report.full_marks:
        raise PreflightFailed(preflight_problem(assignment, report, result.get("info")))
    _proven.add(key)
    log(f"preflight: the reference solution earned full marks ({report.earned:g} points) "
              f"in {time.monotonic() - began:.1f} s")


def write_csv(path: Path, reports: dict[str, Report]) -> None:
    """One row per student (atomic replace): points per task, total without bonus, bonus, max."""
    task_keys = sorted({t.task for r in reports.values() for t in r.tests}, key=lambda k: (len(k), k))
    import io

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(["student", *(f"task {k}" for k in task_keys), "total", "bonus", "max",
                     "submitted", "hours late", "late deduction", "final", "group", "error"])
    for student, r in sorted(reports.items()):
        per_task = {t.key: t.earned for t in r.tasks()}
        late = r.late or {}
        writer.writerow([student, *(f"{per_task.get(k, 0):g}" for k in task_keys),
                         f"{r.base_earned:g}", f"{r.bonus_earned:g}", f"{r.possible:g}",
                         late.get("submitted", ""), f"{late.get('seconds_late', 0) / 3600:.2f}" if late else "",
                         f"{r.late_deducted:g}", f"{r.final:g}", r.group, r.error])
    atomic_write(Path(path), buf.getvalue())


def table(reports: dict[str, Report]) -> str:
    """One line per student: points of the maximum, bonus points, and full marks or what failed."""
    width = max([len("student"), *map(len, reports)])
    lines = [f"{'student':<{width}} {'points':>9}  {'bonus':>5}  status"]
    for student, r in sorted(reports.items()):
        failed = sum(t.outcome != "passed" for t in r.tests)
        status = "full marks" if r.full_marks else (r.error or f"{failed} test{'s' if failed != 1 else ''} failed")
        lines.append(f"{student:<{width}} {r.base_earned:>4g} / {r.possible:<3g} {r.bonus_earned:>5g}  {status[:60]}")
    return "\n".join(lines)


# --- executors ----------------------------------------------------------------------------------
class _LocalPool:
    """Local worker processes (``batch.pool``), each warmed up once: torch, pytest, a fork server."""

    def __init__(self, workers: int):
        from .batch.pool import WorkerPool

        self.workers = workers
        self.pool = WorkerPool(workers)

    def submit(self, job_data: dict):
        return self.pool.submit(job_data)

    def wait(self, pending):
        from concurrent.futures import wait

        return wait(pending, return_when=FIRST_COMPLETED)

    def close(self) -> None:
        self.pool.shutdown()


class InProcessPool:
    """Grades in this (trusted) process, one submission at a time: for one-off grading such as
    nbgrader's autograde step (``nbgrader_plugin``). Student code is still sandboxed."""

    workers = 1

    def submit(self, job_data: dict):
        from concurrent.futures import Future

        from .batch import job

        future: Future = Future()
        try:
            future.set_result(job.grade_job(job_data))
        except Exception as exc:  # noqa: BLE001 - delivered like a worker's failure
            future.set_exception(exc)
        return future

    def close(self) -> None:
        pass


class _DaskPool:
    """The workers of a running Dask distributed cluster (``Client`` is a futures executor)."""

    def __init__(self, address: str):
        from distributed import Client

        self.client = Client(address)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))

    def submit(self, job_data: dict):
        from .batch import job

        return self.client.submit(job.grade_job, job_data, pure=False)

    def wait(self, pending):
        from distributed import wait

        result = wait(list(pending), return_when="FIRST_COMPLETED")
        return set(result.done), set(result.not_done)

    def close(self) -> None:
        self.client.close()


class _Progress:
    """A tqdm bar with ETA on a terminal; one quiet line per submission in a pipe."""

    def __init__(self, total: int, label: str, enabled: bool):
        self.total, self.done, self.enabled = total, 0, enabled
        self.bar = None
        if enabled and sys.stderr.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=label, unit="submission", file=sys.stderr)

    def update(self, student: str, report: Report) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(f"{student}: {report.base_earned:g}/{report.possible:g}")
            self.bar.update()
        elif self.enabled:
            print(f"[{self.done}/{self.total}] {student}: {report.base_earned:g} / {report.possible:g}"
                  + (f" ({report.error[:80]})" if report.error else ""), file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _discover(assignment: Assignment, submissions: Path, out: Path, store: Store,
              found: dict | None = None) -> tuple[dict[str, Path], dict[str, str]]:
    """({student: folder to grade}, {student: why their input is unusable}) for ``submissions``
    (see ``batch.inputs``); logs each unusable input and each renamed student. Raises
    ``inputs.WrongInput`` when the submissions as a whole cannot be right. ``found``, when given,
    receives every ``inputs.Submission`` by student (late flags, nbgrader timestamps)."""
    found = found if found is not None else {}
    found.update(inputs.discover(submissions, out / "_submissions", assignment))
    for s in found.values():
        if s.problem:
            store.log(f"unusable input {s.student} ({s.source}): {s.problem}")
        elif s.student != s.source.rstrip("/").removesuffix(".zip"):
            store.log(f"found {s.student} in {s.source}" + (" (flagged late)" if s.late else ""))
    return ({s.student: s.folder for s in found.values() if not s.problem},
            {s.student: s.problem for s in found.values() if s.problem})


def grade_batch(assignment: Assignment, submissions: Path, out: Path, *, workers: int | None = None,
                force: bool = False, progress: bool = True, scheduler: str | None = None,
                limits: Limits | None = None, preflight: bool = True,
                students: list[str] | None = None, deadline: Deadline | None = None,
                groups_file: Path | None = None) -> dict[str, Report]:
    """Grade every submission in ``submissions`` (a folder of student folders, nbgrader's ``submitted/``,
    or an LMS zip: see ``batch.inputs``); returns {student: Report}. An unusable input is an
    ``INPUT_ERROR`` report: listed in grades.csv with its reason, not saved, so a rerun retries it.

    ``deadline`` (default: the assignment's ``due`` and ``late`` policy) records each new grade's
    lateness and deduction (``Report.late``), from the best submission time the input has.
    Group hand-ins (``batch.groups``: a ``group.txt`` in the submission, or ``groups_file``) are
    graded once and the grade copied to each member.
    ``students`` regrades only those (each saved report replaced atomically once its new grade is
    known); everyone else's saved grade is kept as it is, and nobody else is graded.

    Raises, before anything is written: ``inputs.WrongInput`` when the input as a whole cannot be
    right or ``students`` names someone who is not in it; :class:`PreflightFailed` when
    ``preflight`` is on and the reference solution does not earn full marks on the same workers
    and limits.
    """
    from .sandbox.files import collect_files

    out = Path(out)
    store = Store(out)
    limits = limits or default_limits(assignment)
    found: dict = {}
    folders, problems = _discover(assignment, Path(submissions), out, store, found)
    deadline = deadline or Deadline.of(assignment.config)
    teams, clashes = groups.find(folders, groups_file)
    for student, problem in clashes.items():
        store.log(f"unusable input {student}: {problem}")
        folders.pop(student, None)
    problems.update(clashes)
    if students is not None:
        unknown = sorted(set(students) - set(folders) - set(problems))
        if unknown:
            raise inputs.WrongInput(f"no submission of {', '.join(unknown)} in {submissions}; "
                                    f"the students there are: {', '.join(sorted({*folders, *problems})) or 'none'}")
    reports: dict[str, Report] = {}
    def share(student: str, report: Report, persist: bool = True) -> None:
        """Copy a group's grade to each member (saved like any grade, unless it is not one)."""
        for member in teams.get(student, []):
            copy = groups.member_copy(report, member, student)
            reports[member] = copy
            if persist and report.graded:
                saved = store.load(member)
                if saved is None or saved.to_json() != copy.to_json():
                    store.save(member, copy)

    todo: list[str] = []
    for student in folders:
        regrade = force if students is None else student in students
        saved = None if regrade else store.load(student)
        if students is not None and not regrade:
            if saved is not None:
                reports[student] = saved
            continue
        if saved is None:
            todo.append(student)
        else:
            reports[student] = saved
            store.render(student, saved, only_missing=True)
            share(student, saved)
    if not scheduler and not workers:
        from .batch.capacity import default_workers

        workers = default_workers()
    where = f"Dask scheduler {scheduler}" if scheduler else f"{workers} local workers"
    store.log(f"start {assignment.id}: {len(folders) + len(problems)} submissions, {len(reports)} already graded, "
              f"{len(problems)} unusable, {len(todo)} to grade on {where}")
    expected = expected_tests(assignment) if todo or problems else []

    for student, problem in problems.items():
        reports[student] = failed_report(assignment.id, student, problem, expected, kind=INPUT_ERROR)
    if not todo:
        write_csv(out / "grades.csv", reports)
        return reports

    executor = _DaskPool(scheduler) if scheduler else _LocalPool(workers)
    try:
        if preflight:
            prove(assignment, executor, limits, store.log, (assignment.id, limits, scheduler))
        else:
            store.log("preflight skipped (--no-preflight): the grader did not prove itself on the reference solution")
    except BaseException:
        executor.close()
        raise
    write_csv(out / "grades.csv", reports)
    bar = _Progress(len(todo), f"grading {assignment.id}", progress)
    attempts: dict[str, int] = {}
    queue = list(todo)
    pending: dict = {}
    in_flight = 2 * executor.workers

    def submit(student: str) -> None:
        attempts[student] = attempts.get(student, 0) + 1
        job = {"assignment": assignment.id, "student": student, "folder": str(folders[student]),
               "files": collect_files(folders[student], limits), "limits": limits.to_dict()}
        pending[executor.submit(job)] = (student, time.monotonic())

    def finish(student: str, report: Report, seconds: float, info: dict | None, persist: bool = True) -> None:
        report.submission = student
        if deadline.due is not None:
            meta = found[student]
            when = submission_time(meta.folder, submitted_at=meta.submitted_at, late_flag=meta.late)
            report.late = lateness(deadline, when).to_dict()
        if persist:
            store.save(student, report, seconds)
        reports[student] = report
        share(student, report, persist)
        write_csv(out / "grades.csv", reports)
        isolation = f" isolation={info['isolation']}" if info else ""
        problems = f" problems: {' | '.join(info['events'])[:300]}" if info and info.get("events") else ""
        took = info["seconds"] if info and "seconds" in info else seconds
        store.log(f"graded {student}: {report.base_earned:g}/{report.possible:g} "
                  f"bonus {report.bonus_earned:g} in {took:.1f} s{isolation}"
                  + (f" error: {report.error[:200]}" if report.error else "") + problems)
        bar.update(student, report)

    try:
        while queue or pending:
            while queue and len(pending) < in_flight:
                submit(queue.pop(0))
            done, _ = executor.wait(set(pending))
            for future in done:
                student, began = pending.pop(future)
                try:
                    result = future.result()
                    fault = result.get("fault")
                except Exception as exc:  # noqa: BLE001 - a worker died or the grader has a bug
                    result, fault = None, f"{type(exc).__name__}: {_last_line(exc)}"
                if fault:
                    store.log(f"grader error on {student} (attempt {attempts[student]}): {fault[:300]}")
                    if attempts[student] < MAX_ATTEMPTS:
                        queue.insert(0, student)
                        continue
                    problem = f"grader error, not a grade (a rerun retries it): {fault[:300]}"
                    finish(student, failed_report(assignment.id, student, problem, expected),
                           time.monotonic() - began, None, persist=False)
                    continue
                finish(student, Report.from_json(result["report"]), time.monotonic() - began, result.get("info"))
    finally:
        bar.close()
        executor.close()
    store.log(f"done {assignment.id}: {len(reports)} graded")
    write_csv(out / "grades.csv", reports)
    return reports


def _last_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[-1][:300] if text else ""


def summary(reports: dict[str, Report]) -> tuple[str, int]:
    """The batch's last line and exit status: 0 when every submission was graded, else 1."""
    graded = sum(r.graded for r in reports.values())
    inputs_bad = sum(r.error_kind == INPUT_ERROR for r in reports.values())
    faults = sum(r.error_kind == GRADER_ERROR for r in reports.values())
    line = f"graded {graded} of {len(reports)} submissions"
    if inputs_bad or faults:
        parts = [f"{n} {what}{'s' if n != 1 else ''}" for n, what in ((inputs_bad, "unusable input"),
                                                                     (faults, "grader error")) if n]
        line += f"; not graded: {', '.join(parts)} (see grades.csv; a rerun retries them)"
    return line, 0 if graded == len(reports) else 1


def main(assignment: Assignment, submissions: Path, out: Path, *, force: bool = False, workers: int | None = None,
         scheduler: str | None = None, preflight: bool = True, gradebook: str | None = None,
         students: list[str] | None = None, deadline: Deadline | None = None,
         groups_file: Path | None = None) -> int:
    """``python -m autograder grade``: exit 0 when every submission was graded, 1 when some were
    not (grader errors, unusable inputs, or the preflight failed), 2 for usage errors.
    ``gradebook`` (a database URL, "" for the course's) also writes the graded students' scores there."""
    if not submissions.exists():
        print(f"error: {submissions} does not exist (a folder with one sub-folder per student, or an LMS zip)",
              file=sys.stderr)
        return 2
    try:
        reports = grade_batch(assignment, submissions, out, workers=workers, force=force, scheduler=scheduler,
                              preflight=preflight, students=students, deadline=deadline, groups_file=groups_file)
    except (FileNotFoundError, inputs.WrongInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except PreflightFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        Store(out).log(f"preflight failed, nothing graded: {exc}")
        return 1
    print(table(reports))
    print(f"\nwrote {out / 'grades.csv'} and feedback (log: {out / 'grading.log'})")
    from . import insights

    print(f"class insights: {insights.build_quietly(assignment, out, submissions)}")
    if gradebook is not None:
        from . import gradebook as gb

        graded = {k: r for k, r in reports.items() if r.graded}
        try:
            n = gb.record(assignment, graded, gradebook or None)
        except gb.GradebookError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"wrote {n} task scores of {len(graded)} students into the nbgrader gradebook")
    line, code = summary(reports)
    print(line)
    return code
