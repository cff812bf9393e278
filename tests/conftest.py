"""Shared fixtures. Tests never reach the network, and data caches they damage on purpose are their own."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from dlicourse.instructor.execution import limit_threads

pytest_plugins = ["grading_support"]  # the grading tests' fixtures

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private, empty data cache, for tests that write, damage or time the cache."""
    folder = tmp_path / "data"
    monkeypatch.setenv("DLICOURSE_DATA", str(folder))
    return folder


# Generated pictures are drawn in floating point, and another CPU (its SIMD paths in OpenCV and NumPy) can round
# a pixel the other way: the same data everywhere means every pixel within this many grey levels of the
# reference, and only a few of them off at all (docs/data.md says so).
GREY_LEVELS = 1
OFF_SHARE = 0.001


def same_pixels(drawn, reference) -> None:
    """Assert that a drawing matches its reference as "the same data" means across machines."""
    import numpy as np

    drawn, reference = np.asarray(drawn), np.asarray(reference)
    assert drawn.shape == reference.shape and drawn.dtype == reference.dtype
    difference = np.abs(drawn.astype(np.int64) - reference.astype(np.int64))
    assert difference.max() <= GREY_LEVELS, f"a pixel is {difference.max()} grey levels off"
    assert np.mean(difference > 0) <= OFF_SHARE, f"{np.mean(difference > 0):.2%} of the pixels differ"


def run_cell(source: str, namespace: dict) -> object:
    """Execute a notebook cell's code like IPython does: the value of a last expression is returned."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    return None


def pytest_configure(config):
    """Under `pytest -n N` each worker, and each kernel it starts, gets its share of the cores, as with
    `dlicourse run --jobs`: two TensorFlow processes with a thread per core each ran two notebooks 9% slower
    on two cores (05 and 08 with the fast profile: 92 s together, 101 s without the limit)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        limit_threads(max(1, (os.cpu_count() or 1) // workers))


def pytest_addoption(parser):
    parser.addoption("--browser", action="store_true", help="run the browser tests too (`make test-browser`)")


def pytest_collection_modifyitems(config, items):
    """Longest first: the notebooks, then other slow tests, so that `pytest -n 2` does not end with one worker
    running a notebook while the other waits. Browser tests start JupyterLab and Chromium: they run with
    --browser only (`make test-browser`)."""
    items.sort(key=lambda item: (item.path.name != "test_notebooks.py", item.get_closest_marker("slow") is None))
    if config.getoption("--browser"):
        return
    skip = pytest.mark.skip(reason="a browser test: `make test-browser` runs it")
    for item in items:
        if item.get_closest_marker("browser") is not None:
            item.add_marker(skip)
