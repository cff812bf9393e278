"""The figures a notebook measures: one file per notebook run, and one summary per batch run.

The route of a figure, end to end:
1. `dlicourse run` gives each notebook an `output_dir` parameter (papermill injects it).
2. The notebook's `dlicourse.start(output_dir)` calls `begin(output_dir)`: this run's figure file is
   `<output_dir>/figures.json`, emptied.
3. Each `dlicourse.record(name, value)` calls `add(name, value)`, which rewrites that file atomically.
4. When the notebook ends, the runner reads it back (`read`) and merges it, with the wall time, into the
   batch's summary `<runs>/<profile>/summary.json` (`add_to_summary`), one entry per notebook.
This module owns both files: their names, their format, their writer and their reader.

It also holds the runner's side of a lesson's verdict. The lesson cell is the code cell whose id is
`LESSON_CELL` (every lab's last cell; a tag of that name works too); when the lesson does not hold it
raises `LessonMissed` (an `AssertionError`, so a plain `assert` there means the same). The runner reads
that as "the notebook ran, the lesson missed": a result for a grid point whose `-p` settings differ
from the profile's, a failure for the profile's own settings. Any other exception, or one raised in
another cell, is a broken notebook.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from dlicourse.files import write_json

FILE = "figures.json"  # per notebook run: {figure name: value}
LESSON_FILE = "lesson.json"  # per notebook run: the lesson cell's verdict, figure by figure and claim by claim
SUMMARY = "summary.json"  # per batch run: {notebook: {figure name: value, "wall_seconds": s}}

LESSON_CELL = "lesson"  # the id (or a tag) of the cell that holds the run to the lesson's targets


class LessonMissed(AssertionError):
    """Raised by a lesson cell whose figures miss the targets; the message says which and by how much."""


def is_lesson_cell(cell: dict) -> bool:
    """Whether a notebook cell (as JSON) is the lesson cell: its id, or one of its tags, is `LESSON_CELL`."""
    return cell.get("id") == LESSON_CELL or LESSON_CELL in cell.get("metadata", {}).get("tags", [])


_current: dict[str, Path | None] = {"file": None}


def begin(output_dir: str | os.PathLike) -> Path:
    """Make `output_dir/figures.json` this run's figure file, with no figure in it yet."""
    path = Path(output_dir) / FILE
    write_json(path, {})
    _current["file"] = path
    return path


def current_file() -> Path | None:
    """This run's figure file, or None before `begin`."""
    return _current["file"]


def add(name: str, value: float) -> float:
    """Keep one figure in this run's file; a name must be an identifier, a value a finite number."""
    path = _current["file"]
    if path is None:
        raise RuntimeError("Call dlicourse.start(output_dir) before record(): it says where figures go.")
    if not name.isidentifier():
        raise ValueError(f"A figure's name must be a plain identifier, got {name!r}.")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"Figure {name} is {value}; figures must be finite numbers.")
    figures = read(path.parent)
    figures[name] = value
    write_json(path, figures)
    return value


def write_lesson(verdict: dict) -> Path | None:
    """Keep the lesson cell's verdict beside this run's figures (`benchmarks/robustness.py` reads it): the
    values it held to targets are often differences of figures, not figures themselves. None before `begin`."""
    path = _current["file"]
    if path is None:
        return None
    write_json(path.parent / LESSON_FILE, verdict)
    return path.parent / LESSON_FILE


def read_lesson(output_dir: str | os.PathLike) -> dict | None:
    """The lesson verdict a notebook run wrote in `output_dir`, or None when its lesson cell did not run."""
    path = Path(output_dir) / LESSON_FILE
    return json.loads(path.read_text()) if path.exists() else None


def read(output_dir: str | os.PathLike) -> dict[str, float]:
    """The figures a notebook run recorded in `output_dir` (none when it recorded none)."""
    path = Path(output_dir) / FILE
    return json.loads(path.read_text()) if path.exists() else {}


def add_to_summary(runs: str | os.PathLike, notebook: str, figures: dict[str, float], seconds: float) -> Path:
    """Merge one notebook's figures and wall time into the batch's summary in `runs`."""
    path = Path(runs) / SUMMARY
    summary = json.loads(path.read_text()) if path.exists() else {}
    summary[notebook] = {**figures, "wall_seconds": round(seconds, 1)}
    write_json(path, summary)
    return path
