"""Markdown tables: numbers to four significant digits, empty cells for missing values."""

from dlicourse import tables


def test_markdown_rounds_floats_and_leaves_missing_cells_empty():
    text = tables.markdown(["name", "value", "note"], [{"name": "a", "value": 0.123456}, {"name": "b", "value": 3}])
    assert text == "| name | value | note |\n|---|---|---|\n| a | 0.1235 |  |\n| b | 3 |  |\n"


def test_show_displays_markdown_and_plain_text(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append((obj, raw)))
    tables.show(["x"], [{"x": 1.0}])
    assert shown == [({"text/markdown": "| x |\n|---|\n| 1 |\n", "text/plain": "| x |\n|---|\n| 1 |\n"}, True)]
