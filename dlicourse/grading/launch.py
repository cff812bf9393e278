"""Starting one submission's child process: its folder on the host, its configuration, its environment,
and either its sandbox (bubblewrap, in a cgroup; the zygote forks the child into it) or, when the
instructor asks for it, a plain unsafe process.

Nothing secret goes in: the configuration and environment hold paths and limits, never the test
set's seed or labels, and the command line is one the submission cannot see anyway (PID namespace).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import secrets
import select
import shutil
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import psutil
from PIL import Image

from dlicourse import files
from dlicourse.grading import isolation
from dlicourse.grading.cgroups import Cgroup
from dlicourse.grading.processes import TOKEN_ENV

if TYPE_CHECKING:
    from dlicourse.grading.zygotes import Zygote

CHILD = Path(__file__).with_name("child.py")
PACKAGE = Path(__file__).resolve().parent.parent  # the grader's own dlicourse package
FONTS = "/grade/fonts"
_JOIN_CGROUP = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"'


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


SUBMISSION_MB = 512  # what a submission's folder may hold: the code and its model


class SubmissionError(Exception):
    """The submission's folder cannot be given to the sandbox; the message says why."""


def handed_in(folder: Path) -> list[Path]:
    """What grading takes from a submission's folder: the files and links beside it (its code and its
    model), not subfolders. The copy for the sandbox and the hash a re-grade compares both read this list."""
    return [entry for entry in sorted(folder.iterdir()) if entry.is_symlink() or entry.is_file()]


def submission_digest(submission: Path) -> str:
    """SHA-256 over the names and contents of what grading copies from `submission`'s folder (a link's
    target, not what it points to, as the copy keeps it): equal digests mean the same hand-in, so a
    re-grade may keep its grade. Empty when it cannot be read (a missing file, say): such is never kept."""
    if not submission.is_file():
        return ""
    digest = hashlib.sha256()
    try:
        for entry in handed_in(submission.parent):
            link = entry.is_symlink()
            content = os.readlink(entry).encode() if link else bytes.fromhex(files.sha256(entry))
            digest.update(f"{entry.name}\0{'link' if link else 'file'}\0".encode() + content + b"\0")
    except OSError:  # unreadable or vanishing: never the same as a hand-in that was read
        return ""
    return digest.hexdigest()


def copy_submission(folder: Path, target: Path) -> None:
    """A read-only copy of the files beside the submission (`handed_in`) for the sandbox's unprivileged
    user, who may not read the originals. Links are copied as links, so one cannot pull a grader's file
    in; a file that vanishes meanwhile is left out."""
    target.mkdir()
    total = 0
    try:
        for entry in handed_in(folder):
            with contextlib.suppress(FileNotFoundError):
                if entry.is_symlink():
                    os.symlink(os.readlink(entry), target / entry.name)
                else:
                    total += entry.stat().st_size
                    if total > SUBMISSION_MB * 2**20:
                        raise SubmissionError(f"the files beside it in {folder} hold more than {SUBMISSION_MB} MiB")
                    shutil.copyfile(entry, target / entry.name)
                    os.chmod(target / entry.name, 0o444)
    except OSError as err:
        raise SubmissionError(f"its folder {folder} could not be copied: {str(err)[:200]}") from None
    os.chmod(target, 0o555)


def remove_tree(root: Path) -> list[str]:
    """Remove a grading folder even when a submission made parts of it read-only; what could not be
    removed is returned, for the report."""
    def make_writable(function: Callable, path: str, _excinfo: object) -> None:
        with contextlib.suppress(OSError):
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            os.chmod(path, stat.S_IRWXU)
            function(path)

    for folder in (root / "images", root / "submission"):
        with contextlib.suppress(OSError):
            os.chmod(folder, stat.S_IRWXU)
    shutil.rmtree(root, onerror=make_writable)
    return [f"could not remove the grading folder {root}"] if root.exists() else []


def font_cache() -> str | None:
    """The grader's matplotlib cache, whose font list the child copies before the submission runs: a
    fresh one would be rebuilt, by a process (fc-list), for every submission."""
    with contextlib.suppress(Exception):
        import matplotlib

        folder = matplotlib.get_cachedir()
        return folder if any(Path(folder).glob("fontlist*.json")) else None
    return None


def _threads(threads: int | None) -> dict[str, str]:
    if not threads:
        return {}
    return {"OMP_NUM_THREADS": str(threads), "TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": "1"}


