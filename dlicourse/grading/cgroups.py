"""Kernel limits on everything one submission uses: a cgroup with a memory limit (shared memory, memfds
and tmpfs pages included, which an RSS watch misses) and a process limit (a fork bomb hits it).

cgroup v2 where the machine offers its `memory` and `pids` controllers to this user, else v1 (what
root gets on the course's machines, CI's included), else none: `Cgroup.create` then says why, and the
grade falls back to per-process limits (address space, CPU time), the tmpfs cap and the RSS watch.
The grader moves the sandbox's first process into the cgroup before it starts, so everything it
starts is counted and killed with it.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


def _own_path(controller: str) -> str:
    """This process's cgroup path for a v1 `controller` ("" for v2), from /proc/self/cgroup."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(",") or (controller == "" and names == ""):
                return path.lstrip("/")
    return ""


def _parent(mount: Path, controller: str) -> Path:
    """Where to make the grading cgroup: under this process's own cgroup when the mount shows it."""
    own = mount / _own_path(controller)
    return own if own.is_dir() else mount


def _write(path: Path, value: str) -> None:
    path.write_text(value)


@dataclass
class Cgroup:
    """A cgroup (one folder in v2, one per controller in v1) holding one submission."""

    version: int
    folders: list[Path]
    memory_bytes: int
    pids: int
    description: str = ""
    problems: list[str] = field(default_factory=list)

    @classmethod
    def create(cls, memory_mb: int, pids: int) -> tuple[Cgroup | None, str]:
        """A new cgroup with these limits, and a line that says what was made (or why none could be)."""
        name = f"dlicourse-grade-{os.getpid()}-{secrets.token_hex(6)}"  # a leftover one names its grader
        memory = memory_mb * 2**20
        reasons = []
        for make in (cls._v2, cls._v1):
            try:
                group = make(name, memory, pids)
            except OSError as err:
                reasons.append(f"{make.__name__[1:]}: {err.strerror or err}")
                continue
            return group, group.description
        return None, "no cgroup (" + "; ".join(reasons) + ")"

    @classmethod
    def _v2(cls, name: str, memory: int, pids: int) -> Cgroup:
        mount = next((m for m in (ROOT, ROOT / "unified") if (m / "cgroup.controllers").is_file()), None)
        if mount is None:
            raise OSError(0, "not mounted")
        parent = _parent(mount, "")
        wanted = {"memory", "pids"}
        if not wanted <= set((parent / "cgroup.subtree_control").read_text().split()):
            raise OSError(0, f"memory and pids controllers not delegated to {parent}")
        folder = parent / name
        folder.mkdir()
        group = cls(2, [folder], memory, pids, f"cgroup v2: memory {memory >> 20} MiB, {pids} processes")
        try:
            _write(folder / "memory.max", str(memory))
            with contextlib.suppress(OSError):
                _write(folder / "memory.swap.max", "0")
            _write(folder / "pids.max", str(pids))
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _v1(cls, name: str, memory: int, pids: int) -> Cgroup:
        folders = []
        try:
            for controller in ("memory", "pids"):
                mount = ROOT / controller
                if not (mount / "cgroup.procs").is_file():
                    raise OSError(0, f"no {controller} controller mounted")
                folder = _parent(mount, controller) / name
                folder.mkdir()
                folders.append(folder)
            _write(folders[0] / "memory.limit_in_bytes", str(memory))
            with contextlib.suppress(OSError):  # only where swap is accounted
                _write(folders[0] / "memory.memsw.limit_in_bytes", str(memory))
            _write(folders[1] / "pids.max", str(pids))
        except OSError:
            cls(1, folders, memory, pids).remove()
            raise
        return cls(1, folders, memory, pids, f"cgroup v1: memory {memory >> 20} MiB, {pids} processes")

    @property
    def procs_files(self) -> list[Path]:
        """The files a process writes its pid to, to join this cgroup."""
        return [folder / "cgroup.procs" for folder in self.folders]

    def _read(self, name: str) -> str:
        for folder in self.folders:
            with contextlib.suppress(OSError):
                return (folder / name).read_text()
        return ""

    def out_of_memory(self) -> bool:
        """Whether the kernel refused memory or killed a process for it."""
        if self.version == 2:
            events = dict(line.split() for line in self._read("memory.events").splitlines() if " " in line)
            return int(events.get("oom_kill", 0)) > 0 or int(events.get("max", 0)) > 0
        control = dict(line.split() for line in self._read("memory.oom_control").splitlines() if " " in line)
        return int(control.get("oom_kill", 0)) > 0 or int(self._read("memory.failcnt") or 0) > 0

    def hit_process_limit(self) -> bool:
        if self.version == 2:
            events = dict(line.split() for line in self._read("pids.events").splitlines() if " " in line)
            return int(events.get("max", 0)) > 0
        return int((self._read("pids.events").split() or ["", "0"])[-1] or 0) > 0

    def pids_inside(self) -> set[int]:
        found: set[int] = set()
        for file in self.procs_files:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(p) for p in file.read_text().split()}
        return found

    def kill_all(self, timeout: float = 5.0) -> bool:
        """Kill every process in the cgroup (a forking one included: look again after each kill);
        True when it is empty."""
        if self.version == 2 and (self.folders[0] / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                _write(self.folders[0] / "cgroup.kill", "1")
        end = time.monotonic() + timeout
        while pids := self.pids_inside():
            for pid in pids:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            if time.monotonic() > end:
                return False
            time.sleep(0.02)
        return True

    def remove(self) -> None:
        """Remove the cgroup's folders; a failure is kept in `problems`, never silent."""
        for folder in self.folders:
            for _attempt in range(50):
                try:
                    folder.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError as err:
                    if _attempt == 49:
                        self.problems.append(f"could not remove {folder}: {err.strerror or err}")
                    time.sleep(0.02)
