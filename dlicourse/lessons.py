"""Each lab's lesson targets: the figures its last cell holds the run to.

They live in `lessons.toml`, not in the learner's parameters cell: a learner's settings are for
trying things, the targets are this course's claim (NVIDIA's workshop printed none of them). A profile
that trains less expects less, so the targets depend on the profile that ran the notebook (its `profile`
parameter).
"""

from __future__ import annotations

import functools
import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from types import SimpleNamespace
from typing import Any

from dlicourse.figures import LessonMissed, write_lesson

BASE_PROFILE = "workshop"


@functools.cache
def _table() -> dict[str, dict[str, dict[str, Any]]]:
    return tomllib.loads(resources.files("dlicourse").joinpath("lessons.toml").read_text(encoding="utf-8"))


def targets(notebook: str, profile: str = BASE_PROFILE) -> SimpleNamespace:
    """The targets of `notebook` under `profile`: the workshop profile's, with the profile's own where it has any."""
    table = _table()
    if notebook not in table:
        raise KeyError(f"no lesson targets for {notebook!r}; labs with targets: {', '.join(table)}")
    own = table[notebook]
    return SimpleNamespace(**{**own.get(BASE_PROFILE, {}), **own.get(profile, {})})


BATCH_ENV = "DLICOURSE_BATCH"  # set to 1 by `dlicourse run` and the notebook tests: a miss fails the run
KIND_NOTE = ("Some of your numbers miss the course's targets. If you changed a setting (a \"try next\", "
             "fewer photos, another rate), that is expected: the numbers move with it, and that is worth "
             "seeing. To see the lesson, put the parameters cell back and run all cells again.")


class Held:
    """Whether the lesson held: truthy or not, and shown as nothing when a cell ends with the call (the
    table has said it already)."""

    def __init__(self, held: bool):
        self.held = held

    def __bool__(self) -> bool:
        return self.held

    def _ipython_display_(self) -> None:
        """Nothing: the table above is the answer."""


def batch_run() -> bool:
    """True under `dlicourse run` or the tests ($DLICOURSE_BATCH=1), or outside a Jupyter kernel."""
    if os.environ.get(BATCH_ENV) == "1":
        return True
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is None


def rows(notebook: str, profile: str, figures: Mapping[str, float],
         claims: Mapping[str, bool]) -> list[tuple[str, str, str, bool]]:
    """(what, yours, the course's target, held) per figure and per claim. A figure `x` is held to the targets
    `min_x` and `max_x`; a claim is a comparison the notebook made itself."""
    goal = vars(targets(notebook, profile))
    out = []
    for name, value in figures.items():
        low, high = goal.get(f"min_{name}"), goal.get(f"max_{name}")
        if low is None and high is None:
            raise KeyError(f"{notebook} has no target min_{name} or max_{name} in lessons.toml")
        wanted = " and ".join(f"{sign} {bound:.4g}" for sign, bound in (("≥", low), ("≤", high)) if bound is not None)
        held = (low is None or value >= low) and (high is None or value <= high)
        out.append((name.replace("_", " "), f"{value:.4g}", wanted, bool(held)))
    out += [(what, "yes" if held else "no", "yes", bool(held)) for what, held in claims.items()]
    return out


def lesson(notebook: str, profile: str = BASE_PROFILE, claims: Mapping[str, bool] | None = None,
           **figures: float) -> Held:
    """Show this run's figures beside the course's targets as a table; True when every line holds.

    `figures` are named for their targets (`big_heldout_accuracy=0.96` is held to
    `min_big_heldout_accuracy`), `claims` are comparisons the notebook made ("more data is better": a > b).
    A miss raises `LessonMissed` in a batch run (so CI fails) and explains kindly in Jupyter."""
    table = rows(notebook, profile, figures, claims or {})
    goal = vars(targets(notebook, profile))
    write_lesson({"notebook": notebook, "profile": profile, "held": all(held for *_, held in table),
                  "figures": {name: {"value": float(value), "min": goal.get(f"min_{name}"),
                                     "max": goal.get(f"max_{name}")} for name, value in figures.items()},
                  "claims": {what: bool(held) for what, held in (claims or {}).items()}})
    width = max(len(what) for what, *_ in table)
    # a word first, then the symbol: where no emoji font draws them, ✅ and ❌ are the same empty box
    lines = [f"{'':9} {'':{width}}  {'yours':>8}  the course's target", *(
        f"{'held' if held else 'missed':6} {'✅' if held else '❌'} {what:{width}}  {yours:>8}  {wanted}"
        for what, yours, wanted, held in table)]
    print("\n".join(lines))
    missed = [what for what, *_, held in table if not held]
    if not missed:
        print("The lesson holds.")
        return Held(True)
    if batch_run():
        raise LessonMissed(f"{notebook} ({profile}): the lesson does not hold for {', '.join(missed)}")
    print(KIND_NOTE)
    return Held(False)
