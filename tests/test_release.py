import nbformat
import pytest
from conftest import ROOT

from dlicourse.instructor import release as rel


def test_region_becomes_assignments_to_fixme_with_the_hint():
    source = "a = 1\n    ### BEGIN SOLUTION: invert it\n    x = 255 - y\n    z: int = 3\n    x += 1\n" \
             "    ### END SOLUTION\nprint(x)\n"
    assert rel.strip_regions(source, "t") == (
        "a = 1\n    # FIXME: invert it\n    x = FIXME\n    z = FIXME\nprint(x)\n")


def test_region_without_assignment_keeps_a_list_valid():
    source = "layers = [\n    ### BEGIN SOLUTION\n    Dense(3),\n    ### END SOLUTION\n    Dense(1),\n]"
    out = rel.strip_regions(source, "t")
    assert "    FIXME," in out
    compile(out, "t", "exec")


def test_unpacked_targets_become_one_placeholder_each_so_the_check_runs():
    out = rel.strip_regions("### BEGIN SOLUTION\nx, (y, *z) = f()\n### END SOLUTION\n", "t")
    assert out == f"# FIXME: {rel.DEFAULT_HINT}\nx = FIXME\ny = FIXME\nz = FIXME\n"
    exec(out, {"FIXME": None})  # unpacking a FIXME would raise here, before the learner's check


@pytest.mark.parametrize("source, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without a BEGIN"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "inside another"),
])
def test_unbalanced_regions_are_named(source, message):
    with pytest.raises(rel.ReleaseError, match=message):
        rel.strip_regions(source, "solutions/x.ipynb")


def _notebook():
    nb = nbformat.v4.new_notebook()
    marked = nbformat.v4.new_code_cell("print(1)", id="marked")
    marked.metadata["tags"] = [rel.CHECK_TAG]
    marked.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n"),
                      nbformat.v4.new_output("stream", name="stderr", text="noise\n"),
                      nbformat.v4.new_output("display_data", data={"image/png": "AAAA"})]
    plain = nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 2\n### END SOLUTION\nx", id="plain")
    plain.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=3)]
    whole = nbformat.v4.new_code_cell("# build the model\nmodel = make()\nmodel.fit()", id="whole")
    whole.metadata["tags"] = [rel.SOLUTION_TAG]
    nb.cells = [marked, plain, whole]
    return nb


def test_solution_keeps_only_marked_text_outputs():
    clean = rel.clean_solution(_notebook())
    assert clean.cells[0].outputs == [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    assert clean.cells[1].outputs == [] and clean.cells[1].execution_count is None
    assert clean.cells[0].execution_count == 1  # nbval skips marked cells that look unrun
    assert "keep_output" not in clean.cells[0].metadata


def test_lab_has_no_outputs_and_placeholders():
    lab = rel.lab_notebook(_notebook(), "solutions/x.ipynb")
    assert all(c.outputs == [] for c in lab.cells)
    assert lab.cells[1].source == f"# FIXME: {rel.DEFAULT_HINT}\nx = FIXME\nx"
    assert lab.cells[2].source == "# FIXME: build the model\nmodel = FIXME"


def test_release_writes_labs_and_check_finds_drift(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "labs").mkdir()
    nbformat.write(_notebook(), tmp_path / "solutions" / "01_x.ipynb")
    (tmp_path / "solutions" / "submission.py").write_text("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n")
    assert len(rel.release(tmp_path, check=True)) == 3  # stray outputs, two missing labs
    assert rel.release(tmp_path) == []
    assert rel.release(tmp_path, check=True) == []
    assert "answer = FIXME" in (tmp_path / "labs" / "submission.py").read_text()
    (tmp_path / "labs" / "01_x.ipynb").write_text((tmp_path / "labs" / "01_x.ipynb").read_text() + " ")
    (tmp_path / "labs" / "stray.ipynb").write_text("{}")
    problems = rel.release(tmp_path, check=True)
    assert any("labs/01_x.ipynb differs" in p for p in problems)
    assert any("labs/stray.ipynb has no source" in p for p in problems)


def test_expected_outputs_are_adopted_by_cell_id():
    solution = rel.clean_solution(_notebook())
    executed = _notebook()
    executed.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="new\n")]
    adopted = rel.adopt_outputs(solution, executed)
    assert adopted.cells[0].outputs[0].text == "new\n"
    assert adopted.cells[1].outputs == []


def test_repository_labs_are_in_sync_and_solutions_clean():
    assert rel.release(ROOT, check=True) == []


def test_every_lab_has_exercises_and_no_solution_code():
    for lab in sorted((ROOT / "labs").glob("*.ipynb")):
        text = lab.read_text()
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text, lab.name


STUB_SOURCE = ("### BEGIN SOLUTION: one model per size\n### STUB\n# curve = {}\n# for n in FIXME:\n"
               "#     curve[n] = FIXME\n### END STUB\ncurve = {}\nfor n in [8, 50]:\n    curve[n] = n / 100\n"
               "### END SOLUTION\ncheck.learning_curve(curve)\n")


def test_a_stub_keeps_the_shape_of_a_hard_exercise():
    out = rel.strip_regions(STUB_SOURCE, "t")
    assert out == ("# FIXME: one model per size\ncurve = {}\nfor n in FIXME:\n    curve[n] = FIXME\n"
                   "check.learning_curve(curve)\n")
    compile(out, "t", "exec")


def test_a_broken_stub_is_named():
    with pytest.raises(rel.ReleaseError, match=r"t \(line 1\): the solution's stub is broken"):
        rel.strip_regions(STUB_SOURCE.replace("# for n in FIXME:", "# for n in FIXME"), "t")
    with pytest.raises(rel.ReleaseError, match="never closed"):
        rel.strip_regions(STUB_SOURCE.replace("### END STUB\n", ""), "t")


def test_release_check_guards_a_stub(tmp_path):
    (tmp_path / "solutions").mkdir()
    (tmp_path / "labs").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(STUB_SOURCE)]
    nbformat.write(nb, tmp_path / "solutions" / "x.ipynb")
    rel.release(tmp_path)
    assert rel.release(tmp_path, check=True) == []
    nb.cells[0].source = STUB_SOURCE.replace("curve[n] = FIXME", "curve[n] = 0")
    nbformat.write(nb, tmp_path / "solutions" / "x.ipynb")
    assert any("labs/x.ipynb differs" in p for p in rel.release(tmp_path, check=True))
