"""One notebook run as a self-contained task: what a local process or a Dask worker executes.

The task carries the notebook and its parameters; the outcome carries everything back (the executed
notebook, the files the notebook wrote, its figures, each cell's time and how it ended), so the machine
that asked writes the results itself, whichever machine ran the kernel. A failed cell is an outcome, not
an exception: only a lost worker makes the task fail, which is the one failure worth retrying elsewhere.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlicourse import figures
from dlicourse.environment import thread_limits
from dlicourse.lessons import BATCH_ENV
from dlicourse.quiet import NOISE, quiet_stderr

# How a run ended. A missed lesson is a result; the last four are failures, each with its exit status.
OK, LESSON_HELD, LESSON_MISSED = "ok", "lesson held", "lesson missed"
CELL_ERROR, CELL_TIMEOUT, DEAD_KERNEL, NO_KERNEL = "cell error", "cell timeout", "dead kernel", "kernel did not start"
_LESSON_ERRORS = {"AssertionError", figures.LessonMissed.__name__}
_PAPERMILL_CHATTER = re.compile(r"^(Executing|Ending Cell|Input Notebook|Output Notebook|Black is not|Working dir)")
_NO_START = re.compile(r"kernel_info|Kernel didn't respond|No such kernel|NoSuchKernel|failed to start", re.I)
MAX_FILES_MB = 512  # what one run may send back; a notebook writing more should write elsewhere


@dataclass(frozen=True)
class NotebookTask:
    name: str  # the notebook's stem, for messages
    source: str  # the notebook, as JSON text
    parameters: dict[str, Any]  # everything but output_dir, which the worker sets
    timeout: int  # seconds one cell may run
    cwd: str  # the notebook's folder on the machine that asked (used where it exists)
    threads: int | None = None  # cores the kernel may use


@dataclass
class Outcome:
    status: str
    notebook: bytes = b""
    files: dict[str, bytes] = field(default_factory=dict)  # output_dir's files, by relative path
    figures: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    message: str | None = None
    cells: list[tuple[str, float]] = field(default_factory=list)  # (cell label, seconds) in order

    @property
    def failed(self) -> bool:
        return self.status in (CELL_ERROR, CELL_TIMEOUT, DEAD_KERNEL, NO_KERNEL)


def limit_threads(threads: int | None) -> None:
    """Give kernels started from this process `threads` cores' worth of threads (they inherit the env)."""
    if threads:
        os.environ.update(thread_limits(threads))


def execute_task(task: NotebookTask, shared: object = None) -> Outcome:
    """Run the notebook once, again once if its kernel did not start; never raises for what a cell does."""
    limit_threads(task.threads)
    outcome = _execute_once(task)
    if outcome.status == NO_KERNEL:
        logging.getLogger("dlicourse.run").warning("[%s] the kernel did not start; trying once more", task.name)
        outcome = _execute_once(task)
    return outcome


def _execute_once(task: NotebookTask) -> Outcome:
    import papermill

    root = Path(tempfile.mkdtemp(prefix="dlicourse-run-"))
    out, source, executed = root / "out", root / "notebook.ipynb", root / "executed.ipynb"
    source.write_text(task.source, encoding="utf-8")
    cwd = task.cwd if Path(task.cwd).is_dir() else str(root)
    parameters = {**task.parameters, "output_dir": str(out)}
    handler = _attach_log(task.name)
    os.environ[BATCH_ENV] = "1"  # the kernel inherits it: a lesson that misses fails the run, not only says so
    began = time.perf_counter()
    try:
        with quiet_stderr():
            papermill.execute_notebook(str(source), str(executed), parameters=parameters, progress_bar=False,
                                       log_output=True, execution_timeout=task.timeout, cwd=cwd,
                                       kernel_name="python3")
        outcome = Outcome(OK)
    except Exception as err:  # noqa: BLE001 - every way a run ends is reported as an outcome
        outcome = _classify(err, task.timeout, executed)
    finally:
        _detach_log(handler)
    outcome.seconds = time.perf_counter() - began
    try:
        _collect(outcome, executed, out)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return outcome


