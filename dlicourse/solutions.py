"""The markers in `solutions/*.ipynb` that `dlicourse release` and `check.X.solution()` both read.

A solution region runs from `### BEGIN SOLUTION` (an optional hint may follow) to `### END SOLUTION`.
Where `name = FIXME` would lose the shape of an exercise (a loop, build → apply → copy), the region may
open with a hand-written stub between `### STUB` and `### END STUB`, each line commented out with `# `:
the lab gets the stub instead of the FIXME lines, and the solution runs the code below it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

BEGIN = re.compile(r"^(?P<indent>\s*)### BEGIN SOLUTION\b[:\s]*(?P<hint>.*?)\s*$")
END = re.compile(r"^\s*### END SOLUTION\s*$")
STUB = re.compile(r"^\s*### STUB\s*$")
END_STUB = re.compile(r"^\s*### END STUB\s*$")


def split_stub(region: list[str]) -> tuple[list[str] | None, list[str]]:
    """A region's stub (uncommented, or None) and its solution code."""
    if not region or not STUB.match(region[0]):
        return None, region
    end = next((i for i, line in enumerate(region) if END_STUB.match(line)), None)
    if end is None:
        raise ValueError("'### STUB' is never closed by '### END STUB'")
    stub = [re.sub(r"^(\s*)# ?", r"\1", line, count=1) if line.strip() else line for line in region[1:end]]
    return stub, region[end + 1:]


def regions(source: str) -> list[list[str]]:
    """The solution code (stubs left out) of each region in one cell's source."""
    found, current = [], None
    for line in source.splitlines():
        if BEGIN.match(line):
            current = []
        elif END.match(line) and current is not None:
            found.append(split_stub(current)[1])
            current = None
        elif current is not None:
            current.append(line)
    return found


def solution_of(notebook: Path, call: str) -> str:
    """The solution code of the exercise cell in `notebook` that contains `call` (e.g. `check.inverted(`)."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and call in source and (found := regions(source)):
            return "\n\n".join("\n".join(region) for region in found)
    raise LookupError(f"{notebook.name} has no exercise cell that calls {call}")