def base_environment() -> dict[str, str]:
    """What the child's interpreter runs with, wherever it starts: the grader's language and backend,
    quiet TensorFlow, and a fixed hash seed (the zygote's is the one its runners keep)."""
    env = {key: os.environ[key] for key in ("LANG", "LC_ALL", "KERAS_BACKEND", "CUDA_VISIBLE_DEVICES")
           if key in os.environ}
    return env | {"PATH": "/usr/local/bin:/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONHASHSEED": "0",
                  "TF_FORCE_GPU_ALLOW_GROWTH": "true"}


def _environment(work: str, threads: int | None) -> dict[str, str]:
    """A clean environment: the submission's home, temp and caches are all inside its folder."""
    return base_environment() | {
        "HOME": work, "TMPDIR": f"{work}/tmp", "MPLCONFIGDIR": f"{work}/.matplotlib", "KERAS_HOME": f"{work}/.keras",
        "DLICOURSE_DATA": f"{work}/data", **_threads(threads)}


@dataclass
class Started:
    process: subprocess.Popen  # the sandbox's launcher (bwrap), or, without isolation, the child itself
    fds: tuple[int, int, int]  # the grader's ends: requests (write), messages (read), output (read)
    cgroup: Cgroup | None
    isolation: str  # what holds the submission, in one line for the report
    joiner: int | None = None  # the zygote's process that waits, outside the sandbox, for the child in it


# The sandbox's first process: it says it is up, then waits for the child's exit status (from the
# zygote's joiner) and exits with it, which ends the sandbox.
PLACEHOLDER = ["/bin/sh", "-c", 'echo; read -r code; exit "${code:-125}"']
NAMESPACES = ("mnt", "uts", "ipc", "net", "cgroup", "pid")  # the PID namespace last: it is for the runner
NS_GET_USERNS = 0xB701  # ioctl: the user namespace that owns a namespace
SANDBOX_START_S = 30.0


def start(submission: Path, root: Path, limits_config: dict, threads: int | None, zygote: Zygote | None, token: str,
          memory_mb: int, processes: int, disk_mb: int, protected: Sequence[str | os.PathLike]) -> Started:
    """Start the child on `submission`, with its test images already in `root/images`: forked by
    `zygote` into a new sandbox, or, without one, unsafely as a plain process."""
    fonts = font_cache()
    if zygote is None:
        work = str(root / "work")
        (root / "work").mkdir()
        config = {"submission": str(submission), "work": work, "course": str(PACKAGE.parent),
                  "protected": [str(p) for p in protected], "font_cache": fonts, **limits_config}
    else:
        work = isolation.WORK
        config = {"submission": f"{isolation.SUBMISSION}/{submission.name}", "work": work,
                  "course": isolation.COURSE, "protected": [], "font_cache": FONTS if fonts else None,
                  **limits_config}
    files.write_json(root / "config.json", config)
    os.chmod(root / "config.json", 0o444)
    env = _environment(work, threads)
    if zygote is None:
        return _start_unsafe(root, env, token)
    copy_submission(submission.parent, root / "submission")
    return _start_isolated(root, env, zygote, fonts, memory_mb, processes, disk_mb)


def _start_unsafe(root: Path, env: dict[str, str], token: str) -> Started:
    requests_r, requests_w = os.pipe()
    messages_r, messages_w = os.pipe()
    output_r, output_w = os.pipe()
    try:
        process = subprocess.Popen([sys.executable, "-I", "-B", str(CHILD), str(root / "config.json")],
                                   stdin=requests_r, stdout=messages_w, stderr=output_w, cwd=root / "work",
                                   env={**env, TOKEN_ENV: token}, start_new_session=True, close_fds=True)
    except BaseException:
        for fd in (requests_w, messages_r, output_r):
            os.close(fd)
        raise
    finally:
        for fd in (requests_r, messages_w, output_w):
            os.close(fd)
    description = "no isolation (--unsafe-no-isolation): an audit hook and process watching only"
    return Started(process, (requests_w, messages_r, output_r), None, description)


