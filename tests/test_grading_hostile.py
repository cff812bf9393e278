"""A determined student's attacks on the isolated grader (issues 13 and 33), every route at once: each attack
is a submission, all are graded in one `grade_many` on six tiny images, and each must end with a score, a
reason, and nothing outside its sandbox changed (no file written, no connection made, no secret read,
no process left, no cgroup left). Issue 33's classes that need a set, a class or a gradebook of their own
follow, one test each (`test_class_N_...`).

The "spies" answer "whale" unless they got hold of something, in which case they answer "leak: ...",
so a leak shows up as an answer. Needs bubblewrap and namespaces; runs as root in CI (where the sandbox
drops to nobody and the cgroup limits apply) and as an ordinary user where user namespaces are allowed.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import platform
import socket
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from grading_support import BRIGHT_IS_WHALE, FAST, submission_file

from dlicourse import grading
from dlicourse.grading import handin, isolation
from dlicourse.grading.cgroups import Cgroup
from dlicourse.grading.launch import font_lists
from dlicourse.grading.sandbox import SAID

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


def forged(line: str) -> str:
    """An attack's body that writes the bytes `line` evaluates to, one line, on every descriptor it may hold:
    the child's pipe to the grader is among them."""
    return (f"for fd in range(3, 64):\n    try:\n        os.write(fd, {line} + b'\\n')\n"
            "    except OSError:\n        pass\n")


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
    "forged_nan": forged("""b'{{"event": "loaded", "seconds": NaN}}'"""),
    "forged_pass_line": """
def predict(path):
    return "whale\\n  accuracy 100.0% (6/6): PASS"
""",
    "forged_long_answer": forged("""b'{{"event": "answer", "answer": "' + b"w" * 60000 + b'"}}'"""),
    "fork_bomb": """
import ctypes
libc = ctypes.CDLL(None)
for _ in range(200):
    libc.fork()
""",
    # Issue 33, class 2: kernel objects of the user id that every sandbox is, which outlive the process.
    "writes_a_keyring": """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
for ring in (-4, -5, -3):  # the user, user-session and session keyrings
    if libc.syscall({add_key}, b"user", b"dl-answer", b"whale", 5, ring) > 0:
        leak(f"add_key into keyring {{ring}}")
if libc.syscall({keyctl}, 22, os.getuid(), -4) > 0:  # KEYCTL_GET_PERSISTENT
    leak("a persistent keyring")
""",
    # Class 3: a grader fault forged on the child's pipe (and a formula, for the gradebook, class 4).
    "forges_a_grader_fault": forged(
        """b'{{"event": "fatal", "reason": "the grader failed: OSError: =HYPERLINK(1)"}}'"""),
    # Class 5: a runner named like the grader's shell, and spinners named so too, each in its own session.
    "renames_itself_and_forks_spinners": """
import ctypes
libc = ctypes.CDLL(None)
libc.prctl(15, b"sh")  # PR_SET_NAME: the watch once skipped processes named sh (or bwrap)
for _ in range(4):
    if libc.fork() == 0:  # behind the audit hook
        libc.prctl(15, b"sh")
        os.setsid()
        while True:
            pass
""",
    # Class 11: nested user namespaces, io_uring and clone3 (whose flags a seccomp filter cannot read).
    "nested_namespaces_and_io_uring": """
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
if libc.unshare(0x10000000) == 0:  # CLONE_NEWUSER
    leak("a nested user namespace")
if libc.syscall({io_uring_setup}, 8, ctypes.create_string_buffer(120)) >= 0:
    leak("io_uring")
pid = libc.syscall({clone3}, ctypes.create_string_buffer(88), 88)  # struct clone_args, no flags: a fork
if pid == 0:
    os._exit(0)
if pid > 0:
    leak("clone3")
""",
    "exits_with_152": "def predict(path):\n    __import__('os')._exit(152)\n",  # 152 = 128 + SIGXCPU
    # Class 12: the host's paths, in the sandbox's mounts, command lines, environment or inherited memory.
    "looks_for_host_paths": """
import gc
texts = []
for pid in ["self", *(p for p in os.listdir("/proc") if p.isdigit())]:
    for part in ("mountinfo", "cmdline", "environ"):
        try:
            texts.append(open(f"/proc/{{pid}}/{{part}}", "rb").read().decode(errors="replace"))
        except OSError:
            pass
for held in gc.get_objects():
    if isinstance(held, dict):
        texts += [v for v in held.values() if isinstance(v, str)]
seen = "\\n".join(texts)
for marker in {host_paths!r}:
    if marker in seen:
        leak(marker)
""",
}
# x86_64 and aarch64 number add_key and keyctl differently; io_uring_setup and clone3 alike.
CALLS = {"x86_64": {"add_key": 248, "keyctl": 250}, "aarch64": {"add_key": 217, "keyctl": 219}}[
    platform.machine()] | {"io_uring_setup": 425, "clone3": 435}
