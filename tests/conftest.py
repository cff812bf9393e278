"""Shared fixtures. Tests never reach the network, and data caches they damage on purpose are their own."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

pytest_plugins = ["grading_support"]  # the grading tests' fixtures

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private, empty data cache, for tests that write, damage or time the cache."""
    folder = tmp_path / "data"
    monkeypatch.setenv("DLICOURSE_DATA", str(folder))
    return folder


def run_cell(source: str, namespace: dict) -> object:
    """Execute a notebook cell's code like IPython does: the value of a last expression is returned."""
    tree = ast.parse(source)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    exec(compile(tree, "<cell>", "exec"), namespace)
    if last is not None:
        return eval(compile(ast.Expression(last.value), "<cell>", "eval"), namespace)
    return None


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
