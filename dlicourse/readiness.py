"""Is this machine ready for the labs? Each finding says what was found, and how to fix it.

00_welcome shows this report to a learner; `dlicourse doctor` prints it on the command line. Importing
this module is cheap: TensorFlow and Keras are imported only while checking them, so a missing one is
reported, not raised.
"""

from __future__ import annotations

import importlib
import os
import platform
import sys
import tempfile
from dataclasses import dataclass

from dlicourse.paths import data_dir

REQUIRED = ("keras", "numpy", "cv2", "PIL", "matplotlib", "papermill")


@dataclass(frozen=True)
class Finding:
    name: str
    found: str
    ok: bool = True
    fix: str = ""


def _module(name: str) -> Finding:
    try:
        module = importlib.import_module(name)
    except ImportError as err:
        return Finding(name, f"missing ({err})", False,
                       "install the course's dependencies: pip install -e . (or conda env create -f environment.yml)")
    return Finding(name, getattr(module, "__version__", "installed"))


def data_directory() -> Finding:
    """Whether datasets can be made here: a Dask worker is checked with this too, before any task."""
    folder = data_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder):
            pass
    except OSError as err:
        return Finding("data directory", f"{folder} is not writable ({err.strerror or err})", False,
                       "set DLICOURSE_DATA to a folder you can write to, e.g. export DLICOURSE_DATA=~/dlicourse-data")
    made = sorted(p.name for p in folder.iterdir() if p.is_dir())
    present = f"datasets present: {', '.join(made)}" if made else "no datasets yet; each is made on first use"
    return Finding("data directory", f"{folder} (writable; {present})")


def findings() -> list[Finding]:
    """Every check, in the order a reader wants them: Python, libraries, backend, devices, data."""
    found = [Finding("python", f"{platform.python_version()} ({sys.executable})", sys.version_info >= (3, 11),
                     "use Python 3.11 or newer")]
    found += [_module(name) for name in REQUIRED]
    # The backend's own library is required; TensorFlow only when it is the backend (a GPU box may run JAX).
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    found.append(_module({"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}.get(backend, backend)))
    if all(f.ok for f in found):
        import keras

        from dlicourse.environment import device_summary

        found.append(Finding("keras backend", keras.backend.backend()))
        found.append(Finding("devices", device_summary()))
    found.append(data_directory())
    return found


def check_machine(extra: list[Finding] | None = None) -> tuple[str, bool]:
    """The report as text, and whether everything required is there; `extra` findings (the instructor's
    tools add theirs) come last."""
    results = findings() + list(extra or [])
    lines = [f"{'ok' if f.ok else 'missing'} {'✅' if f.ok else '❌'} {f.name}: {f.found}"  # a word, for no emoji font
             + ("" if f.ok else f"\n   fix: {f.fix}")
             for f in results]
    ok = all(f.ok for f in results)
    lines.append("Ready for the labs." if ok else "Something required is missing: see the fixes above.")
    return "\n".join(lines), ok
