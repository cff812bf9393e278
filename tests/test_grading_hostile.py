"""A determined student's attacks on the isolated grader (issue 13), every route at once: each attack is a
submission, all are graded in one `grade_many` on six tiny images, and each must end with a score, a
reason, and nothing outside its sandbox changed (no file written, no connection made, no secret read,
no process left, no cgroup left).

The "spies" answer "whale" unless they got hold of something, in which case they answer "leak: ...",
so a leak shows up as an answer. Needs bubblewrap and namespaces; runs as root in CI (where the sandbox
drops to nobody and the cgroup limits apply) and as an ordinary user where user namespaces are allowed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import socket
import threading
from pathlib import Path

import psutil
import pytest
from grading_support import FAST, submission_file

from dlicourse import grading
from dlicourse.grading import isolation

pytestmark = [pytest.mark.usefixtures("private_temp"),
              pytest.mark.skipif(isolation.unavailable() is not None, reason=str(isolation.unavailable()))]

SECRET = "canary-7f3a9c"  # in the grader's environment and command line; no submission may read it
MARKER = "dl-escapee"  # the name (at most 15 characters) of a process that tries to outlive the grade
SPY = """
import os, sys
def leak(what):
    global LEAK
    LEAK = "leak: " + str(what)[:80]
LEAK = None
{body}
def predict(path):
    return LEAK or "whale"
"""
ATTACKS = {
    # The grader's secrets through /proc: its command line, environment, descriptors, memory.
    "proc_cmdline_environ": """
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    for part in ("cmdline", "environ"):
        try:
            if b"{secret}" in open(f"/proc/{{pid}}/{{part}}", "rb").read():
                leak(f"{{part}} of {{pid}}")
        except OSError:
            pass
""",
    "proc_fds_and_mem": """
for pid in [p for p in os.listdir("/proc") if p.isdigit() and p != str(os.getpid())]:
    try:
        for fd in os.listdir(f"/proc/{{pid}}/fd"):
            target = os.readlink(f"/proc/{{pid}}/fd/{{fd}}")
            if target.startswith("/") and not target.startswith(("/dev", "/grade", "/proc", "/tmp", "/usr")):
                leak(f"fd {{fd}} of {{pid}}: {{target}}")
    except OSError:
        pass
    try:
        with open(f"/proc/{{pid}}/mem", "rb") as f:
            f.seek(0x400000)
            f.read(16)
        leak(f"read the memory of {{pid}}")
    except OSError:
        pass
""",
    "imports_the_generator": """
try:
    from dlicourse.datasets import whale_crops
    leak(whale_crops(4, seed=1, cache=False).y)
except Exception:
    pass
""",
    "reads_the_data_cache": """
try:
    leak(open("{cache}/hidden.npz").read())
except OSError:
    pass
try:
    root = os.open("/", os.O_RDONLY)
    leak(os.read(os.open("{cache_relative}/hidden.npz", os.O_RDONLY, dir_fd=root), 100))
except OSError:
    pass
""",
    "reads_the_images_folder": """
for folder in ("{images}/face", "{images}"):
    try:
        leak(os.listdir(folder))
    except OSError:
        pass
""",
    "connects_to_the_loopback": """
import socket
try:
    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"the test images")
    leak("connected")
except OSError:
    pass
""",
    "native_and_dir_fd_writes": """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
fd = libc.open(b"{outside}/native.txt", os.O_WRONLY | os.O_CREAT, 0o644)
if fd >= 0 and libc.write(fd, b"pwned", 5) == 5:
    leak("native write")
try:
    root = os.open("/", os.O_RDONLY)
    os.write(os.open("{outside_relative}/dir_fd.txt", os.O_WRONLY | os.O_CREAT, dir_fd=root), b"pwned")
    leak("dir_fd write")
except OSError:
    pass
""",
    "special_files_and_sqlite": """
import socket, sqlite3
for make in (lambda: os.mknod("{outside}/node"), lambda: os.mkfifo("{outside}/fifo"),
             lambda: socket.socket(socket.AF_UNIX).bind("{outside}/socket"),
             lambda: sqlite3.connect("{outside}/db.sqlite").execute("create table t (x)")):
    try:
        make()
        leak("made a special file outside")
    except Exception:
        pass
""",
    "escapes_into_a_new_session": """
import ctypes, time
libc = ctypes.CDLL(None)
if libc.fork() == 0:  # behind the audit hook
    libc.prctl(15, b"{marker}")  # PR_SET_NAME, so the test can look for it
    os.setsid()
    time.sleep(2)
    for target in ("{outside}/late.txt", "/grade/submission/submission.py"):
        try:
            open(target, "w").write("1.00 PASS")
        except OSError:
            pass
    time.sleep(3600)
""",
    "fills_the_request_pipe": """
import ctypes, stat
libc = ctypes.CDLL(None)
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):  # behind the audit hook: a write end of each pipe
            w = libc.open(f"/proc/self/fd/{{fd}}".encode(), os.O_WRONLY | os.O_NONBLOCK)
            while w >= 0 and libc.write(w, b"x" * 65536, 65536) > 0:
                pass
    except OSError:
        pass
""",
    "memfd_memory": """
block = b"x" * 2**24
hoard = [os.memfd_create("hoard") for _ in range(60)]
for fd in hoard:  # 960 MiB, in memory that no RSS shows, in files each under the file-size limit
    os.write(fd, block)
""",
    "fills_the_disk_and_locks_it": """
