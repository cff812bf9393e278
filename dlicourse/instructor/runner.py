"""Headless notebook runs with papermill: profiles, parameter grids, and the figures they record."""

from __future__ import annotations

import csv
import io as stdio
import itertools
import logging
import os
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlicourse import figures, files
from dlicourse.instructor import profiles
from dlicourse.instructor.parameters import checked as checked_types
from dlicourse.instructor.quiet import NOISE, quiet_stderr
from dlicourse.paths import solutions_dir
from dlicourse.tables import markdown

log = logging.getLogger("dlicourse.run")

# papermill narrates its own progress at INFO; a batch log should hold only what the cells print.
_PAPERMILL_CHATTER = re.compile(r"^(Executing|Ending Cell|Input Notebook|Output Notebook|Black is not|Working dir)")


class RunError(Exception):
    """A mistake in what was asked (a name, a value): reported in one line, nothing is run."""


@dataclass
class Result:
    notebook: str
    parameters: dict[str, Any]
    executed: Path
    seconds: float
    figures: dict[str, float] = field(default_factory=dict)
    error: str | None = None


def resolve(names: list[str]) -> list[Path]:
    """Notebook paths from names such as `03_mnist`, `03`, or a path; none means every solution."""
    available = sorted(solutions_dir().glob("[0-9][0-9]_*.ipynb"))
    if not names:
        return available
    found = []
    for name in names:
        path = Path(name)
        if path.suffix == ".ipynb" and path.exists():
            found.append(path.resolve())
            continue
        matches = [p for p in available if p.stem == name or p.stem.split("_")[0] == name]
        if len(matches) != 1:
            choices = ", ".join(p.stem for p in available) or "(none found)"
            raise RunError(f"unknown notebook {name!r}; choose from: {choices}")
        found.append(matches[0])
    return found


def parse_value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_assignments(items: list[str]) -> dict[str, list[Any]]:
    """`NAME=VALUE` pairs; a comma-separated VALUE is a list of values to run as a grid."""
    parsed: dict[str, list[Any]] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier() or not value.strip():
            raise RunError(f"malformed parameter {item!r}; write NAME=VALUE or NAME=V1,V2,V3")
        parsed[name] = [parse_value(v) for v in value.split(",")]
    return parsed


def notebook_parameters(path: Path) -> dict[str, Any]:
    import papermill

    papermill_log = logging.getLogger("papermill")
    level = papermill_log.level
    papermill_log.setLevel(logging.WARNING)  # it announces every notebook it opens
    try:
        return papermill.inspect_notebook(str(path))
    finally:
        papermill_log.setLevel(level)


def check_names(path: Path, names: list[str]) -> None:
    accepted = notebook_parameters(path)
    unknown = [n for n in names if n not in accepted]
    if unknown:
        raise RunError(
            f"{path.stem} has no parameter {', '.join(unknown)}; it accepts: {', '.join(sorted(accepted))}"
        )


def grid(assignments: dict[str, list[Any]]) -> list[dict[str, Any]]:
    names = list(assignments)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*assignments.values())]


def slug(parameters: dict[str, Any]) -> str:
    text = "_".join(f"{k}-{v}" for k, v in parameters.items())
    return re.sub(r"[^A-Za-z0-9.\-_]+", "", text) or "default"


class _CellOutput(logging.Filter):
    def __init__(self, notebook: str):
        super().__init__()
        self.notebook = notebook

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _PAPERMILL_CHATTER.match(message):
            return False
        lines = [line for line in message.rstrip().splitlines() if line.strip() and not NOISE.match(line)]
        record.msg, record.args = "\n".join(f"[{self.notebook}] {line}" for line in lines), None
        return bool(lines)


