"""Runs and grades on a real Dask cluster: a LocalCluster of two worker processes (one killed mid-run),
and a `dask scheduler` with two `dask worker` processes started here on 127.0.0.1 and always stopped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT
from test_runner import tiny_notebook

from dlicourse import grading
from dlicourse.instructor import distributed, runner

# One xdist worker takes the whole module, so the `dask scheduler` and its workers start once.
pytestmark = pytest.mark.xdist_group("dask")

FAST = grading.Limits(startup_s=60, per_image_s=10, total_s=120, cpu_s=60, memory_mb=600)
CLUSTER_ENV = {"PYTHONPATH": str(ROOT), "DLICOURSE_ROOT": str(ROOT),
               "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(distributed.RETRIES)}


def test_a_worker_unlike_this_machine_is_named_with_what_differs():
    mine = {"version": "0.1.0", "code": "abc", "notebooks": {"00_welcome": "1", "03_mnist": "2"}}
    assert distributed.mismatch(mine, dict(mine)) is None
    assert distributed.mismatch(mine, {**mine, "version": "0.2.0"}) == "dlicourse 0.2.0 there, 0.1.0 here"
    assert distributed.mismatch(mine, {**mine, "code": "abd"}) == "dlicourse's code differs from this machine's"
    other = {**mine, "notebooks": {"00_welcome": "1", "03_mnist": "3"}}
    assert distributed.mismatch(mine, other) == "notebooks differ: 03_mnist"
    unwritable = {**mine, "data": "/data is not writable (Read-only file system)"}
    assert distributed.mismatch(mine, unwritable) == "its data directory /data is not writable (Read-only file system)"


def test_a_worker_whose_data_directory_is_read_only_says_so(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir()
    folder.chmod(0o500)
    monkeypatch.setenv("DLICOURSE_DATA", str(folder))
    if os.access(folder, os.W_OK):  # root writes anywhere: a file where the folder should be instead
        folder.chmod(0o700)
        folder.rmdir()
        folder.write_text("not a folder")
    assert "is not writable" in distributed.fingerprint()["data"]
    monkeypatch.setenv("DLICOURSE_DATA", str(tmp_path / "fresh"))
    assert distributed.fingerprint()["data"] is None


def test_tasks_come_back_in_order_and_a_failing_one_is_named():
    def task(item, shared):
        if item == 2:
            raise RuntimeError("lost")
        return item * shared

    results = distributed.run_tasks(task, [1, 2, 3], ["a", "b", "c"], shared=10)
    assert results == [10, distributed.Missing("b", "RuntimeError: lost"), 30]


def _kill_one_worker_once_busy(address: str, killed: list[int]) -> threading.Thread:
    """Kill (SIGKILL) the first worker seen running a task; its task must be retried on another."""
    from distributed import Client

    def kill() -> None:
        with Client(address, timeout=30) as client:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and not killed:
                busy = [w for w, tasks in client.processing().items() if tasks]
                if busy:
                    time.sleep(3)  # inside the notebook, not before it
                    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                    os.kill(pid, signal.SIGKILL)
                    killed.append(pid)
                time.sleep(0.2)

    thread = threading.Thread(target=kill, daemon=True)
    thread.start()
    return thread


@pytest.mark.slow
def test_a_grid_on_a_local_cluster_is_complete_though_a_worker_dies(tmp_path, monkeypatch):
    import dask
    from distributed import LocalCluster

    for name, value in CLUSTER_ENV.items():
        monkeypatch.setenv(name, value)
    # A notebook that takes a few seconds, so that the worker is killed inside it, not before it starts.
    notebook = tiny_notebook(tmp_path, "\nimport time\ntime.sleep(8)")
    with dask.config.set(distributed.LOCAL_CONFIG), \
            LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0", memory_limit=0) as cluster:
        killed: list[int] = []
        killer = _kill_one_worker_once_busy(cluster.scheduler_address, killed)
        results = runner.run([str(notebook)], "fast", {"scale": [2.0, 3.0, 4.0, 5.0]}, tmp_path / "runs",
                             scheduler=cluster.scheduler_address)
        killer.join(timeout=5)
    assert killed, "no worker was killed: the test did not test a dead worker"
    assert [r.parameters for r in results] == [{"scale": s} for s in (2.0, 3.0, 4.0, 5.0)]
    assert [r.figures["doubled"] for r in results] == [4.0, 6.0, 8.0, 10.0]
    assert [r.status for r in results] == ["lesson held"] * 4, [r.error for r in results]
    table = (tmp_path / "runs" / "fast" / "01_tiny-grid.md").read_text()
    assert table.count("| 01_tiny |") == 4 and "Missing" not in table
    for r in results:
        assert r.executed.exists() and "The lesson holds." in r.executed.read_text()


@pytest.fixture(scope="module")
def dask_cli_cluster(tmp_path_factory):
    """`dask scheduler` and two `dask worker`s on 127.0.0.1, started here and stopped at the end."""
    tmp_path = tmp_path_factory.mktemp("dask")
    dask = Path(sys.executable).with_name("dask")
    command = [str(dask)] if dask.exists() else [sys.executable, "-m", "dask"]
    env = {**os.environ, **CLUSTER_ENV}
    address_file = tmp_path / "scheduler.json"
    started = [subprocess.Popen([*command, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                 "--scheduler-file", str(address_file)], env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not address_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert address_file.exists(), "dask scheduler did not start within 60 s"
        for _ in range(2):
            started.append(subprocess.Popen(
                [*command, "worker", "--scheduler-file", str(address_file), "--host", "127.0.0.1", "--nthreads", "1",
                 "--no-dashboard", "--memory-limit", "0"], env=env, start_new_session=True,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        import json

        address = json.loads(address_file.read_text())["address"]
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for process in reversed(started):  # only what this fixture started, by its own process group
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@pytest.mark.slow
def test_four_submissions_graded_by_dask_workers_make_a_complete_gradebook(dask_cli_cluster, tmp_path):
    images = [np.full((16, 16, 3), 200 if k % 2 == 0 else 30, np.uint8) for k in range(6)]
    test_set = grading.TestSet(images, ["whale", "not whale"] * 3, "six toy images")
    rules = {"bright": 'np.asarray(Image.open(path)).mean() > 128', "always": "True",
             "dark": 'np.asarray(Image.open(path)).mean() < 128', "broken": "1 / 0"}
    paths = []
    for name, rule in rules.items():
        (tmp_path / name).mkdir()
        path = tmp_path / name / "submission.py"
        path.write_text("from PIL import Image\nimport numpy as np\n\ndef predict(path):\n"
                        f"    return 'whale' if {rule} else 'not whale'\n")
        paths.append(str(path))
    grades = distributed.grade_many(paths, test_set, FAST, 2, dask_cli_cluster)
    assert [g.submission for g in grades] == paths
    assert [g.accuracy for g in grades] == [1.0, 0.5, 0.0, 0.0]
    assert "ZeroDivisionError" in str(grades[3].problem) + str(grades[3].failures[:1])
    gradebook = grading.write_gradebook(tmp_path / "grades.csv", grades).read_text()
    assert gradebook.count("\n") == 5


@pytest.mark.slow
def test_a_run_on_a_cluster_of_other_code_is_refused_in_one_line(dask_cli_cluster, monkeypatch, tmp_path):
    import dlicourse

    theirs = dlicourse.__version__
    monkeypatch.setattr(dlicourse, "__version__", "9.9.9")
    with pytest.raises(distributed.ClusterError) as refused:
        runner.run(["00_welcome"], "fast", {}, tmp_path / "runs", scheduler=dask_cli_cluster)
    message = str(refused.value)
    assert message.startswith("worker tcp://127.0.0.1:") and "\n" not in message
    assert f"does not match this machine (dlicourse {theirs} there, 9.9.9 here)" in message
    assert not (tmp_path / "runs" / "fast").exists()


def test_a_submission_the_cluster_lost_is_a_gradebook_line_that_says_so(monkeypatch, tmp_path):
    test_set = grading.TestSet([np.zeros((4, 4, 3), np.uint8)] * 2, ["whale", "not whale"], "two images")
    monkeypatch.setattr(distributed, "run_tasks", lambda *a, **k: [distributed.Missing("s", "KilledWorker: twice")])
    [grade] = distributed.grade_many([str(tmp_path / "s" / "submission.py")], test_set, FAST, 2, "tcp://nowhere:1")
    assert grade.accuracy == 0 and not grade.passed
    assert grade.problem == "not graded: the task was lost (KilledWorker: twice); grade it again"
