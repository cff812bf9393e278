import math

import pytest

from dlicourse import course, figures, record


def test_record_needs_start(monkeypatch):
    monkeypatch.setitem(figures._current, "file", None)
    with pytest.raises(RuntimeError, match="dlicourse.start"):
        record("x", 1.0)


def test_start_clears_old_figures_and_record_keeps_new_ones(tmp_path, capsys):
    out = tmp_path / "nb"
    out.mkdir()
    (out / figures.FILE).write_text('{"stale": 1}')
    course.start(out)
    assert record("accuracy", 0.9731) == pytest.approx(0.9731)
    record("count", 7)
    assert figures.read(out) == {"accuracy": 0.9731, "count": 7.0}
    assert figures.current_file() == out / figures.FILE
    assert "accuracy = 0.9731" in capsys.readouterr().out


@pytest.mark.parametrize("name, value, message", [
    ("has space", 1.0, "identifier"), ("nan_value", math.nan, "finite"), ("inf_value", math.inf, "finite"),
])
def test_record_rejects_bad_figures(tmp_path, name, value, message):
    course.start(tmp_path)
    with pytest.raises(ValueError, match=message):
        record(name, value)


def test_start_says_which_profile_runs(tmp_path, capsys):
    course.start(tmp_path / "nb", profile="fast")
    assert "Profile fast; outputs go to" in capsys.readouterr().out


def test_a_cell_ending_in_record_shows_the_figure_once(tmp_path, capsys):
    from IPython.core.formatters import DisplayFormatter

    course.start(tmp_path)
    value = record("loss", 1.5145049)
    assert value == pytest.approx(1.5145049) and value * 2 == pytest.approx(3.0290098)
    assert DisplayFormatter().format(value) == ({}, {})  # IPython echoes nothing after the printed line
    assert capsys.readouterr().out.endswith("loss = 1.515\n")
