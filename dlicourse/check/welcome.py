"""The check of 00_welcome's first exercise: counting the numbers in one colour photo."""

from __future__ import annotations

from dlicourse.check._core import Verdict, missing, verdict
from dlicourse.check._help import exercise


@exercise('00_welcome',
          'Each pixel holds three numbers: red, green, blue.',
          'Multiply height, width and 3.')
def pixel_values(pixel_values: object, height: int = 128, width: int = 128) -> Verdict:
    if (failed := missing(pixel_values=pixel_values)) is not None:
        return failed
    expected = height * width * 3
    if pixel_values == height * width:
        return verdict(False, "That counts the pixels; each pixel holds three numbers (red, green, blue).")
    if pixel_values != expected:
        return verdict(False, f"{pixel_values} is not it: multiply the height, the width and the 3 colours.")
    return verdict(True, f"Right: {expected:,} numbers go into the network for one {height}x{width} photo.")