import fcntl, struct
try:
    with open("big", "wb") as f:
        while True:
            f.write(b"x" * 2**20)
except OSError:
    pass
try:
    fd = os.open("big", os.O_RDONLY)
    fcntl.ioctl(fd, 0x40086602, struct.pack("l", 0x10))  # FS_IOC_SETFLAGS: immutable
    leak("made a file immutable")
except OSError:
    pass
""",
    "forged_nan": """
for fd in range(3, 64):
    try:
        os.write(fd, b'{{"event": "loaded", "seconds": NaN}}\\n')
    except OSError:
        pass
""",
    "forged_pass_line": """
def predict(path):
    return "whale\\n  accuracy 100.0% (6/6): PASS"
""",
    "forged_long_answer": """
for fd in range(3, 64):
    try:
        os.write(fd, b'{{"event": "answer", "answer": "' + b"w" * 60000 + b'"}}\\n')
    except OSError:
        pass
""",
    "fork_bomb": """
import ctypes
libc = ctypes.CDLL(None)
for _ in range(200):
    libc.fork()
""",
}
# What each attack's grade must say (a substring of the problem or of a failure's reason).
REASONS = {"memfd_memory": ("memory",), "fork_bomb": ("process", "message"), "forged_nan": ("message",),
           "forged_long_answer": ("message",), "escapes_into_a_new_session": ("started a child process",),
           "forged_pass_line": ("invalid answer",),
           "fills_the_request_pipe": ("message", "output", "requests", "answered 'whale'")}
# (As nobody, a submission cannot reopen the grader's pipes at all; the grader's deadlines on a full pipe
# are tested directly in test_grading_protocol.py.)


class Listener:
    """A TCP listener on the loopback that counts the connections it accepts."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while self.running:
            try:
                self.server.accept()[0].close()
                self.accepted += 1
            except OSError:
                continue

    def stop(self) -> None:
        self.running = False
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every attack graded once, two at a time, as `dlicourse grade` would (isolated)."""
    base = tmp_path_factory.mktemp("hostile")
    outside, cache, images = base / "outside", base / "data", base / "instructor_images"
    for folder in (outside, cache, images / "face"):
        folder.mkdir(parents=True)
    (cache / "hidden.npz").write_text("labels: whale, not whale")
    (images / "face" / "0.png").write_text("a real crop")
    listener = Listener()
    values = {"secret": SECRET, "cache": cache, "cache_relative": str(cache)[1:], "images": images,
              "port": listener.port, "outside": outside, "outside_relative": str(outside)[1:], "marker": MARKER}
    subs = []
    for kind, body in ATTACKS.items():
        (base / kind).mkdir()
        source = body.format(**values)
        source = source if source.lstrip().startswith("def predict") else SPY.replace("{body}", source)
        subs.append(submission_file(base / kind, source))
    toy = grading.TestSet([__import__("numpy").full((8, 8, 3), v, "uint8") for v in (200, 30) * 3],
                          ["whale", "not whale"] * 3, "six toy images")
    limits = dataclasses.replace(FAST, startup_s=20, memory_mb=300, disk_mb=32, processes=32)
    os.environ["DLICOURSE_CANARY"] = SECRET
    try:
        results = grading.grade_many(subs, toy, limits, jobs=2, protected=[images])
    finally:
        del os.environ["DLICOURSE_CANARY"]
        listener.stop()
    return dict(zip(ATTACKS, results, strict=True)), listener, outside, cache


@pytest.mark.parametrize("kind", sorted(ATTACKS))
def test_each_attack_gets_a_score_and_a_reason_and_changes_nothing_outside(kind, graded):
    results, listener, outside, cache = graded
    result = results[kind]
    answers = [str(f.answer) for f in result.failures]
    reasons = [result.problem or ""] + [f.reason for f in result.failures]
    assert not any(a.startswith("leak") for a in answers), (kind, answers[:2])
    assert 0.0 <= result.accuracy <= 0.5 and not result.passed, (kind, result.accuracy)
    assert any(reasons), kind
    if not (kind == "memfd_memory" and "no cgroup" in result.isolation):  # then only the RSS is watched (README)
        assert any(r in " ".join(reasons) for r in REASONS.get(kind, ("",))), (kind, reasons[:3])
    assert result.seconds < 60, (kind, result.seconds)  # no stall holds the grader
    assert result.cleanup == [], result.cleanup
    assert "bubblewrap" in result.isolation
    report = grading.report(result)
    assert all(line.startswith(("/", " ")) for line in report.splitlines()[1:]), report  # no forged line
    json.dumps(result.to_dict(), allow_nan=False)  # strict JSON
    assert listener.accepted == 0
    assert sorted(p.name for p in outside.iterdir()) == []
    assert sorted(p.name for p in cache.iterdir()) == ["hidden.npz"]


def test_no_attack_leaves_a_process_or_a_cgroup(graded):
    import time

    time.sleep(3)  # the escapee's grace before it would have written
    escaped = [p.pid for p in psutil.process_iter(["name"]) if p.info["name"] == MARKER]
    assert escaped == []
    assert not list(Path(graded[2]).iterdir())
    mine = f"dlicourse-grade-{os.getpid()}-*"  # this process's grades: other tests may be grading right now
    assert not [p for p in Path("/sys/fs/cgroup").glob(f"*/**/{mine}") if p.is_dir()]
    for kind, result in sorted(graded[0].items()):  # shown with -s: what each attack was told
        print(f"{kind}: {result.accuracy:.2f} {result.problem or result.failures[0].reason}")
