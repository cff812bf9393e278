"""Checks for 02_deployment: preparing photos as for training, and a model that prepares them itself."""

from __future__ import annotations

import numbers

import numpy as np

from dlicourse.check._core import Verdict, described, missing, verdict
from dlicourse.check._help import exercise
from dlicourse.images import resize


@exercise('02_deployment',
          'Resize each photo on its own: [resize(p, size) for p in photos].',
          'np.stack(...) turns that list into one batch.',
          'Nothing else: no / 255, no channel swap; the model does the rest.',
          title="Exercise 1: prepare the photos as for training")
def prepared(photos: np.ndarray, right: np.ndarray, size: tuple[int, int]) -> Verdict:
    """`right` holds each photo resized to `size`, still RGB and 0-255, as the model was trained."""
    if (failed := missing(right=right)) is not None:
        return failed
    try:
        batch = np.asarray(right)
    except ValueError:
        return verdict(False, "the photos in `right` have different sizes: resize each one with "
                              "`resize(photo, size)` and `np.stack` them into one batch.")
    expected = (len(photos), *size, 3)
    if batch.shape != expected:
        return verdict(False, f"`right` has shape {batch.shape}; resize every photo to get {expected}.")
    if not np.issubdtype(batch.dtype, np.number):
        return verdict(False, f"`right` holds {batch.dtype} values, not pixels: resize each photo with "
                              "`resize(photo, size)`.")
    if batch.max() <= 1.0:
        return verdict(False, "the pixels of `right` run 0 to 1: the model scales them itself, so keep them 0-255.")
    reference = np.stack([resize(p, size) for p in photos])
    if np.array_equal(batch, reference[..., ::-1]):
        return verdict(False, "the channels of `right` are in BGR order; the model was trained on RGB.")
    if not np.allclose(batch.astype(np.float64), reference, atol=1):
        return verdict(False, "`right` is not quite the training preparation: resize each photo with "
                              "`resize(photo, size)`, nothing else.")
    return verdict(True, f"{len(batch)} photos at {size[0]}x{size[1]}, RGB, 0-255, as in training.")


@exercise('02_deployment',
          'keras.Sequential([...]) takes layers and whole models alike.',
          'First keras.Input(shape=(None, None, 3)): any height and width.',
          'Then layers.Resizing(*size), then the trained `model`.',
          title="Exercise 2: a model that prepares its own input")
def deployment_model(deployed: object, model: object, size: tuple[int, int]) -> Verdict:
    """`deployed` takes an RGB photo of any size and answers as `model` does on the photo at `size`."""
    if (failed := missing(deployed=deployed)) is not None:
        return failed
    import keras

    if not isinstance(deployed, keras.Model):
        return verdict(False, f"`deployed` is {described(deployed)}; build it with `keras.Sequential([...])`.")
    rng = np.random.default_rng(0)
    same = rng.integers(0, 256, (2, *size, 3)).astype("float32")
    bigger = rng.integers(0, 256, (1, 2 * size[0] + 3, 2 * size[1] + 5, 3)).astype("float32")
    try:
        ours = keras.ops.convert_to_numpy(deployed(same))
        keras.ops.convert_to_numpy(deployed(bigger))
    except Exception as err:  # noqa: BLE001 - the learner's model; its error is the hint
        return verdict(False, f"`deployed` fails on a photo of another size ({type(err).__name__}): start with "
                              "`keras.Input(shape=(None, None, 3))` and a `layers.Resizing` layer.")
    theirs = keras.ops.convert_to_numpy(model(same))
    if ours.shape != theirs.shape or not np.allclose(ours, theirs, atol=1e-4):
        return verdict(False, "on a photo already at the model's size, `deployed` should answer exactly as "
                              "`model` does: add only the Resizing layer in front of it.")
    return verdict(True, "any size in, the trained model's answer out; nobody can forget to resize.")


@exercise("02_deployment",
          "The door has one dog in front of it at a time: how many photos can it put in a batch?",
          "Its batch must also answer within latency_budget_ms: read the latency column.",
          "The archive has millions of photos and nobody waits for one: read the images/s column.",
          title="Exercise 3: pick the batch sizes")
def batch_sizes(door_batch_size: object, archive_batch_size: object, timings: list[dict],
                latency_budget_ms: float) -> Verdict:
    """The door: batch 1 within the latency budget; the archive: the batch size with the most images/s."""
    if (failed := missing(door_batch_size=door_batch_size, archive_batch_size=archive_batch_size)) is not None:
        return failed
    table = {t["batch size"]: t for t in timings}
    for name, chosen in (("door_batch_size", door_batch_size), ("archive_batch_size", archive_batch_size)):
        if not isinstance(chosen, numbers.Integral):
            return verdict(False, f"`{name}` is {described(chosen)}; it should be one batch size, a whole number "
                                  "from the table's \"batch size\" column.")
        if chosen not in table:
            return verdict(False, f"`{name}` = {chosen} is not in the measured table: pick one of its batch sizes.")
    door = table[door_batch_size]
    if door["latency ms"] > latency_budget_ms:
        return verdict(False, f"a batch of {door_batch_size} takes {door['latency ms']} ms, over the door's "
                              f"budget of {latency_budget_ms} ms: the dog would be kept waiting.")
    if door_batch_size != 1:
        return verdict(False, f"a batch of {door_batch_size} means waiting for {door_batch_size} dogs before the "
                              "door answers the first one: the door sees one dog at a time.")
    fastest = max(t["images/s"] for t in timings)
    if table[archive_batch_size]["images/s"] < 0.95 * fastest:
        return verdict(False, f"a batch of {archive_batch_size} sorts {table[archive_batch_size]['images/s']} "
                              "photos a second; another batch size sorts clearly more. Nobody waits for one "
                              "archive photo: only the photos per second count.")
    return verdict(True, f"the door answers one dog in {door['latency ms']} ms; the archive sorts "
                         f"{table[archive_batch_size]['images/s']} photos a second in batches of "
                         f"{archive_batch_size}, each call slower but many photos at once.")
