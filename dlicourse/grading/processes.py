"""Killing everything a submission started, wherever it went: its tree, its process group, and any
process that still carries the session's token in its environment (a double fork escapes the tree
but keeps the environment)."""

from __future__ import annotations

import contextlib
import os
import signal

import psutil

TOKEN_ENV = "DLICOURSE_GRADE_TOKEN"


def name(process: psutil.Process) -> str:
    """A process's command line (or name, or pid) for a reason shown to a person."""
    try:
        return " ".join(process.cmdline())[:80] or process.name()
    except psutil.Error:
        return f"pid {process.pid}"

def kill_everything(process: psutil.Process, token: str, group: bool, rounds: int = 5) -> None:
    """Kill a process, its descendants, its process group (when `group`: only while the process is
    not reaped is its group id surely still its own), and anything that carries `token` in its
    environment (children that escaped the tree by double-forking keep it).

    A process still running can fork between the look and the kill, so this looks again after each
    kill, until a look finds nothing (or `rounds` looks have been made)."""
    for look in range(rounds):
        found = {process.pid: process}
        with contextlib.suppress(psutil.Error):
            found.update({p.pid: p for p in process.children(recursive=True)})
        found.update({p.pid: p for p in carrying(token)})
        if group and look == 0:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)
        alive = [p for p in found.values() if is_alive(p)]
        if not alive:
            return
        for each in alive:
            with contextlib.suppress(psutil.Error):
                each.kill()
        psutil.wait_procs(alive, timeout=5)


def is_alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def carrying(token: str) -> list[psutil.Process]:
    """This user's processes whose environment holds the grading token."""
    found = []
    uid = os.getuid()
    for process in psutil.process_iter(["uids"]):
        try:
            if process.info["uids"] and process.info["uids"].real == uid and \
                    process.environ().get(TOKEN_ENV) == token:
                found.append(process)
        except psutil.Error:
            continue
    return found

