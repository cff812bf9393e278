"""Grading `submission.py` fairly and safely: `dlicourse grade`, and the practice grade in 07_assessment.

A submission is untrusted code. Each one runs in its own process (`grading_runner.py`) in a fresh
temporary folder, with limits on wall time per image and in total, CPU time, memory and output. It
sees only anonymised copies of the test images (random names, random order, no class folders); the
labels never leave this process. The model loads once: the runner imports the submission once and
calls `predict(path)` per image over a pipe. Whatever the submission does (fail to import, raise,
hang, flood its output, eat memory, exit, fork, write outside its folder), it gets a score and a
reason, and the grader leaves no process and no temporary file behind.

The practice grade uses exactly this code on a public set, so it shows the score the real grade
would give on similar data.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from dlicourse import files
from dlicourse.paths import data_dir

ANSWERS = ("whale", "not whale")  # the whale task's two answers; label k of a crop set is ANSWERS[k]
INVALID = "invalid"
PASS_ACCURACY = 0.80  # the workshop's rule: more than 80% passes
HIDDEN_SEED = 20_180_324  # public default; an instructor grading a class passes a secret --seed
PRACTICE_SEED = 777  # the public practice set: no training or validation split uses it
DEFAULT_HIDDEN_SIZE = 200
TOKEN_ENV = "DLICOURSE_GRADE_TOKEN"
RUNNER = Path(__file__).with_name("grading_runner.py")
_POLL_S = 0.05


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Wall times are seconds; `startup_s` covers importing the submission
    (TensorFlow and the model load); `total_s` the whole run; memory is resident, whole process tree."""

    startup_s: float = 120.0
    per_image_s: float = 10.0
    total_s: float = 600.0
    cpu_s: float = 1200.0
    memory_mb: int = 4096
    output_kb: int = 256
    file_size_mb: int = 256

    @property
    def address_space_mb(self) -> int:
        """A hard ceiling well above `memory_mb`: TensorFlow reserves far more address space than it uses."""
        return max(4 * self.memory_mb, 16384)


@dataclass(frozen=True)
class TestSet:
    """Images (uint8 RGB arrays, any size) and their answers; `source` says where they came from."""

    images: Sequence[np.ndarray]
    answers: list[str]
    source: str
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        if len(self.images) != len(self.answers) or not self.answers:
            raise ValueError("a test set needs one answer per image, and at least one image")
        unknown = set(self.answers) - set(ANSWERS)
        if unknown:
            raise ValueError(f"answers must be {ANSWERS}, got {sorted(unknown)}")


@dataclass
class Failure:
    image: str  # the anonymised name the submission saw
    expected: str
    answer: str | None
    reason: str


@dataclass
class Grade:
    submission: str
    source: str
    total: int
    correct: int = 0
    per_class: dict[str, float] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # expected -> given (or "invalid") -> n
    failures: list[Failure] = field(default_factory=list)
    problem: str | None = None  # why the run stopped early, if it did
    load_seconds: float | None = None
    seconds: float = 0.0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def passed(self) -> bool:
        return self.accuracy > PASS_ACCURACY

    def to_dict(self) -> dict:
        return {**asdict(self), "accuracy": self.accuracy, "passed": self.passed, "pass_accuracy": PASS_ACCURACY}


class _Stop(Exception):
    """The submission cannot go on; the message is the reason shown to the learner."""


# ------------------------------------------------------------------------------------------ test sets


def whale_set(n: int = DEFAULT_HIDDEN_SIZE, seed: int = HIDDEN_SEED, size: int | None = None) -> TestSet:
    """`n` whale-face crops (half faces) from the whale lab's generator with `seed`, labelled
    "whale" (face) and "not whale" (not_face)."""
    from dlicourse.datasets import whale_crops
    from dlicourse.datasets.whales import WINDOW

    crops = whale_crops(n, seed=seed, size=size or WINDOW)
    answers = [_answer_for(crops.class_names[k]) for k in crops.y]
    return TestSet(list(crops.x), answers, f"{n} generated whale crops (seed {seed})")


