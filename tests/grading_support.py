"""What the grading tests share (a pytest plugin, named in conftest.py): fast limits, a toy set a
one-line rule gets right, and a fixture that checks no grade leaves a temporary file or a process behind."""

from __future__ import annotations

import tempfile
import textwrap

import numpy as np
import psutil
import pytest

from dlicourse import grading

FAST = grading.Limits(startup_s=20, per_image_s=2, total_s=30, cpu_s=10, memory_mb=400, output_kb=64)
BRIGHT_IS_WHALE = """
from PIL import Image
import numpy as np

def predict(path):
    return "whale" if np.asarray(Image.open(path)).mean() > 128 else "not whale"
"""


@pytest.fixture
def toy_set() -> grading.TestSet:
    """Six images a one-line rule gets right: bright ones are whales."""
    images = [np.full((16, 16, 3), 200 if k % 2 == 0 else 30, np.uint8) for k in range(6)]
    return grading.TestSet(images, ["whale", "not whale"] * 3, "six toy images")


@pytest.fixture
def private_temp(tmp_path, monkeypatch):
    """The grader's temporary folders go in a folder of the test's own, which must end up empty."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == [], "the grader left temporary files behind"
    assert runners(folder) == [], "the grader left processes behind"


def runners(folder) -> list[psutil.Process]:
    """Live processes working in this test's temporary folder (other xdist workers grade meanwhile)."""
    found = []
    for process in psutil.process_iter():
        try:
            alive = process.status() != psutil.STATUS_ZOMBIE
            inside = process.cwd().startswith(str(folder))
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if alive and inside:
            found.append(process)
    return found


def submission_file(folder, source: str, name: str = "submission.py"):
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return path
