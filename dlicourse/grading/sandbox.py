"""One running submission: its folder, its process, its limits, and the pipe the grader asks it through.

`Session` starts the child (`child.py`) on the submission, waits for it to load, asks it one image at
a time while watching time, memory, output and child processes, and ends it with everything it made.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil
from PIL import Image

from dlicourse import files
from dlicourse.grading.processes import TOKEN_ENV, kill_everything, name

CHILD = Path(__file__).with_name("child.py")
COURSE = Path(__file__).resolve().parent.parent.parent  # the folder that holds the grader's own dlicourse
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


DEFAULT_LIMITS = Limits()


class Stop(Exception):
    """The submission cannot go on; the message is the reason shown to the learner."""


def write_images(folder: Path, images: Sequence[np.ndarray]) -> list[str]:
    """Anonymised read-only PNG copies: random names, nothing of the label or the original file."""
    folder.mkdir()
    names = []
    for image in images:
        file_name = f"{secrets.token_hex(8)}.png"
        Image.fromarray(np.asarray(image, np.uint8)).save(folder / file_name)
        os.chmod(folder / file_name, 0o444)
        names.append(file_name)
    os.chmod(folder, 0o555)
    return names


def remove_tree(root: Path) -> None:
    """Remove a grading folder even when the submission made parts of it read-only."""
    def make_writable(function: Callable, path: str, _excinfo: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            function(path)

    with contextlib.suppress(OSError):
        os.chmod(root / "images", stat.S_IRWXU)
    shutil.rmtree(root, onerror=make_writable)

class Session:
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
        config = {"submission": str(submission), "work": str(work), "course": str(COURSE),
                  "protected": [str(p) for p in protected],
                  "cpu_s": limits.cpu_s, "address_space_mb": limits.address_space_mb,
                  "file_size_mb": limits.file_size_mb}
        files.write_json(root / "config.json", config)
        self.process = subprocess.Popen(
            [sys.executable, "-I", str(CHILD), str(root / "config.json")], cwd=work, env=self._env(work, threads),
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
            raise Stop(f"could not be imported: {message.get('reason')}")
        if message.get("event") != "loaded":
            raise Stop(f"sent an unexpected message while importing: {str(message)[:100]}")
        return float(message.get("seconds", 0.0))

    def ask(self, path: str) -> tuple[str | None, str | None]:
        """The submission's answer for one image, or (None, why there is none)."""
        try:
            self.process.stdin.write((json.dumps({"path": path}) + "\n").encode())
            self.process.stdin.flush()
        except OSError:
            raise Stop(self._death_reason("ended")) from None
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
        raise Stop(f"sent an unexpected message: {str(message)[:100]}")

    def _receive(self, deadline: float, timeout_reason: str) -> dict:
        """The next message from the runner, while watching time, memory, output and child processes."""
        checks = 0
        while True:
            if b"\n" in self.buffer:
                line, self.buffer = self.buffer.split(b"\n", 1)
                return self._parse(line)
            if len(self.buffer) > 65536:
                raise Stop("sent a message too long to be an answer")
            self._watch(checks)
            checks += 1
            if time.monotonic() > deadline:
                raise Stop(timeout_reason)
            chunk = self._read(_POLL_S)
            if chunk == b"":
                raise Stop(self._death_reason("ended"))
            self.buffer += chunk or b""

    def _parse(self, line: bytes) -> dict:
        try:
            message = json.loads(line)
        except ValueError:
            raise Stop(f"sent something that is not an answer: {line[:80]!r}") from None
        if not isinstance(message, dict):
            raise Stop(f"sent something that is not an answer: {line[:80]!r}")
        if message.get("event") in ("violation", "fatal"):
            raise Stop(str(message.get("reason")))
        return message

    def _read(self, timeout: float) -> bytes | None:
        """Up to 64 KiB from the runner; b"" at end of file, None when nothing came within `timeout`."""
        import select

        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        return os.read(self.process.stdout.fileno(), 65536) if ready else None

    def _watch(self, checks: int) -> None:
        limit = self.limits.output_kb * 1024
        if self.output_bytes > limit:
            raise Stop(f"printed more than {self.limits.output_kb} KiB of output")
        if checks % 4:
            return
        try:
            children = self.handle.children(recursive=True)
            rss = sum(p.memory_info().rss for p in [self.handle, *children])
        except psutil.Error:
            return  # it has just ended: the next read says how
        if children:
            raise Stop(f"started a child process ({name(children[0])}); submissions must not start processes")
        if rss > self.limits.memory_mb * 2**20:
            raise Stop(f"used more than {self.limits.memory_mb} MiB of memory")

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
