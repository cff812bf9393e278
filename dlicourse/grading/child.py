"""The process that runs one untrusted submission for the grader (`dlicourse.grading`): the child.

It runs inside the sandbox that `isolation` builds, forked there warm by the grader's `zygote`, or,
with --unsafe-no-isolation, as a plain process (`python -I -B child.py CONFIG_JSON`). It limits
itself (CPU time, address space, file size, no core dumps), keeps the grader's pipes to itself,
imports the submission once, then answers requests line by line: the grader writes
`{"path": ...}` on stdin and reads `{"answer": ...}` from stdout. Everything the submission prints
goes to stderr, which the grader caps.

An audit hook stops the submission when it writes outside its working directory, reads the
grader's private data, starts processes or signals another process. It is a tripwire that turns
mistakes and casual cheating into clear reasons, not the jail: code that calls C directly gets past
it. The jail is the operating system's (namespaces, an unprivileged user, a cgroup), and every
message this process sends is checked by the grader as if the submission had forged it, because it
can: it shares this process and its descriptors.

It imports nothing from dlicourse, so a broken course install cannot look like a broken submission.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import platform
import resource
import signal
import sys
import time
import traceback

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
WRITE_EVENTS = {"os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown", "os.truncate", "os.utime",
                "os.setxattr", "os.removexattr", "shutil.rmtree", "os.chflags", "os.lchflags"}
TWO_PATH_EVENTS = {"os.rename", "os.link", "os.symlink", "shutil.copyfile", "shutil.move", "shutil.copytree"}
READ_EVENTS = {"os.listdir", "os.scandir", "glob.glob", "os.chdir"}
PROCESS_EVENTS = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
                  "subprocess.Popen", "pty.spawn"}
ALLOWED_DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random", "/dev/tty")
# The FIXME placeholder's code (wherever the sandbox shows the course): its error names the submission's line.
PLACEHOLDERS = os.path.join("dlicourse", "placeholders.py")


class Stopped(Exception):
    """Raised inside the submission after a violation has been reported, in case it outlives os._exit."""


def _send(fd: int, message: dict) -> None:
    data = (json.dumps(message) + "\n").encode()
    while data:
        data = data[os.write(fd, data):]


def _limit(config: dict) -> None:
    """Limits the submission cannot raise again: each soft limit is also the hard one, except CPU time,
    whose soft limit sends SIGXCPU first so that the grader can tell why the process died."""
    cpu = int(config["cpu_s"])
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    address_space = int(config["address_space_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (address_space, address_space))
    file_size = int(config["file_size_mb"]) * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _die_with_parent() -> None:
    """Linux: the kernel kills this process when the grader dies, so nothing is left running."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _copy_font_list(source: str | None) -> None:
    """matplotlib's font list from the grader's cache, so that importing it starts no process."""
    target = os.environ.get("MPLCONFIGDIR")
    if not source or not target:
        return
    os.makedirs(target, exist_ok=True)
    with contextlib.suppress(OSError):
        for name in os.listdir(source):
            if name.startswith("fontlist") and name.endswith(".json"):
                with open(os.path.join(source, name), "rb") as f, open(os.path.join(target, name), "wb") as g:
                    g.write(f.read(4 * 2**20))


def _warm_up() -> None:
    """Do, before the audit hook, what Keras does on import that starts a process: find the CPU's
    name (`uname -p`) and load matplotlib's font list (`fc-list` when its cache is new)."""
    platform.processor()
    with contextlib.suppress(ImportError):
        import matplotlib.font_manager  # noqa: F401


