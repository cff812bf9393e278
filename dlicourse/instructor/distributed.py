"""Independent tasks (notebook runs, submission grades) on this process, a local pool, or a Dask cluster.

`run_tasks(fn, items, names, jobs=..., scheduler=...)` calls `fn(item)` for every item and gives the
results back in the items' order. One process runs them in turn; `jobs > 1` starts a Dask `LocalCluster`
of that many worker processes; `scheduler` sends them to an existing Dask cluster, after checking that
every worker has this machine's dlicourse and notebooks. A worker that dies mid-task costs the task one
more try on another worker (the scheduler's `allowed-failures`, and Dask's `retries` for an error in the
task itself); a task lost twice comes back as `Missing`, named, so a table can say what it lacks.
`fn` reports its own failures in its result (a failed cell is a result, not a reason to retry).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from dlicourse.paths import solutions_dir

RETRIES = 1  # one more try for a task whose worker died or whose task raised
CONNECT_S = 30  # how long to wait for a scheduler and its first worker
# A local cluster: one retry, and a killed worker's nanny is given time to start it again on a busy
# machine (after the default 15 s the cluster closes that nanny, and its retried tasks die a second time).
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": RETRIES, "distributed.deploy.lost-worker-timeout": "600s"}


class ClusterError(Exception):
    """The cluster cannot take the tasks (unreachable, no workers, a worker unlike this machine): one line."""


@dataclass(frozen=True)
class Missing:
    """A task without a result: its name and why (its worker died twice, or the task itself raised)."""

    name: str
    reason: str


def fingerprint() -> dict[str, Any]:
    """What must match between this machine and a worker: dlicourse's version and code, the notebooks;
    and whether the worker can make its data cache (a worker that cannot would fail every task)."""
    import dlicourse
    from dlicourse.readiness import data_directory

    notebooks = {p.stem: hashlib.sha256(p.read_bytes()).hexdigest()[:16]
                 for p in sorted(solutions_dir().glob("[0-9][0-9]_*.ipynb"))}
    data = data_directory()
    return {"version": dlicourse.__version__, "code": code_digest(), "notebooks": notebooks,
            "data": None if data.ok else data.found}


def code_digest(leave_out: tuple[str, ...] = ()) -> str:
    """A hash of dlicourse's Python and TOML files, but those whose path starts with one of `leave_out`."""
    digest = hashlib.sha256()
    package = resources.files("dlicourse")
    for path, name in sorted(_package_files(package), key=lambda pair: pair[1]):
        if not name.startswith(leave_out):
            digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def _package_files(folder: Any, prefix: str = "") -> list[tuple[Any, str]]:
    found = []
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name != "__pycache__":
            found += _package_files(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith((".py", ".toml")):
            found.append((entry, prefix + entry.name))
    return found


def mismatch(mine: dict[str, Any], theirs: dict[str, Any]) -> str | None:
    """How a worker's fingerprint differs from ours, in a few words; None when it does not."""
    if theirs.get("version") != mine["version"]:
        return f"dlicourse {theirs.get('version')} there, {mine['version']} here"
    if theirs.get("code") != mine["code"]:
        return "dlicourse's code differs from this machine's"
    own, other = mine["notebooks"], theirs.get("notebooks", {})
    differ = sorted(n for n in own.keys() | other.keys() if own.get(n) != other.get(n))
    if differ:
        return f"notebooks differ: {', '.join(differ)}"
    return f"its data directory {theirs['data']}" if theirs.get("data") else None


def check_workers(client: Any) -> int:
    """Refuse, in one line, a cluster with no worker or a worker that runs other code; the worker count."""
    try:
        client.wait_for_workers(1, timeout=CONNECT_S)
    except TimeoutError:
        raise ClusterError(f"no Dask worker joined {client.scheduler.address} within {CONNECT_S} s") from None
    mine = fingerprint()
    found = client.run(fingerprint)
    for address, theirs in sorted(found.items()):
        if why := mismatch(mine, theirs):
            raise ClusterError(f"worker {address} does not match this machine ({why}); install the same "
                               "dlicourse checkout there and restart it")
    return len(found)


def run_tasks(fn: Callable[..., Any], items: Sequence[Any], names: Sequence[str], jobs: int = 1,
              scheduler: str | None = None, shared: Any = None,
              on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """`fn(item, shared)` for each item, in order; a result that could not be had is a `Missing`.

    `shared` (a test set, say) goes to each worker once, not once per task. `on_done(index, result)` is
    called as each task ends, so results are written while the others still run."""
    if not items:
        return []
    if scheduler:
        with _connect(scheduler) as client:
            check_workers(client)
            return submit(client, fn, items, names, shared, on_done)
    if jobs <= 1:
        results = []
        for i, (item, name) in enumerate(zip(items, names, strict=True)):
            results.append(_call(fn, item, name, shared))
            if on_done:
                on_done(i, results[-1])
        return results
    with local_cluster(min(jobs, len(items))) as client:
        return submit(client, fn, items, names, shared, on_done)


def _call(fn: Callable[..., Any], item: Any, name: str, shared: Any) -> Any:
    try:
        return fn(item, shared)
    except Exception as err:  # noqa: BLE001 - one task's bug must not lose the others' results
        return Missing(name, f"{type(err).__name__}: {err}")


def submit(client: Any, fn: Callable[..., Any], items: Sequence[Any], names: Sequence[str],
           shared: Any = None, on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """Send every task at once; collect as they end, return in order. A task lost twice is a `Missing`."""
    from distributed import as_completed

    tag = uuid.uuid4().hex[:8]
    common = client.scatter(shared, broadcast=True) if shared is not None else None
    futures = [client.submit(fn, item, common, key=f"{name}-{tag}-{i}", retries=RETRIES, pure=False)
               for i, (item, name) in enumerate(zip(items, names, strict=True))]
    index = {future.key: i for i, future in enumerate(futures)}
    results: list[Any] = [None] * len(futures)
    for future in as_completed(futures):
        i = index[future.key]
        try:
            results[i] = future.result()
        except Exception as err:  # noqa: BLE001 - KilledWorker, a lost connection, the task's own error
            results[i] = Missing(names[i], f"{type(err).__name__}: {err}")
        if on_done:
            on_done(i, results[i])
    return results


def _connect(address: str) -> Any:
    from distributed import Client

    try:
        return Client(address, timeout=CONNECT_S)
    except (OSError, TimeoutError) as err:
        raise ClusterError(f"cannot reach the Dask scheduler at {address}: {err}") from None


def local_cluster(workers: int) -> Any:
    """A client of `workers` local worker processes, one task each; a task is retried once if one dies."""
    import dask
    from distributed import Client, LocalCluster

    # `dlicourse` logs at INFO to say what runs; Dask's own INFO lines (scheduler, nannies, workers) are noise.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                               memory_limit=0, silence_logs=40)
    return _Closing(Client(cluster), cluster)


class _Closing:
    """Close the client, then the cluster it came with."""

    def __init__(self, client: Any, cluster: Any):
        self.client, self.cluster = client, cluster

    def __enter__(self) -> Any:
        return self.client

    def __exit__(self, *exc: object) -> None:
        self.client.close()
        self.cluster.close()


# ------------------------------------------------------------------------------- grading on a cluster


def grade_submission(item: tuple[str, Any, tuple[str, ...], bool], test_set: Any) -> Any:
    """One submission graded by `dlicourse.grading.grade` on a worker, in the grader's own sandbox."""
    from dlicourse import grading

    submission, limits, protected, isolated = item
    return grading.grade(submission, test_set, limits, None, protected, isolated=isolated)


def grade_many(submissions: Sequence[str], test_set: Any, limits: Any, jobs: int, scheduler: str,
               protected: Sequence[str] = (), isolated: bool = True,
               on_done: Callable[[int, Any], None] | None = None) -> list[Any]:
    """`grading.grade_many`, with each submission a task on the Dask cluster at `scheduler`. Workers read
    the submissions at the same paths (a shared folder); one lost twice is graded 0 with the reason."""
    from pathlib import Path

    from dlicourse import grading

    paths = [str(Path(s).expanduser().absolute()) for s in submissions]  # as given: a link is refused there
    items = [(path, limits, tuple(str(p) for p in protected), isolated) for path in paths]

    def graded(i: int, result: Any) -> Any:
        if isinstance(result, Missing):
            result = grading.Grade(paths[i], test_set.source, len(test_set.answers), seed=test_set.seed,
                                   problem=f"not graded: the task was lost ({result.reason}); grade it again",
                                   grader_fault=True)
        return result

    def done(i: int, result: Any) -> None:
        if on_done is not None:
            on_done(i, graded(i, result))

    results = run_tasks(grade_submission, items, [Path(p).parent.name or p for p in paths], jobs, scheduler,
                        shared=test_set, on_done=done)
    return [graded(i, result) for i, result in enumerate(results)]
