"""Exercise checks: one call in a lab says whether an exercise is done, kindly and exactly.

Each check prints one line (a pass or what to look at) and returns a `Verdict`, which is truthy when
the exercise passes. A check never raises on a learner's mistake: the message is the help.
"""

from dlicourse.check._core import Verdict
from dlicourse.check.mnist import augmented, best_learning_rate, inverted

__all__ = ["Verdict", "augmented", "best_learning_rate", "inverted"]
