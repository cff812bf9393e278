"""The grader's zygote: one process that imports Keras (and its backend) once, then forks a warm
interpreter into each submission's sandbox, so that no submission pays for that import (issue 13:
it was five of a submission's eight seconds of CPU).

The grader (`zygotes`) starts it as `python -I -B zygote.py FD [FONT_FD:NAME ...]` with a clean
environment. It never
holds a secret: no seed, label or test image reaches it, and its memory, which every submission
inherits, is the same for all. For each submission the grader first starts the sandbox itself
(bubblewrap, with a placeholder shell as its only process), then sends the zygote, on a Unix socket,
the placeholder's namespaces and the submission's pipes. The zygote forks a *joiner*, which joins the
submission's cgroup, enters those namespaces (setns), drops to the sandbox's user with no
capabilities and no_new_privs, and forks the *runner*: `child.main` inside the sandbox, in its PID
namespace. The joiner stays outside, waits for the runner and hands its exit status to the
placeholder, whose exit ends the sandbox with that status, as if the runner had been its own process.

It imports nothing from dlicourse (the child's code it loads from beside itself), so a submission
finds only the course that its sandbox shows.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time

PR_SET_SECCOMP, SECCOMP_MODE_FILTER, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 22, 2, 24, 38
CAPABILITY_VERSION_3 = 0x20080522
HERE = os.path.dirname(os.path.abspath(__file__))
_libc = ctypes.CDLL(None, use_errno=True)


def _load_child():
    """The child's code, from beside this file (the grader's package, not the sandbox's view of it)."""
    spec = importlib.util.spec_from_file_location("child", os.path.join(HERE, "child.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


child = _load_child()


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _drop_privileges(uid: int | None) -> None:
    """No capabilities left in any set, none to gain again, and (as root) the sandbox's user: the
    same as `setpriv` gives the placeholder. Entering a user namespace gave every capability in it."""
    cap = 0
    while _libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
        cap += 1
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
    _check(_libc.capset(header, (ctypes.c_uint32 * 6)()), "capset")
    _check(_libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def _confine(program: bytes) -> None:
    """Load the sandbox's seccomp filter (`seccomp.program`, as bubblewrap loads it for the placeholder):
    after this, no process of the child's can make the calls it refuses, nor lift it."""
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.addressof(buffer))  # struct sock_filter: 8 bytes each
    _check(_libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0), "seccomp")


def _unprivileged(uid: int | None) -> str | None:
    """Why this process is not as unprivileged as the sandbox's user must be, read from the kernel."""
    with open("/proc/self/status") as f:
        status = dict(line.split(":", 1) for line in f.read().splitlines() if ":" in line)
    for field in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        if int(status[field], 16):
            return f"{field} is {status[field].strip()}"
    if status["NoNewPrivs"].strip() != "1":
        return "no_new_privs is not set"
    if status["Seccomp"].strip() != "2":
        return "no seccomp filter holds it"
    if uid is not None and {int(u) for u in status["Uid"].split()} != {uid}:
        return f"its user ids are {status['Uid'].strip()}"
    return None


def _close_all_but(keep: set[int]) -> None:
    for fd in [int(name) for name in os.listdir("/proc/self/fd")]:
        if fd not in keep:
            with contextlib.suppress(OSError):
                os.close(fd)


def _run(spec: dict, requests: int, messages: int, output: int) -> None:
    """The runner: the sandbox's process, as a fresh `python -I -B child.py CONFIG` would have it."""
    os.dup2(requests, 0)
    os.dup2(messages, 1)
    os.dup2(output, 2)
    _close_all_but({0, 1, 2})
    problem = _unprivileged(spec["uid"])
    if problem is not None:
        os.write(2, f"the grader did not drop its privileges in the sandbox: {problem}\n".encode())
        os._exit(125)
    if spec["uid"] is None:  # in a user namespace, where the kernel counts this limit per namespace
        resource.setrlimit(resource.RLIMIT_NPROC, (spec["processes"], spec["processes"]))
    os.chdir(spec["work"])
    os.environ.clear()
    os.environ.update(spec["env"])
    tempfile.tempdir = None
    code = 1
    try:
        code = child.main(spec["config"], die_with_parent=False)  # the sandbox dies with the grader
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)


