"""The executed-notebook cache: a run whose inputs have not changed is not run again.

The key is a hash of everything that decides what a run computes: the notebook's code cells (markdown
is prose, so editing it keeps the key), the parameters, the profile, the Keras backend, the settings that
change the arithmetic (oneDNN, XLA's flags, thread counts: `environment.arithmetic`), dlicourse's
version and the code a notebook runs (the kit and the grader; not the runner's), the versions of the packages
dlicourse depends on, and the content of every file the run reads from another notebook's outputs
(02_deployment's `{runs}/01_louie/louie.keras`), so a notebook reruns when the one it reads from reran
with new results. An entry is a folder `<runs>/.cache/<key>/` with the executed notebook, the files the
run wrote and a `meta.json`; it is written under a temporary name and renamed, so a killed write leaves
no entry.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from dlicourse.files import write_json
from dlicourse.instructor.execution import Outcome

FOLDER = ".cache"
_FALLBACK_PACKAGES = ("tensorflow", "tensorflow-cpu", "keras", "numpy", "papermill", "nbclient", "ipykernel")


def code_cells(notebook_json: str) -> list[str]:
    """The sources of the notebook's code cells, in order: what the key sees of a notebook."""
    cells = json.loads(notebook_json).get("cells", [])
    return ["".join(c.get("source", "")) for c in cells if c.get("cell_type") == "code"]


def keras_backend() -> str:
    """The backend Keras will pick, read as Keras does (env, then keras.json), without importing Keras."""
    if env := os.environ.get("KERAS_BACKEND"):
        return env
    config = Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras") / "keras.json"
    try:
        return json.loads(config.read_text()).get("backend", "tensorflow")
    except (OSError, ValueError):
        return "tensorflow"


@functools.cache
def dependency_versions() -> dict[str, str]:
    """Installed versions of the packages dlicourse depends on (those absent are left out)."""
    try:
        names = [re.split(r"[<>=!~; \[]", r, maxsplit=1)[0] for r in metadata.requires("dlicourse") or []
                 if "extra ==" not in r]
    except metadata.PackageNotFoundError:
        names = list(_FALLBACK_PACKAGES)
    versions = {}
    for name in sorted(set(names) | {"papermill", "nbclient"}):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def file_digest(path: Path) -> str:
    """A file's content hash (a folder's: its files', by name); "missing" when there is nothing there."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path] if path.is_file() else []
    if not files:
        return "missing"
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode() + b"\0")
        digest.update(file.read_bytes())
    return digest.hexdigest()


def key(notebook_json: str, parameters: dict[str, Any], profile: str, reads: list[Path],
        threads: int | None = None) -> str:
    """The cache key of one run; `reads` are the other notebooks' outputs that this run loads, `threads` the
    thread limit its kernel gets (None: this process's environment as it is)."""
    import dlicourse
    from dlicourse.environment import arithmetic

    inputs = {
        "code": code_cells(notebook_json),
        "parameters": {k: v for k, v in parameters.items() if k != "output_dir"},
        "profile": profile,
        "backend": keras_backend(),
        "arithmetic": arithmetic(threads),
        "dlicourse": [dlicourse.__version__, _code()],
        "dependencies": dependency_versions(),
        "reads": {str(p): file_digest(p) for p in reads},
    }
    return hashlib.sha256(json.dumps(inputs, sort_keys=True, default=str).encode()).hexdigest()[:24]


@functools.cache
def _code() -> str:
    """The code a notebook runs: the kit and the grader (07's practice grade draws its set and grades with it),
    not the instructor's tools, which change no result."""
    from dlicourse.instructor.distributed import code_digest

    return code_digest(leave_out=("instructor/",))


def load(runs: Path, run_key: str) -> Outcome | None:
    """The stored outcome of a run with this key, or None."""
    entry = runs / FOLDER / run_key
    try:
        meta = json.loads((entry / "meta.json").read_text())
        files = {str(p.relative_to(entry / "files")): p.read_bytes()
                 for p in sorted((entry / "files").rglob("*")) if p.is_file()}
        notebook = (entry / "executed.ipynb").read_bytes()
    except (OSError, ValueError):
        return None
    return Outcome(meta["status"], notebook, files, meta["figures"], meta["seconds"], meta.get("message"),
                   [tuple(c) for c in meta.get("cells", [])])


def store(runs: Path, run_key: str, outcome: Outcome) -> bool:
    """Keep an outcome that a rerun would repeat (a finished run, a missed lesson); not a failure."""
    if outcome.failed:
        return False
    folder = runs / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=folder, prefix=".partial-"))
    try:
        (partial / "executed.ipynb").write_bytes(outcome.notebook)
        for name, data in outcome.files.items():
            (partial / "files" / name).parent.mkdir(parents=True, exist_ok=True)
            (partial / "files" / name).write_bytes(data)
        write_json(partial / "meta.json", {"status": outcome.status, "figures": outcome.figures,
                                           "seconds": outcome.seconds, "message": outcome.message,
                                           "cells": outcome.cells})
        os.rename(partial, folder / run_key)  # atomic; fails if another run stored the same key first
    except OSError:
        return False
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return True
