"""The operating system's isolation for one submission: bubblewrap (`bwrap`, the sandbox behind Flatpak)
puts it in its own network, PID, IPC, UTS and mount namespaces, in a new session.

Inside, the submission sees a tree of its own: `/usr` and `/etc`, the Python it runs on and its
packages (read-only), the course's `dlicourse` package without its data generators (read-only), and
under `/grade` a tmpfs that bubblewrap fills from the grader's descriptors and then makes read-only: the
copy of its hand-in, the anonymised test images, its configuration; then a size-capped tmpfs work folder
and `/tmp`. The grader's data cache, the instructor's `--images` folder, home folders, the grading
folder and the course source are not there, nor named in its mounts. `/proc` shows only its own
processes, and the network only its own loopback. A seccomp filter (`seccomp`) refuses the kernel's
interfaces that namespaces do not separate (keyrings above all) and nested namespaces.

When the grader runs as root, the sandbox starts as root only long enough to switch, with `setpriv`,
to an unprivileged user (nobody) with no capabilities, an empty bounding set and no_new_privs; a
grader that is not root gets the same through an unprivileged user namespace.

The sandbox's first process is a placeholder; the child that runs the submission is forked into it
warm by the grader's `zygote`, which enters the placeholder's namespaces (and cgroup) and drops to
the same user, with no capabilities and no_new_privs, before the child starts; the child checks that
with the kernel (/proc/self/status) before the submission runs.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from dlicourse.grading import seccomp

SANDBOX_UID = 65534  # nobody
GRADE = "/grade"
IMAGES = "/grade/images"
WORK = "/grade/work"
SUBMISSION = "/grade/submission"
COURSE = "/grade/course"
CONFIG = "/grade/config.json"
HOW_TO_ENABLE = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap) and allow unprivileged user "
                 "namespaces (sysctl kernel.unprivileged_userns_clone=1 and user.max_user_namespaces > 0), or run "
                 "the grader as root; or pass --unsafe-no-isolation to grade without it")


def is_root() -> bool:
    return os.geteuid() == 0


def python_roots() -> list[Path]:
    """The folders the running Python needs: its installation and its environment's packages."""
    roots = {Path(sys.prefix), Path(sys.base_prefix), Path(sys.exec_prefix), Path(sys.base_exec_prefix),
             Path(os.path.realpath(sys.executable)).parent.parent}
    roots |= {Path(p) for p in sys.path if p and "-packages" in p and Path(p).is_dir()}
    keep: list[Path] = []
    for root in sorted(roots, key=lambda p: len(p.parts)):
        if str(root).startswith("/usr") or any(root.is_relative_to(k) for k in keep) or not root.exists():
            continue
        keep.append(root)
    return keep


def _dirs_for(destination: str, made: set[str]) -> list[str]:
    """World-readable parent folders for a mount point (bwrap makes them 0700 otherwise)."""
    args = []
    parts = Path(destination).parts
    for depth in range(2, len(parts)):
        folder = str(Path(*parts[:depth]))
        if folder not in made:
            made.add(folder)
            args += ["--perms", "0755", "--dir", folder]
    return args


def bwrap_command(program: list[str], binds: dict[str, str], env: dict[str, str], work_mb: int,
                  masks: Sequence[str] = (), files: Sequence[tuple[int, str]] = (),
                  links: Sequence[tuple[str, str]] = (), seccomp_fd: int | None = None) -> list[str]:
    """The `bwrap` command line that runs `program` (a command and its arguments) in a fresh sandbox.
    `binds` maps sandbox paths to host paths, all mounted read-only; `masks` are sandbox folders hidden
    behind an empty read-only tmpfs. `files` (a descriptor to copy from, and a path under GRADE) and `links`
    (a target, and a path under GRADE) are made, in the order given, in a tmpfs that is then made read-only:
    nothing of the grader's folders shows in the sandbox's mounts, and a file's inode number and times say
    only where it came in that order. `seccomp_fd` holds the filter (`seccomp.program`) bubblewrap loads."""
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--clearenv",
            "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", str(work_mb * 2**20), "--tmpfs", "/tmp"]
    if not is_root():
        args.insert(1, "--unshare-user")
    for link in ("bin", "lib", "lib64", "lib32", "sbin"):
        if os.path.islink(f"/{link}"):
            args += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
    made: set[str] = {GRADE}
    for root in python_roots():
        args += _dirs_for(str(root), made) + ["--ro-bind", str(root), str(root)]
    args += ["--perms", "0755", "--tmpfs", GRADE, "--perms", "0555", "--dir", IMAGES, "--perms", "0555", "--dir",
             SUBMISSION]
    for fd, inside in files:
        args += ["--perms", "0444", "--file", str(fd), inside]
    for target, inside in links:
        args += ["--symlink", target, inside]
    for inside, outside in binds.items():
        args += _dirs_for(inside, made) + ["--ro-bind", outside, inside]
    for inside in masks:
        args += ["--perms", "0555", "--size", "4096", "--tmpfs", inside, "--remount-ro", inside]
    args += ["--perms", "1777", "--size", str(work_mb * 2**20), "--tmpfs", WORK, "--remount-ro", GRADE,
             "--chdir", WORK]
    for key, value in env.items():
        args += ["--setenv", key, value]
    if seccomp_fd is not None:
        args += ["--seccomp", str(seccomp_fd)]
    if is_root():
        args += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--", shutil.which("setpriv") or "setpriv",
                 f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups", "--bounding-set=-all",
                 "--inh-caps=-all", "--no-new-privs"]
    else:
        args += ["--"]
    return args + program


@functools.cache
def unavailable() -> str | None:
    """None when isolated grading works on this machine, else one line: why not, and how to enable it."""
    if not sys.platform.startswith("linux"):
        return f"isolated grading needs Linux namespaces, and this is {sys.platform}: run the grader in a Linux " \
               "container, or pass --unsafe-no-isolation"
    if shutil.which("bwrap") is None:
        return f"isolated grading needs bubblewrap (bwrap), which is not installed: {HOW_TO_ENABLE}"
    if is_root() and shutil.which("setpriv") is None:
        return "isolated grading as root needs setpriv (util-linux) to drop to an unprivileged user"
    if why := seccomp.unavailable():
        return why
    try:
        with seccomp.program_file() as program:
            probe = bwrap_command([sys.executable, "-I", "-c", "import os; print(os.getuid())"], {},
                                  {"PATH": "/usr/bin:/bin"}, 16, seccomp_fd=program.fileno())
            done = subprocess.run(probe, capture_output=True, text=True, timeout=60, pass_fds=(program.fileno(),))
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"bubblewrap could not start a sandbox ({err}): {HOW_TO_ENABLE}"
    want = str(SANDBOX_UID) if is_root() else str(os.getuid())
    if done.returncode != 0 or done.stdout.strip() != want:
        why = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1][:200]
        return f"bubblewrap could not make the namespaces ({why}): {HOW_TO_ENABLE}"
    return None
