"""`dlicourse grade`: the grader's command line (the grading itself is in the rest of `dlicourse.grading`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from dlicourse import grading
from dlicourse.grading import isolation


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION", help="submission.py file(s)")
    parser.add_argument("--task", choices=["whale"], default="whale", help="what is graded (default: whale)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the generated hidden set (default: a fresh secret one from the OS's "
                             "randomness, printed in the report and gradebook so a grade can be reproduced)")
    parser.add_argument("--n", type=int, default=grading.DEFAULT_HIDDEN_SIZE, metavar="N",
                        help=f"images in the generated hidden set (default: {grading.DEFAULT_HIDDEN_SIZE})")
    parser.add_argument("--images", metavar="DIR",
                        help="grade on a folder of labelled real crops (face/ and not_face/) instead")
    parser.add_argument("--out", metavar="CSV", help="write a gradebook, one row per submission")
    parser.add_argument("--json", action="store_true", help="print the grades as JSON")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default: 2)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the Dask cluster at ADDRESS; workers read the submissions at the same paths")
    defaults = grading.Limits()
    parser.add_argument("--per-image-s", type=float, default=defaults.per_image_s,
                        help=f"seconds one image may take (default: {defaults.per_image_s:g})")
    parser.add_argument("--total-s", type=float, default=defaults.total_s,
                        help=f"seconds a whole submission may take (default: {defaults.total_s:g})")
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb,
                        help=f"memory a submission may use (default: {defaults.memory_mb})")
    parser.add_argument("--unsafe-no-isolation", action="store_true",
                        help="grade without the operating system's sandbox (only where namespaces cannot be "
                             "made, and only for submissions you trust)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every submission passes, 1 when one fails (the grades are printed either way), 2 when
    isolated grading is impossible here and was not waived."""
    if not args.unsafe_no_isolation and (why := isolation.unavailable()):
        print(f"dlicourse grade: refusing to grade without isolation: {why}", file=sys.stderr)
        return 2
    if args.images:
        test_set = grading.folder_set(args.images)
        for path, reason in test_set.skipped:
            print(f"skipped {path}: {reason}", file=sys.stderr)
    else:
        test_set = grading.whale_set(args.n, seed=args.seed)
    limits = grading.Limits(per_image_s=args.per_image_s, total_s=args.total_s, memory_mb=args.memory_mb,
                            startup_s=min(grading.Limits().startup_s, args.total_s))
    protected = [Path(args.images).resolve()] if args.images else []
    if args.scheduler:  # each submission a task on the cluster, graded by grading.grade in its sandbox there
        from dlicourse.instructor import distributed

        results = distributed.grade_many(args.submissions, test_set, limits, args.jobs, args.scheduler, protected,
                                         isolated=not args.unsafe_no_isolation)
    else:
        results = grading.grade_many(args.submissions, test_set, limits, jobs=args.jobs, protected=protected,
                                     isolated=not args.unsafe_no_isolation)
    # Every submission's processes are gone by now: only the grader writes results.
    if args.out:
        grading.write_gradebook(args.out, results)
    if args.json:
        print(json.dumps([r.to_dict() for r in results], indent=2, allow_nan=False))
    elif args.out:
        for r in results:
            print(f"{'PASS' if r.passed else 'FAIL'} {r.accuracy:6.1%}  {r.submission}"
                  + (f"  ({r.problem})" if r.problem else ""))
        print(f"gradebook: {args.out}")
    else:
        print("\n\n".join(grading.report(r) for r in results))
    return 0 if all(r.passed for r in results) else 1
