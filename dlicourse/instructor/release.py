"""One source per notebook: `solutions/` is written by hand, `labs/` is generated from it.

A solution region is a run of lines between `### BEGIN SOLUTION` and `### END SOLUTION` (an optional
hint may follow BEGIN), or a whole code cell tagged `solution`. In the lab, each region becomes a
FIXME placeholder that keeps the code's shape: every name the region assigns is still assigned, to
FIXME, so the cells after it read the same and the learner sees exactly what to produce. A region that
opens with a `### STUB` block gets that stub instead (see `dlicourse.solutions`).
"""

from __future__ import annotations

import ast
import copy
import textwrap
from pathlib import Path

import nbformat
import nbstripout

from dlicourse import files
from dlicourse.paths import project_root
from dlicourse.solutions import BEGIN, END, split_stub

SOLUTION_TAG = "solution"
CHECK_TAG = "nbval-check-output"
DEFAULT_HINT = "replace FIXME with your code"


class ReleaseError(Exception):
    """A solution file whose regions cannot be turned into a lab."""


def _flat_targets(target: ast.expr) -> list[ast.expr]:
    """`a, (b, *c)` as `a`, `b`, `c`: a placeholder unpacked from one FIXME would fail before its check."""
    if isinstance(target, ast.Tuple | ast.List):
        return [leaf for element in target.elts for leaf in _flat_targets(element)]
    return _flat_targets(target.value) if isinstance(target, ast.Starred) else [target]


def assigned_names(code: str) -> list[str]:
    """Targets of the top-level assignments in `code`, unpacked, in order, each once."""
    try:
        tree = ast.parse(textwrap.dedent(code))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else (
            [node.target] if isinstance(node, ast.AnnAssign | ast.AugAssign) else [])
        for target in (leaf for t in targets for leaf in _flat_targets(t)):
            text = ast.unparse(target)
            if text not in names:
                names.append(text)
    return names


def placeholder(region: list[str], indent: str, hint: str) -> list[str]:
    code = "\n".join(region)
    lines = [f"{indent}# FIXME: {hint or DEFAULT_HINT}"]
    names = assigned_names(code)
    if names:
        lines += [f"{indent}{name} = FIXME" for name in names]
    else:
        lines.append(f"{indent}FIXME" + ("," if code.rstrip().endswith(",") else ""))
    return lines


def _lab_region(region: list[str], indent: str, hint: str, origin: str) -> list[str]:
    """The region's hand-written stub where it has one (it must be valid Python), else its placeholder."""
    try:
        stub, code = split_stub(region)
        if stub is not None:
            ast.parse(textwrap.dedent("\n".join(stub)))
    except (ValueError, SyntaxError) as err:
        raise ReleaseError(f"{origin}: the solution's stub is broken: {err}") from None
    if stub is None:
        return placeholder(code, indent, hint)
    return [f"{indent}# FIXME: {hint or DEFAULT_HINT}", *stub]


def strip_regions(source: str, origin: str) -> str:
    """`source` with each solution region replaced by its placeholder."""
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        begin = BEGIN.match(lines[i])
        if not begin:
            if END.match(lines[i]):
                raise ReleaseError(f"{origin}: '### END SOLUTION' without a BEGIN (line {i + 1})")
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not END.match(lines[j]):
            if BEGIN.match(lines[j]):
                raise ReleaseError(f"{origin}: a solution region opens inside another (line {j + 1})")
            j += 1
        if j == len(lines):
            raise ReleaseError(f"{origin}: '### BEGIN SOLUTION' on line {i + 1} is never closed")
        out += _lab_region(lines[i + 1 : j], begin["indent"], begin["hint"], f"{origin} (line {i + 1})")
        i = j + 1
    return "\n".join(out) + ("\n" if source.endswith("\n") else "")


def _first_comment(source: str) -> str:
    for line in source.splitlines():
        if line.strip().startswith("#"):
            return line.strip().lstrip("#").strip()
    return ""


def lab_cell_source(cell: nbformat.NotebookNode, origin: str) -> str:
    if SOLUTION_TAG in cell.metadata.get("tags", []):
        return "\n".join(placeholder(cell.source.splitlines(), "", _first_comment(cell.source)))
    return strip_regions(cell.source, origin)


