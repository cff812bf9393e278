"""Every solution notebook, executed by nbval with the fast profile: it runs, its marked outputs match
what is stored, its lesson assertions hold, and it records exactly the figures its issue names."""

import json
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

from dlicourse import profiles

FIGURES = {
    "03_mnist": {"small_test_accuracy", "full_test_accuracy", "inverted_test_accuracy_before",
                 "inverted_test_accuracy_after", "realworld_correct_before", "realworld_correct_after",
                 "realworld_total", "train_seconds"},
}

SOLUTIONS = sorted((ROOT / "solutions").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_solution_runs_fast_and_matches_its_stored_outputs(path, tmp_path):
    out = tmp_path / "outputs"
    nb = parameterize_notebook(load_notebook_node(str(path)),
                               {**profiles.parameters("fast", path.stem), "output_dir": str(out)})
    nbformat.write(nb, tmp_path / path.name)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
         "-p", "no:xdist", "--nbval-cell-timeout", str(profiles.cell_timeout("fast")), "-q", path.name],
        cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    figures = json.loads((out / "metrics.json").read_text())
    assert set(figures) == FIGURES.get(path.stem, set()), "recorded figures differ from the issue's names"


def test_every_solution_declares_its_figures():
    assert {p.stem for p in SOLUTIONS} <= set(FIGURES) | {"00_welcome"}
