"""Kernel limits on everything one submission uses: a cgroup with a memory limit (shared memory, memfds
and tmpfs pages included, which an RSS watch misses), a process limit (a fork bomb hits it) and a share of
the CPU (cgroup v1 `cpu.shares` and a CFS quota, v2 `cpu.weight` and `cpu.max`): every sandbox weighs the
same, however many processes or threads it runs, and none uses more cores than it was given, so a
classmate graded beside a hog keeps its share (issue 33: 48 spinners made one 37 times slower).

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
CPU_PERIOD_US = 100_000  # the CFS period: a quota of `cpus` periods a period is `cpus` cores


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


def _cpu_line(cpus: int, share: bool) -> str:
    return f"an equal CPU share, at most {cpus} core(s)" if share else "no CPU controller (no CPU share)"


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
    def create(cls, memory_mb: int, pids: int, cpus: int) -> tuple[Cgroup | None, str]:
        """A new cgroup with these limits (`cpus`: the cores it may use at most), and a line that says what
        was made (or why none could be)."""
        name = f"dlicourse-grade-{os.getpid()}-{secrets.token_hex(6)}"  # a leftover one names its grader
        memory = memory_mb * 2**20
        reasons = []
        for make in (cls._v2, cls._v1):
            try:
                group = make(name, memory, pids, cpus)
            except OSError as err:
                reasons.append(f"{make.__name__[1:]}: {err.strerror or err}")
                continue
            return group, group.description
        return None, "no cgroup (" + "; ".join(reasons) + ")"

    @classmethod
    def _v2(cls, name: str, memory: int, pids: int, cpus: int) -> Cgroup:
        mount = next((m for m in (ROOT, ROOT / "unified") if (m / "cgroup.controllers").is_file()), None)
        if mount is None:
            raise OSError(0, "not mounted")
        parent = _parent(mount, "")
        delegated = set((parent / "cgroup.subtree_control").read_text().split())
        if not {"memory", "pids"} <= delegated:
            raise OSError(0, f"memory and pids controllers not delegated to {parent}")
        folder = parent / name
        folder.mkdir()
        share = "cpu" in delegated
        group = cls(2, [folder], memory, pids, f"cgroup v2: memory {memory >> 20} MiB, {pids} processes, "
                                               f"{_cpu_line(cpus, share)}")
        try:
            _write(folder / "memory.max", str(memory))
            with contextlib.suppress(OSError):
                _write(folder / "memory.swap.max", "0")
            _write(folder / "pids.max", str(pids))
            if share:
                _write(folder / "cpu.weight", "100")
                _write(folder / "cpu.max", f"{cpus * CPU_PERIOD_US} {CPU_PERIOD_US}")
        except OSError:
            group.remove()
            raise
        return group

    @classmethod
    def _v1(cls, name: str, memory: int, pids: int, cpus: int) -> Cgroup:
        share = (ROOT / "cpu" / "cgroup.procs").is_file()
        folders = []
        try:
            for controller in ("memory", "pids", "cpu")[: 3 if share else 2]:
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
            if share:
                _write(folders[2] / "cpu.shares", "1024")
                _write(folders[2] / "cpu.cfs_period_us", str(CPU_PERIOD_US))
                _write(folders[2] / "cpu.cfs_quota_us", str(cpus * CPU_PERIOD_US))
        except OSError:
            cls(1, folders, memory, pids).remove()
            raise
        return cls(1, folders, memory, pids, f"cgroup v1: memory {memory >> 20} MiB, {pids} processes, "
                                             f"{_cpu_line(cpus, share)}")

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
