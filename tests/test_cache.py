"""The executed-notebook cache: unchanged runs come back from it, prose edits keep it, settings and the
outputs a notebook reads from another one miss it."""

import json

import nbformat
import pytest
from test_runner import tiny_notebook

from dlicourse import figures
from dlicourse.instructor import cache, profiles, runner

READER = """
profile = "workshop"
output_dir = "out"
source = "none"
"""


def _profiles(monkeypatch, tables):
    parsed = {"fast": {"description": "test", "cell_timeout": 120, **tables}}
    monkeypatch.setattr(profiles, "_parsed", lambda: parsed)


def _reader(folder, name):
    """A notebook that records the length of the file another notebook wrote (its `source`)."""
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(READER)
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(
        "from pathlib import Path\nfrom dlicourse import figures, record\nfigures.begin(output_dir)\n"
        "record('read_length', len(Path(source).read_text()) if Path(source).exists() else -1)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "solutions" / f"{name}.ipynb")


@pytest.fixture
def project(tmp_path, monkeypatch):
    tiny_notebook(tmp_path, "\nfrom pathlib import Path\nPath(output_dir, 'made.txt').write_text('x' * int(4 * scale))")
    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_an_unchanged_run_comes_from_the_cache_a_markdown_edit_too_a_parameter_change_not(project):
    runs = project / "runs"
    [first] = runner.run(["01_tiny"], "fast", {"scale": [2.0]}, runs)
    assert not first.cached and first.status == "lesson held"
    (runs / "fast" / "01_tiny" / "made.txt").unlink()  # a hit puts the run's files back

    [again] = runner.run(["01_tiny"], "fast", {"scale": [2.0]}, runs)
    assert again.cached and again.figures == first.figures and again.status == "lesson held"
    assert (runs / "fast" / "01_tiny" / "made.txt").read_text() == "x" * 8
    assert json.loads((runs / "fast" / figures.SUMMARY).read_text())["01_tiny"]["doubled"] == 4.0
    assert "from the cache" not in runner.slowest_cells([again])  # nothing ran: no cell to list
    assert "(cached)" in runner.summary([again])

    path = project / "solutions" / "01_tiny.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].source = "Prose, rewritten: the code is the same."
    nbformat.write(nb, path)
    [prose] = runner.run(["01_tiny"], "fast", {"scale": [2.0]}, runs)
    assert prose.cached

    [changed] = runner.run(["01_tiny"], "fast", {"scale": [2.5]}, runs)
    assert not changed.cached and changed.figures["doubled"] == 5.0
    [forced] = runner.run(["01_tiny"], "fast", {"scale": [2.0]}, runs, force=True)
    assert not forced.cached


@pytest.mark.slow
def test_a_changed_setting_reruns_its_notebook_and_the_one_that_reads_its_outputs(project, monkeypatch):
    _reader(project, "02_reader")
    _reader(project, "03_other")
    _profiles(monkeypatch, {"01_tiny": {"scale": 2.0}, "02_reader": {"source": "{runs}/01_tiny/made.txt"}})
    runs = project / "runs"
    first = runner.run([], "fast", {}, runs)
    assert [r.cached for r in first] == [False, False, False]
    assert first[1].figures == {"read_length": 8.0}
    assert [r.cached for r in runner.run([], "fast", {}, runs)] == [True, True, True]

    _profiles(monkeypatch, {"01_tiny": {"scale": 3.0}, "02_reader": {"source": "{runs}/01_tiny/made.txt"}})
    third = runner.run([], "fast", {}, runs)
    assert [r.cached for r in third] == [False, False, True]  # 02 read 01's new file; 03 reads nothing of 01's
    assert third[1].figures == {"read_length": 12.0}


def test_the_key_sees_code_parameters_and_what_a_run_reads_not_prose(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("Prose."), nbformat.v4.new_code_cell("x = 1")]
    text = nbformat.writes(nb)
    read = tmp_path / "model.keras"
    read.write_bytes(b"one")
    key = cache.key(text, {"epochs": 1, "output_dir": "a"}, "fast", [read])
    assert cache.key(text, {"epochs": 1, "output_dir": "b"}, "fast", [read]) == key
    nb.cells[0].source = "Other prose."
    assert cache.key(nbformat.writes(nb), {"epochs": 1}, "fast", [read]) == key
    nb.cells[1].source = "x = 2"
    assert cache.key(nbformat.writes(nb), {"epochs": 1}, "fast", [read]) != key
    assert cache.key(text, {"epochs": 2}, "fast", [read]) != key
    assert cache.key(text, {"epochs": 1}, "workshop", [read]) != key
    read.write_bytes(b"two")
    assert cache.key(text, {"epochs": 1}, "fast", [read]) != key


def test_the_key_sees_the_arithmetic_of_the_run(monkeypatch):
    """oneDNN on or off, and a kernel's thread count, change what a run computes: no run stands in for another."""
    text = nbformat.writes(nbformat.v4.new_notebook())
    monkeypatch.delenv("TF_ENABLE_ONEDNN_OPTS", raising=False)
    for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(name, raising=False)
    key = cache.key(text, {}, "fast", [])
    assert cache.key(text, {}, "fast", [], threads=1) != key
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    assert cache.key(text, {}, "fast", []) != key


def test_a_failed_run_is_not_stored_and_a_partial_entry_is_not_read(tmp_path):
    from dlicourse.instructor.execution import CELL_ERROR, OK, Outcome

    assert not cache.store(tmp_path, "k1", Outcome(CELL_ERROR, b"{}"))
    assert cache.load(tmp_path, "k1") is None
    assert cache.store(tmp_path, "k2", Outcome(OK, b"{}", {"a/b.txt": b"hi"}, {"f": 1.0}, 2.0))
    assert cache.load(tmp_path, "k2").files == {"a/b.txt": b"hi"}
    (tmp_path / cache.FOLDER / "k3").mkdir()  # a write killed before its meta.json
    assert cache.load(tmp_path, "k3") is None
    assert not list((tmp_path / cache.FOLDER).glob(".partial-*"))
