"""The profiles file: named parameter sets, one table per notebook."""

from __future__ import annotations

import copy
import functools
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

_GLOBAL_KEYS = {"description", "cell_timeout"}


@functools.cache
def _parsed() -> dict[str, dict[str, Any]]:
    text = resources.files("dlicourse.instructor").joinpath("profiles.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def load() -> dict[str, dict[str, Any]]:
    """Every profile, parsed once per process (a copy, so that a caller's edit changes nothing else)."""
    return copy.deepcopy(_parsed())


def names() -> list[str]:
    return list(load())


def get(profile: str) -> dict[str, Any]:
    profiles = load()
    if profile not in profiles:
        raise KeyError(f"unknown profile {profile!r}; choose one of: {', '.join(profiles)}")
    return profiles[profile]


def parameters(profile: str, notebook: str, runs: Path | None = None) -> dict[str, Any]:
    """The parameters that `profile` sets for `notebook` (its own table; the rest stay as written).

    `{runs}` in a text value stands for the folder where this run keeps every notebook's outputs, so a
    notebook can take what an earlier one saved (02_deployment loads 01_louie's model) wherever runs go.
    """
    table = get(profile).get(notebook, {})
    if runs is not None:
        table = {k: v.replace("{runs}", str(runs)) if isinstance(v, str) else v for k, v in table.items()}
    return {"profile": profile, **table}


def cell_timeout(profile: str) -> int:
    return int(get(profile).get("cell_timeout", 900))


def notebook_tables(profile: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in get(profile).items() if k not in _GLOBAL_KEYS}
