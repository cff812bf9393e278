"""`dlicourse grade`: the grader's command line (the grading itself is in the rest of `dlicourse.grading`).

A class goes into a gradebook (`--out`), one row per student, rewritten after every grade so that an
interrupted class resumes. Grading into an existing gradebook is a re-grade: on the same hidden set (the
gradebook's seed and size, or the same folder of crops) under the same conditions, where a student whose
hand-in is unchanged keeps their row without running again and a changed one is graded afresh.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import json
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from dlicourse import grading
from dlicourse.grading import handin, isolation, testsets
from dlicourse.grading.gradebook import Gradebook, GradebookError, LmsRows, default_student, gradebook_row, read_roster
from dlicourse.grading.protocol import clean


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                        help="submission.py file(s), each in its student's hand-in folder (with its model)")
    parser.add_argument("--task", choices=["whale"], default="whale", help="what is graded (default: whale)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the generated hidden set (default: a fresh secret one from the OS's "
                             "randomness, printed in the report and gradebook so a grade can be reproduced)")
    parser.add_argument("--n", type=int, default=grading.DEFAULT_HIDDEN_SIZE, metavar="N",
                        help=f"images in the generated hidden set (default: {grading.DEFAULT_HIDDEN_SIZE})")
    parser.add_argument("--images", metavar="DIR",
                        help="grade on a folder of labelled real crops (face/ and not_face/) instead")
    parser.add_argument("--per-attempt", action="store_true",
                        help="grade each hand-in on its own draw of the generated hidden set, from the seed and the "
                             "hand-in's sha256 (a resubmission meets new images; the same hand-in, the same ones)")
    parser.add_argument("--out", metavar="CSV",
                        help="the class's gradebook, one row per student; grading into an existing one keeps its "
                             "hidden set and the rows of unchanged submissions")
    parser.add_argument("--student-from", metavar="REGEX",
                        help="read the student from each path as given (the first group, else the whole match); "
                             "default: the submission's folder name")
    parser.add_argument("--canvas", metavar="ASSIGNMENT",
                        help="with --out, also write OUT's stem + .canvas.csv for Canvas's gradebook import, the "
                             "score in a column named ASSIGNMENT (e.g. 'Whale assessment (12345)')")
    parser.add_argument("--moodle", action="store_true",
                        help="with --out, also write OUT's stem + .moodle.csv for Moodle's CSV grade import")
    parser.add_argument("--roster", metavar="CSV",
                        help="with --canvas (Canvas's gradebook export) or --moodle (a CSV with a username or email "
                             "column): the LMS file holds only these students; the others are listed on stderr")
    parser.add_argument("--gradescope", metavar="JSON",
                        help="write Gradescope's results.json for the one submission given (run_autograder)")
    parser.add_argument("--prairielearn", metavar="JSON",
                        help="write PrairieLearn's external grader results.json for the one submission given")
    parser.add_argument("--json", action="store_true", help="print the grades as JSON")
    parser.add_argument("--jobs", type=int, default=2, help="submissions graded at once (default: 2)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the Dask cluster at ADDRESS; workers read the submissions at the same paths")
    defaults = grading.Limits()
    parser.add_argument("--platform", choices=["gradescope"],
                        help="limits that fit the platform's default autograder (docs/platforms.md); the options "
                             "below still override them one by one")
    parser.add_argument("--per-image-s", type=float,
                        help=f"seconds one image may take (default: {defaults.per_image_s:g})")
    parser.add_argument("--total-s", type=float,
                        help=f"seconds a whole submission may take, start-up included (default: {defaults.total_s:g})")
    parser.add_argument("--memory-mb", type=int, help=f"memory a submission may use (default: {defaults.memory_mb})")
    parser.add_argument("--unsafe-no-isolation", action="store_true",
                        help="grade without the operating system's sandbox (only where namespaces cannot be "
                             "made, and only for submissions you trust)")
    parser.set_defaults(func=run)


class GradeError(Exception):
    """Input the command cannot grade (a folder, two submissions of one student, a gradebook of another
    set); the message says what to do, in one line."""


@dataclass(frozen=True)
class Entry:
    """One submission of the class: its path as given, its student, the hash of what grading copies."""

    path: str
    student: str
    files_sha256: str


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every submission passes, 1 when one fails (the grades are printed either way), 2 when
    isolated grading is impossible here and was not waived, or the input cannot be graded (one line)."""
    if not args.unsafe_no_isolation and (why := isolation.unavailable()):
        return _refuse(args, f"refusing to grade without isolation: {why}")
    try:
        return _grade_class(args)
    except (GradeError, GradebookError) as err:
        return _refuse(args, clean(err, 2000))  # it may quote a student's folder name


