"""The test sets: balanced, and the hidden set is not the practice set."""

from __future__ import annotations

import numpy as np

from dlicourse import grading
from dlicourse.grading import testsets  # noqa: F401 - grading.testsets below


def test_the_hidden_set_is_balanced_and_differs_from_the_practice_set():
    hidden, practice = grading.whale_set(20), grading.practice_set(20)
    assert hidden.answers.count("whale") == 10
    assert not any(np.array_equal(a, b) for a in hidden.images for b in practice.images)


def test_the_assessment_shift_changes_the_look_not_the_layout_and_no_shift_changes_nothing():
    from dlicourse.datasets.whales import NO_SHIFT, make_scene

    plain = make_scene(5, (256, 320), whales=2)
    same = make_scene(5, (256, 320), whales=2, shift=NO_SHIFT)
    shifted = make_scene(5, (256, 320), whales=2, shift=grading.testsets.assessment_shift())
    assert all(np.array_equal(a, b) for a, b in zip(plain[:3], same[:3], strict=True))
    assert np.array_equal(plain[1], shifted[1]) and np.array_equal(plain[2], shifted[2])  # same whales, same boxes
    assert shifted[0].mean() < plain[0].mean() - 5  # a darker sea


def test_without_a_seed_the_hidden_set_is_fresh_and_says_its_seed():
    first, second = grading.whale_set(4), grading.whale_set(4)
    assert first.seed != second.seed and f"seed {first.seed}" in first.source
    again = grading.whale_set(4, seed=first.seed)
    assert all(np.array_equal(a, b) for a, b in zip(first.images, again.images, strict=True))
