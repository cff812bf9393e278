"""The figure files: one per notebook run, merged into one summary per batch run."""

import json

import pytest

from dlicourse import figures


def test_a_run_starts_empty_and_keeps_each_figure(tmp_path):
    (tmp_path / figures.FILE).write_text('{"stale": 1}')
    assert figures.begin(tmp_path) == tmp_path / figures.FILE == figures.current_file()
    assert figures.read(tmp_path) == {}
    figures.add("accuracy", 0.5)
    figures.add("accuracy", 0.75)  # a figure measured again replaces the old value
    figures.add("count", 3)
    assert figures.read(tmp_path) == {"accuracy": 0.75, "count": 3.0}


def test_a_folder_without_figures_reads_empty(tmp_path):
    assert figures.read(tmp_path / "never_ran") == {}


def test_adding_before_begin_says_what_to_call(monkeypatch):
    monkeypatch.setitem(figures._current, "file", None)
    with pytest.raises(RuntimeError, match="dlicourse.start"):
        figures.add("x", 1)


def test_summary_keeps_one_entry_per_notebook_with_its_wall_time(tmp_path):
    figures.add_to_summary(tmp_path, "01_louie", {"acc": 0.9}, 12.34)
    figures.add_to_summary(tmp_path, "03_mnist", {"acc": 0.97}, 50.0)
    figures.add_to_summary(tmp_path, "01_louie", {"acc": 0.95}, 11.0)  # a rerun replaces its entry
    summary = json.loads((tmp_path / figures.SUMMARY).read_text())
    assert summary == {"01_louie": {"acc": 0.95, "wall_seconds": 11.0},
                       "03_mnist": {"acc": 0.97, "wall_seconds": 50.0}}
