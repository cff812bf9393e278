"""Help beside each check: `check.X.hint()` one step at a time, `check.X.solution()` from the solution source.

A learner stuck on an exercise should get the next step, not the answer; the answer when they ask for it,
taken from the same solution notebook the lab was made from, so it can never drift from the lab.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from dlicourse.paths import solutions_dir
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


def exercise(notebook: str, *hints: str) -> Callable[[F], F]:
    """Give a check its `.hint()` and `.solution()`; `notebook` is the lab whose exercise it checks."""

    def attach(check: F) -> F:
        check.hint = Hints(check.__name__, hints)
        check.solution = lambda: show_solution(notebook, check.__name__)
        return check

    return attach