def clean_solution(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip every output except the text of cells marked for nbval comparison."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []):
            cell.metadata["keep_output"] = True
            cell.outputs = [o for o in cell.outputs if _is_text(o)]
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.data = {"text/plain": output.data["text/plain"]}
                    output.metadata = {}
    nb = nbstripout.strip_output(nb, keep_output=False, keep_count=False, keep_id=True,
                                 extra_keys=["metadata.papermill", "cell.metadata.papermill",
                                             "cell.metadata.execution"])
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    for number, cell in enumerate(code_cells, start=1):
        if cell.metadata.pop("keep_output", None) and cell.outputs:
            # nbval compares only cells that were run; a stable count (the cell's position) says so
            cell.execution_count = number
            for output in cell.outputs:
                if output.output_type == "execute_result":
                    output.execution_count = number
    return nb


def _is_text(output: nbformat.NotebookNode) -> bool:
    if output.output_type == "stream":
        return output.name == "stdout"
    return output.output_type == "execute_result" and "text/plain" in output.get("data", {})


def lab_notebook(solution: nbformat.NotebookNode, origin: str) -> nbformat.NotebookNode:
    lab = clean_solution(solution)
    for cell in lab.cells:
        if cell.cell_type == "code":
            cell.source = lab_cell_source(cell, origin)
            cell.outputs = []
    lab.metadata["dlicourse"] = {"generated_from": origin, "edit": "edit the solution, then dlicourse release"}
    return lab


def adopt_outputs(solution: nbformat.NotebookNode, executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Take the expected outputs of the marked cells from an executed copy (matched by cell id)."""
    by_id = {c.get("id"): c for c in executed.cells}
    solution = copy.deepcopy(solution)
    for cell in solution.cells:
        if cell.cell_type == "code" and CHECK_TAG in cell.metadata.get("tags", []) and cell.id in by_id:
            cell.outputs = copy.deepcopy(by_id[cell.id].outputs)
    return clean_solution(solution)


def _sources(root: Path) -> list[Path]:
    folder = root / "solutions"
    return sorted(p for p in folder.iterdir() if p.suffix in (".ipynb", ".py") and p.is_file())


def _render(solution_path: Path, root: Path) -> tuple[str, str]:
    """The clean solution text and the lab text that `solution_path` should have."""
    origin = str(solution_path.relative_to(root))
    if solution_path.suffix == ".py":
        text = solution_path.read_text()
        return text, strip_regions(text, origin)
    try:
        nb = nbformat.read(solution_path, as_version=4)
    except Exception as err:
        raise ReleaseError(f"{origin} is not a readable notebook: {err}") from None
    clean = nbformat.writes(clean_solution(nb)) + "\n"
    return clean, nbformat.writes(lab_notebook(nb, origin)) + "\n"


def release(root: Path | None = None, check: bool = False, expect_from: Path | None = None) -> list[str]:
    """Write `labs/` (and clean `solutions/`); with `check`, write nothing and list what differs."""
    root = root or project_root()
    problems = []
    for path in _sources(root):
        if expect_from is not None and path.suffix == ".ipynb":
            executed = expect_from / path.name
            if executed.exists():
                nb = adopt_outputs(nbformat.read(path, as_version=4), nbformat.read(executed, as_version=4))
                files.write_text(path, nbformat.writes(nb) + "\n")
        clean, lab = _render(path, root)
        lab_path = root / "labs" / path.name
        if check:
            if path.read_text() != clean:
                problems.append(f"solutions/{path.name} has stored outputs beyond its marked cells "
                                "(run: dlicourse release)")
            if not lab_path.exists() or lab_path.read_text() != lab:
                problems.append(f"labs/{path.name} differs from what solutions/{path.name} makes "
                                "(run: dlicourse release)")
            continue
        if path.read_text() != clean:
            files.write_text(path, clean)
        if not lab_path.exists() or lab_path.read_text() != lab:
            files.write_text(lab_path, lab)
    if check:
        expected = {p.name for p in _sources(root)}
        problems += [f"labs/{p.name} has no source in solutions/ (delete it)"
                     for p in sorted((root / "labs").glob("*")) if p.is_file() and p.name not in expected]
    return problems
