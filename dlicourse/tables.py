"""Markdown tables: one format for the runner's reports and the notebooks' result tables."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return "" if value is None else str(value)


def markdown(columns: list[str], rows: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(row.get(c)) for c in columns) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def show(columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Display a table: rendered in Jupyter, and as Markdown text in a batch run's log."""
    from IPython.display import display

    text = markdown(columns, rows)
    display({"text/markdown": text, "text/plain": text}, raw=True)
