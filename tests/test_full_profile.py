"""The `full` profile is real: every lab gets its own full-size settings, and each notebook accepts them.

A dry run executes nothing: papermill prepares the notebook (`prepare_only`), and the injected cell must
be plain Python whose every name is one of the notebook's parameters, with a value of its default's type.
"""

import ast
import logging

import nbformat
import papermill
import pytest
from conftest import ROOT

from dlicourse.instructor import parameters, profiles

SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))


def test_every_lab_but_the_welcome_has_full_size_settings():
    tables = profiles.notebook_tables("full")
    assert {p.stem for p in SOLUTIONS} - set(tables) == {"00_welcome"}
    for stem, table in tables.items():
        defaults = parameters.defaults(ROOT / "solutions" / f"{stem}.ipynb")
        changed = {k for k, v in table.items() if k != "louie_model" and defaults.get(k) != v}
        assert changed, f"full.{stem} sets nothing beyond the workshop's values"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.stem)
def test_full_parameters_are_accepted_by_a_dry_run(path, tmp_path):
    wanted = {**profiles.parameters("full", path.stem, tmp_path), "output_dir": str(tmp_path / "out")}
    prepared = tmp_path / path.name
    logging.getLogger("papermill").setLevel(logging.WARNING)
    papermill.execute_notebook(str(path), str(prepared), parameters=wanted, prepare_only=True, progress_bar=False)
    notebook = nbformat.read(prepared, as_version=4)
    source = nbformat.read(path, as_version=4)
    kept = [c for c in notebook.cells if "injected-parameters" not in c.metadata.get("tags", [])]
    assert [c.get("outputs") for c in kept] == [c.get("outputs") for c in source.cells], "a dry run executes nothing"
    injected = next(c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", []))
    tree = ast.parse(injected.source)
    assigned = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body if isinstance(node, ast.Assign)}
    assert assigned == wanted
    defaults = parameters.defaults(path)
    assert set(assigned) <= set(defaults), f"not parameters of {path.stem}: {set(assigned) - set(defaults)}"
    for name, value in assigned.items():
        parameters.fit(name, value, defaults[name])
