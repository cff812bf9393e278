"""Where the course keeps things: the repository's notebooks and shipped data, the data cache, Keras's cache.

Every location the package uses is computed here, so an environment variable means the same thing to
every module and a move is made in one place.
"""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The repository: $DLICOURSE_ROOT, else the checkout this package was installed from (editable)."""
    if env := os.environ.get("DLICOURSE_ROOT"):
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def solutions_dir() -> Path:
    """The complete notebooks, the single source of every lab."""
    return project_root() / "solutions"


def labs_dir() -> Path:
    """The learners' notebooks, written from `solutions_dir()` by `dlicourse release`."""
    return project_root() / "labs"


def datasets_dir() -> Path:
    """Small files that ship with the repository: real-world digits, the pretrained dog base."""
    return project_root() / "datasets"


def shipped_data(name: str) -> Path:
    """A small file or folder that ships in the repository's `datasets/` folder."""
    path = datasets_dir() / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: it ships with the course repository. "
            "Run from a checkout of the repository, or set DLICOURSE_ROOT to one."
        )
    return path


def data_dir() -> Path:
    """The cache for data made or converted on first use: $DLICOURSE_DATA, else ~/.cache/dlicourse."""
    env = os.environ.get("DLICOURSE_DATA")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "dlicourse"


def keras_home() -> Path:
    """Keras's own cache of downloaded datasets and weights: $KERAS_HOME, else ~/.keras. Only ever read."""
    return Path(os.environ.get("KERAS_HOME") or Path.home() / ".keras").expanduser()
