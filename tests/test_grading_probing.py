"""The probing learner of `benchmarks/probing.py` (issue 35, section 4), for three attempts on a tiny generated
set: against one fixed set it learns images and its score rises; against a draw per attempt, what it learned never
comes back."""

from __future__ import annotations

import importlib.util
import sys

from grading_support import FAST

from dlicourse.grading import testsets
from dlicourse.paths import project_root

N, SEED, ATTEMPTS = 12, 35_4, 3


def _probing():
    """benchmarks/probing.py as a module (benchmarks/ is no package), loaded once."""
    if "probing" not in sys.modules:
        spec = importlib.util.spec_from_file_location("probing", project_root() / "benchmarks" / "probing.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["probing"] = module  # its dataclass looks its module up there
        spec.loader.exec_module(module)
    return sys.modules["probing"]


def test_a_learner_with_no_model_learns_a_fixed_set_by_resubmitting(tmp_path, private_temp):
    probing = _probing()
    learner, records = probing.play("fixed", ATTEMPTS, N, SEED, tmp_path, isolated=None, limits=FAST)
    known = [r["known_before"] for r in records] + [len(learner.known)]
    assert known == sorted(known) and known[-1] > known[1] > known[0] == 0, known
    assert all(r["hits_in_set"] == r["known_before"] for r in records)  # all it learned is in the set it meets
    scores = [r["score"] for r in records]
    assert scores == sorted(scores) and scores[-1] > scores[0], scores
    assert sum(learner.counts.values()) == N  # the per-class counts told it the set's balance
    assert len({r["files_sha256"] for r in records}) == ATTEMPTS  # each attempt a new hand-in


def test_per_attempt_draws_never_show_an_image_learned_from_an_earlier_attempt(tmp_path, private_temp):
    probing = _probing()
    learner, records = probing.play("per_attempt", ATTEMPTS, N, SEED, tmp_path, isolated=None, limits=FAST)
    assert [r["known_before"] for r in records][1:] != [0] * (ATTEMPTS - 1)  # it did learn: the check is not empty
    assert all(r["hits_in_set"] == 0 for r in records)
    # The draws again, from the hashes graded. All it learned came from them, and what it learned from the draws
    # before an attempt is none of that attempt's images.
    draws = [{probing.array_hash(image) for image in testsets.attempt_set(N, SEED, r["files_sha256"]).images}
             for r in records]
    assert set(learner.known) <= set().union(*draws)
    for k in range(1, ATTEMPTS):
        learned_before = set(learner.known) & set().union(*draws[:k])
        assert len(learned_before) == records[k]["known_before"]
        assert not draws[k] & learned_before
