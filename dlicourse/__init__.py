"""dlicourse: the plumbing behind the course notebooks.

Importing it is cheap (no TensorFlow), so the command line starts fast. It quiets TensorFlow's C++
log before any notebook imports Keras, because those lines bury the lesson's own output.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from dlicourse.course import record, start  # noqa: E402
from dlicourse.lessons import lesson, targets  # noqa: E402
from dlicourse.placeholders import FIXME  # noqa: E402

__version__ = "0.1.0"
__all__ = ["FIXME", "lesson", "record", "start", "targets", "__version__"]
