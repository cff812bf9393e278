import json
import subprocess
import sys

import nbformat
import pytest
from conftest import ROOT

from dlicourse import figures
from dlicourse.instructor import profiles, runner


def test_assignments_parse_values_and_grids():
    parsed = runner.parse_assignments(["learning_rate=0.1,0.01", "epochs=3", "source=full", "flag=true"])
    assert parsed == {"learning_rate": [0.1, 0.01], "epochs": [3], "source": ["full"], "flag": [True]}
    assert runner.grid(parsed) == [
        {"learning_rate": 0.1, "epochs": 3, "source": "full", "flag": True},
        {"learning_rate": 0.01, "epochs": 3, "source": "full", "flag": True},
    ]


@pytest.mark.parametrize("item", ["epochs", "=3", "epochs=", "two words=1"])
def test_malformed_assignments_are_refused(item):
    with pytest.raises(runner.RunError, match="malformed parameter"):
        runner.parse_assignments([item])


def test_every_profile_sets_only_parameters_the_notebook_has():
    for profile in profiles.names():
        for stem, table in profiles.notebook_tables(profile).items():
            path = ROOT / "solutions" / f"{stem}.ipynb"
            assert path.exists(), f"profile {profile} names a notebook that does not exist: {stem}"
            accepted = runner.notebook_parameters(path)
            assert set(table) <= set(accepted), f"{profile}.{stem}: {set(table) - set(accepted)}"


def test_runs_in_a_profile_value_is_the_folder_of_this_runs_outputs(tmp_path):
    """02_deployment finds the model that 01_louie saved in the same run, wherever runs go."""
    for profile in ("fast", "workshop", "full"):
        value = profiles.parameters(profile, "02_deployment", tmp_path)["louie_model"]
        assert value == str(tmp_path / "01_louie" / "louie.keras")


def test_every_solution_has_the_standard_parameters():
    for path in runner.resolve([]):
        params = runner.notebook_parameters(path)
        assert {"profile", "output_dir"} <= set(params), path.name
        assert params["profile"]["default"].strip("'\"") == "workshop", path.name


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "dlicourse.instructor.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["run", "no_such_notebook"], "unknown notebook 'no_such_notebook'; choose from:"),
    (["run", "03_mnist", "--profile", "huge"], "unknown profile 'huge'; choose one of: fast, workshop, full"),
    (["run", "03_mnist", "-p", "epochs"], "malformed parameter 'epochs'"),
    (["run", "03_mnist", "-p", "epoch=3"], "03_mnist has no parameter epoch; it accepts:"),
    (["run", "03", "-p", "epochs=abc"], "03_mnist: epochs must be an integer like its default 15, not 'abc'"),
])
def test_cli_mistakes_get_one_clear_line(args, message, tmp_path):
    result = _cli(*args, "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"dlicourse: error: {result.stderr.split('error: ')[1].strip()}"]
    assert message in result.stderr
    assert not (tmp_path / "runs").exists()


TINY = """
profile = "workshop"
output_dir = "out"
scale = 1.0
fail = False
"""


@pytest.fixture
def tiny_project(tmp_path, monkeypatch):
    """A repository with one small notebook that records figures, so the runner is tested in seconds."""
    (tmp_path / "solutions").mkdir()
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(TINY)
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "from dlicourse import course, record\n"
        "from pathlib import Path\n"
        "course._state['output_dir'] = Path(output_dir); Path(output_dir).mkdir(parents=True, exist_ok=True)\n"
        "assert not fail, 'asked to fail'\n"
        "record('doubled', 2 * scale)\nprint('epoch 1/1')")
    nb.cells = [params, body]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, tmp_path / "solutions" / "01_tiny.ipynb")
    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_run_collects_figures_and_grids_write_tables(tiny_project):
    runs = tiny_project / "runs"
    [single] = runner.run(["01_tiny"], "fast", {"scale": [3.0]}, runs)
    assert single.error is None and single.figures == {"doubled": 6.0}
    metrics = json.loads((runs / "fast" / figures.SUMMARY).read_text())
    assert metrics["01_tiny"]["doubled"] == 6.0 and metrics["01_tiny"]["wall_seconds"] > 0
    assert (runs / "fast" / "01_tiny.ipynb").exists()

    results = runner.run(["01"], "fast", {"scale": [1.0, 2.0]}, runs)
    assert [r.figures["doubled"] for r in results] == [2.0, 4.0]
    table = (runs / "fast" / "01_tiny-grid.md").read_text()
    assert "| notebook | scale | doubled | wall_seconds | status |" in table
    assert (runs / "fast" / "01_tiny-grid.csv").read_text().count("\n") == 3
    assert "| 01_tiny (scale-2.0) | doubled | 4 |" in runner.summary(results)


@pytest.mark.slow
def test_a_failing_notebook_is_named_with_its_cell_and_kept(tiny_project):
    runs = tiny_project / "runs"
    [result] = runner.run(["01_tiny"], "fast", {"fail": [True]}, runs)
    assert "01_tiny failed in cell [" in result.error and "AssertionError: asked to fail" in result.error
    assert (runs / "fast" / "01_tiny.failed.ipynb").exists()
    assert not (runs / "fast" / "01_tiny.ipynb").exists()
    assert not (runs / "fast" / figures.SUMMARY).exists()
