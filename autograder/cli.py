"""Command line: ``python -m autograder <command>``.

    list                                  the assignments and their points
    check <assignment> [--submission DIR] grade one folder locally; exit 0 only at full marks
    generate [<assignment>...]            regenerate the student skeletons from solutions/
    release [<assignment>...]             regenerate skeletons and build release/ with nbgrader
    grade <assignment> <submissions> --out DIR   grade a folder of submissions (one sub-folder each)
    review <assignment> <submissions> --out DIR  HTML pages for TAs: report, autograde results, rubric
    insights <assignment> --grades DIR [--submissions PATH] [--out DIR]  the class view: common mistakes, similar code
    insights --course --grades DIR... --out DIR  per student, the misconceptions that recur across assignments
    demo                                  build skeletons, grade the bundled samples, print the table
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import course


def _cmd_list(args) -> int:
    for a in course.assignments():
        print(f"{a.id:<26} {a.title}")
    return 0


def _cmd_check(args) -> int:
    from . import check, feedback

    assignment = course.get(args.assignment, near=Path(args.submission or "."))
    folder = Path(args.submission) if args.submission else assignment.skeleton_dir
    if not folder.is_dir():
        print(f"error: submission folder {folder} does not exist", file=sys.stderr)
        return 2
    report = check.run(assignment, folder, hidden=not args.public, verbose=args.verbose, test_timeout=args.test_timeout)
    if args.json:
        report.save(Path(args.json))
    if not args.quiet:
        print(feedback.text(report, verbose=args.verbose))
    return 0 if report.full_marks else 1


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


def _cmd_grade(args) -> int:
    from . import grade

    assignment = course.get(args.assignment)
    return grade.main(assignment, Path(args.submissions), Path(args.out), force=args.force, workers=args.workers,
                      scheduler=args.scheduler, preflight=not args.no_preflight, gradebook=args.gradebook)


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
    p.add_argument("assignment")
    p.add_argument("--submission", help="folder with your modules (default: assignments/<assignment>)")
    p.add_argument("--public", action="store_true", help="run only the public tests, as a student sees them")
    p.add_argument("--json", help="also write the result as JSON to this file")
    p.add_argument("--test-timeout", type=float, default=300, help="seconds before a single test is stopped (default 300)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing; the exit status tells")
    p.add_argument("-v", "--verbose", action="store_true", help="show passing tests and full tracebacks")
    p.set_defaults(func=_cmd_check)

    p = sub.add_parser("generate", help="regenerate student skeletons from solutions/")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("release", help="regenerate skeletons and build the student release with nbgrader")
    p.add_argument("assignments", nargs="*")
    p.set_defaults(func=_cmd_release)

    p = sub.add_parser("grade", help="grade a folder of submissions")
    p.add_argument("assignment")
    p.add_argument("submissions", help="folder with one sub-folder per student, or an LMS zip export")
    p.add_argument("--out", required=True, help="where grades.csv and feedback go")
    p.add_argument("--workers", type=int, default=None, help="parallel graders (default: number of cores)")
    p.add_argument("--force", action="store_true", help="regrade submissions that already have a result")
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
    p.add_argument("--execute", action="store_true", help="re-run each notebook first (runs student code)")
    p.add_argument("--workers", type=int, default=None, help="parallel graders when grading now (default: cores)")
    p.add_argument("--no-preflight", action="store_true", help="when grading now: skip grading the reference first")
    p.set_defaults(func=_cmd_review)

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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
