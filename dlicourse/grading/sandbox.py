"""One running submission: start it (isolated by the operating system unless the instructor says
otherwise), wait for it to load, ask it one image at a time while watching time, memory, output and
processes, and end it with everything it made.

Every wait has a deadline and every message is checked (`protocol`); the end kills the whole sandbox
(its PID namespace and its cgroup) before any result is written, and says what could not be cleaned.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import select
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from dlicourse.grading import isolation, launch
from dlicourse.grading.processes import is_alive, kill_everything, name
from dlicourse.grading.protocol import PipeClosed, Pipes, ProtocolError, Timeout, clean

if TYPE_CHECKING:
    from dlicourse.grading.handin import HandIn
    from dlicourse.grading.testimages import Images
    from dlicourse.grading.zygotes import Zygote

_POLL_S = 0.05
# How a reason the submission's own process sent begins: its process is the submission's, so whatever it
# says (the child's own "called exit(3)", or a line forged to read "the grader failed") is the submission's
# to answer for, never taken for the grader's.
SAID = "its process reported: "


@dataclass(frozen=True)
class Limits:
    """What one submission may use. Wall times are seconds; `startup_s` covers importing the submission
    (TensorFlow and the model load); `total_s` the whole run; memory is the whole sandbox's (a cgroup's,
    where one can be made), `disk_mb` its work folder's and `/tmp`'s, `processes` its process count."""

    startup_s: float = 120.0
    per_image_s: float = 10.0
    total_s: float = 600.0
    cpu_s: float = 1200.0
    memory_mb: int = 4096
    output_kb: int = 256
    file_size_mb: int = 256
    disk_mb: int = 256
    processes: int = 64

    @property
    def address_space_mb(self) -> int:
        """A hard ceiling well above `memory_mb`: TensorFlow reserves far more address space than it uses."""
        return max(4 * self.memory_mb, 16384)


DEFAULT_LIMITS = Limits()


def _over(processes: list[psutil.Process], limit: int) -> bool:
    """Whether these processes hold more than `limit` bytes. A child forked by the zygote shares the
    zygote's pages (Keras, its backend) until it writes them; its RSS counts them, so past the limit its
    own pages (USS, slower to read) decide."""
    if sum(p.memory_info().rss for p in processes) <= limit:
        return False
    return sum(p.memory_full_info().uss for p in processes) > limit


class Stop(Exception):
    """The submission cannot go on; the message is the reason shown to the learner."""


class Session:
    """One running submission: start it, wait for it, ask it, watch it, and end it with everything it made."""

    def __init__(self, hand_in: HandIn, images: Images, root: Path, limits: Limits, threads: int | None,
                 protected: Sequence[str | os.PathLike], zygote: Zygote | None) -> None:
        """Start the submission: isolated, forked by `zygote` into a new sandbox, or (None) unsafely."""
        self.limits = limits
        self.deadline = time.monotonic() + limits.total_s
        self.token = secrets.token_hex(16)
        self.isolated = zygote is not None
        self.images = isolation.IMAGES if self.isolated else str(root / "images")  # where the child sees them
        started = launch.start(hand_in, images, root, limits, threads, zygote, self.token, protected)
        self.process, self.cgroup, self.isolation = started.process, started.cgroup, started.isolation
        self.pipes = Pipes(*started.fds)
        self.status = started.status
        self.cleanup: list[str] = []
        # Processes are told apart by pid, never by the name a process gives itself: the grader's own (the
        # launcher, bubblewrap, the placeholder, the joiner) are known from the start, the child is the
        # joiner's one child, and anything else below them is the submission's. psutil's handles remember
        # the start time, so a pid used again is never mistaken for one of these.
        self.runner = started.runner
        self.handles = [psutil.Process(self.process.pid)]
        if started.joiner is not None:
            with contextlib.suppress(psutil.Error):
                self.handles.append(psutil.Process(started.joiner))
        self.ours = {*started.ours, *self.handles}
        self.seen: dict[int, psutil.Process] = {}

    def wait_loaded(self) -> float:
        """Wait for the child to warm up (it may start a process of its own, e.g. `uname -p`, before the
        submission runs), then for the submission to load, watching everything it starts."""
        deadline = min(self.deadline, time.monotonic() + self.limits.startup_s)
        reason = f"did not finish importing within {self.limits.startup_s:g} s"
        message = self._receive(deadline, reason, watch_processes=False)
        if message["event"] != "ready":
            raise Stop(f"sent an unexpected {message['event']} message while starting")
        message = self._receive(deadline, reason)
        if message["event"] == "import_error":
            raise Stop(f"could not be imported: {clean(message['reason'])}")
        if message["event"] != "loaded":
            raise Stop(f"sent an unexpected {message['event']} message while importing")
        self._watch(0)  # what it started while importing, however fast it was
        return float(message["seconds"])

    def finish(self) -> None:
        """The last look, once every image is answered: a process it started must not go unnoticed
        because its answers came too fast for the watch."""
        self._watch(0)

    def ask(self, path: str) -> tuple[str | None, str | None]:
        """The submission's answer for one image, or (None, why there is none)."""
        deadline = min(self.deadline, time.monotonic() + self.limits.per_image_s)
        reason = (f"gave no answer within {self.limits.per_image_s:g} s for one image" if deadline < self.deadline
                  else f"ran past the total time limit of {self.limits.total_s:g} s")
        try:
            self.pipes.send({"path": path}, deadline)
        except Timeout:
            raise Stop(f"{reason} (it stopped reading its requests)") from None
        except PipeClosed:
            raise Stop(self._death_reason()) from None
        message = self._receive(deadline, reason)
        event = message["event"]
        if event == "answer":
            return message["answer"][:200], None  # scored trimmed and lower-cased; shown only escaped
        if event in ("error", "invalid"):
            prefix = "predict raised " if event == "error" else ""
            return None, f"{prefix}{clean(message['reason'])}"
        raise Stop(f"sent an unexpected {event} message")

    def _receive(self, deadline: float, timeout_reason: str, watch_processes: bool = True) -> dict:
        """The next message from the child, while watching time, memory, output and processes."""
        checks = 0
        while True:
            try:
                message = self.pipes.next_message()
            except ProtocolError as err:
                raise Stop(str(err)) from None
            except PipeClosed:
                raise Stop(self._death_reason()) from None
            if message is not None:
                if message["event"] in ("violation", "fatal"):
                    raise Stop(f"{SAID}{clean(message['reason'])}")
                return message
            self._watch(checks, watch_processes)
            checks += 1
            if time.monotonic() > deadline:
                raise Stop(timeout_reason)
            self.pipes.poll(_POLL_S)

    def _watch(self, checks: int, watch_processes: bool = True) -> None:
        if self.pipes.printed_bytes > self.limits.output_kb * 1024:
            raise Stop(f"printed more than {self.limits.output_kb} KiB of output")
        if checks % 4:
            return
        if self.cgroup is not None and self.cgroup.out_of_memory():
            raise Stop(f"used more than {self.limits.memory_mb} MiB of memory (the kernel's limit)")
        try:
            extra = [p for p in self._tree() if p not in self.ours and p != self.runner]
            over = _over([p for p in (self.runner, *extra) if p is not None], self.limits.memory_mb * 2**20)
        except psutil.Error:
            return  # it has just ended: the next read says how
        if watch_processes and extra:
            raise Stop(f"started a child process ({self._name(extra[-1])}); submissions must not start processes")
        if over:
            raise Stop(f"used more than {self.limits.memory_mb} MiB of memory")

    def _name(self, process: psutil.Process) -> str:
        """What the process runs, or, for a fork of the child (whose command line is the zygote's or
        its own), that it is a copy of itself."""
        with contextlib.suppress(psutil.Error):
            if self.runner is not None and process.cmdline() == self.runner.cmdline():
                return "a copy of itself (fork)"
        return clean(name(process), 80)

    def _tree(self) -> list[psutil.Process]:
        """Every process below the launcher and the joiner (the child and what it started), remembered."""
        tree = []
        for handle in self.handles:
            with contextlib.suppress(psutil.Error):  # one that has ended has no children left
                tree += handle.children(recursive=True)
        self.seen.update({p.pid: p for p in tree})
        return tree

    def _death_reason(self) -> str:
        try:
            self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "closed its connection to the grader and ended"
        if self.cgroup is not None and self.cgroup.out_of_memory():
            return f"used more than {self.limits.memory_mb} MiB of memory (the kernel's limit)"
        if self.cgroup is not None and self.cgroup.hit_process_limit():
            return f"tried to run more than {self.limits.processes} processes"
        status = self._wait_status()
        if status is None:
            return f"ended (its sandbox exited with code {self.process.returncode}) before it was done"
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            if sig == signal.SIGXCPU:
                return f"used more than {self.limits.cpu_s:g} s of CPU time"
            if sig == signal.SIGXFSZ:
                return f"wrote a file larger than {self.limits.file_size_mb} MiB"
            with contextlib.suppress(ValueError):
                sig = signal.Signals(sig).name
            return f"was killed by {sig}" + (" (out of memory?)" if sig == "SIGKILL" else "")
        return f"exited with code {os.WEXITSTATUS(status)} before it was done" + self.pipes.last_words()

    def _wait_status(self) -> int | None:
        """The child's wait status: its own (not isolated), or what its joiner saw and wrote on the status
        pipe (isolated; a sandbox's exit code alone cannot tell `exit(152)` from SIGXCPU)."""
        if not self.isolated:
            code = self.process.returncode
            return code << 8 if code >= 0 else -code
        if self.status is None or not select.select([self.status], [], [], 2)[0]:
            return None
        said = os.read(self.status, 64).decode(errors="replace").strip()
        return int(said) if said.isdigit() else None

    def close(self, graceful: bool) -> list[str]:
        """End the submission and every process it started, wherever they went; a submission that
        finished gets a second to exit by itself. Returns what could not be cleaned up."""
        self.pipes.end_requests()  # end of file on its requests: a finished child exits
        if graceful:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=1)
        self._tree()
        if self.isolated:
            self._end_sandbox()
        else:
            kill_everything(self.handles[0], self.token, group=self.process.returncode is None)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        if self.process.returncode is None:
            self.cleanup.append(f"the sandbox's launcher (pid {self.process.pid}) did not end")
        self.pipes.close()
        if self.status is not None:
            os.close(self.status)
            self.status = None
        return self.cleanup

    def _end_sandbox(self) -> None:
        """Kill the launcher (bwrap's init dies with it, and the kernel kills everything in its PID
        namespace), then empty and remove the cgroup."""
        with contextlib.suppress(OSError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.process.kill()
        if self.cgroup is not None:
            if not self.cgroup.kill_all():
                self.cleanup.append(f"processes still in the cgroup: {sorted(self.cgroup.pids_inside())}")
            self.cgroup.remove()
            self.cleanup += self.cgroup.problems
        left = [p for p in self.seen.values() if is_alive(p)]
        for process in left:
            with contextlib.suppress(psutil.Error):
                process.kill()
        _, alive = psutil.wait_procs(left, timeout=5)
        if alive:
            self.cleanup.append(f"processes still running: {[p.pid for p in alive]}")