def _start_isolated(root: Path, env: dict[str, str], zygote: Zygote, fonts: str | None, memory_mb: int,
                    processes: int, disk_mb: int) -> Started:
    """Start the sandbox with its placeholder (in the submission's cgroup), then have the zygote fork
    the child into it."""
    binds = {isolation.IMAGES: str(root / "images"), isolation.SUBMISSION: str(root / "submission"),
             f"{isolation.COURSE}/dlicourse": str(PACKAGE),
             isolation.CONFIG: str(root / "config.json")} | ({FONTS: fonts} if fonts else {})
    command = isolation.bwrap_command(PLACEHOLDER, binds, env, disk_mb, masks=_generators())
    cgroup, limits_line = Cgroup.create(memory_mb, processes)
    if cgroup is not None:
        command = ["/bin/sh", "-c", _JOIN_CGROUP, "sh", str(len(cgroup.procs_files)),
                   *map(str, cgroup.procs_files), *command]
    requests_r, requests_w = os.pipe()
    messages_r, messages_w = os.pipe()
    output_r, output_w = os.pipe()
    life_r, life_w = os.pipe()
    ready_r, ready_w = os.pipe()
    theirs = [requests_r, messages_w, output_w, life_w]
    process, namespaces = None, []
    try:
        try:
            process = subprocess.Popen(command, stdin=life_r, stdout=ready_w, stderr=output_w, cwd=root,
                                       env={"PATH": "/usr/bin:/bin"}, start_new_session=True, close_fds=True)
        finally:
            os.close(life_r)
            os.close(ready_w)
        placeholder = _wait_for_placeholder(process, ready_r, output_r)
        names, namespaces = _namespaces(placeholder)
        spec = {"namespaces": names, "cgroup_procs": [str(p) for p in cgroup.procs_files] if cgroup else [],
                "uid": isolation.SANDBOX_UID if isolation.is_root() else None, "config": isolation.CONFIG,
                "env": env, "work": isolation.WORK, "processes": processes}
        joiner = zygote.spawn(spec, theirs + namespaces)
    except BaseException:
        if process is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for fd in (requests_w, messages_r, output_r):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    finally:
        for fd in (*theirs, *namespaces, ready_r):
            os.close(fd)
    description = f"bubblewrap namespaces (network, PID, mount), {_who()}, tmpfs {disk_mb} MiB; {limits_line}"
    return Started(process, (requests_w, messages_r, output_r), cgroup, description, joiner)


def _wait_for_placeholder(process: subprocess.Popen, ready: int, output: int) -> int:
    """The placeholder's pid, once it says it is up; what bubblewrap said if it never is."""
    if select.select([ready], [], [], SANDBOX_START_S)[0] and os.read(ready, 1) == b"\n":
        found = [p for p in psutil.Process(process.pid).children(recursive=True) if p.name() == "sh"]
        if len(found) == 1:
            return found[0].pid
        raise RuntimeError(f"the sandbox has {len(found)} placeholder processes, not one")
    os.set_blocking(output, False)
    with contextlib.suppress(OSError):
        said = os.read(output, 4096).decode(errors="replace").strip().splitlines()
        if said:
            raise RuntimeError(f"the sandbox did not start: {said[-1][:300]}")
    raise RuntimeError(f"the sandbox did not start within {SANDBOX_START_S:g} s")


def _namespaces(pid: int) -> tuple[list[str], list[int]]:
    """The namespaces of `pid` to enter, opened, in the order to enter them: first the user namespace
    that owns the others (bubblewrap's first; entering it gives the right to enter them), then those,
    the PID namespace last, then the placeholder's own user namespace when bubblewrap nested one.
    Those the grader shares (all user namespaces, when it is root) are left out."""
    wanted: list[tuple[str, int]] = []
    try:
        mnt = os.open(f"/proc/{pid}/ns/mnt", os.O_RDONLY)
        try:
            wanted.append(("user", fcntl.ioctl(mnt, NS_GET_USERNS)))
        finally:
            os.close(mnt)
        for name in (*NAMESPACES, "user"):
            wanted.append((name, os.open(f"/proc/{pid}/ns/{name}", os.O_RDONLY)))
    except OSError:
        for _, fd in wanted:
            os.close(fd)
        raise
    names, fds, entered = [], [], set()
    for name, fd in wanted:
        inode = os.fstat(fd).st_ino
        if inode == os.stat(f"/proc/self/ns/{name}").st_ino or inode in entered:
            os.close(fd)
            continue
        entered.add(inode)
        names.append(name)
        fds.append(fd)
    return names, fds


def _generators() -> list[str]:
    """The course's data generators, hidden in the sandbox: in the course package it imports, and in any
    copy installed among the packages (a non-editable install)."""
    installed = [Path(p) / "dlicourse" / "datasets" for p in sys.path if "-packages" in p]
    return [f"{isolation.COURSE}/dlicourse/datasets", *(str(p) for p in installed if p.is_dir())]


def _who() -> str:
    return "as nobody with no capabilities" if isolation.is_root() else "in a user namespace with no capabilities"