def _classify(err: Exception, timeout: int, executed: Path) -> Outcome:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    cell = _failing_cell(executed)
    where = f"cell {cell}" if cell else "a cell"
    if isinstance(err, PapermillExecutionError):
        text = f"{err.ename}: {err.evalue.strip()}"
        if err.ename in _LESSON_ERRORS and _is_lesson_cell(executed, err.exec_count):
            return Outcome(LESSON_MISSED, message=f"the lesson did not hold: {text}")
        return Outcome(CELL_ERROR, message=f"cell error in {where}: {text}")
    if isinstance(err, CellTimeoutError | TimeoutError):
        return Outcome(CELL_TIMEOUT, message=f"cell timeout: {where} ran past {timeout} s")
    if _NO_START.search(f"{type(err).__name__} {err}") and not executed.exists():
        return Outcome(NO_KERNEL, message=f"the kernel did not start: {type(err).__name__}: {err}")
    if isinstance(err, DeadKernelError) or "died" in str(err).lower():
        return Outcome(DEAD_KERNEL, message=f"dead kernel in {where} (out of memory?): {err}")
    return Outcome(CELL_ERROR, message=f"the run stopped in {where}: {type(err).__name__}: {err}")


def _read(executed: Path) -> dict[str, Any] | None:
    try:
        return json.loads(executed.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    """The notebook's own code cells (papermill's injected parameters cell and error notes left out)."""
    return [c for c in nb.get("cells", []) if c.get("cell_type") == "code"
            and "injected-parameters" not in c.get("metadata", {}).get("tags", [])]


def _label(number: int, cell: dict[str, Any]) -> str:
    """`12 (history = model.fit(...)`: the cell's place among code cells and its first line of code."""
    source = "".join(cell.get("source", ""))
    first = next((line.strip() for line in source.splitlines() if line.strip() and not line.startswith("#")), "")
    return f"{number} ({first[:50]})"


def _failing_cell(executed: Path) -> str | None:
    """The cell with an error, else the last one started (a timeout or a dead kernel stops the run there)."""
    cells = list(enumerate(_code_cells(_read(executed) or {}), 1))
    for number, cell in cells:
        if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return _label(number, cell)
    started = [(n, c) for n, c in cells if c.get("metadata", {}).get("papermill", {}).get("start_time")]
    return _label(*started[-1]) if started else None


def _is_lesson_cell(executed: Path, exec_count: int | None) -> bool:
    for cell in _code_cells(_read(executed) or {}):
        if cell.get("execution_count") == exec_count and exec_count is not None:
            return figures.is_lesson_cell(cell)
    return False


def _collect(outcome: Outcome, executed: Path, out: Path) -> None:
    """Bring back the executed notebook, every file in output_dir, the figures and each cell's time."""
    if executed.exists():
        outcome.notebook = executed.read_bytes()
        nb = _read(executed) or {}
        outcome.cells = [(_label(n, c), float(c.get("metadata", {}).get("papermill", {}).get("duration") or 0.0))
                         for n, c in enumerate(_code_cells(nb), 1)]
    outcome.figures = figures.read(out)
    total = 0
    for path in sorted(p for p in out.rglob("*") if p.is_file()) if out.is_dir() else []:
        total += path.stat().st_size
        if total > MAX_FILES_MB << 20:
            outcome.message = (outcome.message or "") + f" (outputs past {MAX_FILES_MB} MB were not brought back)"
            break
        outcome.files[str(path.relative_to(out))] = path.read_bytes()


class _CellOutput(logging.Filter):
    """One log line per printed line, prefixed with the notebook: a progress bar redrawn with \\r or \\b
    (Keras's, once per batch) becomes the one line it ends as, so an epoch stays one line."""

    def __init__(self, notebook: str):
        super().__init__()
        self.notebook = notebook
        self.pending = ""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _PAPERMILL_CHATTER.match(message):
            return False
        text = self.pending + message
        if not text.endswith("\n") and ("\r" in text or "\b" in text):
            *done, self.pending = text.split("\n")  # a bar still being drawn waits for its end
        else:
            done, self.pending = text.split("\n"), ""
        lines = [_settled(line) for line in done]
        lines = [line for line in lines if line.strip() and not NOISE.match(line)]
        record.msg, record.args = "\n".join(f"[{self.notebook}] {line}" for line in lines), None
        return bool(lines)


def _settled(line: str) -> str:
    """What a terminal would show for `line`: the text after its last carriage return, backspaces applied."""
    line = line.rstrip("\r").split("\r")[-1]
    shown: list[str] = []
    for char in line:
        if char == "\b":
            if shown:
                shown.pop()
        else:
            shown.append(char)
    return "".join(shown).rstrip()


def _attach_log(name: str) -> logging.Handler:
    papermill_log = logging.getLogger("papermill")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_CellOutput(name))
    papermill_log.addHandler(handler)
    papermill_log.propagate = False
    papermill_log.setLevel(logging.INFO)  # a Dask worker's root logger would drop the cells' output
    return handler


def _detach_log(handler: logging.Handler) -> None:
    papermill_log = logging.getLogger("papermill")
    papermill_log.removeHandler(handler)
    papermill_log.propagate = True
    papermill_log.setLevel(logging.NOTSET)
