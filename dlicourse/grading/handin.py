"""What grading takes from a hand-in folder, taken once and safely: the files beside `submission.py` (its
code and model, not subfolders), copied into unnamed files of the grader's, and the hash of that copy.

A hand-in is the student's, and she may still be writing it while it is graded. So the folder is opened
once, without following a link, and everything is read through that descriptor (a link swapped in later
is never followed); the number of entries and their apparent sizes (`st_size`, which a sparse file makes
huge at no cost) are checked before a byte is read; and the hash a gradebook keeps is of the copy that
was graded, never of the folder at another moment. A `submission.py` or folder that is a link is refused:
graded, it would be someone else's files under this student's name.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

MAX_ENTRIES = 100  # files and folders beside submission.py: the code, the model, a helper or two
MAX_MB = 512  # what the files beside it may hold together
_CHUNK = 2**20


class HandInError(Exception):
    """The hand-in cannot be graded as it is; the message says why, in one line."""


@dataclass
class HandIn:
    """A copy of what was handed in: each file in an unnamed file (read from its start), each link as its
    target, and the SHA-256 of exactly that (`files_sha256` in a gradebook)."""

    submission: str  # the file name the grader imports
    files: dict[str, IO[bytes]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    sha256: str = ""

    def close(self) -> None:
        for f in self.files.values():
            f.close()

    def write_to(self, folder: Path) -> None:
        """The copy as a read-only folder (for a grade without isolation, which runs from the disk)."""
        folder.mkdir()
        for name, target in self.links.items():
            os.symlink(target, folder / name)
        for name, copy in self.files.items():
            copy.seek(0)
            with open(folder / name, "wb") as f:
                while chunk := copy.read(_CHUNK):
                    f.write(chunk)
            os.chmod(folder / name, 0o444)
            copy.seek(0)
        os.chmod(folder, 0o555)


def check_paths(submission: Path) -> None:
    """Refuse a `submission.py`, or a folder, that is a link: its files would be another folder's."""
    for path, what in ((submission, "its submission file"), (submission.parent, "its folder")):
        if path.is_symlink():
            raise HandInError(f"{what} {path} is a link (to {os.readlink(path)}); hand in the files themselves")


@contextlib.contextmanager
def _opened(submission: Path) -> Iterator[int]:
    check_paths(submission)
    try:
        folder = os.open(submission.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as err:
        raise HandInError(f"its folder {submission.parent} cannot be opened: {err.strerror}") from None
    try:
        yield folder
    finally:
        os.close(folder)


def _entries(folder: int, submission: str) -> list[tuple[str, os.stat_result]]:
    """The files and links in the folder, each with its lstat: refused, before anything is read, when there
    are too many entries, when their apparent sizes add up to too much, or when `submission` is no file."""
    found = []
    with os.scandir(folder) as listing:
        for count, entry in enumerate(listing, 1):
            if count > MAX_ENTRIES:
                raise HandInError(f"its folder holds more than {MAX_ENTRIES} files and folders; hand in the code "
                                  "and the model only")
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode):
                found.append((entry.name, info))
    if sum(i.st_size for _, i in found if stat.S_ISREG(i.st_mode)) > MAX_MB * 2**20:
        raise HandInError(f"the files beside it hold more than {MAX_MB} MiB")
    kinds = {name: info for name, info in found}
    if submission not in kinds or not stat.S_ISREG(kinds[submission].st_mode):
        raise HandInError(f"{submission} is not a file in its folder (a link is not taken)")
    return sorted(found)


def _copy(folder: int, name: str, target: IO[bytes] | None, budget: int) -> tuple[bytes, int]:
    """SHA-256 of one file, read through `folder` without following a link (into `target`, when given),
    and the bytes it held. A file that changed into something else, or grew past `budget`, is refused."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder)
    except OSError as err:
        raise HandInError(f"{name} could not be read: {err.strerror}") from None
    digest, size = hashlib.sha256(), 0
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise HandInError(f"{name} changed while it was read")
        while chunk := f.read(_CHUNK):
            size += len(chunk)
            if size > budget:
                raise HandInError(f"the files beside it hold more than {MAX_MB} MiB")
            digest.update(chunk)
            if target is not None:
                target.write(chunk)
    if target is not None:
        target.seek(0)
    return digest.digest(), size


def _take(submission: Path, keep: bool) -> HandIn:
    hand_in = HandIn(submission.name)
    whole, budget = hashlib.sha256(), MAX_MB * 2**20
    try:
        with _opened(submission) as folder:
            for name, info in _entries(folder, submission.name):
                if stat.S_ISLNK(info.st_mode):
                    content, kind = os.readlink(name, dir_fd=folder).encode(), "link"
                    hand_in.links[name] = content.decode()
                else:
                    copy = tempfile.TemporaryFile() if keep else None  # noqa: SIM115 - closed with the HandIn
                    if copy is not None:
                        hand_in.files[name] = copy
                    content, size = _copy(folder, name, copy, budget)
                    budget, kind = budget - size, "file"
                whole.update(f"{name}\0{kind}\0".encode() + content + b"\0")
    except BaseException:
        hand_in.close()
        raise
    hand_in.sha256 = whole.hexdigest()
    return hand_in


def take(submission: str | os.PathLike) -> HandIn:
    """Copy what grading takes from `submission`'s folder, and hash the copy. Raises HandInError."""
    try:
        return _take(Path(submission), keep=True)
    except OSError as err:
        raise HandInError(f"its folder could not be read: {err.strerror or err}") from None


def digest(submission: str | os.PathLike) -> str:
    """The hash `take` would give now, copying nothing: a re-grade keeps a row whose hash it equals. Empty
    when the hand-in would be refused or cannot be read: such is never kept."""
    try:
        return _take(Path(submission), keep=False).sha256
    except (HandInError, OSError):
        return ""