def _refuse(args: argparse.Namespace, why: str) -> int:
    """Say why nothing was graded, in one line, and in the platform's results file too: an autograder that
    writes none leaves the learner with a bare error, or a platform that takes it for a 0."""
    print(f"dlicourse grade: {why}", file=sys.stderr)
    if args.gradescope:
        from dlicourse.grading import gradescope

        gradescope.write_refusal(args.gradescope, why)
    if args.prairielearn:
        from dlicourse.grading import prairielearn

        prairielearn.write_refusal(args.prairielearn, why)
    return 2


def _grade_class(args: argparse.Namespace) -> int:
    """Everything is checked (the options, the submissions, the gradebook's set) before anything runs, and
    the hidden set is drawn only if a submission is left to grade: an unchanged class re-grades in seconds."""
    if (args.gradescope or args.prairielearn) and (len(args.submissions) != 1 or args.out):
        raise GradeError("--gradescope and --prairielearn grade one submission, without --out (the platform runs the "
                         "autograder once per hand-in)")
    if (args.canvas or args.moodle) and not args.out:
        raise GradeError("--canvas and --moodle write beside the gradebook: give --out too")
    if args.per_attempt and (args.images or args.scheduler):
        raise GradeError("--per-attempt draws generated sets on this machine: not with --images or --scheduler")
    if args.roster and bool(args.canvas) == args.moodle:
        raise GradeError("--roster is Canvas's export or a Moodle roster: give it with one of --canvas or --moodle")
    roster = read_roster(args.roster, "canvas" if args.canvas else "moodle") if args.roster else None
    entries = _entries(args.submissions, args.student_from)
    book = Gradebook.read(args.out) if args.out else None
    identity, seed = _hidden_set(args, book)
    limits = _limits(args)
    conditions = _conditions(limits, isolated=not args.unsafe_no_isolation)
    kept = {e.student: row for e in entries if book and (row := book.reusable(e.student, e.files_sha256, conditions))}
    todo = [e for e in entries if e.student not in kept]
    if book is not None:
        book.expect([e.student for e in entries])
    if kept and not args.json:
        print(f"{len(kept)} unchanged submission(s) keep their grade from {args.out}; grading {len(todo)}",
              file=sys.stderr)
    test_sets = _test_sets(args, seed, todo) if todo else None
    grades = _grade(todo, args, limits, test_sets, book, identity, conditions) if test_sets else []
    if book is not None:
        book.write()
    if args.gradescope or args.prairielearn:
        _write_platform_results(args, grades[0], test_sets(0))
    _report(args, entries, kept, dict(zip((e.student for e in todo), grades, strict=True)), book, roster)
    return 0 if all(g.passed for g in grades) and all(r["passed"] == "True" for r in kept.values()) else 1


def _limits(args: argparse.Namespace) -> grading.Limits:
    """The platform's limits (`--platform`), else the grader's defaults, each overridden where given; start-up
    never longer than the whole."""
    if args.platform == "gradescope":
        from dlicourse.grading.gradescope import LIMITS as base
    else:
        base = grading.Limits()
    given = {name: value for name in ("per_image_s", "total_s", "memory_mb")
             if (value := getattr(args, name)) is not None}
    limits = replace(base, **given)
    return replace(limits, startup_s=min(limits.startup_s, limits.total_s))


def _entries(paths: list[str], pattern: str | None) -> list[Entry]:
    """Each submission with its student; a folder, a pattern that does not match, or two submissions of
    one student are refused before anything runs."""
    try:
        regex = re.compile(pattern) if pattern else None
    except re.error as err:
        raise GradeError(f"--student-from {pattern!r} is not a regular expression: {err}") from None
    entries, seen = [], {}
    for path in paths:
        if Path(path).is_dir():
            raise GradeError(f"{path} is a folder, not a submission file: give the submission.py in it "
                             f"({Path(path) / 'submission.py'})")
        student = _student(path, regex)
        if student in seen:
            raise GradeError(f"{seen[student]} and {path} are both student {student!r}: one submission a student "
                             "(--student-from says how the path names the student)")
        seen[student] = path
        entries.append(Entry(path, student, handin.digest(Path(path).expanduser().absolute())))
    return entries


