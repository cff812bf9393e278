"""The `dlicourse` command: run notebooks in batch, release the labs, check a machine, grade, pretrain."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from dlicourse.instructor import profiles


def _run(args: argparse.Namespace) -> int:
    from dlicourse.instructor import runner

    assignments = runner.parse_assignments(args.parameter)
    if args.jobs < 1:
        raise runner.RunError(f"--jobs must be 1 or more, got {args.jobs}")
    results = runner.run(args.notebooks, args.profile, assignments, Path(args.runs_dir), jobs=args.jobs,
                         scheduler=args.scheduler, force=args.force)
    print()
    print(runner.summary(results), end="")
    print(runner.slowest_cells(results), end="")
    failed = [r for r in results if r.error]
    if failed:
        kinds = ", ".join(sorted({r.status for r in failed}))
        print(f"\n{len(failed)} of {len(results)} run(s) failed ({kinds}; exit status {runner.exit_status(results)}):",
              file=sys.stderr)
        for r in failed:
            print(f"  {r.error}", file=sys.stderr)
    return runner.exit_status(results)


def _doctor(args: argparse.Namespace) -> int:
    from dlicourse.instructor.doctor import main as doctor

    return doctor()


def _release(args: argparse.Namespace) -> int:
    from dlicourse.instructor.release import release

    problems = release(check=args.check, expect_from=Path(args.expect_from) if args.expect_from else None)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not args.check:
        print("labs/ written from solutions/")
    return 1 if problems else 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="dlicourse", description=__doc__)
    sub = top.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run notebooks headless with papermill and collect their figures")
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                     help="e.g. 03_mnist or 03 (default: every solution notebook)")
    run.add_argument("--profile", default="workshop",
                     help=f"one of {', '.join(profiles.names())}, from dlicourse/profiles.toml (default: workshop)")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="set a parameter; NAME=V1,V2 runs a grid, one notebook per combination")
    run.add_argument("--runs-dir", default="runs", help="where executed notebooks and outputs go")
    run.add_argument("--jobs", type=int, default=1, metavar="N",
                     help="notebooks run at once on this machine, each kernel on its share of the cores (default: 1)")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on the Dask cluster at ADDRESS (e.g. tcp://10.0.0.5:8786) instead of here")
    run.add_argument("--force", action="store_true",
                     help="run every notebook even if the cache holds a run with the same inputs")
    run.set_defaults(func=_run)

    rel = sub.add_parser("release", help="write labs/ from solutions/")
    rel.add_argument("--check", action="store_true", help="write nothing; fail if labs/ or solutions/ drift")
    rel.add_argument("--expect-from", metavar="DIR",
                     help="first copy the marked cells' outputs from executed notebooks in DIR")
    rel.set_defaults(func=_release)

    doc = sub.add_parser("doctor", help="check that this machine is ready for the labs, and say how to fix it")
    doc.set_defaults(func=_doctor)

    from dlicourse.grading import command as grade_command

    grade_command.add_arguments(sub.add_parser("grade", help="grade submission.py files on a hidden test set"))

    from dlicourse.instructor.pretrain import training

    pre = sub.add_parser("pretrain", help="train the course's dog base again (about 10 minutes on a 2-core CPU)")
    training.add_arguments(pre)
    pre.set_defaults(func=training.run)
    return top


def _one_line_errors() -> tuple[type[Exception], ...]:
    """The errors a command reports in one line. Imported only once one is raised: `release` pulls in
    nbformat and jsonschema, seconds of start-up that `dlicourse grade` (a re-grade takes seconds) never needs."""
    from dlicourse.instructor.distributed import ClusterError
    from dlicourse.instructor.release import ReleaseError
    from dlicourse.instructor.runner import RunError

    return RunError, ReleaseError, ClusterError, FileNotFoundError, ValueError


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except Exception as err:
        if not isinstance(err, _one_line_errors()):
            raise
        print(f"dlicourse: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlicourse: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
