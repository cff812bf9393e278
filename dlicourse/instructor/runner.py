"""Headless notebook runs with papermill: profiles, parameter grids, and the figures they record."""

from __future__ import annotations

import ast
import csv
import io as stdio
import itertools
import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlicourse import figures, files
from dlicourse.instructor import cache, distributed, execution, profiles
from dlicourse.instructor.parameters import checked as checked_types
from dlicourse.paths import solutions_dir
from dlicourse.tables import markdown

log = logging.getLogger("dlicourse.run")


MISSING = "missing"  # the pool or cluster lost the run twice
EXIT_STATUS = {execution.LESSON_MISSED: 1, execution.CELL_ERROR: 3, execution.CELL_TIMEOUT: 4,
               execution.DEAD_KERNEL: 5, execution.NO_KERNEL: 6, MISSING: 7}


class RunError(Exception):
    """A mistake in what was asked (a name, a value): reported in one line, nothing is run."""


@dataclass
class Result:
    notebook: str
    parameters: dict[str, Any]
    executed: Path
    seconds: float
    figures: dict[str, float] = field(default_factory=dict)
    error: str | None = None  # why this run failed; None for a finished run or a grid point's missed lesson
    status: str = "ok"  # ok, lesson held, lesson missed, or how it failed (see `execution`)
    cached: bool = False  # taken from the executed-notebook cache, not run
    cells: list[tuple[str, float]] = field(default_factory=list)  # (notebook and cell, seconds)
    grid: bool = False


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


@dataclass
class Job:
    """One notebook run to do: where its results go and what it reads from other notebooks' outputs."""

    path: Path
    overrides: dict[str, Any]  # the -p values of this run (a grid point's)
    executed: Path
    output_dir: Path
    parameters: dict[str, Any]  # everything papermill sets but output_dir
    changed: bool  # -p changes a setting of the profile's: a missed lesson is then a result
    reads: list[Path]  # other notebooks' outputs this run loads (the profile's `{runs}` values)
    grid: bool = False


# Parameters that change how a run trains but never what its lesson claims: a lesson must hold for every
# training seed, so a run with another seed that misses it fails like the profile's own.
LESSON_NEUTRAL = frozenset({"seed"})


def settings_changed(path: Path, profile: str, overrides: dict[str, Any]) -> bool:
    """Whether `overrides` set anything (but a seed) to a value other than the profile's (or the notebook's)."""
    own = {**{k: _literal(v.get("default")) for k, v in notebook_parameters(path).items()},
           **profiles.notebook_tables(profile).get(path.stem, {})}
    return any(own.get(name, object()) != value for name, value in overrides.items() if name not in LESSON_NEUTRAL)


def _literal(text: Any) -> Any:
    try:
        return ast.literal_eval(text) if isinstance(text, str) else text
    except (ValueError, SyntaxError):
        return text


def plan(path: Path, profile: str, overrides: dict[str, Any], executed: Path, output_dir: Path, runs: Path,
         is_grid: bool = False) -> Job:
    runs = runs.resolve()
    table = profiles.notebook_tables(profile).get(path.stem, {})
    reads = [Path(v.replace("{runs}", str(runs))) for k, v in table.items()
             if isinstance(v, str) and "{runs}" in v and k not in overrides]
    parameters = {**profiles.parameters(profile, path.stem, runs), **overrides}
    return Job(path, overrides, executed, output_dir.resolve(), parameters,
               settings_changed(path, profile, overrides) if overrides else False, reads, is_grid)


