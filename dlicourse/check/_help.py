"""Help beside each check: `check.X.hint()` one step at a time, `check.X.solution()` from the solution source.

A learner stuck on an exercise should get the next step, not the answer; the answer when they ask for it,
taken from the same solution notebook the lab was made from, so it can never drift from the lab.

`exercise` also makes an unfinished exercise stop the notebook: while a FIXME is still there the check
raises `NotAttempted`, whose one-line message names the exercise and how to ask for a hint, so that
*Run All* stops at the first exercise left to do instead of failing a few cells later.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TypeVar

from dlicourse.check._core import NotAttempted, Verdict
from dlicourse.paths import solutions_dir
from dlicourse.placeholders import NOT_ATTEMPTED
from dlicourse.solutions import solution_of

F = TypeVar("F", bound=Callable)


class Hints:
    """Each call prints the next hint; after the last, it says where the solution is."""

    def __init__(self, name: str, hints: Sequence[str]):
        self.name, self.hints, self.given = name, list(hints), 0

    def __call__(self) -> None:
        if self.given >= len(self.hints):
            print(f"That was the last hint. `check.{self.name}.solution()` shows the solution.")
            return
        self.given += 1
        print(f"Hint {self.given} of {len(self.hints)}: {self.hints[self.given - 1]}")


def show_solution(notebook: str, name: str) -> None:
    """Print the solution of the exercise checked by `check.<name>` in `notebook`."""
    path = solutions_dir() / f"{notebook}.ipynb"
    if not path.is_file():
        print(f"The solutions are not in this copy of the course ({path} is missing): ask your instructor.")
        return
    print(f"One solution (from solutions/{path.name}):\n")
    print(solution_of(path, f"check.{name}("))


def exercise(notebook: str, *hints: str, title: str) -> Callable[[F], F]:
    """Give a check its `.hint()` and `.solution()`; `notebook` is the lab whose exercise it checks and `title`
    that exercise's heading in the lab. A not-attempted verdict is raised as `NotAttempted`."""

    def attach(check: F) -> F:
        @functools.wraps(check)
        def checked(*args: object, **kwargs: object) -> Verdict:
            result = check(*args, **kwargs)
            if not result.attempted:
                text = result.message.removeprefix(f"{NOT_ATTEMPTED}: ")
                raise NotAttempted(Verdict(False, f"{NOT_ATTEMPTED}: “{title}”. {text} Stuck? "
                                                  f"`check.{check.__name__}.hint()` gives a hint.", attempted=False))
            return result

        checked.hint = Hints(check.__name__, hints)
        checked.solution = lambda: show_solution(notebook, check.__name__)
        checked.notebook, checked.title = notebook, title
        return checked

    return attach
