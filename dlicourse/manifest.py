"""Checksum manifests: a JSON file that says which bytes a data file must have, and how it was made.

Three kinds of file carry one: the shipped real-world digits (one manifest for the folder), the shipped
dog base (one beside the weights) and every cached array file. All are written and checked here, so
they fail the same way: a `ManifestError` that names the file, what is wrong and what to do. Callers
decide what the failure costs: the cache makes the file again, a shipped file stops the lab.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from dlicourse.files import sha256, write_json


class ManifestError(ValueError):
    """A file missing, damaged or unlike its manifest; the message says which file and what to do."""


def write(manifest: str | os.PathLike, names: Iterable[str], **info: Any) -> dict[str, Any]:
    """Record `info` and the SHA-256 of each named file (names are relative to the manifest's folder)."""
    manifest = Path(manifest)
    sums = {name: sha256(manifest.parent / name) for name in names}
    data = {**info, "sha256": sums}
    write_json(manifest, data)
    return data


def read(manifest: str | os.PathLike, remedy: str) -> dict[str, Any]:
    """The manifest's content; `remedy` (one sentence) is said when it is missing or unreadable."""
    manifest = Path(manifest)
    try:
        data = json.loads(manifest.read_text())
    except FileNotFoundError:
        raise ManifestError(f"{manifest} is missing. {remedy}") from None
    except (OSError, ValueError) as err:
        raise ManifestError(f"{manifest} is not valid JSON ({err}). {remedy}") from None
    if not isinstance(data, dict) or not isinstance(data.get("sha256"), dict):
        raise ManifestError(f"{manifest} lists no checksums (no 'sha256' table). {remedy}")
    return data


def verify(manifest: str | os.PathLike, remedy: str) -> dict[str, Any]:
    """The manifest's content, once every file it lists is present with the bytes it records."""
    manifest = Path(manifest)
    data = read(manifest, remedy)
    for name, expected in data["sha256"].items():
        path = manifest.parent / name
        if not path.is_file():
            raise ManifestError(f"{path} is missing. {remedy}")
        actual = sha256(path)
        if actual != expected:
            raise ManifestError(f"{path} is damaged: its SHA-256 is {actual[:12]}..., the manifest expects "
                                f"{str(expected)[:12]}.... {remedy}")
    return data