def execute(path: Path, executed: Path, parameters: dict[str, Any], timeout: int) -> float:
    """Run one notebook into `executed`; a failed run is kept beside it as `*.failed.ipynb`."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    papermill_log = logging.getLogger("papermill")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_CellOutput(path.stem))
    papermill_log.addHandler(handler)
    papermill_log.propagate = False
    failed = executed.with_suffix(".failed.ipynb")
    failed.unlink(missing_ok=True)
    began = time.perf_counter()
    os.environ["DLICOURSE_BATCH"] = "1"  # the kernel inherits it: a lesson that misses fails the run
    try:
        with quiet_stderr(), files.atomic_path(executed) as partial:
            try:
                papermill.execute_notebook(
                    str(path), str(partial), parameters=parameters, progress_bar=False, log_output=True,
                    execution_timeout=timeout, cwd=str(path.parent), kernel_name="python3",
                )
            except PapermillExecutionError as err:
                os.replace(partial, failed)
                raise RunError(
                    f"{path.stem} failed in cell [{err.exec_count}]: {err.ename}: {err.evalue.strip()} "
                    f"(executed notebook: {failed})"
                ) from None
            except TimeoutError as err:
                if partial.exists():
                    os.replace(partial, failed)
                raise RunError(f"{path.stem} stopped: a cell ran past {timeout} s ({err})") from None
    finally:
        papermill_log.removeHandler(handler)
        papermill_log.propagate = True
    return time.perf_counter() - began


def run_one(path: Path, profile: str, overrides: dict[str, Any], executed: Path, output_dir: Path,
            runs: Path) -> Result:
    """Run one notebook; `runs` holds the other notebooks' outputs of this profile (see `profiles`)."""
    output_dir = output_dir.resolve()
    parameters = {**profiles.parameters(profile, path.stem, runs.resolve()), **overrides,
                  "output_dir": str(output_dir)}
    result = Result(path.stem, overrides, executed, 0.0)
    try:
        result.seconds = execute(path, executed, parameters, profiles.cell_timeout(profile))
    except RunError as err:
        result.error = str(err)
        return result
    result.figures = figures.read(output_dir)
    return result


def run(names: list[str], profile: str, assignments: dict[str, list[Any]], runs_dir: Path) -> list[Result]:
    """Run notebooks with a profile; a list-valued parameter runs every combination as a grid."""
    try:
        profiles.get(profile)
    except KeyError as err:
        raise RunError(err.args[0]) from None
    paths = resolve(names)
    for path in paths:
        check_names(path, list(assignments))
        check_names(path, list(profiles.notebook_tables(profile).get(path.stem, {})))
    assignments = checked_types(paths, assignments)  # `-p epochs=abc` stops here, before any kernel starts
    base = runs_dir / profile
    is_grid = any(len(values) > 1 for values in assignments.values())
    results = []
    for path in paths:
        if is_grid:
            results += run_grid(path, profile, assignments, base)
        else:
            overrides = {k: v[0] for k, v in assignments.items()}
            result = run_one(path, profile, overrides, base / f"{path.stem}.ipynb", base / path.stem, base)
            results.append(result)
            if not result.error:
                figures.add_to_summary(base, result.notebook, result.figures, result.seconds)
        log_result(results[-1])
    return results


def run_grid(path: Path, profile: str, assignments: dict[str, list[Any]], base: Path) -> list[Result]:
    folder = base / f"{path.stem}-grid"
    results = []
    for combo in grid(assignments):
        name = slug(combo)
        log.info("[%s] grid point %s", path.stem, name)
        results.append(run_one(path, profile, combo, folder / f"{name}.ipynb", folder / name, base))
    write_table(base / f"{path.stem}-grid", results)
    return results


def rows(results: list[Result]) -> tuple[list[str], list[dict[str, Any]]]:
    parameter_names = list(dict.fromkeys(k for r in results for k in r.parameters))
    figure_names = list(dict.fromkeys(k for r in results for k in r.figures))
    columns = ["notebook", *parameter_names, *figure_names, "wall_seconds", "status"]
    table = []
    for r in results:
        row = {"notebook": r.notebook, **r.parameters, **r.figures}
        row["wall_seconds"] = round(r.seconds, 1)
        row["status"] = "failed" if r.error else "ok"
        table.append(row)
    return columns, table


def write_table(stem: Path, results: list[Result]) -> None:
    columns, table = rows(results)
    buffer = stdio.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(table)
    files.write_text(stem.with_suffix(".csv"), buffer.getvalue())
    files.write_text(stem.with_suffix(".md"), markdown(columns, table))


def summary(results: list[Result]) -> str:
    """One row per recorded figure, so notebooks with different figures share one readable table."""
    lines = ["| notebook | figure | value |", "|---|---|---|"]
    for r in results:
        label = r.notebook + (f" ({slug(r.parameters)})" if r.parameters else "")
        if r.error:
            lines.append(f"| {label} | FAILED | {r.error.split(' (executed')[0]} |")
            continue
        lines += [f"| {label} | {k} | {v:.4g} |" for k, v in r.figures.items()]
        lines.append(f"| {label} | wall_seconds | {r.seconds:.1f} |")
    return "\n".join(lines) + "\n"


def log_result(result: Result) -> None:
    if result.error:
        log.error("%s", result.error)
    else:
        log.info("[%s] done in %.1f s -> %s", result.notebook, result.seconds, result.executed)
