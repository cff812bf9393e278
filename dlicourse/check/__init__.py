"""Exercise checks: one call in a lab says whether an exercise is done, kindly and exactly.

Each check prints one line that starts with a word, "Right:" or "Not yet:" and what to look at, and returns
a `Verdict`, which is truthy when the exercise passes. A check never raises on a learner's mistake: the
message is the help. While the exercise still holds its FIXME, the check raises `NotAttempted` instead,
one line in Jupyter that names the exercise, so that *Run All* stops at the first one left to do.
"""

from dlicourse.check._core import NotAttempted, Verdict
from dlicourse.check.assessment import whale_classifier
from dlicourse.check.attention import grad_cam, occlusion
from dlicourse.check.deployment import batch_sizes, deployment_model, prepared
from dlicourse.check.louie import learning_curve
from dlicourse.check.mnist import augmented, best_learning_rate, inverted, wider_filters
from dlicourse.check.segmentation import soft_dice, upsampling
from dlicourse.check.smaller import calibration, loss_scale, ship_sparsity
from dlicourse.check.transfer import fine_tuning, frozen_head
from dlicourse.check.welcome import edge_kernel
from dlicourse.check.whales import fully_convolutional, sliding_window

__all__ = ["NotAttempted", "Verdict", "augmented", "batch_sizes", "best_learning_rate", "calibration",
           "deployment_model", "edge_kernel", "fine_tuning", "frozen_head", "fully_convolutional", "grad_cam",
           "inverted", "learning_curve", "loss_scale", "occlusion", "prepared", "ship_sparsity", "sliding_window",
           "soft_dice", "upsampling", "whale_classifier", "wider_filters"]
