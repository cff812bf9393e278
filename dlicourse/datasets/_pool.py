"""Draw a dataset's items on every core this process may use.

Every item is drawn from a stream of its own (`seeds.stream(seed, ..., i)`), so the data are the same
bytes whatever the number of processes: one on a laptop, sixteen on a GPU box, where the `full` profile's
thousands of 256-pixel crops would otherwise keep one core busy for many minutes while the GPU waits.
"""

from __future__ import annotations

import collections
import itertools
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

# Starting the worker processes costs about a second. The course's drawings take about half a microsecond
# a pixel, so a job of fewer pixels than this (3 seconds or less) stays in one process.
MIN_PIXELS = 5_000_000


def cores() -> int:
    """The cores this process may run on. All of them, also where `dlicourse run --jobs` gives each kernel a
    share of the threads: kernels seldom draw at the same time, and one drawing alone on a share of the
    cores left a 16-core GPU box three-quarters idle for minutes."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def workers(items: int, pixels_each: int) -> int:
    """How many processes draw `items` items of `pixels_each` pixels: one for a small job."""
    if items * pixels_each < MIN_PIXELS:
        return 1
    return max(1, min(cores(), items))


def _in_one_thread(draw: Callable[..., T], *args: Any) -> T:
    """`draw(*args)` with OpenCV on one thread: with a process per core, its own threads only contend."""
    import cv2

    cv2.setNumThreads(1)
    return draw(*args)


def ordered(draw: Callable[..., T], args: Iterable[tuple[Any, ...]], items: int, pixels_each: int) -> Iterator[T]:
    """`draw(*a)` for each `a` in `args`, in order; about `items` items of `pixels_each` pixels each, drawn
    by `workers(items, pixels_each)` processes at most twice as many items ahead.

    `args` may be endless (`items` is then an estimate): the caller stops (and closes this generator) when it
    has what it needs; the items not yet started are cancelled, those started are dropped. loky's reusable
    worker processes stay for the next call (a minute idle); unlike `multiprocessing`'s, they do not run the
    caller's script again. Futures are cancelled one by one, not by aborting a joblib.Parallel: the abort kills
    the workers, and loky's manager thread then raced it with a KeyError traceback on stderr. loky (joblib's)
    is imported only here: most drawings are small, and `import dlicourse` stays quick."""
    processes = workers(items, pixels_each)
    if processes <= 1:
        yield from (draw(*a) for a in args)
        return
    from joblib.externals.loky import get_reusable_executor

    from dlicourse.environment import thread_limits

    executor = get_reusable_executor(max_workers=processes, timeout=60, env=thread_limits(1))
    pending = iter(args)

    def submit(count: int) -> Iterator[Future]:
        return (executor.submit(_in_one_thread, draw, *a) for a in itertools.islice(pending, count))

    ahead = collections.deque(submit(2 * processes))
    try:
        while ahead:
            result = ahead.popleft().result()
            ahead.extend(submit(1))
            yield result
    finally:
        for future in ahead:
            future.cancel()
