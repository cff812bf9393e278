"""The check of 01_louie's exercise: the same network, more data."""

from __future__ import annotations

import numpy as np

from dlicourse.check._core import Verdict, missing, verdict
from dlicourse.check._help import exercise


def _shares_photos(x: np.ndarray, other: np.ndarray) -> bool:
    seen = {photo.tobytes() for photo in np.ascontiguousarray(other)}
    return any(photo.tobytes() in seen for photo in np.ascontiguousarray(x))


@exercise('01_louie',
          'dogs.louie_dataset(split) loads one split by its name.',
          'The big split is called "big".')
def more_data(train: object, tiny: object, heldout: object, min_photos: int = 2000) -> Verdict:
    """`train` must be many balanced photos of the size the network takes, none of them held out."""
    if (failed := missing(train=train)) is not None:
        return failed
    if not (hasattr(train, "x") and hasattr(train, "y")):
        return verdict(False, "`train` should be photos with labels, `.x` and `.y`, as `dogs.louie_dataset(...)` "
                              "returns.")
    x, y = np.asarray(train.x), np.asarray(train.y)
    if len(x) != len(y):
        return verdict(False, f"`train` has {len(x)} photos but {len(y)} labels.")
    if x.shape[1:] != tiny.x.shape[1:]:
        return verdict(False, f"These photos are {'x'.join(map(str, x.shape[1:]))}; the network takes "
                              f"{'x'.join(map(str, tiny.x.shape[1:]))}, like the tiny set: leave `size` as it was.")
    if _shares_photos(x, heldout.x):
        return verdict(False, "`train` holds held-out photos. They must stay unseen, or their accuracy "
                              "proves nothing: train on the `big` split.")
    if len(x) < min_photos:
        return verdict(False, f"{len(x)} photos is still few: the `big` split has thousands.")
    counts = np.bincount(y, minlength=2)
    if counts.min() < 0.4 * len(y):
        return verdict(False, f"{counts[0]} photos of Louie and {counts[1]} of other dogs: a lopsided set "
                              "teaches the network to guess the bigger class.")
    return verdict(True, f"Right: {len(x):,} photos, {counts[0]:,} of Louie and {counts[1]:,} of other dogs, "
                         "for the same network.")
