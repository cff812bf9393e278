"""Each lab's lesson targets: the figures its last cell holds the run to.

They live in `lessons.toml`, not in the learner's parameters cell: a learner's settings are for
trying things, the targets are the workshop's claim. A profile that trains less expects less, so the
targets depend on the profile that ran the notebook (its `profile` parameter).
"""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from types import SimpleNamespace
from typing import Any

BASE_PROFILE = "workshop"


@functools.cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    return tomllib.loads(resources.files("dlicourse").joinpath("lessons.toml").read_text(encoding="utf-8"))


def targets(notebook: str, profile: str = BASE_PROFILE) -> SimpleNamespace:
    """The targets of `notebook` under `profile`: the workshop's, with the profile's own where it has any."""
    table = _table()
    if notebook not in table:
        raise KeyError(f"no lesson targets for {notebook!r}; labs with targets: {', '.join(table)}")
    own = table[notebook]
    return SimpleNamespace(**{**own.get(BASE_PROFILE, {}), **own.get(profile, {})})
