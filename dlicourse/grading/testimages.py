"""The test images as a submission gets them: anonymised PNGs, in an order that says nothing.

Each image gets a random name and goes into an unnamed file of the grader's; the files are listed, and so
written into the sandbox (or a folder), in a random order of their own. Written in the test set's order,
the files' inode numbers and times gave the set back: a folder set lists face/ before not_face/, and a
submission with no model that sorted the images by (modification time, inode) passed (issue 33).
"""

from __future__ import annotations

import contextlib
import os
import resource
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from PIL import Image

UNIFORM_TIME = 0  # every image file's access and modification time in a folder: none says an order


@dataclass
class Images:
    """`names[i]` is image i's name; `files` holds (name, unnamed file read from its start) in writing order."""

    names: list[str]
    files: list[tuple[str, IO[bytes]]]

    def close(self) -> None:
        for _, f in self.files:
            f.close()


def _room_for(files: int) -> None:
    """Raise this process's limit on open files to its hard limit when a set needs more than a few hundred:
    every image holds a descriptor until bubblewrap has copied it (a folder of 1,000 crops graded two at a
    time passes the usual soft limit of 1,024)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < 4 * files + 256 and soft != hard:
        with contextlib.suppress(ValueError, OSError):  # a hard limit the kernel caps lower: keep the soft one
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def anonymised(images: Sequence[np.ndarray]) -> Images:
    """PNG copies with random names, nothing of the label or the original file, in a random order."""
    _room_for(len(images))
    names = [f"{secrets.token_hex(8)}.png" for _ in images]
    written = Images(names, [])
    try:
        for index in np.random.default_rng(secrets.randbits(64)).permutation(len(images)):
            f = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the Images
            written.files.append((names[index], f))
            Image.fromarray(np.asarray(images[index], np.uint8)).save(f, format="PNG")
            f.seek(0)
    except BaseException:
        written.close()
        raise
    return written


def write_images(folder: Path, images: Images) -> None:
    """The images as a read-only folder (a grade without isolation runs from the disk), written in their
    random order, every one with the same times."""
    folder.mkdir()
    for name, f in images.files:
        (folder / name).write_bytes(f.read())
        f.seek(0)
        os.chmod(folder / name, 0o444)
        os.utime(folder / name, (UNIFORM_TIME, UNIFORM_TIME))
    os.chmod(folder, 0o555)
