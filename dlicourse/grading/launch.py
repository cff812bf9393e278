"""Starting one submission's child process: its configuration, its environment, and either its sandbox
(bubblewrap, in a cgroup, under the seccomp filter; the zygote forks the child into it) or, when the
instructor asks for it, a plain unsafe process working in a folder on the host.

Nothing secret goes in: the configuration and environment hold sandbox paths and limits, never the test
set's seed or labels, and nothing the sandbox can read (its mounts, bubblewrap's command line, what the
child inherits from the zygote) names a host path of the grader's beyond the Python and course it runs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import psutil

from dlicourse import files
from dlicourse.grading import isolation, seccomp
from dlicourse.grading.cgroups import Cgroup
from dlicourse.grading.handin import HandIn
from dlicourse.grading.processes import TOKEN_ENV
from dlicourse.grading.testimages import Images, write_images

if TYPE_CHECKING:
    from dlicourse.grading.sandbox import Limits
    from dlicourse.grading.zygotes import Zygote

CHILD = Path(__file__).with_name("child.py")
PACKAGE = Path(__file__).resolve().parent.parent  # the grader's own dlicourse package
FONTS = "/grade/fonts"
_JOIN_CGROUP = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 125; shift; n=$((n-1)); done; exec "$@"'


def remove_tree(root: Path) -> list[str]:
    """Remove a grading folder even when a submission made parts of it read-only (without isolation it
    works in it); what could not be removed is returned, for the report."""
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


def font_lists() -> list[Path]:
    """The grader's matplotlib font lists, which the child copies before the submission runs: a fresh one
    would be rebuilt, by a process (fc-list), for every submission."""
    with contextlib.suppress(Exception):
        import matplotlib

        return sorted(Path(matplotlib.get_cachedir()).glob("fontlist*.json"))
    return []


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
    ours: list[psutil.Process] = field(default_factory=list)  # the grader's processes in and around the sandbox
    runner: psutil.Process | None = None  # the child, once in the sandbox
    status: int | None = None  # read end: the child's wait status, as its joiner saw it


# The sandbox's first process: it says it is up, then waits for the child's exit status (from the
# zygote's joiner) and exits with it, which ends the sandbox.
PLACEHOLDER = ["/bin/sh", "-c", 'echo; read -r code; exit "${code:-125}"']
NAMESPACES = ("mnt", "uts", "ipc", "net", "cgroup", "pid")  # the PID namespace last: it is for the runner
NS_GET_USERNS = 0xB701  # ioctl: the user namespace that owns a namespace
SANDBOX_START_S = 30.0


def start(hand_in: HandIn, images: Images, root: Path, limits: Limits, threads: int | None, zygote: Zygote | None,
          token: str, protected: Sequence[str | os.PathLike]) -> Started:
    """Start the child on the hand-in's copy and the anonymised images: forked by `zygote` into a new
    sandbox, or, without one, unsafely as a plain process working in `root`."""
    config = {"cpu_s": limits.cpu_s, "address_space_mb": limits.address_space_mb, "file_size_mb": limits.file_size_mb}
    if zygote is None:
        return _start_unsafe(hand_in, images, root, config, threads, token, protected)
    config |= {"submission": f"{isolation.SUBMISSION}/{hand_in.submission}", "work": isolation.WORK,
               "course": isolation.COURSE, "protected": [], "font_cache": FONTS if font_lists() else None}
    return _start_isolated(hand_in, images, config, _environment(isolation.WORK, threads), zygote, limits, threads)


def _start_unsafe(hand_in: HandIn, images: Images, root: Path, config: dict, threads: int | None, token: str,
                  protected: Sequence[str | os.PathLike]) -> Started:
    hand_in.write_to(root / "submission")
    write_images(root / "images", images)
    (root / "work").mkdir()
    files.write_json(root / "config.json", config | {
        "submission": str(root / "submission" / hand_in.submission), "work": str(root / "work"),
        "course": str(PACKAGE.parent), "protected": [str(p) for p in protected],
        "font_cache": next((str(f.parent) for f in font_lists()), None)})
    env = _environment(str(root / "work"), threads)
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
    return Started(process, (requests_w, messages_r, output_r), None, description, runner=psutil.Process(process.pid))


@contextlib.contextmanager
def _grade_files(hand_in: HandIn, images: Images, config: dict) -> Iterator[tuple[list[tuple[int, str]], list]]:
    """What bubblewrap copies into the sandbox's /grade, as (descriptor, path) in writing order, and its links:
    the images in their random order, the hand-in's copy, the configuration, the grader's font list."""
    opened = [tempfile.TemporaryFile()]  # noqa: SIM115 - closed below
    opened[0].write(json.dumps(config).encode())
    opened[0].seek(0)
    fonts = font_lists()
    try:
        opened += [open(font, "rb") for font in fonts]  # noqa: SIM115 - closed below
        wanted = [(f.fileno(), f"{isolation.IMAGES}/{name}") for name, f in images.files]
        wanted += [(f.fileno(), f"{isolation.SUBMISSION}/{name}") for name, f in hand_in.files.items()]
        wanted += [(opened[0].fileno(), isolation.CONFIG)]
        wanted += [(f.fileno(), f"{FONTS}/{font.name}") for f, font in zip(opened[1:], fonts, strict=True)]
        yield wanted, [(target, f"{isolation.SUBMISSION}/{name}") for name, target in hand_in.links.items()]
    finally:
        for f in opened:
            f.close()


def _start_isolated(hand_in: HandIn, images: Images, config: dict, env: dict[str, str], zygote: Zygote,
                    limits: Limits, threads: int | None) -> Started:
    """Start the sandbox with its placeholder (in the submission's cgroup), then have the zygote fork
    the child into it."""
    cgroup, limits_line = Cgroup.create(limits.memory_mb, limits.processes, threads or os.cpu_count() or 1)
    with _grade_files(hand_in, images, config) as (grade_files, links), seccomp.program_file() as program:
        command = isolation.bwrap_command(PLACEHOLDER, {f"{isolation.COURSE}/dlicourse": str(PACKAGE)}, env,
                                          limits.disk_mb, _generators(), grade_files, links, program.fileno())
        if cgroup is not None:
            command = ["/bin/sh", "-c", _JOIN_CGROUP, "sh", str(len(cgroup.procs_files)),
                       *map(str, cgroup.procs_files), *command]
        started = _sandbox(command, [fd for fd, _ in grade_files] + [program.fileno()], cgroup, zygote,
                           {"env": env, "processes": limits.processes})
    started.isolation = (f"bubblewrap namespaces (network, PID, mount), {_who()}, a seccomp filter, tmpfs "
                         f"{limits.disk_mb} MiB; {limits_line}")
    return started


def _sandbox(command: list[str], pass_fds: list[int], cgroup: Cgroup | None, zygote: Zygote, child: dict) -> Started:
    """Run the sandbox's launcher, wait for its placeholder, and have the zygote's joiner bring the child in
    (`child`: its environment and process limit). Nothing in the joiner's request names a host path: the
    child inherits its memory."""
    requests_r, requests_w = os.pipe()
    messages_r, messages_w = os.pipe()
    output_r, output_w = os.pipe()
    life_r, life_w = os.pipe()
    ready_r, ready_w = os.pipe()
    status_r, status_w = os.pipe()
    theirs = [requests_r, messages_w, output_w, life_w, status_w]
    process, passed = None, []
    try:
        try:
            process = subprocess.Popen(command, stdin=life_r, stdout=ready_w, stderr=output_w, cwd="/",
                                       env={"PATH": "/usr/bin:/bin"}, start_new_session=True, close_fds=True,
                                       pass_fds=pass_fds)
        finally:
            os.close(life_r)
            os.close(ready_w)
        ours = _wait_for_placeholder(process, ready_r, output_r)
        names, namespaces = _namespaces(ours[-1].pid)
        cgroups = [os.open(p, os.O_WRONLY) for p in cgroup.procs_files] if cgroup else []
        passed = cgroups + namespaces
        spec = {"namespaces": names, "cgroups": len(cgroups), "seccomp": seccomp.program().hex(),
                "uid": isolation.SANDBOX_UID if isolation.is_root() else None, "config": isolation.CONFIG,
                "work": isolation.WORK, **child}
        joiner = zygote.spawn(spec, theirs + passed)
    except BaseException:
        if process is not None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        for fd in (requests_w, messages_r, output_r, status_r):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    finally:
        for fd in (*theirs, *passed, ready_r):
            os.close(fd)
    return Started(process, (requests_w, messages_r, output_r), cgroup, "", joiner, ours, _runner(joiner), status_r)


def _wait_for_placeholder(process: subprocess.Popen, ready: int, output: int) -> list[psutil.Process]:
    """The grader's processes from the launcher down to the placeholder, once it says it is up (nothing of
    the submission runs yet, so the one shell below the launcher is it); what bubblewrap said if it never is."""
    if select.select([ready], [], [], SANDBOX_START_S)[0] and os.read(ready, 1) == b"\n":
        launcher = psutil.Process(process.pid)
        found = [p for p in launcher.children(recursive=True) if p.name() == "sh"]
        if len(found) != 1:
            raise RuntimeError(f"the sandbox has {len(found)} placeholder processes, not one")
        chain = [found[0]]
        while chain[-1] != launcher:
            chain.append(chain[-1].parent())
        return chain[::-1]
    os.set_blocking(output, False)
    with contextlib.suppress(OSError):
        said = os.read(output, 4096).decode(errors="replace").strip().splitlines()
        if said:
            raise RuntimeError(f"the sandbox did not start: {said[-1][:300]}")
    raise RuntimeError(f"the sandbox did not start within {SANDBOX_START_S:g} s")


def _runner(joiner: int) -> psutil.Process | None:
    """The child: the joiner's one child, forked before the zygote answered (None if it has already ended)."""
    with contextlib.suppress(psutil.Error):
        children = psutil.Process(joiner).children()
        return children[0] if children else None
    return None


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
