"""Where the course keeps things: the repository's notebooks and shipped data, and the data cache."""

from __future__ import annotations

import os
from pathlib import Path


def project_root() -> Path:
    """The repository: $DLICOURSE_ROOT, else the checkout this package was installed from (editable)."""
    if env := os.environ.get("DLICOURSE_ROOT"):
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent


def shipped_data(name: str) -> Path:
    """A small file or folder that ships in the repository's `datasets/` folder."""
    path = project_root() / "datasets" / name
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
