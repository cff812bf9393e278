"""The verdict that every check returns, and the first test each makes: is it filled in at all?

A verdict reads in words first: "Right:", "Not yet:" or "Not attempted yet:", then what to look at. The
✅ and ❌ after the word are decoration only, so the line still reads where no emoji font draws them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlicourse.placeholders import NOT_ATTEMPTED, FixmeError, is_placeholder

RIGHT, NOT_YET = "Right", "Not yet"


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str  # the whole line, as the learner reads it
    attempted: bool = True  # False while a FIXME is still there: the check then stops the notebook

    def __bool__(self) -> bool:
        return self.passed

    def _ipython_display_(self) -> None:
        """Shown once, when the check prints it, not again as the cell's value."""


class NotAttempted(FixmeError):
    """An exercise whose FIXME is still there. Its check raises it, so that *Run All* stops at the first
    unfinished exercise; IPython shows only the message (`FixmeError._render_traceback_`)."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def verdict(passed: bool, text: str) -> Verdict:
    """A right or not-yet verdict, printed as one line: the word, its symbol, then `text`."""
    message = f"{RIGHT}: ✅ {text}" if passed else f"{NOT_YET}: ❌ {text}"
    print(message)
    return Verdict(passed, message)


def not_attempted(text: str) -> Verdict:
    """The verdict while a FIXME is still there; the check's `exercise` wrapper raises it as `NotAttempted`."""
    return Verdict(False, f"{NOT_ATTEMPTED}: {text}", attempted=False)


def missing(**values: object) -> Verdict | None:
    """A not-attempted verdict naming the first value still left as FIXME, or None when all are filled in."""
    for name, value in values.items():
        if is_placeholder(value):
            return not_attempted(f"`{name}` is still FIXME: replace it with your code and run this cell.")
    return None


def failure(err: BaseException) -> str:
    """A learner's exception in one line for a verdict: its type and the first line of its message."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0]}" if text else type(err).__name__


def described(value: object) -> str:
    """A learner's value named briefly for a message: its type, and its text when that is short."""
    text = " ".join(repr(value).split())
    kind = type(value).__name__
    article = "an" if kind[:1].lower() in "aeiou" else "a"
    return f"{article} {kind} ({text})" if len(text) <= 40 else f"{article} {kind}"