def _student(path: str, regex: re.Pattern | None) -> str:
    if regex is None:
        return default_student(path)
    found = regex.search(path)
    student = clean((found.group(1) if found.groups() else found.group(0)) if found else "", 200)
    if not student:
        raise GradeError(f"--student-from {regex.pattern!r} finds no student in {path}")
    return student


def _hidden_set(args: argparse.Namespace, book: Gradebook | None) -> tuple[str, int | None]:
    """What the class is graded on (the set's identity, and the seed of a generated one): the gradebook's
    own when it has one; a different set than the gradebook's is refused, never mixed into it."""
    try:
        identity = (testsets.folder_identity(args.images) if args.images else
                    testsets.attempt_identity(args.n) if args.per_attempt else testsets.generated_identity(args.n))
    except (OSError, ValueError) as err:
        raise GradeError(f"--images: {err}") from None
    stored = book.hidden_set() if book else None
    if stored is None:
        return identity, None if args.images else args.seed
    stored_identity, stored_seed = stored
    if stored_identity != identity:
        raise GradeError(f"{args.out} was graded on {stored_identity}, not {identity}: give the same --n or --images "
                         "as then, or another --out")
    if args.seed is not None and str(args.seed) != stored_seed:
        raise GradeError(f"{args.out} was graded on another hidden set than --seed {args.seed}: leave --seed out "
                         "to grade on the gradebook's, or give another --out")
    return identity, int(stored_seed) if stored_seed and not args.images else None


def grader_version() -> str:
    """dlicourse's version and a hash of the grader's code (this package): a row graded by a grader that has
    since changed (a hole fixed, say) is graded again, never kept."""
    from dlicourse import __version__

    digest = hashlib.sha256()
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return f"grader {__version__}+{digest.hexdigest()[:12]}"


def _conditions(limits: grading.Limits, isolated: bool) -> str:
    """The gradebook's record of how a row was graded; a re-grade keeps a row only under the same: the same
    grader, isolation and limits."""
    return f"{grader_version()}; " + ("isolated" if isolated else "NOT isolated") + "; " + " ".join(
        f"{name}={value:g}" for name, value in asdict(limits).items())


def _grade(todo: list[Entry], args: argparse.Namespace, limits: grading.Limits,
           test_sets: Callable[[int], grading.TestSet], book: Gradebook | None, identity: str,
           conditions: str) -> list[grading.Grade]:
    """Grade what needs it, with a progress bar and ETA on stderr (not with --json) and every grade written
    into the gradebook as it comes, so that an interrupted class resumes where it stopped."""
    from tqdm import tqdm

    protected = [Path(args.images).resolve()] if args.images else []
    paths = [e.path for e in todo]
    lock = threading.Lock()
    with tqdm(total=len(todo), desc="grading", unit="submission", file=sys.stderr,
              disable=args.json or len(todo) < 2) as progress:
        def done(index: int, result: grading.Grade) -> None:
            result.student = todo[index].student
            if args.per_attempt:
                _check_draw(result, todo[index])
            with lock:
                if book is not None:
                    book.put(gradebook_row(result, identity, conditions))
                    book.write()
                progress.update()

        if args.scheduler:  # each submission a task on the cluster, graded by grading.grade in its sandbox there
            from dlicourse.instructor import distributed

            grades = distributed.grade_many(paths, test_sets(0), limits, args.jobs, args.scheduler, protected,
                                            isolated=not args.unsafe_no_isolation, on_done=done)
        else:
            grades = grading.grade_many(paths, test_sets, limits, jobs=args.jobs, protected=protected,
                                        isolated=not args.unsafe_no_isolation, on_done=done)
    for entry, result in zip(todo, grades, strict=True):  # a cluster's lost task is a new Grade at the end
        result.student = entry.student
    return grades


