"""The test sets: balanced, and the hidden set is not the practice set."""

from __future__ import annotations

import numpy as np

from dlicourse import grading


def test_the_hidden_set_is_balanced_and_differs_from_the_practice_set():
    hidden, practice = grading.whale_set(20), grading.practice_set(20)
    assert hidden.answers.count("whale") == 10
    assert not any(np.array_equal(a, b) for a in hidden.images for b in practice.images)
