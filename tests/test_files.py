"""Atomic writes: an interrupted write leaves the old file, and a new file gets the usual mode."""

import os

import pytest

from dlicourse import files


def test_atomic_write_leaves_nothing_when_interrupted(tmp_path):
    target = tmp_path / "model.keras"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt), files.atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.keras"]


def test_atomic_writes_get_the_mode_of_a_plain_new_file(tmp_path):
    """Saved files must be readable by others on a shared hub, as any file the user makes."""
    old = os.umask(0o022)
    try:
        files.write_text(tmp_path / "new.txt", "x")
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o644
        (tmp_path / "new.txt").chmod(0o600)
        files.write_text(tmp_path / "new.txt", "y")  # a rewrite keeps the mode the user chose
        assert (tmp_path / "new.txt").stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