def run(names: list[str], profile: str, assignments: dict[str, list[Any]], runs_dir: Path, jobs: int = 1,
        scheduler: str | None = None, force: bool = False) -> list[Result]:
    """Run notebooks with a profile; a list-valued parameter runs every combination as a grid.

    Runs whose inputs are unchanged come from the cache (`force` runs them anyway); the others go to
    `jobs` local processes or the Dask cluster at `scheduler`, a notebook after those whose outputs it reads.
    """
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
    todo = []
    for path in paths:
        if is_grid:
            folder = base / f"{path.stem}-grid"
            todo += [plan(path, profile, combo, folder / f"{slug(combo)}.ipynb", folder / slug(combo), base, True)
                     for combo in grid(assignments)]
        else:
            overrides = {k: v[0] for k, v in assignments.items()}
            todo.append(plan(path, profile, overrides, base / f"{path.stem}.ipynb", base / path.stem, base))
    done: dict[int, Result] = {}
    for wave in waves(todo, base):
        done.update(zip(map(id, wave), run_wave(wave, profile, runs_dir, jobs, scheduler, force), strict=True))
    results = [done[id(job)] for job in todo]  # in the order asked, whatever order the rounds ran in
    for result in results:
        if not result.grid and not result.error:
            figures.add_to_summary(base, result.notebook, result.figures, result.seconds)
    for path in paths:
        if is_grid:
            write_table(base / f"{path.stem}-grid", [r for r in results if r.notebook == path.stem])
    return results


def waves(todo: list[Job], base: Path) -> list[list[Job]]:
    """Jobs in rounds: a notebook that reads another's outputs (02 reads 01's model) waits for its round."""
    stems = {job.path.stem for job in todo}
    def needs(job: Job) -> set[str]:
        found = set()
        for read in job.reads:
            parts = read.relative_to(base.resolve()).parts if read.is_relative_to(base.resolve()) else ()
            if parts and parts[0] in stems and parts[0] != job.path.stem:
                found.add(parts[0])
        return found
    done: set[str] = set()
    rounds, left = [], list(todo)
    while left:
        ready = [job for job in left if needs(job) <= done] or left  # a cycle cannot wait forever
        rounds.append(ready)
        left = [job for job in left if job not in ready]
        done |= {job.path.stem for job in ready}
    return rounds


def run_wave(wave: list[Job], profile: str, runs_dir: Path, jobs: int, scheduler: str | None,
             force: bool) -> list[Result]:
    """Results for one round: cached ones at once, the others from the pool or cluster, in order."""
    sources = {job.path: job.path.read_text(encoding="utf-8") for job in wave}
    threads = max(1, (os.cpu_count() or 1) // jobs) if jobs > 1 and not scheduler else None
    keys = [cache.key(sources[job.path], job.parameters, profile, job.reads, threads) for job in wave]
    outcomes: list[execution.Outcome | None] = [None if force else cache.load(runs_dir, k) for k in keys]
    missing = [i for i, o in enumerate(outcomes) if o is None]
    tasks = [execution.NotebookTask(wave[i].path.stem, sources[wave[i].path], wave[i].parameters,
                                    profiles.cell_timeout(profile), str(wave[i].path.parent), threads)
             for i in missing]
    names = [wave[i].path.stem + (f"-{slug(wave[i].overrides)}" if wave[i].grid else "") for i in missing]
    results: list[Result | None] = [None] * len(wave)

    def finish(i: int, outcome: execution.Outcome, hit: bool) -> None:
        results[i] = place(wave[i], outcome, hit)
        log_result(results[i])

    for i, outcome in enumerate(outcomes):
        if outcome is not None:
            finish(i, outcome, True)

    def done(n: int, outcome: Any) -> None:
        i = missing[n]
        if isinstance(outcome, execution.Outcome):
            cache.store(runs_dir, keys[i], outcome)
        else:
            outcome = execution.Outcome(MISSING, message=f"no result: {outcome.reason}")
        finish(i, outcome, False)

    distributed.run_tasks(execution.execute_task, tasks, names, jobs, scheduler, on_done=done)
    return [r for r in results if r is not None]


def place(job: Job, outcome: execution.Outcome, cached: bool) -> Result:
    """Write an outcome where the run's results go, and say what it means for this run."""
    status, error = outcome.status, None
    if outcome.status == execution.OK and _has_lesson(outcome.notebook):
        status = execution.LESSON_HELD
    if outcome.failed or outcome.status == MISSING:
        error = f"{job.path.stem}: {outcome.message}"
    elif outcome.status == execution.LESSON_MISSED and not job.changed:
        error = f"{job.path.stem}: {outcome.message} (with the profile's own settings)"
    kept = job.executed.with_suffix(".failed.ipynb") if error else job.executed
    if outcome.notebook:
        files.write_bytes(kept, outcome.notebook)
    if not error:
        job.executed.with_suffix(".failed.ipynb").unlink(missing_ok=True)
    if outcome.files or not error:
        _replace_folder(job.output_dir, outcome.files)
    if error and outcome.notebook:
        error += f" (executed notebook: {kept})"
    return Result(job.path.stem, job.overrides, job.executed, outcome.seconds, dict(outcome.figures), error,
                  status, cached, [(f"{job.path.stem} {label}", s) for label, s in outcome.cells], job.grid)


def _has_lesson(notebook: bytes) -> bool:
    try:
        cells = json.loads(notebook).get("cells", [])
    except ValueError:
        return False
    return any(figures.is_lesson_cell(c) for c in cells)


def _replace_folder(folder: Path, contents: dict[str, bytes]) -> None:
    """Make `folder` hold exactly `contents`, swapped in whole so a killed write leaves the old folder."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}."))
    for name, data in contents.items():
        (fresh / name).parent.mkdir(parents=True, exist_ok=True)
        (fresh / name).write_bytes(data)
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        os.replace(folder, old)
    os.replace(fresh, folder)
    shutil.rmtree(old, ignore_errors=True)


def status_text(result: Result) -> str:
    """A row's status: how it ended, `failed: …` when it failed, `(cached)` when the cache gave it."""
    text = f"failed: {result.status}" if result.error else result.status
    return text + (" (cached)" if result.cached else "")


def rows(results: list[Result]) -> tuple[list[str], list[dict[str, Any]]]:
    parameter_names = list(dict.fromkeys(k for r in results for k in r.parameters))
    figure_names = list(dict.fromkeys(k for r in results for k in r.figures))
    columns = ["notebook", *parameter_names, *figure_names, "wall_seconds", "status"]
    table = []
    for r in results:
        row = {"notebook": r.notebook, **r.parameters, **r.figures}
        row["wall_seconds"] = round(r.seconds, 1)
        row["status"] = status_text(r)
        table.append(row)
    return columns, table


def write_table(stem: Path, results: list[Result]) -> None:
    """The grid's table as CSV and Markdown; a row the pool or cluster lost says so, and a line counts them."""
    columns, table = rows(results)
    buffer = stdio.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns)
    writer.writeheader()
    writer.writerows(table)
    files.write_text(stem.with_suffix(".csv"), buffer.getvalue())
    lost = [r for r in results if r.status == MISSING]
    note = f"\nMissing: {len(lost)} of {len(results)} rows ({', '.join(slug(r.parameters) for r in lost)}).\n"
    files.write_text(stem.with_suffix(".md"), markdown(columns, table) + (note if lost else ""))