def practice_set(n: int = 100) -> TestSet:
    """The public practice set: the same kind of crops as the hidden set, from a public seed."""
    return whale_set(n, seed=PRACTICE_SEED)


def folder_set(path: str | os.PathLike) -> TestSet:
    """An instructor's folder of labelled real crops, `face/` and `not_face/` (DIGITS style).
    Files the grader cannot read are left out and listed in `skipped`."""
    from dlicourse.datasets import image_folder, whales
    from dlicourse.images import ImageError, load_image

    listing = image_folder(path, size=(32, 32), class_names=list(whales.CLASS_NAMES))
    images, answers, skipped = [], [], list(listing.skipped)
    for file, label in zip(listing.files, listing.y, strict=True):
        try:
            images.append(load_image(file))  # full size: the submission resizes, as it must in real use
        except ImageError as err:
            skipped.append((str(file), str(err)))
            continue
        answers.append(_answer_for(listing.class_names[label]))
    return TestSet(images, answers, f"{len(images)} labelled crops from {path}", skipped)


def _answer_for(class_name: str) -> str:
    return ANSWERS[0] if class_name == "face" else ANSWERS[1]


# ---------------------------------------------------------------------------------------- one grade


def grade(submission: str | os.PathLike, test_set: TestSet, limits: Limits = Limits(),
          threads: int | None = None, protected: Sequence[str | os.PathLike] = ()) -> Grade:
    """Grade one submission on `test_set`. Never raises for anything the submission does."""
    submission = Path(submission).expanduser().resolve()
    result = Grade(str(submission), test_set.source, len(test_set.answers))
    started = time.perf_counter()
    answers: dict[int, tuple[str | None, str | None]] = {}  # image index -> (answer, reason it is wrong)
    root = Path(tempfile.mkdtemp(prefix="dlicourse-grade-"))
    session, names = None, None
    try:
        if not submission.is_file():
            raise _Stop(f"{submission} does not exist")
        names = _write_images(root / "images", test_set.images)
        session = _Session(submission, root, limits, threads, [*protected, data_dir()])
        result.load_seconds = session.wait_loaded()
        order = np.random.default_rng(secrets.randbits(64)).permutation(len(names))
        for index in order:
            answers[int(index)] = session.ask(str(root / "images" / names[index]))
    except _Stop as stop:
        result.problem = str(stop)
    except Exception as err:  # noqa: BLE001 - a grader fault is reported as a grade, never raised
        result.problem = f"the grader failed: {type(err).__name__}: {err}"
    finally:
        try:
            if session is not None:
                session.close(graceful=result.problem is None)
        finally:
            _remove_tree(root)
    result.seconds = time.perf_counter() - started
    _score(result, test_set, answers, names)
    return result


def _score(result: Grade, test_set: TestSet, answers: dict[int, tuple[str | None, str | None]],
           names: list[str] | None) -> None:
    columns = [*ANSWERS, INVALID]
    result.confusion = {expected: dict.fromkeys(columns, 0) for expected in ANSWERS}
    for index, expected in enumerate(test_set.answers):
        answer, reason = answers.get(index, (None, f"not graded: {result.problem}"))
        given = answer.strip().lower() if answer is not None else None
        if answer is not None and given not in ANSWERS:
            reason = f"invalid answer {answer[:40]!r} (expected 'whale' or 'not whale')"
        result.confusion[expected][given if given in ANSWERS else INVALID] += 1
        if given == expected:
            result.correct += 1
            continue
        name = names[index] if names else f"image {index}"
        result.failures.append(Failure(name, expected, answer, reason or f"answered {given!r}, not {expected!r}"))
    for expected in ANSWERS:
        row = result.confusion[expected]
        result.per_class[expected] = row[expected] / max(1, sum(row.values()))


def _write_images(folder: Path, images: Sequence[np.ndarray]) -> list[str]:
    """Anonymised read-only PNG copies: random names, nothing of the label or the original file."""
    folder.mkdir()
    names = []
    for image in images:
        name = f"{secrets.token_hex(8)}.png"
        Image.fromarray(np.asarray(image, np.uint8)).save(folder / name)
        os.chmod(folder / name, 0o444)
        names.append(name)
    os.chmod(folder, 0o555)
    return names


