"""The grader's side of the zygote (`zygote`): one per grading process and backend, started at the first
isolated grade and kept for the next, so that a class pays for importing Keras once, not once per
submission. It ends with the grader: when the grader's end of its socket closes, it exits.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from dlicourse.grading.launch import base_environment, font_lists

ZYGOTE = Path(__file__).with_name("zygote.py")
START_S = 300.0  # importing Keras on a busy 2-core machine takes up to a minute
SPAWN_S = 60.0


class ZygoteError(Exception):
    """The zygote could not start, or could not put a runner into a sandbox; the message says why."""


class Zygote:
    """A started zygote: `spawn` hands it one sandbox's namespaces and pipes."""

    def __init__(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - its start-up errors, read if it fails
        env = base_environment() | {"OPENBLAS_NUM_THREADS": "1"} | (
            {"TMPDIR": os.environ["TMPDIR"]} if "TMPDIR" in os.environ else {})
        # Its font lists go as open files: a path of the grader's (its home) in its environment or command
        # line would be every runner's to read (/proc/self/environ, /proc/self/cmdline).
        fonts = [open(f, "rb") for f in font_lists()]  # noqa: SIM115 - closed once it has started
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-B", str(ZYGOTE), str(theirs.fileno()),
                 *(f"{f.fileno()}:{Path(f.name).name}" for f in fonts)],
                pass_fds=(theirs.fileno(), *(f.fileno() for f in fonts)),
                env=env, cwd="/", stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        finally:
            theirs.close()
            for f in fonts:
                f.close()
        self.socket = ours
        self.lock = threading.Lock()
        self.threads: int | None = None

    def wait_ready(self) -> None:
        """Wait (once) for the zygote to import what every submission would."""
        with self.lock:
            if self.threads is None:
                self.threads = int(self._receive(START_S, "to start")["threads"])

    def spawn(self, spec: dict, fds: list[int]) -> int:
        """Fork a runner into the sandbox that `spec` and `fds` describe; the joiner's pid (its parent)."""
        self.wait_ready()
        with self.lock:
            try:
                socket.send_fds(self.socket, [json.dumps(spec).encode()], fds)
            except OSError as err:
                raise ZygoteError(f"the zygote is gone ({err}){self._log_tail()}") from None
            reply = self._receive(SPAWN_S, "to answer")
        if "error" in reply:
            raise ZygoteError(str(reply["error"]))
        return int(reply["joiner"])

    def _receive(self, timeout: float, what: str) -> dict:
        self.socket.settimeout(timeout)
        try:
            data = self.socket.recv(2**16)
        except TimeoutError:
            raise ZygoteError(f"the zygote took more than {timeout:g} s {what}") from None
        except OSError as err:
            raise ZygoteError(f"the zygote is gone ({err}){self._log_tail()}") from None
        if not data:  # its end of the socket closes as it exits: a moment before it can be reaped
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=5)
            raise ZygoteError(f"the zygote ended (exit status {self.process.poll()}){self._log_tail()}")
        return json.loads(data)

    def _log_tail(self) -> str:
        with contextlib.suppress(OSError):
            self.log.seek(0, os.SEEK_END)
            self.log.seek(max(0, self.log.tell() - 300))
            tail = self.log.read().decode(errors="replace").strip().splitlines()
            return f": {tail[-1]}" if tail else ""
        return ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def close(self) -> None:
        self.socket.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


_shared: dict[str | None, Zygote] = {}
_shared_lock = threading.Lock()


def shared() -> Zygote:
    """This process's zygote for its Keras backend, started now if there is none (or it died)."""
    backend = os.environ.get("KERAS_BACKEND")
    with _shared_lock:
        zygote = _shared.get(backend)
        if zygote is None or not zygote.alive():
            zygote = _shared[backend] = Zygote()
            atexit.register(zygote.close)
    zygote.wait_ready()
    return zygote
