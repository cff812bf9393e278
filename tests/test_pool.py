"""Datasets drawn on several cores: the same bytes as in one process, and nothing left running or said."""

import contextlib
import itertools
import operator
import os
import threading
import time
import warnings

import numpy as np
import pytest

from dlicourse.datasets import _pool, crops, segmentation, whales
from dlicourse.datasets.dogs import splits

DRAWINGS = {
    "whale crops": lambda: crops._make_crops(120, 5, 48),
    "whale scenes": lambda: whales._make_scenes(3, 5, (192, 256), 48),
    "cardiac slices": lambda: segmentation._make(12, 64, 5),
    "dog photos": lambda: splits.make_split("tiny", 64, masks=True),
}


@pytest.mark.parametrize("name", DRAWINGS)
def test_a_dataset_drawn_on_two_processes_is_the_one_drawn_in_one(name, monkeypatch):
    monkeypatch.setattr(_pool, "cores", lambda: 1)
    alone = DRAWINGS[name]()
    monkeypatch.setattr(_pool, "cores", lambda: 2)
    monkeypatch.setattr(_pool, "MIN_PIXELS", 0)
    shared = DRAWINGS[name]()
    assert alone.keys() == shared.keys()
    for key in alone:
        np.testing.assert_array_equal(alone[key], shared[key], err_msg=key)


def test_an_endless_drawing_stops_when_its_reader_has_enough_and_says_nothing(monkeypatch):
    """Nothing warns, and no thread of the pool dies with a traceback (in a notebook, a red block)."""
    monkeypatch.setattr(_pool, "cores", lambda: 2)
    died = []
    monkeypatch.setattr(threading, "excepthook", died.append)
    for _ in range(5):
        drawn = _pool.ordered(operator.mul, ((i, 3) for i in itertools.count()), 100, _pool.MIN_PIXELS)
        with warnings.catch_warnings(record=True) as said:
            warnings.simplefilter("always")
            assert [v for _, v in zip(range(7), drawn, strict=False)] == [0, 3, 6, 9, 12, 15, 18]
            drawn.close()
        assert not said, [str(w.message) for w in said]
    time.sleep(1)  # what the pool's threads do after the close
    assert not died, [f"{d.thread.name}: {d.exc_type.__name__}" for d in died]


def test_closing_a_drawing_keeps_the_worker_processes_for_the_next(monkeypatch):
    """A drawing closed early cancels what has not started; it does not abort the pool. An abort killed the
    workers, and loky's manager thread once died of a KeyError in a `make test` run while it did."""
    monkeypatch.setattr(_pool, "cores", lambda: 2)
    first = _pool.ordered(operator.call, itertools.repeat((os.getpid,)), 100, _pool.MIN_PIXELS)
    with contextlib.closing(first):
        before = {pid for _, pid in zip(range(20), first, strict=False)}
    after = set(_pool.ordered(operator.call, [(os.getpid,)] * 20, 20, _pool.MIN_PIXELS))
    assert os.getpid() not in before and after <= before, (before, after)


def test_a_small_job_stays_in_one_process_and_a_big_one_uses_the_cores(monkeypatch):
    monkeypatch.setattr(_pool, "cores", lambda: 16)
    assert _pool.workers(400, 64 * 64) == 1  # the fast profile's crops: no process is started
    assert _pool.workers(9000 // 15, 48 * 256 * 256) == 16  # the full profile's 256-pixel crops
    assert _pool.workers(3, 10**8) == 3  # never more processes than items