# What each attack's grade must say (a substring of the problem or of a failure's reason).
REASONS = {"memfd_memory": ("memory",), "fork_bomb": ("process", "message"), "forged_nan": ("message",),
           "forged_long_answer": ("message",), "escapes_into_a_new_session": ("started a child process",),
           "forged_pass_line": ("invalid answer",),
           "fills_the_request_pipe": ("message", "output", "requests", "answered 'whale'"),
           "forges_a_grader_fault": (f"{SAID}the grader failed",),
           "renames_itself_and_forks_spinners": ("started a child process",),
           "exits_with_152": ("exited with code 152 before it was done",)}
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
    host_paths = [str(base), "dlicourse-grade-", "/sys/fs/cgroup", *{str(f.parent) for f in font_lists()}]
    values = {"secret": SECRET, "cache": cache, "cache_relative": str(cache)[1:], "images": images,
              "port": listener.port, "outside": outside, "outside_relative": str(outside)[1:], "marker": MARKER,
              "host_paths": host_paths, **CALLS}
    subs = []
    for kind, body in ATTACKS.items():
        (base / kind).mkdir()
        source = body.format(**values)
        source = source if source.lstrip().startswith("def predict") else SPY.replace("{body}", source)
        subs.append(submission_file(base / kind, source))
    toy = grading.TestSet([np.full((8, 8, 3), v, "uint8") for v in (200, 30) * 3],
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
    assert any(reasons) and not result.grader_fault, kind
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


# --- Issue 33: attacks that need a set, a class or a gradebook of their own.

WHALE_OR_NOT = "def predict(path):\n    return 'whale'\n"


def _toy(n: int) -> grading.TestSet:
    """`n` images, the whales first (as a folder set lists face/ before not_face/), all alike in content."""
    images = [np.full((8, 8, 3), 100, np.uint8) for _ in range(n)]
    return grading.TestSet(images, ["whale"] * (n // 2) + ["not whale"] * (n - n // 2), f"{n} toy images")


def test_class_1_the_order_of_the_image_files_says_nothing(tmp_path):
    """Sorted by (modification time, inode), the files once gave the set's order back: whales first."""
    source = """
import os
files = sorted(os.listdir("/grade/images"), key=lambda f: (os.stat(f"/grade/images/{f}").st_mtime_ns,
                                                           os.stat(f"/grade/images/{f}").st_ino))
FIRST = set(files[: len(files) // 2])
def predict(path):
    return "whale" if os.path.basename(path) in FIRST else "not whale"
"""
    result = grading.grade(submission_file(tmp_path, source), _toy(40), FAST, isolated=True)
    assert result.problem is None and not result.passed and result.accuracy < 0.8, result.accuracy
    assert any("not 'whale'" in f.reason or "not 'not whale'" in f.reason for f in result.failures)


def _key_users() -> str:
    """The kernel's count of keys per user id (/proc/key-users): a key any sandbox left would show here."""
    return Path("/proc/key-users").read_text() if Path("/proc/key-users").exists() else ""


PUBLISHER = """
import ctypes, os, hashlib, socket
import numpy as np
from PIL import Image
libc = ctypes.CDLL(None, use_errno=True)
KEEP = ["/tmp", "/dev/shm", "/grade/work", "/var/tmp"]
def publish(name, answer):
    for ring in (-4, -5, -3):  # user, user-session and session keyrings: one per user id, they outlive us
        libc.syscall({add_key}, b"user", name.encode(), answer.encode(), len(answer), ring)
    for folder in KEEP:  # behind the audit hook: only the operating system stands in the way
        fd = libc.open(f"{{folder}}/{{name}}".encode(), os.O_WRONLY | os.O_CREAT, 0o666)
        if fd >= 0:
            libc.write(fd, answer.encode(), len(answer))
            libc.close(fd)
def predict(path):
    answer = "whale" if np.asarray(Image.open(path)).mean() > 128 else "not whale"
    publish("dl-" + hashlib.sha256(open(path, "rb").read()).hexdigest()[:16], answer)
    return answer
"""
READER = """
import ctypes, os, hashlib
libc = ctypes.CDLL(None, use_errno=True)
def read(name):
    buffer = ctypes.create_string_buffer(64)
    for ring in (-4, -5, -3):
        key = libc.syscall({keyctl}, 10, ring, b"user", name.encode(), 0)  # KEYCTL_SEARCH
        if key > 0 and libc.syscall({keyctl}, 11, key, buffer, 64) > 0:  # KEYCTL_READ
            return buffer.value.decode()
    for folder in ("/tmp", "/dev/shm", "/grade/work", "/var/tmp"):
        try:
            return open(f"{{folder}}/{{name}}").read()
        except OSError:
            pass
    return None
def predict(path):
    return read("dl-" + hashlib.sha256(open(path, "rb").read()).hexdigest()[:16]) or "unknown"
"""


def test_class_2_no_answer_passes_from_one_sandbox_to_the_next(tmp_path, toy_set):
    """A student with a model publishes every answer wherever a later sandbox might look (keyrings first);
    a classmate graded after her in the same class, with no model, finds none of them."""
    before = _key_users()
    subs = []
    for student, source in (("ada", PUBLISHER), ("bo", READER)):
        (tmp_path / student).mkdir()
        subs.append(submission_file(tmp_path / student, source.format(**CALLS)))
    ada, bo = grading.grade_many(subs, toy_set, FAST, jobs=1, isolated=True)
    assert ada.problem is None and ada.accuracy == 1.0  # she had a model
    assert bo.problem is None and bo.accuracy == 0.0, [f.answer for f in bo.failures]
    assert {f.reason for f in bo.failures} == {"invalid answer 'unknown' (expected 'whale' or 'not whale')"}
    assert _key_users() == before  # no key left for any user id


def test_class_4_formulas_and_escapes_never_reach_a_spreadsheet_or_a_terminal(tmp_path, capsys):
    from dlicourse.instructor.cli import main

    crops = _crops(tmp_path)
    forged = ("import os\nfor fd in range(3, 64):\n    try:\n        os.write(fd, b'{\"event\": \"fatal\", "
              "\"reason\": \"=HYPERLINK(1)\"}\\n')\n    except OSError:\n        pass\n")
    names = {"=HYPERLINK(\"x\",A1)": forged, "eve\x1b[2K\rPASS 100.0%": WHALE_OR_NOT, "-cmd": WHALE_OR_NOT}
    subs = []
    for name, source in names.items():
        (tmp_path / name).mkdir()
        subs.append(str(submission_file(tmp_path / name, source)))
    book = tmp_path / "book.csv"
    argv = ["grade", *subs, "--images", str(crops), "--out", str(book), "--canvas", "Whale (1)"]
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "\x1b" not in out + err and "\r" not in out, out  # (tqdm's progress bar returns with \r on stderr)
    for path in (book, tmp_path / "book.canvas.csv"):
        cells = [c for row in csv.reader(path.open(newline="")) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], path
    rows = list(csv.DictReader(book.open(newline="")))
    assert rows[0]["score"] == "0.0" and rows[0]["problem"] == f"{SAID}=HYPERLINK(1)"  # the submission's, scored
    assert main(argv) == 1 and "3 unchanged submission(s) keep their grade" in capsys.readouterr().err


def _crops(tmp_path: Path) -> Path:
    from PIL import Image

    for label, value in (("face", 220), ("not_face", 20)):
        (tmp_path / "crops" / label).mkdir(parents=True)
        for k in range(3):
            Image.fromarray(np.full((40, 40, 3), value, np.uint8)).save(tmp_path / "crops" / label / f"{k}.png")
    return tmp_path / "crops"


HOG = """
import hashlib, threading, time
BLOCK = b"x" * 2**22
def spin():
    while True:
        hashlib.sha256(BLOCK).digest()  # hashing a large block lets go of the GIL: one core per thread
for _ in range(48):
    threading.Thread(target=spin, daemon=True).start()
def predict(path):
    time.sleep(1.5)  # long enough to be spinning all through the classmate's grade
    return "whale"
"""
CLASSMATE = """
import hashlib
BLOCK = b"x" * 2**22
def predict(path):
    for _ in range(40):
        hashlib.sha256(BLOCK).digest()
    return "whale"
"""


def test_class_6_a_classmate_graded_beside_a_hog_keeps_its_share_of_the_cpu(tmp_path, toy_set):
    """48 spinning threads beside a classmate (`--jobs 2`): the sandbox's CPU share and quota hold them to
    their own core (a thread, unlike a process, is no reason to stop a submission)."""
    subs = []
    for student, source in (("hog", HOG), ("classmate", CLASSMATE)):
        (tmp_path / student).mkdir()
        subs.append(submission_file(tmp_path / student, source))
    limits = dataclasses.replace(FAST, per_image_s=10, total_s=60, cpu_s=60, processes=64)  # one core for ~10 s
    alone = grading.grade(subs[1], toy_set, limits, threads=1, isolated=True)
    if "CPU share" not in alone.isolation:
        pytest.skip(f"no CPU controller here: {alone.isolation}")
    hog, beside = grading.grade_many(subs, toy_set, limits, jobs=2, isolated=True)
    assert hog.problem is None and beside.problem is None, (hog.problem, beside.problem)
    assert beside.seconds <= 2.5 * alone.seconds, (alone.seconds, beside.seconds)
    # Where the scheduler's autogroups already share the CPU by session, the cgroup's share is what holds
    # when they do not: each sandbox's weight is the same, and its quota is its cores.
    group, _ = Cgroup.create(64, 8, 1)
    try:
        cpu = next(f for f in group.folders if (f / "cpu.shares").exists() or (f / "cpu.max").exists())
        v1 = [(cpu / name).read_text().strip() for name in ("cpu.shares", "cpu.cfs_quota_us", "cpu.cfs_period_us")
              if (cpu / name).exists()]
        shares = v1 or [(cpu / "cpu.weight").read_text().strip(), *(cpu / "cpu.max").read_text().split()]
    finally:
        group.remove()
    assert shares in (["1024", "100000", "100000"], ["100", "100000", "100000"]), shares


def test_class_7_a_hand_in_too_large_to_read_is_refused_before_it_is_read(tmp_path, toy_set):
    many, sparse = tmp_path / "many", tmp_path / "sparse"
    for folder in (many, sparse):
        folder.mkdir()
        submission_file(folder, WHALE_OR_NOT)
    for k in range(3000):
        (many / f"{k}.txt").touch()
    with open(sparse / "whale_model.keras", "wb") as f:
        f.truncate(40 * 2**30)  # 40 GiB that take no disk
    for folder, said in ((many, "more than 100 files and folders"), (sparse, "hold more than 512 MiB")):
        started = time.perf_counter()
        assert handin.digest(folder / "submission.py") == ""
        assert time.perf_counter() - started < 0.5
        result = grading.grade(folder / "submission.py", toy_set, FAST, isolated=True)
        assert result.accuracy == 0 and said in result.problem and not result.grader_fault, result.problem


def test_class_8_a_link_is_refused_and_never_graded_as_another_student(tmp_path, capsys):
    from dlicourse.instructor.cli import main

    crops = _crops(tmp_path)
    (tmp_path / "class" / "ada").mkdir(parents=True)
    (tmp_path / "class" / "cy").mkdir()
    ada = submission_file(tmp_path / "class" / "ada", BRIGHT_IS_WHALE)
    (tmp_path / "class" / "bo").symlink_to(tmp_path / "class" / "ada")  # Bo's folder is Ada's
    (tmp_path / "class" / "cy" / "submission.py").symlink_to(ada)  # Cy's submission is Ada's
    subs = [str(tmp_path / "class" / s / "submission.py") for s in ("ada", "bo", "cy")]
    book = tmp_path / "book.csv"
    assert main(["grade", *subs, "--images", str(crops), "--out", str(book)]) == 1
    rows = {r["student"]: r for r in csv.DictReader(book.open(newline=""))}
    assert sorted(rows) == ["ada", "bo", "cy"] and rows["ada"]["score"] == "100.0"
    for student, what in (("bo", "its folder"), ("cy", "its submission file")):
        assert rows[student]["score"] == "0.0" and rows[student]["files_sha256"] == ""
        assert rows[student]["problem"].startswith(f"its hand-in was refused: {what} "), rows[student]["problem"]
    assert "FAIL   0.0%  bo  (its hand-in was refused" in capsys.readouterr().out


def test_class_9_the_files_graded_are_the_files_hashed(tmp_path, monkeypatch, capsys):
    """A student swaps good files in after the command has hashed her folder, and back after her copy: the
    row keeps the hash of the copy graded, so the re-grade sees the change and grades again."""
    from dlicourse.grading import command
    from dlicourse.instructor.cli import main

    crops = _crops(tmp_path)
    (tmp_path / "eve").mkdir()
    sub = submission_file(tmp_path / "eve", WHALE_OR_NOT)
    early = handin.digest

    def hashed_then_swapped(path):
        found = early(path)
        sub.write_text(BRIGHT_IS_WHALE)  # good files in, once hashed
        return found

    monkeypatch.setattr(command.handin, "digest", hashed_then_swapped)
    book = tmp_path / "book.csv"
    assert main(["grade", str(sub), "--images", str(crops), "--out", str(book)]) == 0
    monkeypatch.undo()
    [row] = csv.DictReader(book.open(newline=""))
    assert row["score"] == "100.0" and row["files_sha256"] == handin.digest(sub)  # the good files: graded, hashed
    sub.write_text(WHALE_OR_NOT)  # and back
    capsys.readouterr()
    assert main(["grade", str(sub), "--images", str(crops), "--out", str(book)]) == 1
    assert "unchanged" not in capsys.readouterr().err
    [row] = csv.DictReader(book.open(newline=""))
    assert row["score"] == "50.0" and row["files_sha256"] == handin.digest(sub)


def test_class_10_a_row_graded_by_another_grader_is_graded_again(tmp_path, capsys):
    from dlicourse.grading.command import grader_version
    from dlicourse.instructor.cli import main

    crops = _crops(tmp_path)
    (tmp_path / "ada").mkdir()
    sub = str(submission_file(tmp_path / "ada", WHALE_OR_NOT))
    book = tmp_path / "book.csv"
    main(["grade", sub, "--images", str(crops), "--out", str(book)])
    [row] = csv.DictReader(book.open(newline=""))
    assert row["conditions"].startswith(f"{grader_version()}; ")
    book.write_text(book.read_text().replace(grader_version(), "grader 0.1.0+000000000000"))  # one with a hole
    capsys.readouterr()
    main(["grade", sub, "--images", str(crops), "--out", str(book)])
    assert "unchanged" not in capsys.readouterr().err
    [row] = csv.DictReader(book.open(newline=""))
    assert row["conditions"].startswith(f"{grader_version()}; ")


OVERLAP = """
import os
import numpy as np
from PIL import Image
# Every 8x8 block of every image: a block two images share is scene pixels they share (issue 33's tell:
# the five crops of one face overlapped, the not-face crops seldom did).
names = sorted(os.listdir("/grade/images"))
first, grouped = {}, set()
for name in names:
    image = np.asarray(Image.open(f"/grade/images/{name}"))
    for y in range(0, image.shape[0] - 7, 2):
        for x in range(0, image.shape[1] - 7, 2):
            owner = first.setdefault(image[y:y + 8, x:x + 8].tobytes(), name)
            if owner != name:
                grouped |= {owner, name}
def predict(path):
    return "whale" if os.path.basename(path) in grouped else "not whale"
"""


def _png_size(image: np.ndarray) -> int:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.tell()


def _tells(images: list[np.ndarray]) -> dict[str, np.ndarray]:
    """What a submission with no model might go by: the file's size and an image's statistics alone."""
    x = np.stack(images).astype(np.float32)
    grey = x.mean(axis=3)
    return {"png bytes": np.array([_png_size(i) for i in images], float), "mean": grey.mean(axis=(1, 2)),
            "contrast": grey.std(axis=(1, 2)), "red": x[..., 0].mean(axis=(1, 2)),
            "green": x[..., 1].mean(axis=(1, 2)), "blue": x[..., 2].mean(axis=(1, 2)),
            "edges": np.abs(np.diff(x, axis=1)).mean(axis=(1, 2, 3)), "darkest": x.min(axis=(1, 2, 3)),
            "brightest": x.max(axis=(1, 2, 3)), "dark share": (grey < 40).mean(axis=(1, 2)),
            "bright share": (grey > 150).mean(axis=(1, 2))}


def _threshold_score(train: np.ndarray, train_whale: np.ndarray, test: np.ndarray, test_whale: np.ndarray) -> float:
    """A threshold and direction tuned on the practice set (as a learner can at home), scored on the hidden."""
    best = max((np.mean((d * (train - t) > 0) == train_whale), t, d) for t in np.unique(train) for d in (1, -1))
    return float(np.mean((best[2] * (test - best[1]) > 0) == test_whale))


@pytest.mark.slow
def test_class_0_the_hidden_set_carries_no_structural_tell(tmp_path):
    """The hidden set carries no structure that tells its classes apart: no overlap (graded as an attack) or
    duplicate, and neither a file's size nor an image's brightness, colour or edges, tuned on the public
    practice set (07's 200 images), scores above 0.60 on a hidden set. Scored on 400 hidden images: on 200,
    chance alone moves a score by about 0.035. The grey contrast too: it scored 0.63 when each face simply took
    its nearest not-face (a face's pale callosities on a dark body are contrast), 0.59 with the set balanced."""
    practice, hidden = grading.practice_set(200), grading.whale_set(400, seed=2_033_0033)
    result = grading.grade(submission_file(tmp_path, OVERLAP), hidden, FAST, isolated=True)
    assert result.problem is None and result.accuracy == 0.5, result.accuracy  # no group: "not whale" for all
    assert len({i.tobytes() for i in hidden.images}) == len(hidden.images)
    train, test = _tells(practice.images), _tells(hidden.images)
    train_whale, test_whale = (np.array(s.answers) == "whale" for s in (practice, hidden))
    scores = {tell: _threshold_score(train[tell], train_whale, test[tell], test_whale) for tell in train}
    assert max(scores.values()) <= 0.60, scores