def _join(spec: dict, fds: list[int], report: int) -> None:
    """The joiner: into the sandbox, then the runner; then wait for it and pass on its wait status (to the
    grader, which tells an exit from a signal by it, and to the placeholder, whose exit ends the sandbox)."""
    requests, messages, output, life, status, *rest = fds
    cgroups, namespaces = rest[: spec["cgroups"]], rest[spec["cgroups"]:]
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    _close_all_but({*fds, report})
    try:
        for fd in cgroups:  # opened by the grader: no cgroup's path reaches this process, nor the child
            os.write(fd, str(os.getpid()).encode())
        for name, fd in zip(spec["namespaces"], namespaces, strict=True):
            _check(_libc.setns(fd, 0), f"setns({name})")
        _drop_privileges(spec["uid"])
        _confine(bytes.fromhex(spec["seccomp"]))
        runner = os.fork()
    except BaseException as err:  # noqa: BLE001 - told to the grader, which fails this grade with it
        os.write(report, f"could not enter the sandbox: {err}"[:500].encode())
        os._exit(1)
    if runner == 0:
        os.setsid()  # its own process group: kill(0) must not reach the joiner, outside the sandbox
        _run(spec, requests, messages, output)
    for fd in (requests, messages, output, report, *cgroups, *namespaces):
        os.close(fd)
    _, wait_status = os.waitpid(runner, 0)
    code = os.waitstatus_to_exitcode(wait_status)
    with contextlib.suppress(OSError):
        os.write(status, f"{wait_status}\n".encode())
    with contextlib.suppress(OSError):
        os.write(life, f"{128 - code if code < 0 else code}\n".encode())  # as a shell says a signal
    os._exit(0)


def _spawn(spec: dict, fds: list[int], timeout: float = 30.0) -> dict:
    """Fork a joiner for one submission; its answer once it is in (or why it could not get in)."""
    report_r, report_w = os.pipe()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        _join(spec, fds, report_w)
    os.close(report_w)
    for fd in fds:
        os.close(fd)
    said, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:  # the runner and the joiner close it once they are in
            if select.select([report_r], [], [], deadline - time.monotonic())[0]:
                chunk = os.read(report_r, 4096)
                if not chunk:
                    return {"error": said.decode(errors="replace")} if said else {"joiner": pid}
                said += chunk[:4096]
        return {"error": f"the joiner did not enter the sandbox within {timeout:g} s"}
    finally:
        os.close(report_r)


def _warm() -> None:
    """What every submission would import: Keras (and its backend), NumPy, Pillow, and what the child
    does before the submission runs. A failure is left for the submission's own import to report."""
    child._warm_up()
    with contextlib.suppress(Exception):
        import keras  # noqa: F401
        import numpy  # noqa: F401
        import PIL.Image  # noqa: F401


def _take_fonts(fonts: list[str], folder: str) -> None:
    """The grader's matplotlib font lists, each given as `FD:NAME` (an open file, never a path of the
    grader's, which every runner would inherit in this process's environment), copied into `folder`."""
    os.makedirs(folder)
    for font in fonts:
        fd, name = font.split(":", 1)
        with open(int(fd), "rb") as f, open(os.path.join(folder, os.path.basename(name)), "wb") as g:
            shutil.copyfileobj(f, g)


def main(control_fd: int, fonts: list[str]) -> int:
    control = socket.socket(fileno=control_fd)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # joiners are reaped by the kernel
    home = tempfile.mkdtemp(prefix="dlicourse-zygote-")  # for what Keras writes on import; no runner sees it
    fonts_folder = os.path.join(home, ".matplotlib")
    _take_fonts(fonts, fonts_folder)
    os.environ.update(HOME=home, KERAS_HOME=os.path.join(home, ".keras"), MPLCONFIGDIR=fonts_folder)
    os.chdir("/")
    try:
        return _serve(control)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _serve(control: socket.socket) -> int:
    _warm()
    threads = len(os.listdir("/proc/self/task"))  # a fork copies one thread: the others' locks would stay held
    control.send(json.dumps({"event": "ready", "threads": threads}).encode())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(control, 2**16, 16)
        except OSError:
            return 0
        if not data:
            return 0  # the grader has gone
        try:
            spec = json.loads(data)
        except ValueError as err:
            for fd in fds:
                os.close(fd)
            reply = {"error": f"a request that is not JSON: {err}"}
        else:
            reply = _spawn(spec, list(fds))
        control.send(json.dumps(reply).encode())


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), sys.argv[2:]))
