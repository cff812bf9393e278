"""Parameter values checked against the type of the `parameters` cell's default, before anything runs.

A wrong type (`-p epochs=abc`) would otherwise start a kernel, run for minutes and fail deep inside a cell
with a TypeError; here it is one line that names the expected type, and nothing is run.
"""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "text", list: "a list", tuple: "a list"}


class ParameterTypeError(ValueError):
    """A value whose type does not fit its parameter's default: reported in one line."""


def defaults(path: Path) -> dict[str, Any]:
    """The literal defaults of a notebook's `parameters` cell; a default that is not a literal is left out."""
    import papermill

    papermill_log = logging.getLogger("papermill")
    level = papermill_log.level
    papermill_log.setLevel(logging.WARNING)  # it announces every notebook it opens
    try:
        inspected = papermill.inspect_notebook(str(path))
    finally:
        papermill_log.setLevel(level)
    found = {}
    for name, info in inspected.items():
        try:
            found[name] = ast.literal_eval(info["default"])
        except (ValueError, SyntaxError):
            continue
    return found


def fit(name: str, value: Any, default: Any) -> Any:
    """`value` as the default's type would take it; ParameterTypeError when it cannot be."""
    if default is None:  # an optional setting (a path, a seed): any value or None
        return value
    kind = type(default)
    if value is None or kind not in _NAMES:
        if value is None or not isinstance(value, kind):
            raise ParameterTypeError(_message(name, value, default))
        return value
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is str:
        return value if isinstance(value, str) else str(value)  # `-p louie_model=123` is a path "123"
    else:
        ok = isinstance(value, list | tuple) and all(
            not default or type(v) is type(default[0]) or (isinstance(default[0], float) and isinstance(v, int))
            for v in value)
    if not ok:
        raise ParameterTypeError(_message(name, value, default))
    return value


def _message(name: str, value: Any, default: Any) -> str:
    expected = _NAMES.get(type(default), type(default).__name__)
    return f"{name} must be {expected} like its default {default!r}, not {value!r}"


def checked(paths: Iterable[Path], assignments: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """`assignments` (NAME -> values) with each value fitted to its default in every notebook of `paths`."""
    fitted = dict(assignments)
    for path in paths:
        known = defaults(path)
        for name, values in assignments.items():
            if name in known:
                try:
                    fitted[name] = [fit(name, v, known[name]) for v in values]
                except ParameterTypeError as err:
                    raise ParameterTypeError(f"{path.stem}: {err}") from None
    return fitted
