"""The system calls a sandbox may not make, refused by the kernel (a seccomp filter) whatever the
submission's code does.

Namespaces give each sandbox its own view of files, processes, network and IPC, but some kernel
interfaces are not namespaced, or belong to a user id that every sandbox shares (as root, every sandbox
is `nobody`): what one sandbox leaves there, the next could read (issue 33 found the user keyring doing
just that). Others reach past the sandbox's limits. Each is refused with EPERM, as Docker's, Flatpak's and
Chromium's seccomp profiles refuse them; `clone3`, whose flags a filter cannot read, with ENOSYS, so the C
library falls back to `clone`, whose flags it can.

One compiled program (libseccomp, through `pyseccomp`) serves both: bubblewrap loads it for the sandbox's
first process (`--seccomp FD`), and the zygote's joiner loads it for the child before the child is forked
(`zygote._confine`). A filter cannot be removed or loosened by the process it holds.
"""

from __future__ import annotations

import errno
import functools
import tempfile

# The call, and why no submission may make it.
REFUSED = {
    "add_key": "keyrings belong to a user id, not a sandbox, and outlive the process",
    "request_key": "keyrings belong to a user id, not a sandbox, and outlive the process",
    "keyctl": "keyrings belong to a user id, not a sandbox, and outlive the process",
    "syslog": "the kernel's log is one for the machine (it holds the names processes give themselves)",
    "io_uring_setup": "io_uring performs I/O on the kernel's threads, past the checks made on system calls",
    "io_uring_enter": "io_uring performs I/O on the kernel's threads, past the checks made on system calls",
    "io_uring_register": "io_uring performs I/O on the kernel's threads, past the checks made on system calls",
    "unshare": "a nested namespace, a user namespace above all, gives capabilities back",
    "setns": "a nested namespace, a user namespace above all, gives capabilities back",
    "bpf": "programs and maps in the kernel, shared by the whole machine",
    "perf_event_open": "counters that watch other processes and the whole machine",
    "userfaultfd": "stalls the kernel in a page fault: the classic tool of kernel exploits",
}
# clone's flags that make a namespace (CLONE_NEWTIME, NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).
NEW_NAMESPACE_FLAGS = (0x80, 0x20000, 0x2000000, 0x4000000, 0x8000000, 0x10000000, 0x20000000, 0x40000000)


@functools.cache
def program() -> bytes:
    """The filter as a BPF program (what `--seccomp FD` and PR_SET_SECCOMP take). Calls made in another
    architecture's convention (32-bit calls on a 64-bit machine) kill the process: libseccomp's default."""
    import pyseccomp as seccomp

    rules = seccomp.SyscallFilter(seccomp.ALLOW)
    for call in REFUSED:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), call)
    for flag in NEW_NAMESPACE_FLAGS:
        rules.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    with tempfile.TemporaryFile() as f:
        rules.export_bpf(f)
        f.seek(0)
        return f.read()


def unavailable() -> str | None:
    """None when the filter can be compiled here, else why not, in one line."""
    try:
        program()
    except (ImportError, RuntimeError, OSError) as err:
        return f"isolated grading needs libseccomp (Debian/Ubuntu: apt-get install libseccomp2): {err}"
    return None


def program_file() -> tempfile.TemporaryFile:
    """The program in an unnamed file, read from its start: bubblewrap reads it from the descriptor."""
    f = tempfile.TemporaryFile()  # noqa: SIM115 - the caller closes it once bubblewrap has it
    f.write(program())
    f.seek(0)
    return f
