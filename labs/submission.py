"""The whale-face assessment: `predict(image_path)` says "whale" or "not whale" for one image.

The grader (`dlicourse grade`) imports this file once, which loads the model once, then calls
`predict` for each test image. To check it by hand: `python submission.py IMAGE` prints the answer.

The model is `whale_model.keras` beside this file, or the file named by the WHALE_MODEL variable.
It takes raw 0-255 RGB pixels, as it was trained: its own first layer does the scaling.
"""

import os
import sys
from pathlib import Path

import keras

from dlicourse import FIXME  # noqa: F401 - the lab's placeholders
from dlicourse.grading.answers import ANSWERS  # ("whale", "not whale"): the model's class 0 is face, 1 not_face
from dlicourse.images import ImageError, load_image
from dlicourse.placeholders import FixmeError

MODEL_FILE = Path(os.environ.get("WHALE_MODEL") or Path(__file__).with_name("whale_model.keras"))

# Load the model here, once, when the file is imported: not once per image.
# FIXME: load the saved Keras model from MODEL_FILE
model = FIXME


def predict(image_path):
    """"whale" or "not whale" for the image file at `image_path` (any size; gray, RGBA and 16-bit are fine)."""
    # FIXME: load the image as in training (RGB, 0-255, the model's input size); score a batch of one
    image = FIXME
    scores = FIXME
    return ANSWERS[int(scores.argmax())]


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python submission.py IMAGE")
    try:
        print(predict(sys.argv[1]))
    except ImageError as err:
        sys.exit(f"submission.py: {err}")
    except FixmeError as err:  # a step above is still to do: the message says which, and where
        sys.exit(str(err))
