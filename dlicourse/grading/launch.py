"""Starting one submission's child process: its folder on the host, its configuration, its environment,
and the command that runs it isolated (bubblewrap, in a cgroup) or, when the instructor asks for it,
unsafely as a plain process.

Nothing secret goes in: the configuration and environment hold paths and limits, never the test
set's seed or labels, and the command line is one the submission cannot see anyway (PID namespace).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from dlicourse import files
from dlicourse.grading import isolation
from dlicourse.grading.cgroups import Cgroup
from dlicourse.grading.processes import TOKEN_ENV

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


def _font_cache() -> str | None:
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


def _environment(work: str, threads: int | None) -> dict[str, str]:
    """A clean environment: the submission's home, temp and caches are all inside its folder."""
    env = {key: os.environ[key] for key in ("LANG", "LC_ALL", "KERAS_BACKEND", "CUDA_VISIBLE_DEVICES")
           if key in os.environ}
    env.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME=work, TMPDIR=f"{work}/tmp", MPLCONFIGDIR=f"{work}/.matplotlib",
               KERAS_HOME=f"{work}/.keras", DLICOURSE_DATA=f"{work}/data", TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONHASHSEED="0", TF_FORCE_GPU_ALLOW_GROWTH="true", **_threads(threads))
    return env


@dataclass
class Started:
    process: subprocess.Popen
    fds: tuple[int, int, int]  # the grader's ends: requests (write), messages (read), output (read)
    cgroup: Cgroup | None
    isolation: str  # what holds the submission, in one line for the report


def start(submission: Path, root: Path, limits_config: dict, threads: int | None, isolated: bool, token: str,
          memory_mb: int, processes: int, disk_mb: int, protected: Sequence[str | os.PathLike]) -> Started:
    """Start the child on `submission`, with its test images already in `root/images`."""
    fonts = _font_cache()
    if isolated:
        work = isolation.WORK
        config = {"submission": f"{isolation.SUBMISSION}/{submission.name}", "work": work,
                  "course": isolation.COURSE, "protected": [], "font_cache": FONTS if fonts else None,
                  **limits_config}
    else:
        work = str(root / "work")
        (root / "work").mkdir()
        config = {"submission": str(submission), "work": work, "course": str(PACKAGE.parent),
                  "protected": [str(p) for p in protected], "font_cache": fonts, **limits_config}
    files.write_json(root / "config.json", config)
    os.chmod(root / "config.json", 0o444)
    env = _environment(work, threads)
    cgroup, description = None, "no isolation (--unsafe-no-isolation): an audit hook and process watching only"
    if isolated:
        copy_submission(submission.parent, root / "submission")
        binds = {isolation.IMAGES: str(root / "images"), isolation.SUBMISSION: str(root / "submission"),
                 f"{isolation.COURSE}/dlicourse": str(PACKAGE), isolation.CHILD: str(CHILD),
                 isolation.CONFIG: str(root / "config.json")} | ({FONTS: fonts} if fonts else {})
        command = isolation.bwrap_command([isolation.CHILD, isolation.CONFIG], binds, env, disk_mb,
                                          masks=_generators())
        cgroup, limits_line = Cgroup.create(memory_mb, processes)
        description = f"bubblewrap namespaces (network, PID, mount), {_who()}, tmpfs {disk_mb} MiB; {limits_line}"
        if cgroup is not None:
            command = ["/bin/sh", "-c", _JOIN_CGROUP, "sh", str(len(cgroup.procs_files)),
                       *map(str, cgroup.procs_files), *command]
        env_for_launcher = {"PATH": "/usr/bin:/bin"}
        cwd = root
    else:
        command = [sys.executable, "-I", "-B", str(CHILD), str(root / "config.json")]
        env_for_launcher = {**env, TOKEN_ENV: token}
        cwd = root / "work"
    requests_r, requests_w = os.pipe()
    messages_r, messages_w = os.pipe()
    output_r, output_w = os.pipe()
    try:
        process = subprocess.Popen(command, stdin=requests_r, stdout=messages_w, stderr=output_w, cwd=cwd,
                                   env=env_for_launcher, start_new_session=True, close_fds=True)
    except BaseException:
        for fd in (requests_w, messages_r, output_r):
            os.close(fd)
        if cgroup is not None:
            cgroup.remove()
        raise
    finally:
        for fd in (requests_r, messages_w, output_w):
            os.close(fd)
    return Started(process, (requests_w, messages_r, output_r), cgroup, description)


def _generators() -> list[str]:
    """The course's data generators, hidden in the sandbox: in the course package it imports, and in any
    copy installed among the packages (a non-editable install)."""
    installed = [Path(p) / "dlicourse" / "datasets" for p in sys.path if "-packages" in p]
    return [f"{isolation.COURSE}/dlicourse/datasets", *(str(p) for p in installed if p.is_dir())]


def _who() -> str:
    return "as nobody with no capabilities" if isolation.is_root() else "in a user namespace with no capabilities"
