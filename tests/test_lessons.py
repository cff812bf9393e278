"""Lesson targets: the workshop's by default, a lighter profile's own where it sets any, none in a lab's settings."""

import json

import pytest
from conftest import ROOT

import dlicourse
from dlicourse import lessons, targets


def test_a_profile_that_trains_less_expects_less_and_keeps_the_rest():
    workshop, fast = targets("04_whale_detection", "workshop"), targets("04_whale_detection", "fast")
    assert workshop.min_val_accuracy == 0.95 and fast.min_val_accuracy == 0.9
    assert fast.max_fcn_diff == workshop.max_fcn_diff  # not listed for fast: the workshop's


def test_any_other_profile_is_held_to_the_workshops_targets():
    assert vars(targets("03_mnist", "full")) == vars(targets("03_mnist", "workshop"))


def test_an_unknown_lab_says_which_have_targets():
    with pytest.raises(KeyError, match="no lesson targets for '99_x'.*01_louie"):
        targets("99_x")


@pytest.mark.parametrize("notebook", sorted(lessons._table()))
def test_each_lab_reads_its_targets_and_keeps_none_in_its_parameters(notebook):
    cells = json.loads((ROOT / "solutions" / f"{notebook}.ipynb").read_text())["cells"]
    parameters = next("".join(c["source"]) for c in cells if "parameters" in c["metadata"].get("tags", []))
    names = set(vars(targets(notebook)))
    assert not [n for n in names if f"{n} =" in parameters]
    lesson_cell = next("".join(c["source"]) for c in cells if c.get("id") == "lesson")
    assert f'dlicourse.lesson("{notebook}", profile' in lesson_cell
    assert "assert " not in lesson_cell  # the lesson speaks through the table, not a raw assert


def test_the_lesson_call_shows_yours_beside_the_courses_targets_and_says_it_holds(capsys):
    assert dlicourse.lesson("01_louie", "workshop", claims={"2 epochs are not yet perfect": True},
                            tiny_train_accuracy=1.0, tiny_heldout_accuracy=0.55, big_heldout_accuracy=0.97)
    out = capsys.readouterr().out
    assert "yours" in out and "the course's target" in out and "≥ 0.95" in out and "≤ 0.7" in out
    assert out.count("✅") == 4 and out.rstrip().endswith("The lesson holds.")


def test_a_miss_fails_a_batch_run_naming_the_figure(monkeypatch, capsys):
    monkeypatch.setenv(lessons.BATCH_ENV, "1")
    with pytest.raises(lessons.LessonMissed, match="big heldout accuracy"):
        dlicourse.lesson("01_louie", "workshop", tiny_train_accuracy=1.0, tiny_heldout_accuracy=0.55,
                         big_heldout_accuracy=0.80)
    assert "❌ big heldout accuracy" in capsys.readouterr().out


def test_a_miss_in_jupyter_explains_kindly_and_does_not_raise(monkeypatch, capsys):
    monkeypatch.delenv(lessons.BATCH_ENV, raising=False)
    monkeypatch.setattr(lessons, "batch_run", lambda: False)
    assert not dlicourse.lesson("01_louie", "fast", claims={"more data beats less": False},
                                big_heldout_accuracy=0.93)
    out = capsys.readouterr().out
    assert "≥ 0.9" in out and "❌ more data beats less" in out
    assert "the numbers move with it" in out


def test_a_figure_without_a_target_is_a_one_line_error():
    with pytest.raises(KeyError, match="no target min_speed or max_speed"):
        dlicourse.lesson("01_louie", "workshop", speed=1.0)


def test_outside_a_kernel_is_a_batch_run(monkeypatch):
    monkeypatch.delenv(lessons.BATCH_ENV, raising=False)
    assert lessons.batch_run()


@pytest.mark.parametrize("notebook", sorted(lessons._table()))
def test_every_figure_a_lesson_cell_passes_has_a_target(notebook):
    import ast

    cells = json.loads((ROOT / "solutions" / f"{notebook}.ipynb").read_text())["cells"]
    source = next("".join(c["source"]) for c in cells if c.get("id") == "lesson")
    call = next(node for node in ast.walk(ast.parse(source))
                if isinstance(node, ast.Call) and ast.unparse(node.func) == "dlicourse.lesson")
    figures = {k.arg: 0.0 for k in call.keywords if k.arg != "claims"}
    assert figures, "a lesson holds the run to at least one measured figure"
    for profile in ("workshop", "fast"):
        assert len(lessons.rows(notebook, profile, figures, {})) == len(figures)


def test_a_cell_ending_in_the_lesson_call_shows_only_the_table():
    from IPython.core.formatters import DisplayFormatter

    held = dlicourse.lesson("01_louie", "workshop", tiny_train_accuracy=1.0)
    assert held and DisplayFormatter().format(held) == ({}, {})


def test_the_verdict_is_kept_beside_the_figures_figure_by_figure(tmp_path, monkeypatch):
    """The lesson cell's values (often differences of figures) and claims reach `benchmarks/robustness.py`."""
    from dlicourse import figures

    monkeypatch.setenv(lessons.BATCH_ENV, "0")
    monkeypatch.setattr(lessons, "batch_run", lambda: False)
    figures.begin(tmp_path)
    lessons.lesson("01_louie", "workshop", claims={"more data helps": True},
                   tiny_train_accuracy=1.0, big_heldout_accuracy=0.9)
    verdict = figures.read_lesson(tmp_path)
    assert verdict["held"] is False and verdict["claims"] == {"more data helps": True}
    assert verdict["figures"]["big_heldout_accuracy"] == {"value": 0.9, "min": 0.95, "max": None}
