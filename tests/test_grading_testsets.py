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


def test_each_attempt_has_its_own_draw_that_the_seed_and_the_hand_in_s_hash_reproduce():
    secret, ada, ada_again = 987_654_321, "a" * 64, "b" * 64
    draw = testsets.attempt_seed(secret, ada)
    assert draw == testsets.attempt_seed(secret, ada) and 0 <= draw < 2**63
    assert len({draw, testsets.attempt_seed(secret, ada_again), testsets.attempt_seed(secret + 1, ada)}) == 3

    first, again, changed = (testsets.attempt_set(6, secret, sha) for sha in (ada, ada, ada_again))
    assert all(np.array_equal(a, b) for a, b in zip(first.images, again.images, strict=True))
    assert not any(np.array_equal(a, b) for a in first.images for b in changed.images)
    assert first.answers == again.answers and first.seed == changed.seed == secret  # the gradebook keeps the class's
    assert f"seed {draw}" in first.source and f"sha256 {ada[:12]}" in first.source
    assert all(np.array_equal(a, b) for a, b in zip(first.images, grading.whale_set(6, seed=draw).images, strict=True))