def _remove_tree(root: Path) -> None:
    """Remove a grading folder even when the submission made parts of it read-only."""
    def make_writable(function: Callable, path: str, _excinfo: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            function(path)

    with contextlib.suppress(OSError):
        os.chmod(root / "images", stat.S_IRWXU)
    shutil.rmtree(root, onerror=make_writable)


class _Session:
    """One running submission: start it, wait for it, ask it, watch it, and end it with everything it made."""

    def __init__(self, submission: Path, root: Path, limits: Limits, threads: int | None,
                 protected: Sequence[str | os.PathLike]) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.total_s
        self.token = secrets.token_hex(16)
        self.output = bytearray()
        self.output_bytes = 0
        self.buffer = b""
        work = root / "work"
        (work / "tmp").mkdir(parents=True)
        config = {"submission": str(submission), "work": str(work), "protected": [str(p) for p in protected],
                  "cpu_s": limits.cpu_s, "address_space_mb": limits.address_space_mb,
                  "file_size_mb": limits.file_size_mb}
        files.write_json(root / "config.json", config)
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(RUNNER), str(root / "config.json")], cwd=work, env=self._env(work, threads),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        # psutil's handle remembers the start time: once the runner is reaped, a new process with its pid
        # is never mistaken for it.
        self.handle = psutil.Process(self.process.pid)
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _env(self, work: Path, threads: int | None) -> dict[str, str]:
        """A clean environment: the submission's home, temp and caches are all inside its folder."""
        env = {key: os.environ[key] for key in ("PATH", "LANG", "LC_ALL", "KERAS_BACKEND", "CUDA_VISIBLE_DEVICES")
               if key in os.environ}
        env.update(HOME=str(work), TMPDIR=str(work / "tmp"), MPLCONFIGDIR=_matplotlib_dir(),
                   KERAS_HOME=str(work / ".keras"), DLICOURSE_DATA=str(work / "data"), TF_CPP_MIN_LOG_LEVEL="2",
                   PYTHONHASHSEED="0", TF_FORCE_GPU_ALLOW_GROWTH="true",  # submissions in parallel share a GPU
                   **{TOKEN_ENV: self.token})
        if threads:
            env.update(OMP_NUM_THREADS=str(threads), TF_NUM_INTRAOP_THREADS=str(threads),
                       TF_NUM_INTEROP_THREADS="1")
        return env

    def _drain(self) -> None:
        """Keep the first part of what the submission prints, and count all of it."""
        keep = 4096
        with contextlib.suppress(OSError, ValueError):
            while chunk := self.process.stderr.read1(65536):
                self.output_bytes += len(chunk)
                if len(self.output) < keep:
                    self.output += chunk[: keep - len(self.output)]

    def wait_loaded(self) -> float:
        message = self._receive(min(self.deadline, time.monotonic() + self.limits.startup_s),
                                f"did not finish importing within {self.limits.startup_s:g} s")
        if message.get("event") == "import_error":
            raise _Stop(f"could not be imported: {message.get('reason')}")
        if message.get("event") != "loaded":
            raise _Stop(f"sent an unexpected message while importing: {str(message)[:100]}")
        return float(message.get("seconds", 0.0))

    def ask(self, path: str) -> tuple[str | None, str | None]:
        """The submission's answer for one image, or (None, why there is none)."""
        try:
            self.process.stdin.write((json.dumps({"path": path}) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            raise _Stop(self._death_reason("ended")) from None
        deadline = min(self.deadline, time.monotonic() + self.limits.per_image_s)
        reason = (f"gave no answer within {self.limits.per_image_s:g} s for one image" if deadline < self.deadline
                  else f"ran past the total time limit of {self.limits.total_s:g} s")
        message = self._receive(deadline, reason)
        event = message.get("event")
        if event == "answer" and isinstance(message.get("answer"), str):
            return message["answer"], None
        if event in ("error", "invalid"):
            prefix = "predict raised " if event == "error" else ""
            return None, f"{prefix}{message.get('reason')}"
        raise _Stop(f"sent an unexpected message: {str(message)[:100]}")

    def _receive(self, deadline: float, timeout_reason: str) -> dict:
        """The next message from the runner, while watching time, memory, output and child processes."""
        checks = 0
        while True:
            if b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                return self._parse(line)
            if len(self.buffer) > 65536:
                raise _Stop("sent a message too long to be an answer")
            self._watch(checks)
            checks += 1
            if time.monotonic() > deadline:
                raise _Stop(timeout_reason)
            chunk = self._read(_POLL_S)
            if chunk == b"":
                raise _Stop(self._death_reason("ended"))
            self.buffer += chunk or b""

    def _parse(self, line: bytes) -> dict:
        try:
            message = json.loads(line)
        except ValueError:
            raise _Stop(f"sent something that is not an answer: {line[:80]!r}") from None
        if not isinstance(message, dict):
            raise _Stop(f"sent something that is not an answer: {line[:80]!r}")
        if message.get("event") in ("violation", "fatal"):
            raise _Stop(str(message.get("reason")))
        return message

    def _read(self, timeout: float) -> bytes | None:
        """Up to 64 KiB from the runner; b"" at end of file, None when nothing came within `timeout`."""
        import select

        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return os.read(self.process.stdout.fileno(), 65536) if ready else None

    def _watch(self, checks: int) -> None:
        limit = self.limits.output_kb * 1024
        if self.output_bytes > limit:
            raise _Stop(f"printed more than {self.limits.output_kb} KiB of output")
        if checks % 4:
            return
        try:
            children = self.handle.children(recursive=True)
            rss = sum(p.memory_info().rss for p in [self.handle, *children])
        except psutil.Error:
            return  # it has just ended: the next read says how
        if children:
            raise _Stop(f"started a child process ({_name(children[0])}); submissions must not start processes")
        if rss > self.limits.memory_mb * 2**20:
            raise _Stop(f"used more than {self.limits.memory_mb} MiB of memory")

    def _death_reason(self, verb: str) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return f"closed its connection to the grader and {verb}"
        if code < 0:
            sig = signal.Signals(-code)
            if sig == signal.SIGXCPU:
                return f"used more than {self.limits.cpu_s:g} s of CPU time"
            if sig == signal.SIGXFSZ:
                return f"wrote a file larger than {self.limits.file_size_mb} MiB"
            return f"was killed by {sig.name}" + (" (out of memory?)" if sig == signal.SIGKILL else "")
        return f"exited with code {code} before it was done" + self._last_words()

    def _last_words(self) -> str:
        text = self.output.decode("utf-8", "replace").strip().splitlines()
        return f"; its last output: {text[-1][:200]}" if text else ""

    def close(self, graceful: bool) -> None:
        """End the submission and every process it started, wherever they went; a submission that
        finished gets a second to exit by itself."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if graceful:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=1)
        kill_everything(self.handle, self.token, group=self.process.returncode is None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self.reader.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            with contextlib.suppress(OSError):
                stream.close()


def _matplotlib_dir() -> str:
    """The grader's own matplotlib folder, whose font cache the runner loads before the submission runs:
    a fresh one would be rebuilt for every submission."""
    import matplotlib

    return matplotlib.get_configdir()


def _name(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())[:80] or process.name()
    except psutil.Error:
        return f"pid {process.pid}"


def kill_everything(process: psutil.Process, token: str, group: bool, rounds: int = 5) -> None:
    """Kill a process, its descendants, its process group (when `group`: only while the process is
    not reaped is its group id surely still its own), and anything that carries `token` in its
    environment (children that escaped the tree by double-forking keep it).

    A process still running can fork between the look and the kill, so this looks again after each
    kill, until a look finds nothing (or `rounds` looks have been made)."""
    for look in range(rounds):
        found = {process.pid: process}
        with contextlib.suppress(psutil.Error):
            found.update({p.pid: p for p in process.children(recursive=True)})
        found.update({p.pid: p for p in carrying(token)})
        if group and look == 0:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        alive = [p for p in found.values() if _alive(p)]
        if not alive:
            return
        for each in alive:
            with contextlib.suppress(psutil.Error):
                each.kill()
        psutil.wait_procs(alive, timeout=5)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def carrying(token: str) -> list[psutil.Process]:
    """This user's processes whose environment holds the grading token."""
    found = []
    uid = os.getuid()
    for process in psutil.process_iter(["uids"]):
        try:
            if process.info["uids"] and process.info["uids"].real == uid and \
                    process.environ().get(TOKEN_ENV) == token:
                found.append(process)
        except psutil.Error:
            continue
    return found


# -------------------------------------------------------------------------------------- many grades


GRADEBOOK_COLUMNS = ["submission", "accuracy", "passed", "whale_accuracy", "not_whale_accuracy", "correct", "total",
                     "invalid", "problem", "seconds"]


def grade_many(submissions: Sequence[str | os.PathLike], test_set: TestSet, limits: Limits = Limits(),
               jobs: int = 2, protected: Sequence[str | os.PathLike] = ()) -> list[Grade]:
    """Grade several submissions in parallel, in the order given; one never stops the others."""
    jobs = max(1, min(jobs, len(submissions)))
    threads = max(1, (os.cpu_count() or 1) // jobs)

    def one(submission: str | os.PathLike) -> Grade:
        try:
            return grade(submission, test_set, limits, threads, protected)
        except Exception as err:  # noqa: BLE001 - grade() does not raise; this is the last line of defence
            failed = Grade(str(submission), test_set.source, len(test_set.answers))
            failed.problem = f"the grader failed: {type(err).__name__}: {err}"
            return failed

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(one, submissions))


def gradebook_row(result: Grade) -> dict[str, object]:
    invalid = sum(row[INVALID] for row in result.confusion.values())
    return {"submission": result.submission, "accuracy": f"{result.accuracy:.4f}", "passed": result.passed,
            "whale_accuracy": f"{result.per_class.get('whale', 0.0):.4f}",
            "not_whale_accuracy": f"{result.per_class.get('not whale', 0.0):.4f}", "correct": result.correct,
            "total": result.total, "invalid": invalid, "problem": result.problem or "",
            "seconds": f"{result.seconds:.1f}"}


def write_gradebook(path: str | os.PathLike, results: Sequence[Grade]) -> Path:
    """One row per submission, written atomically."""
    with files.atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=GRADEBOOK_COLUMNS)
        writer.writeheader()
        writer.writerows(gradebook_row(r) for r in results)
    return Path(path)


# ------------------------------------------------------------------------------------------- report


def report(result: Grade, max_failures: int = 10) -> str:
    """A grade as the learner or instructor reads it."""
    verdict = "PASS" if result.passed else "FAIL"
    lines = [f"{result.submission}",
             f"  graded on {result.source}",
             f"  accuracy {result.accuracy:.1%} ({result.correct}/{result.total}): {verdict} "
             f"(pass: more than {PASS_ACCURACY:.0%})"]
    lines += [f"  {name:>9}: {value:.1%} right" for name, value in result.per_class.items()]
    columns = [*ANSWERS, INVALID]
    lines.append("  confusion (rows: expected, columns: answered)")
    lines.append("  " + " " * 11 + "".join(f"{c:>11}" for c in columns))
    for expected, row in result.confusion.items():
        lines.append(f"  {expected:>11}" + "".join(f"{row[c]:>11}" for c in columns))
    if result.problem:
        lines.append(f"  stopped: {result.problem}")
    by_reason: dict[str, list[str]] = {}
    for failure in result.failures:
        if not (result.problem and failure.reason.startswith("not graded")):
            by_reason.setdefault(failure.reason, []).append(failure.image)
    for reason, images in sorted(by_reason.items(), key=lambda item: -len(item[1]))[:max_failures]:
        lines.append(f"  wrong {len(images)}x: {reason} (e.g. {images[0]})")
    load = f", of which loading {result.load_seconds:.1f} s" if result.load_seconds is not None else ""
    lines.append(f"  time: {result.seconds:.1f} s{load}")
    return "\n".join(lines)
