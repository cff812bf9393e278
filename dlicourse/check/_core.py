"""The verdict that every check returns, and the first test each makes: is it filled in at all?"""

from __future__ import annotations

from dataclasses import dataclass

from dlicourse.placeholders import is_placeholder


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        """Shown once, when the check prints it, not again as the cell's value."""


def verdict(passed: bool, message: str) -> Verdict:
    result = Verdict(passed, message)
    print(("✅ " if passed else "❌ ") + message)
    return result


def missing(**values: object) -> Verdict | None:
    """A failing verdict naming the first value still left as FIXME, or None when all are filled in."""
    for name, value in values.items():
        if is_placeholder(value):
            return verdict(False, f"`{name}` is still FIXME: replace it with your code and run the cell.")
    return None


def failure(err: BaseException) -> str:
    """A learner's exception in one line for a verdict: its type and the first line of its message."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__
