import ast
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
        assert {"profile", "output_dir", "seed"} <= set(params), path.name
        assert params["profile"]["default"].strip("'\"") == "workshop", path.name
        assert params["seed"]["default"] == "0", path.name


def _calls(source: str, name: str) -> list[ast.Call]:
    return [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)
            and (getattr(node.func, "attr", None) or getattr(node.func, "id", None)) == name]


@pytest.mark.parametrize("path", runner.resolve([]), ids=lambda p: p.stem)
def test_every_lab_seeds_its_training_from_its_seed_parameter(path):
    """`start` gets the lab's `seed`, and any later reseeding (07, 09) is derived from it, never a constant."""
    from IPython.core.inputtransformer2 import TransformerManager

    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    code = "\n".join(TransformerManager().transform_cell(c.source) for c in cells)  # `!cmd` and `%%` as Python
    [start] = _calls(code, "start")
    assert any(k.arg == "seed" and isinstance(k.value, ast.Name) and k.value.id == "seed" for k in start.keywords)
    for reseed in _calls(code, "set_random_seed"):
        assert "seed" in {n.id for n in ast.walk(reseed.args[0]) if isinstance(n, ast.Name)}, ast.unparse(reseed)


def _cli(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "dlicourse.instructor.cli", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


@pytest.mark.parametrize("args, message", [
    (["run", "no_such_notebook"], "unknown notebook 'no_such_notebook'; choose from:"),
    (["run", "03_mnist", "--profile", "huge"], "unknown profile 'huge'; choose one of: fast, workshop, full"),
    (["run", "03_mnist", "-p", "epochs"], "malformed parameter 'epochs'"),
    (["run", "03_mnist", "-p", "epoch=3"], "03_mnist has no parameter epoch; it accepts:"),
    (["run", "03", "-p", "epochs=abc"], "03_mnist: epochs must be an integer like its default 15, not 'abc'"),
    (["run", "03_mnist", "--jobs", "0"], "--jobs must be 1 or more, got 0"),
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
seed = 0
scale = 1.0
fail = False
"""


def tiny_notebook(folder, body_extra: str = "", name: str = "01_tiny"):
    """A small notebook that records figures and has a lesson cell (id `lesson`) that holds for scale >= 1.5."""
    (folder / "solutions").mkdir(exist_ok=True)
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell(TINY)
    params.metadata["tags"] = ["parameters"]
    body = nbformat.v4.new_code_cell(
        "from dlicourse import figures, record\n"
        "figures.begin(output_dir)\n"
        "record('doubled', 2 * scale)\n"
        "assert not fail, 'asked to fail'\n"
        "record('after_failure', 1.0)\n"
        "import sys\n"
        "for step in range(3):\n"
        "    sys.stdout.write('\\r' + f'batch {step}/3' + chr(8) * 2 + '  ')\n"
        "    sys.stdout.flush()\n"
        "print('\\repoch 1/1 done')" + body_extra)
    lesson = nbformat.v4.new_code_cell("assert 2 * scale >= 3, f'doubled {2 * scale} < 3'\nprint('The lesson holds.')")
    lesson.id = "lesson"
    nb.cells = [params, body, nbformat.v4.new_markdown_cell("Prose."), lesson]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, folder / "solutions" / f"{name}.ipynb")
    return folder / "solutions" / f"{name}.ipynb"


@pytest.fixture
def tiny_project(tmp_path, monkeypatch):
    """A repository with one small notebook that records figures, so the runner is tested in seconds."""
    tiny_notebook(tmp_path)
    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_run_collects_figures_and_grids_write_tables(tiny_project):
    runs = tiny_project / "runs"
    [single] = runner.run(["01_tiny"], "fast", {"scale": [3.0]}, runs)
    assert single.error is None and single.figures == {"doubled": 6.0, "after_failure": 1.0}
    assert single.status == "lesson held"
    metrics = json.loads((runs / "fast" / figures.SUMMARY).read_text())
    assert metrics["01_tiny"]["doubled"] == 6.0 and metrics["01_tiny"]["wall_seconds"] > 0
    assert (runs / "fast" / "01_tiny.ipynb").exists()

    results = runner.run(["01"], "fast", {"scale": [2.0, 0.5]}, runs)
    assert [r.figures["doubled"] for r in results] == [4.0, 1.0]
    assert [(r.status, r.error) for r in results] == [("lesson held", None), ("lesson missed", None)]
    table = (runs / "fast" / "01_tiny-grid.md").read_text()
    assert "| notebook | scale | after_failure | doubled | wall_seconds | status |" in table
    assert "| lesson missed |" in table
    assert (runs / "fast" / "01_tiny-grid.csv").read_text().count("\n") == 3
    assert "| 01_tiny (scale-2.0) | doubled | 4 |" in runner.summary(results)
    assert runner.exit_status(results) == 0
    assert "Slowest cells:" in runner.slowest_cells(results)


@pytest.mark.slow
def test_a_missed_lesson_fails_only_with_the_profiles_own_settings(tiny_project):
    """scale 1.0 is the notebook's own value: its missed lesson fails the run, figures kept."""
    runs = tiny_project / "runs"
    [own] = runner.run(["01_tiny"], "fast", {}, runs)
    assert own.status == "lesson missed" and "the lesson did not hold: AssertionError: doubled 2.0 < 3" in own.error
    assert own.figures == {"doubled": 2.0, "after_failure": 1.0}
    assert runner.exit_status([own]) == runner.EXIT_STATUS["lesson missed"] == 1
    assert (runs / "fast" / "01_tiny.failed.ipynb").exists()


@pytest.mark.slow
def test_a_missed_lesson_fails_for_every_training_seed(tiny_project):
    """A lesson must hold for every seed: `-p seed=S` changes no setting, so its miss fails the run too."""
    runs = tiny_project / "runs"
    [seeded] = runner.run(["01_tiny"], "fast", {"seed": [3]}, runs)
    assert seeded.status == "lesson missed" and seeded.error and "with the profile's own settings" in seeded.error
    grid = runner.run(["01_tiny"], "fast", {"seed": [1, 2], "scale": [3.0]}, runs)
    assert [(r.status, r.error) for r in grid] == [("lesson held", None)] * 2


@pytest.mark.slow
def test_a_failing_cell_is_named_keeps_earlier_figures_and_has_its_exit_status(tiny_project):
    runs = tiny_project / "runs"
    [result] = runner.run(["01_tiny"], "fast", {"fail": [True], "scale": [2.0]}, runs)
    assert result.status == "cell error"
    assert "cell error in cell 2 (from dlicourse import figures, record): AssertionError: asked to fail" in result.error
    assert result.figures == {"doubled": 4.0}  # recorded before the failure
    assert json.loads((runs / "fast" / "01_tiny" / figures.FILE).read_text()) == {"doubled": 4.0}
    assert (runs / "fast" / "01_tiny.failed.ipynb").exists()
    assert not (runs / "fast" / "01_tiny.ipynb").exists()
    assert not (runs / "fast" / figures.SUMMARY).exists()
    assert runner.exit_status([result]) == 3


@pytest.mark.slow
def test_local_jobs_share_the_cores_between_kernels(tmp_path, monkeypatch, caplog):
    """`--jobs 2`: two local worker processes, each kernel told to use half the cores, and none of Dask's
    start-up lines among what the command says."""
    import logging
    import os

    caplog.set_level(logging.INFO)
    tiny_notebook(tmp_path, "\nimport os\nrecord('threads', int(os.environ['OMP_NUM_THREADS']))")
    monkeypatch.setenv("DLICOURSE_ROOT", str(tmp_path))
    results = runner.run(["01_tiny"], "fast", {"scale": [2.0, 3.0]}, tmp_path / "runs", jobs=2)
    assert [r.figures["doubled"] for r in results] == [4.0, 6.0]
    assert [r.figures["threads"] for r in results] == [max(1, os.cpu_count() // 2)] * 2
    dask_info = [r.getMessage() for r in caplog.records
                 if r.name.startswith("distributed") and r.levelno < logging.WARNING]
    assert not dask_info, dask_info[:3]


def test_a_table_with_a_lost_run_says_what_is_missing(tmp_path):
    lost = runner.Result("01_tiny", {"scale": 2.0}, tmp_path / "a.ipynb", 0.0, error="01_tiny: no result: lost",
                         status=runner.MISSING, grid=True)
    done = runner.Result("01_tiny", {"scale": 1.0}, tmp_path / "b.ipynb", 3.0, {"doubled": 2.0}, status="ok",
                         cached=True, grid=True)
    runner.write_table(tmp_path / "grid", [done, lost])
    table = (tmp_path / "grid.md").read_text()
    assert "| ok (cached) |" in table and "| failed: missing |" in table
    assert table.rstrip().endswith("Missing: 1 of 2 rows (scale-2.0).")
    assert runner.exit_status([done, lost]) == 7