def summary(results: list[Result]) -> str:
    """One row per recorded figure, so notebooks with different figures share one readable table."""
    lines = ["| notebook | figure | value |", "|---|---|---|"]
    for r in results:
        label = r.notebook + (f" ({slug(r.parameters)})" if r.parameters else "")
        lines += [f"| {label} | {k} | {v:.4g} |" for k, v in r.figures.items()]
        lines.append(f"| {label} | wall_seconds | {r.seconds:.1f} |")
        lines.append(f"| {label} | status | {status_text(r)} |")
        if r.error:
            lines.append(f"| {label} | FAILED | {r.error.split(' (executed')[0]} |")
    return "\n".join(lines) + "\n"


def slowest_cells(results: list[Result], count: int = 5) -> str:
    """The `count` slowest cells that ran this time (cached runs ran before), slowest first."""
    cells = sorted(((s, label) for r in results if not r.cached for label, s in r.cells), reverse=True)[:count]
    if not cells:
        return ""
    return "Slowest cells:\n" + "".join(f"  {s:7.1f} s  {label}\n" for s, label in cells)


def exit_status(results: list[Result]) -> int:
    """0 when every run finished; else the highest of `EXIT_STATUS`'s codes among the failed runs."""
    return max((EXIT_STATUS.get(r.status, 3) for r in results if r.error), default=0)


def log_result(result: Result) -> None:
    if result.error:
        log.error("%s", result.error)
    elif result.cached:
        log.info("[%s] from the cache (%s) -> %s", result.notebook, result.status, result.executed)
    else:
        log.info("[%s] %s in %.1f s -> %s", result.notebook, result.status, result.seconds, result.executed)