def _resolve(path, dir_fd=None) -> str | None:
    if isinstance(path, int) or path is None:
        return None
    path = os.fsdecode(path)
    if dir_fd is not None and not os.path.isabs(path):
        path = os.path.join(f"/proc/self/fd/{dir_fd}", path)
    return os.path.realpath(path)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _install_hook(proto_out: int, work: str, protected: list[str]) -> None:
    own_pid = os.getpid()

    def stop(reason: str) -> None:
        _send(proto_out, {"event": "violation", "reason": reason})
        os._exit(70)

    def check_write(path, dir_fd=None) -> None:
        resolved = _resolve(path, dir_fd)
        if resolved is not None and not _inside(resolved, work) and resolved not in ALLOWED_DEVICES:
            stop(f"tried to write outside its working directory: {resolved}")

    def check_read(path, dir_fd=None) -> None:
        resolved = _resolve(path, dir_fd)
        if resolved is not None and any(_inside(resolved, root) for root in protected):
            stop(f"tried to read the grader's private files: {resolved}")

    def hook(event: str, args: tuple) -> None:
        if event == "open":
            path, mode, flags = args
            writing = (mode is not None and any(c in str(mode) for c in "wax+")) or (
                mode is None and isinstance(flags, int) and flags & WRITE_FLAGS)
            check_write(path) if writing else check_read(path)
        elif event in WRITE_EVENTS:
            check_write(args[0], args[-1] if event.startswith("os.") and len(args) > 1 else None)
        elif event in TWO_PATH_EVENTS:
            check_read(args[0])
            check_write(args[1])
        elif event in READ_EVENTS:
            check_read(args[0] if args else None)
        elif event in PROCESS_EVENTS:
            stop(f"tried to start a process ({event})")
        elif event in ("os.kill", "os.killpg"):
            target = args[0]
            if target not in (own_pid, 0) and not (event == "os.killpg" and target == os.getpgid(0)):
                stop(f"tried to signal another process (pid {target})")

    sys.addaudithook(hook)


def _describe(err: BaseException) -> str:
    """One line: the exception and where in the submission it came from."""
    where = ""
    for frame in reversed(traceback.extract_tb(err.__traceback__)):
        if frame.filename != __file__ and not frame.filename.endswith(PLACEHOLDERS):
            where = f" (line {frame.lineno} of {os.path.basename(frame.filename)})"
            break
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0] if text else ''}{where}"[:500]


def _fatal(err: BaseException) -> dict | None:
    if isinstance(err, MemoryError):
        return {"event": "fatal", "reason": "ran out of memory (MemoryError)"}
    if isinstance(err, SystemExit):
        return {"event": "fatal", "reason": f"called exit({err.code!r})"}
    if isinstance(err, KeyboardInterrupt | Stopped):
        return {"event": "fatal", "reason": f"stopped by {type(err).__name__}"}
    return None


def main(config_path: str, die_with_parent: bool = True) -> int:
    """Serve the submission named in the configuration. `die_with_parent` is for a child started on
    its own; one forked by the zygote dies with its sandbox instead."""
    with open(config_path) as f:
        config = json.load(f)
    # The grader's pipes move to private descriptors; the submission's prints go to stderr.
    proto_in, proto_out = os.dup(0), os.dup(1)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - lives as long as the process
    sys.stdout = sys.stderr
    sys.dont_write_bytecode = True  # no __pycache__ beside the submission or in the environment
    if die_with_parent:
        _die_with_parent()
    _limit(config)
    requests = os.fdopen(proto_in, "r", encoding="utf-8", errors="replace")
    submission = config["submission"]
    sys.path.insert(0, os.path.dirname(submission))
    sys.path.insert(1, config["course"])  # the grader's own dlicourse (for its answers and image loading)
    sys.argv = [submission]
    os.makedirs(os.environ.get("TMPDIR") or os.path.join(config["work"], "tmp"), exist_ok=True)
    _copy_font_list(config.get("font_cache"))
    _warm_up()
    _send(proto_out, {"event": "ready"})  # the grader watches for processes from here: the submission's
    _install_hook(proto_out, os.path.realpath(config["work"]), [os.path.realpath(p) for p in config["protected"]])

    started = time.perf_counter()
    try:
        spec = importlib.util.spec_from_file_location("submission", submission)
        if spec is None or spec.loader is None:
            raise ImportError(f"{os.path.basename(submission)} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules["submission"] = module
        spec.loader.exec_module(module)
        predict = getattr(module, "predict", None)
        if not callable(predict):
            raise AttributeError("the submission has no function predict(image_path)")
    except BaseException as err:  # noqa: BLE001 - any failure to load is the submission's, and is reported
        _send(proto_out, _fatal(err) or {"event": "import_error", "reason": _describe(err)})
        return 1
    _send(proto_out, {"event": "loaded", "seconds": time.perf_counter() - started})

    for line in requests:
        request = json.loads(line)
        try:
            value = predict(request["path"])
        except BaseException as err:  # noqa: BLE001 - reported per image; only fatal ones end the run
            fatal = _fatal(err)
            if fatal:
                _send(proto_out, fatal)
                return 1
            _send(proto_out, {"event": "error", "reason": _describe(err)})
            continue
        if isinstance(value, str):
            _send(proto_out, {"event": "answer", "answer": value[:200]})
        else:
            _send(proto_out, {"event": "invalid", "reason": f"predict returned {type(value).__name__} "
                                                            f"{repr(value)[:80]}, not a string"})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