def _test_sets(args: argparse.Namespace, seed: int | None, todo: list[Entry]) -> Callable[[int], grading.TestSet]:
    """The set each hand-in to grade is graded on, by its index in `todo`: one set for all, drawn now, or with
    --per-attempt each hand-in's own draw (from the class's seed, a fresh secret one for a new class), drawn in
    the worker that grades it, once: the platforms' results need the graded set's crops again."""
    if not args.per_attempt:
        test_set = _test_set(args, seed)
        return lambda index: test_set
    secret = testsets.secret_seed() if seed is None else seed
    return functools.cache(lambda index: testsets.attempt_set(args.n, secret, todo[index].files_sha256))


def _check_draw(result: grading.Grade, entry: Entry) -> None:
    """A hand-in whose files changed between hashing (which chose its draw) and grading was graded on another
    hand-in's draw: no grade then (the gradebook's hash would not reproduce it), and it is graded again."""
    if result.files_sha256 and result.files_sha256 != entry.files_sha256:
        result.problem = "not graded: the hand-in changed while it was graded; grade it again"
        result.grader_fault = True


def _test_set(args: argparse.Namespace, seed: int | None) -> grading.TestSet:
    if not args.images:
        return grading.whale_set(args.n, seed=seed)
    test_set = grading.folder_set(args.images)
    for path, reason in test_set.skipped:
        print(clean(f"skipped {path}: {reason}", 2000), file=sys.stderr)
    return test_set


def _write_platform_results(args: argparse.Namespace, result: grading.Grade, test_set: grading.TestSet) -> None:
    """Gradescope's and PrairieLearn's results for the one hand-in graded. Its processes are gone by now: only
    the grader writes them."""
    if args.gradescope:
        from dlicourse.grading import gradescope

        gradescope.write_results(args.gradescope, result)
    if args.prairielearn:
        from dlicourse.grading import prairielearn

        prairielearn.write_results(args.prairielearn, result, test_set)


def _report(args: argparse.Namespace, entries: list[Entry], kept: dict[str, dict[str, str]],
            graded: dict[str, grading.Grade], book: Gradebook | None,
            roster: dict[str, dict[str, str]] | None) -> None:
    """Every submission's grade, in the order given: JSON, one line each beside a gradebook, or reports.
    Every submission's processes are gone by now: only the grader writes results."""
    lms_files = _write_lms_files(args, book, roster) if book is not None else []
    if args.json:
        rows = [{**kept[e.student], "reused": True} if e.student in kept else
                {**graded[e.student].to_dict(), "reused": False} for e in entries]
        print(json.dumps(rows, indent=2, allow_nan=False))
    elif book is not None:
        for e in entries:
            row = kept.get(e.student) or gradebook_row(graded[e.student])
            verdict = "PASS" if row["passed"] == "True" else "FAIL"
            note = "  (unchanged: kept)" if e.student in kept else (f"  ({row['problem']})" if row["problem"] else "")
            print(clean(f"{verdict} {float(row['accuracy']):6.1%}  {e.student}{note}", 2000))
        others = len(book.rows) - len(entries)
        print(f"gradebook: {args.out}" + (f" (with {others} other student(s) graded before)" if others else ""))
        for platform, path in lms_files:
            print(f"{platform} import: {path}")
    else:
        print("\n\n".join(grading.report(graded[e.student]) for e in entries))


def _write_lms_files(args: argparse.Namespace, book: Gradebook,
                     roster: dict[str, dict[str, str]] | None) -> list[tuple[str, Path]]:
    """Canvas's and Moodle's import files beside the gradebook; who each leaves out goes to stderr, one line
    a student, so that an instructor sees every grade the import will not carry."""
    written = []
    for platform, wanted in (("canvas", args.canvas), ("moodle", args.moodle)):
        if wanted:
            path = Path(args.out).with_name(f"{Path(args.out).stem}.{platform}.csv")
            chosen = (book.write_canvas(path, args.canvas, roster) if platform == "canvas"
                      else book.write_moodle(path, roster))
            _say_left_out(path, chosen)
            written.append((platform, path))
    return written


def _say_left_out(path: Path, chosen: LmsRows) -> None:
    for student in chosen.faults:
        print(clean(f"not in {path.name}: {student}: the grader failed on this hand-in (not the learner); grade it "
                    "again, and the grade the LMS holds stays until then", 2000), file=sys.stderr)
    for student in chosen.unrostered:
        print(clean(f"not in {path.name}: {student} is not on the roster", 2000), file=sys.stderr)
