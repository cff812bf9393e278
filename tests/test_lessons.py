"""Lesson targets: the workshop's by default, a lighter profile's own where it sets any, none in a lab's settings."""

import json

import pytest
from conftest import ROOT

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
    assert any(f'dlicourse.targets("{notebook}", profile)' in "".join(c["source"]) for c in cells)
