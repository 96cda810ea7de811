"""Command line: ``python -m autograder <command>``.

    list                                  the assignments and their points
    check [<assignment>] [--submission DIR]  grade one folder locally; exit 0 only at full marks
                                          (inside an assignment folder no id is needed)
    check ... --task K | -k EXPR          only one task's tests (or pytest's -k): a partial check
    generate [<assignment>...]            regenerate the student skeletons from solutions/
    release [<assignment>...]             regenerate skeletons and build release/ with nbgrader
    grade <assignment> <submissions> --out DIR   grade a folder of submissions (one sub-folder each)
    review <assignment> <submissions> --out DIR  HTML pages for TAs: report, autograde results, rubric
    review import <csv> [--db URL]        the bundle's manual points and comments into nbgrader's gradebook
    export --course DIR --out FILE        one CSV for the LMS (autograded + manual points, late deductions)
    classroom <assignment>                GitHub Classroom: public tests for the autograding reporter
    gradescope <assignment>               the assignment as a Gradescope autograder zip
    insights <assignment> --grades DIR [--submissions PATH] [--out DIR]  the class view: common mistakes, similar code
    insights --course --grades DIR... --out DIR  per student, the misconceptions that recur across assignments
    demo                                  build skeletons, grade the bundled samples, print the table
    timing [<assignment>...]              measure the reference's test times (the per-test limits)

generate, release, demo and timing need the course repository (solutions/).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import course, timing


def _cmd_list(args) -> int:
    from .grade import expected_tests

    found = course.assignments()
    here = course.find_folder(Path.cwd())
    if not found and here is not None:
        found = [course.standalone(here)]
    if not found:
        root = course.course_root()
        print(f"no assignments found: looked in {root / 'solutions'}, {root / 'assignments'} and for an "
              f"{course.CONFIG_NAME} in {Path.cwd()} and its parents. Run this inside your assignment folder.",
              file=sys.stderr)
        return 1
    for a in found:
        tests = expected_tests(a)
        points = sum(t.points for t in tests if not t.bonus)
        bonus = sum(t.points for t in tests if t.bonus)
        which = "" if a.tests_dir() == a.solution_dir / "tests" else "  (public tests)"
        extra = f" + {bonus:g} bonus" if bonus else ""
        print(f"{a.id:<26} {a.title[:50]:<50} {points:>4g} points{extra}{which}")
        if a.home is not None:
            print(f"{'':<26} in {a.home}")
    return 0


def _cmd_check(args) -> int:
    from . import check, feedback, selection

    if args.submission and not Path(args.submission).is_dir():
        print(f"error: submission folder {args.submission} does not exist", file=sys.stderr)
        return 2
    assignment = course.get(args.assignment, near=Path(args.submission or "."))
    if args.submission:
        folder = Path(args.submission)
    elif args.assignment is None or assignment.home is not None:
        folder = course.find_folder(Path.cwd()) or assignment.skeleton_dir
    else:
        folder = assignment.skeleton_dir
    tests = assignment.tests_dir(hidden=not args.public)
    try:
        select = selection.choose(tests, task=args.task, keyword=args.keyword)
    except selection.UnknownTask as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    partial = bool(args.task or args.keyword)
    if args.watch and args.quiet:
        print("error: --watch shows each check's result; it cannot be --quiet", file=sys.stderr)
        return 2

    def check_once() -> int:
        report = check.run(assignment, folder, hidden=not args.public, verbose=args.verbose,
                           test_timeout=args.test_timeout, budget=args.time_budget, progress=not args.quiet,
                           select=select if partial else None)
        if partial and not report.tests and not report.error:
            print(f"error: no test matches {_chosen(args)} (-k takes a test-name pattern, as pytest's). "
                  f"The tasks:\n{selection.listing(selection.tasks(tests))}", file=sys.stderr)
            return 2
        if args.json:
            report.save(Path(args.json))
        if not args.quiet:
            print(feedback.text(report, verbose=args.verbose, partial=_chosen(args) if partial else ""))
        if report.error.startswith(check.INTERRUPTED):
            return 130
        return 0 if report.full_marks else 1

    if not args.watch:
        return check_once()
    from . import watch

    again = [a for a in args.argv if a not in ("-w", "--watch")]
    return watch.watch(folder, {Path(m).stem for m in assignment.modules}, check_once, again)


def _chosen(args) -> str:
    """The selection of a partial check in words, e.g. ``--task 2 -k shape``."""
    return " ".join(filter(None, [f"--task {args.task}" if args.task else "",
                                  f"-k {args.keyword!r}" if args.keyword else ""]))


def _cmd_generate(args) -> int:
    from . import generate

    chosen = [course.get(a) for a in args.assignments] if args.assignments else course.assignments()
    for a in chosen:
        if not a.solution_dir.is_dir():
            print(f"error: {a.id} has no solutions/ folder to generate from", file=sys.stderr)
            return 2
        generate.write(a)
        print(f"generated {a.skeleton_dir.relative_to(a.root)}/")
    return 0


def _cmd_release(args) -> int:
    from . import generate, release

    chosen = [course.get(a) for a in args.assignments] if args.assignments else course.assignments()
    for a in chosen:
        generate.write(a)
        try:
            out = release.build(a)
        except release.ReleaseError as exc:
            print(f"error: nbgrader could not release {a.id}:\n{exc}", file=sys.stderr)
            return 1
        print(f"released {out.relative_to(a.root)}/")
    return 0


def _cmd_timing(args) -> int:
    from . import measure

    chosen = [course.get(a) for a in args.assignments] if args.assignments else course.assignments()
    for a in chosen:
        try:
            path = measure.reference_times(a)
        except RuntimeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"wrote {path.relative_to(a.root)} (run `generate` to copy it into the skeleton)")
    return 0


def _cmd_grade(args) -> int:
    from . import grade

    from .deadlines import Deadline, PolicyError

    assignment = course.get(args.assignment)
    try:
        deadline = Deadline.of(assignment.config, due=args.due, policy=args.late_policy)
    except PolicyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return grade.main(assignment, Path(args.submissions), Path(args.out), force=args.force, workers=args.workers,
                      scheduler=args.scheduler, preflight=not args.no_preflight, gradebook=args.gradebook,
                      students=args.student, deadline=deadline,
                      groups_file=Path(args.groups) if args.groups else None)


def _cmd_review(args) -> int:
    from . import grade, review
    from .batch import inputs

    submissions = Path(args.submissions)
    if not submissions.exists():
        print(f"error: {submissions} does not exist (a folder with one sub-folder per student, or an LMS zip)",
              file=sys.stderr)
        return 2
    if args.grades and not Path(args.grades).is_dir():
        print(f"error: {args.grades} is not a `grade --out` folder", file=sys.stderr)
        return 2
    try:
        bundle = review.build(course.get(args.assignment), submissions, Path(args.out),
                                       grades=Path(args.grades) if args.grades else None, execute=args.execute,
                                       workers=args.workers, preflight=not args.no_preflight)
    except inputs.WrongInput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except grade.PreflightFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for student, problem in sorted(bundle.problems.items()):
        print(f"{student}: {problem}")
    print(f"review bundle: {bundle.index}")
    print(f"{bundle.students} students: {bundle.students - len(bundle.problems)} reports shown, "
          f"{len(bundle.problems)} with a problem shown instead, {len(bundle.ungraded)} without a grade")
    return 1 if bundle.ungraded else 0


def _cmd_export(args) -> int:
    from . import export, gradebook

    course_dir = Path(args.course)
    if not course_dir.is_dir():
        print(f"error: {course_dir} is not a folder of `grade --out` folders (one per assignment id)", file=sys.stderr)
        return 2
    chosen = ([course.get(a) for a in args.assignment] if args.assignment
              else [a for a in course.assignments() if (course_dir / a.id).is_dir()])
    if not chosen:
        print(f"error: {course_dir} holds no grade folder named after an assignment "
              f"({', '.join(a.id for a in course.assignments())})", file=sys.stderr)
        return 2
    db_url = None
    if args.gradebook is not None:
        db_url = args.gradebook or gradebook.default_db_url(chosen[0])
    return export.main(chosen, course_dir, Path(args.out), db_url=db_url,
                       roster_path=Path(args.roster) if args.roster else None, layout=args.layout)


def _cmd_classroom(args) -> int:
    from . import classroom

    if args.workflow:
        print(classroom.workflow(course.get(args.assignment)), end="")
        return 0
    folder = Path(args.submission)
    assignment = course.get(args.assignment, near=folder)
    return classroom.main(assignment, folder)


def _cmd_gradescope(args) -> int:
    from . import gradescope

    assignment = course.get(args.assignment)
    if not assignment.solution_dir.is_dir():
        print(f"error: {assignment.id} has no solutions/ folder: build the autograder from the course repository",
              file=sys.stderr)
        return 2
    out = gradescope.build(assignment, Path(args.out))
    print(f"wrote {out}: upload it as the assignment's autograder on Gradescope (base image with Python 3.11+)")
    return 0


def _cmd_review_import(args) -> int:
    from . import manual_grades

    db = args.db or course.nbgrader_paths().gradebook_url
    if db.startswith("sqlite:///") and not Path(db[len("sqlite:///"):]).is_file():
        print(f"error: no gradebook at {db[len('sqlite:///'):]} (pass the course's with --db sqlite:///PATH)",
              file=sys.stderr)
        return 2
    try:
        done = manual_grades.import_csv(Path(args.csv), db)
    except manual_grades.ImportRefused as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {done.scores} scores and {done.comments} comments for {done.students} students into {db}")
    return 0


def _cmd_insights(args) -> int:
    from . import insights

    if args.course:
        if not args.out:
            print("error: --course needs --out DIR (where course.html goes)", file=sys.stderr)
            return 2
        return insights.course_main([Path(g) for g in args.grades], Path(args.out))
    if not args.assignment or len(args.grades) != 1:
        print("error: name the assignment and one --grades folder (or use --course with several)", file=sys.stderr)
        return 2
    return insights.main(course.get(args.assignment), Path(args.grades[0]), Path(args.out) if args.out else None,
                         Path(args.submissions) if args.submissions else None)


def _cmd_demo(args) -> int:
    from . import demo

    return demo.main(Path(args.out))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    sub.add_parser("list", help="list the assignments").set_defaults(func=_cmd_list)

    p = sub.add_parser("check", help="grade one submission folder and explain what failed")
    p.add_argument("assignment", nargs="?", default=None,
                   help="assignment id (default: the assignment folder you are in)")
    p.add_argument("--submission", help="folder with your modules (default: the assignment folder you are in)")
    p.add_argument("--public", action="store_true", help="run only the public tests, as a student sees them")
    p.add_argument("--json", help="also write the result as JSON to this file")
    p.add_argument("--test-timeout", type=float, default=None,
                   help=f"seconds before a single test is stopped (default, as in the real grading: "
                        f"{timing.FACTOR:g} x the reference's slowest test, at least {timing.FLOOR_S:g})")
    p.add_argument("--time-budget", type=float, default=None,
                   help=f"seconds for the whole check (default: {timing.BUDGET_FACTOR:g} x the reference's time, "
                        f"at least {timing.BUDGET_FLOOR_S:g}; 0: none)")
    p.add_argument("--task", default=None, metavar="K",
                   help="run only task K's tests, e.g. --task 2 (a partial check: its total is not your grade)")
    p.add_argument("-k", dest="keyword", default=None, metavar="EXPR",
                   help="run only the tests whose names match EXPR, as pytest's -k (a partial check)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing; the exit status tells")
    p.add_argument("-v", "--verbose", action="store_true", help="show passing tests and full tracebacks")
    p.add_argument("-w", "--watch", action="store_true",
                   help="keep running: check again each time you save a file in the folder (Ctrl-C stops); "
                        "after the first check, the answer comes in the time the tests take")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("generate", help="regenerate student skeletons from solutions/")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("release", help="regenerate skeletons and build the student release with nbgrader")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("timing", help="measure the reference's test times (per-test limits of check and grade)")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_timing)

    p = sub.add_parser("grade", help="grade a folder of submissions")
    p.add_argument("assignment")
    p.add_argument("submissions", help="folder with one sub-folder per student, or an LMS zip export")
    p.add_argument("--out", required=True, help="where grades.csv and feedback go")
    p.add_argument("--workers", type=int, default=None, help="parallel graders (default: one per core, as many as memory holds)")
    p.add_argument("--force", action="store_true", help="regrade submissions that already have a result")
    p.add_argument("--student", action="append", metavar="NAME",
                   help="regrade only this student (repeatable); everyone else's saved grade stays as it is")
    p.add_argument("--groups", default=None, metavar="CSV",
                   help="the LMS's group export (columns group, student): one grade for each member")
    p.add_argument("--due", default=None, metavar="ISO",
                   help="due date for this run, e.g. 2026-11-20T23:59:00+01:00 (default: assignment.toml's)")
    p.add_argument("--late-policy", default=None, metavar="POLICY",
                   help="'none', 'zero' or e.g. '10%%/day, cap 50%%, grace 15m' (default: assignment.toml's)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="grade on the workers of a Dask distributed cluster (e.g. tcp://host:8786)")
    p.add_argument("--gradebook", nargs="?", const="", default=None, metavar="DB_URL",
                   help="also write the task scores into the nbgrader gradebook (default: the course's)")
    p.add_argument("--no-preflight", action="store_true",
                   help="do not grade the reference solution first (where no solutions are present); "
                        "the log says the grader did not prove itself")
    p.set_defaults(func=_cmd_grade)

    p = sub.add_parser("review", help="per-student HTML pages for TAs: report, autograde results, rubric")
    p.add_argument("assignment")
    p.add_argument("submissions", help="folder with one sub-folder per student, nbgrader's submitted/, or an LMS zip")
    p.add_argument("--out", required=True, help="where index.html and the pages go")
    p.add_argument("--grades", help="a `grade --out` folder to take the scores from (default: grade now)")
    p.add_argument("--execute", action="store_true", help="re-run each notebook first, in the sandbox, for the plot checks")
    p.add_argument("--workers", type=int, default=None, help="parallel graders when grading now (default: cores)")
    p.add_argument("--no-preflight", action="store_true", help="when grading now: skip grading the reference first")
    p.set_defaults(func=_cmd_review)

    p = sub.add_parser("export", help="one CSV for the LMS: autograded + manual points, less late deductions")
    p.add_argument("--course", required=True, metavar="DIR",
                   help="folder holding one `grade --out` folder per assignment, named by its id")
    p.add_argument("--assignment", action="append", help="only these assignments (default: every folder found)")
    p.add_argument("--gradebook", nargs="?", const="", default=None, metavar="DB_URL",
                   help="add the TAs' manual points from nbgrader's gradebook (default: the course's)")
    p.add_argument("--roster", help="CSV with student (folder name), name, lms_id [, sis_id, login, section]")
    p.add_argument("--layout", choices=("plain", "canvas", "moodle"), default="plain")
    p.add_argument("--out", required=True, help="the CSV to write")
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("classroom", help="GitHub Classroom: public tests -> the autograding reporter's result")
    p.add_argument("assignment")
    p.add_argument("--submission", default=".", help="the student's repository (default: .)")
    p.add_argument("--workflow", action="store_true",
                   help="print .github/workflows/classroom.yml for the template repository instead")
    p.set_defaults(func=_cmd_classroom)

    p = sub.add_parser("gradescope", help="build the assignment's Gradescope autograder zip")
    p.add_argument("assignment")
    p.add_argument("--out", default="autograder.zip", help="the zip to write (default: autograder.zip)")
    p.set_defaults(func=_cmd_gradescope)

    p = sub.add_parser("review-import", help="write the review bundle's exported CSV (manual points, comments) "
                                             "into nbgrader's gradebook; also spelt `review import`")
    p.add_argument("csv", help="the CSV from the bundle's \"Export CSV\" button")
    p.add_argument("--db", help="the gradebook's database URL (default: the course's build/nbgrader/gradebook.db)")
    p.set_defaults(func=_cmd_review_import)

    p = sub.add_parser("insights", help="one HTML page for the class: mistakes by cause, scores, similar code")
    p.add_argument("assignment", nargs="?", help="the assignment (not with --course)")
    p.add_argument("--grades", required=True, nargs="+", help="a `grade --out` folder (several with --course)")
    p.add_argument("--course", action="store_true",
                   help="across assignments: per student, the misconceptions that recur (needs --out)")
    p.add_argument("--submissions", help="the folder or zip that was graded (for the similarity check)")
    p.add_argument("--out", help="where insights.html, .json and .csv go (default: GRADES/insights)")
    p.set_defaults(func=_cmd_insights)

    p = sub.add_parser("demo", help="grade the bundled sample submissions of every assignment")
    p.add_argument("--out", default="out/demo", help="output folder (default: out/demo)")
    p.set_defaults(func=_cmd_demo)

    try:
        from .data import cli as data_cli
    except ImportError:  # the data package is optional for grading
        data_cli = None
    if data_cli is not None:
        data_cli.add_subcommands(sub)
    return parser


INSTRUCTOR_COMMANDS = ("generate", "release", "demo", "timing")


def _needs_course(command: str) -> str:
    """Why ``command`` cannot run here (empty if it can): instructor commands need the repository."""
    if command not in INSTRUCTOR_COMMANDS or course.is_course_repository():
        return ""
    return (f"`{command}` is an instructor command: it needs the course repository (the folder with "
            f"solutions/), and this installed package has none ({course.course_root()}).\n"
            "To check your work, run `python -m autograder check` inside your assignment folder.")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["review", "import"]:  # `review import <csv>`: `review` itself takes an assignment id
        argv = ["review-import", *argv[2:]]
    args = build_parser().parse_args(argv)
    args.argv = argv
    problem = _needs_course(args.command)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    try:
        if args.command == "data":
            from .data import cli as data_cli

            return data_cli.run(args)
        return args.func(args)
    except course.UnknownAssignment as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
