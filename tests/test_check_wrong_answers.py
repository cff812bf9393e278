"""Every check, tried with the wrong answers a learner plausibly gives (issue 38): the FIXME left in place, a
wrong axis, sign, shape, type, an off-by-one, a value that is close. Each must give its own message, and
every message must read well where a learner reads it:

- it begins with a word that says right or not yet ("Not yet:", "Not attempted yet:"), before any symbol,
  so that a browser without an emoji font (where ✅ and ❌ are the same empty box) still says which;
- it names things by the learner's own names: every name in backticks is one the lab's cells (up to and
  including the exercise) or its prose use;
- no unfilled `{...}` template, one or two lines, no path into the library;
- and, for the cases that say so, it never gives away the expected value.

`submission.py`'s self-check (the file run as a script, as 07 runs it) is tried the same way, and so is
the practice grade's reason for a file with its FIXMEs left in.
"""

from __future__ import annotations

import functools
import re
import runpy
import sys

import keras
import nbformat
import numpy as np
import pytest
from conftest import ROOT
from test_check_attention import _cam as cam  # Grad-CAM with one step done otherwise

from dlicourse import FIXME, check, reference_maps
from dlicourse.images import resize
from dlicourse.placeholders import FixmeError

# -- the contexts the checks run in, small and fixed --------------------------------------------------------

PHOTOS = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
SIZE = (16, 16)
TIMINGS = [{"batch size": 1, "latency ms": 5.0, "images/s": 200.0},
           {"batch size": 64, "latency ms": 80.0, "images/s": 800.0},
           {"batch size": 256, "latency ms": 400.0, "images/s": 640.0}]
SWEEP = {0.1: 0.11, 0.01: 0.95, 0.001: 0.97, 0.0001: 0.9}
DIGITS = np.random.default_rng(1).integers(1, 255, (6, 8, 8, 1), dtype=np.uint8)
LABELS = np.arange(6) % 3
SOBEL = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
GOOD_CURVE = {8: 0.5, 50: 0.6, 200: 0.8, 800: 0.9, 2400: 0.96}
GRADS = np.concatenate([np.full(90, 2.0 ** -30), np.full(10, 2.0 ** -3)]).astype(np.float32)
CROPS = np.random.default_rng(2).integers(0, 256, (2, 20, 4, 4, 3), dtype=np.uint8)
DROPS = {0.5: 0.0, 0.8: 0.004, 0.9: 0.008, 0.95: 0.03}
TOP = ("block4",)


def _model(size=16, outputs=2, rescale=True, activation="softmax", inputs=True):
    stack = ([keras.Input((size, size, 3))] if inputs else []) + ([keras.layers.Rescaling(1 / 255)] if rescale else [])
    return keras.Sequential([*stack, keras.layers.Flatten(), keras.layers.Dense(outputs, activation=activation)])


@functools.cache
def deployment_model():
    return _model()


@functools.cache
def whale_classifier():
    keras.utils.set_random_seed(0)
    return keras.Sequential([
        keras.Input((32, 32, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(6, activation="relu", name="fc1"), keras.layers.Dense(2, activation="softmax", name="fc2")])


@functools.cache
def base():
    from dlicourse.instructor.pretrain.architecture import build_base

    return build_base(size=32, widths=(4, 8, 8, 16))


def top_layers():
    return [layer.name for layer in base().layers if layer.name.startswith(TOP)]


def window_loop(column=0, moves=True, shift=0, batch=True):
    """The lab's sliding-window loop, right or with one mistake."""
    from dlicourse import detection

    def sliding_window(classifier, scene, stride):
        window = detection.window_size(classifier)[0]
        rows, cols = detection.grid_shape(scene.shape, (window, window), stride)
        heat = np.zeros((rows, cols))
        for row in range(rows):
            for col in range(cols):
                top, left = (row * stride + shift, col * stride + shift) if moves else (0, 0)
                crop = scene[top:top + window, left:left + window]
                scores = classifier.predict_on_batch(crop[None] if batch else crop)
                heat[row, col] = scores[0, column]
        return heat
    return sliding_window


def to_fcn(copy_weights=True, keep_dense=False, reuse=False):
    """The lab's `to_fully_convolutional`, right or with one mistake."""
    def to_fully_convolutional(classifier):
        fc1, fc2 = classifier.get_layer("fc1"), classifier.get_layer("fc2")
        feature_shape = tuple(classifier.get_layer("flatten").input.shape[1:])
        inputs = keras.Input(shape=(None, None, 3))
        x = inputs
        for layer in classifier.layers[: classifier.layers.index(classifier.get_layer("flatten"))]:
            x = layer(x)
        if keep_dense:  # new Dense layers: they apply to the last axis, so the model builds
            x = keras.layers.Dense(fc1.units, activation=fc1.activation)(x)
            return keras.Model(inputs, keras.layers.Dense(fc2.units, activation=fc2.activation)(x))
        if reuse:
            return keras.Model(inputs, fc2(fc1(x)))
        conv1 = keras.layers.Conv2D(fc1.units, feature_shape[:2], activation=fc1.activation)
        x = conv1(x)
        conv2 = keras.layers.Conv2D(fc2.units, 1, activation=fc2.activation)
        x = conv2(x)
        if copy_weights:
            conv1.set_weights([fc1.get_weights()[0].reshape(*feature_shape, fc1.units), fc1.get_weights()[1]])
            conv2.set_weights([fc2.get_weights()[0].reshape(1, 1, fc1.units, fc2.units), fc2.get_weights()[1]])
        return keras.Model(inputs, x)
    return to_fully_convolutional


def dice(axis=(1, 2, 3), smooth=1.0, factor=2.0, threshold=False, iou=False):
    """The lab's `soft_dice`, right or with one mistake."""
    def soft_dice(truth, predicted):
        if threshold:
            predicted = keras.ops.cast(predicted > 0.5, "float32")
        overlap = keras.ops.sum(truth * predicted, axis=axis)
        areas = keras.ops.sum(truth, axis=axis) + keras.ops.sum(predicted, axis=axis)
        if iou:
            return (overlap + smooth) / (areas - overlap + smooth)
        return (factor * overlap + smooth) / (areas + smooth)
    return soft_dice


def occlusion_variant(**kwargs):
    from dlicourse.check.attention import _occlusion_variant

    return lambda model, image, label, patch, stride: _occlusion_variant(model, image, label, patch, stride, **kwargs)


def calibration_set(images, count, cast="float32", wrap=True, scale=1):
    def representative():
        for i in range(count):
            batch = images[i:i + 1].astype(cast) / scale if scale != 1 else images[i:i + 1].astype(cast)
            yield [batch] if wrap else batch
    return representative


def used_head():
    head = keras.layers.Dense(2, activation="softmax")
    head(keras.ops.zeros((1, 4)))
    return head


def stub(*_):
    """A lab's function whose body still holds FIXME."""
    return np.maximum(FIXME, 1)


class History:
    """What `model.fit` returns: a learner who stores it as the accuracy."""


def raises(*_):
    return 1 / 0


# -- the table: check -> (what the learner did, the call, what the message must say[, what it must not]) ------

FIXED = "still FIXME"
CASES = {
    "edge_kernel": [
        ("left as FIXME", lambda: check.edge_kernel(FIXME), FIXED),
        ("all zeros", lambda: check.edge_kernel(np.zeros((3, 3))), "answers 0 to every edge"),
        ("numbers that add up to 9", lambda: check.edge_kernel(SOBEL + 1), "add up to 9"),
        ("a horizontal-edge kernel", lambda: check.edge_kernel(SOBEL.T), "horizontal edge"),
        ("2 rows of 2", lambda: check.edge_kernel(np.ones((2, 2))), "3 rows of 3"),
        ("a ragged list", lambda: check.edge_kernel([[-1, 0, 1], [-1, 1]]), "3 rows of 3 numbers"),
    ],
    "learning_curve": [
        ("a size left as FIXME", lambda: check.learning_curve({8: 0.5, FIXME: FIXME}, 2400), "still holds a FIXME"),
        ("a list", lambda: check.learning_curve([0.5, 0.9], 2400), "should be a dict"),
        ("two sizes", lambda: check.learning_curve({8: 0.5, 2400: 0.96}, 2400), "a line, not a curve"),
        ("percent", lambda: check.learning_curve({**GOOD_CURVE, 2400: 96}, 2400), "run from 0 to 1"),
        ("what fit returned", lambda: check.learning_curve({**GOOD_CURVE, 50: History()}, 2400), "not one number"),
        ("the same network each time", lambda: check.learning_curve(dict.fromkeys(GOOD_CURVE, 0.5), 2400),
         "a new `build_model()`"),
        ("more photos than there are", lambda: check.learning_curve({**GOOD_CURVE, 5000: 0.97}, 2400),
         "holds only 2400"),
    ],
    "prepared": [
        ("left as FIXME", lambda: check.prepared(PHOTOS, FIXME, SIZE), FIXED),
        ("scaled to 0-1", lambda: check.prepared(PHOTOS, np.stack([resize(p, SIZE) for p in PHOTOS]) / 255, SIZE),
         "0 to 1"),
        ("BGR", lambda: check.prepared(PHOTOS, np.stack([resize(p, SIZE) for p in PHOTOS])[..., ::-1], SIZE), "BGR"),
        ("not resized", lambda: check.prepared(PHOTOS, PHOTOS, SIZE), "shape (3, 32, 32, 3)"),
        ("cropped, not resized", lambda: check.prepared(PHOTOS, PHOTOS[:, :16, :16], SIZE), "not quite"),
        ("a list of photos of two sizes", lambda: check.prepared(PHOTOS, [PHOTOS[0], PHOTOS[1, :16]], SIZE),
         "different sizes"),
    ],
    "deployment_model": [
        ("left as FIXME", lambda: check.deployment_model(FIXME, deployment_model(), SIZE), FIXED),
        ("the model as it is", lambda: check.deployment_model(deployment_model(), deployment_model(), SIZE),
         "another size"),
        ("a new, untrained model", lambda: check.deployment_model(
            keras.Sequential([keras.Input((None, None, 3)), keras.layers.Resizing(*SIZE), _model()]),
            deployment_model(), SIZE), "answer exactly as `model`"),
        ("scaled twice", lambda: check.deployment_model(
            keras.Sequential([keras.Input((None, None, 3)), keras.layers.Resizing(*SIZE),
                              keras.layers.Rescaling(1 / 255), deployment_model()]), deployment_model(), SIZE),
         "add only the Resizing layer"),
        ("a function", lambda: check.deployment_model(lambda photo: photo, deployment_model(), SIZE),
         "`deployed` is a function"),
    ],
    "batch_sizes": [
        ("left as FIXME", lambda: check.batch_sizes(FIXME, FIXME, TIMINGS, 100), FIXED),
        ("a batch at the door", lambda: check.batch_sizes(64, 64, TIMINGS, 100), "waiting for 64 dogs"),
        ("the biggest batch for the archive", lambda: check.batch_sizes(1, 256, TIMINGS, 100),
         "another batch size sorts clearly more"),
        ("a batch size not measured", lambda: check.batch_sizes(3, 64, TIMINGS, 100), "not in the measured table"),
        ("the table's row, not its batch size", lambda: check.batch_sizes(1, TIMINGS[1], TIMINGS, 100),
         "`archive_batch_size` is a dict"),
        ("over the budget", lambda: check.batch_sizes(1, 64, TIMINGS, 2), "over the door's budget"),
    ],
    "best_learning_rate": [
        ("left as FIXME", lambda: check.best_learning_rate(FIXME, SWEEP), FIXED),
        ("the second best", lambda: check.best_learning_rate(0.01, SWEEP), "one rate did better", "0.001"),
        ("a rate not tried", lambda: check.best_learning_rate(0.5, SWEEP), "not one of the rates tried"),
        ("the best accuracy", lambda: check.best_learning_rate(0.97, SWEEP), "a validation accuracy"),
        ("text", lambda: check.best_learning_rate("0.001", SWEEP), "`best_learning_rate` is a str"),
    ],
    "inverted": [
        ("left as FIXME", lambda: check.inverted(DIGITS, FIXME), FIXED),
        ("not inverted", lambda: check.inverted(DIGITS, DIGITS), "nothing was inverted"),
        ("1 - pixel", lambda: check.inverted(DIGITS, 1 - DIGITS.astype(float)), "255 - p"),
        ("minus pixel", lambda: check.inverted(DIGITS, -DIGITS), "255 - p"),
        ("a few images only", lambda: check.inverted(DIGITS, 255 - DIGITS[:2]), "should match the test images"),
        ("half of them", lambda: check.inverted(DIGITS, np.concatenate([255 - DIGITS[:3], DIGITS[3:]])),
         "not 255 - pixel"),
        ("254 - pixel", lambda: check.inverted(DIGITS, 254 - DIGITS), "not 255 - pixel"),
    ],
    "augmented": [
        ("left as FIXME", lambda: check.augmented(DIGITS, LABELS, FIXME, FIXME), FIXED),
        ("the originals twice", lambda: check.augmented(DIGITS, LABELS, np.concatenate([DIGITS, DIGITS]),
                                                        np.concatenate([LABELS, LABELS])), "don't match"),
        ("labels shuffled", lambda: check.augmented(DIGITS, LABELS, np.concatenate([DIGITS, 255 - DIGITS]),
                                                    np.concatenate([LABELS, LABELS[::-1]])), "does not give each"),
        ("labels once", lambda: check.augmented(DIGITS, LABELS, np.concatenate([DIGITS, 255 - DIGITS]), LABELS),
         "12 images but `y_augmented` 6 labels"),
        ("the wrong axis", lambda: check.augmented(DIGITS, LABELS, np.concatenate([DIGITS, 255 - DIGITS], axis=1),
                                                   np.concatenate([LABELS, LABELS])), "should hold 12 images"),
    ],
    "wider_filters": [
        ("left as FIXME", lambda: check.wider_filters(FIXME), FIXED),
        ("one layer wider", lambda: check.wider_filters((64, 64)), "not wider than today's"),
        ("today's", lambda: check.wider_filters((32, 64)), "not wider than today's"),
        ("one number", lambda: check.wider_filters((64,)), "2 whole numbers"),
        ("a word", lambda: check.wider_filters("wide"), "two whole numbers"),
        ("far too wide", lambda: check.wider_filters((1024, 2048)), "long time"),
    ],
    "sliding_window": [
        ("the stub", lambda: check.sliding_window(lambda classifier, scene, stride: FIXME, whale_classifier()),
         "still FIXME inside"),
        ("the not-face column", lambda: check.sliding_window(window_loop(column=1), whale_classifier()),
         "not-face"),
        ("a window that never moves", lambda: check.sliding_window(window_loop(moves=False), whale_classifier()),
         "(row * stride, col * stride)"),
        ("off by one", lambda: check.sliding_window(window_loop(shift=1), whale_classifier()),
         "given a 32x31 crop; it takes 32x32 windows"),
        ("one crop, not a batch", lambda: check.sliding_window(window_loop(batch=False), whale_classifier()),
         "not a batch: give it crop[None]"),
        ("the wrong shape", lambda: check.sliding_window(lambda m, s, st: np.zeros((2, 2)), whale_classifier()),
         "window positions"),
        ("a loop that fails", lambda: check.sliding_window(raises, whale_classifier()), "ZeroDivisionError"),
    ],
    "fully_convolutional": [
        ("the stub", lambda: check.fully_convolutional(whale_classifier(), stub), "still FIXME inside"),
        ("Dense layers kept", lambda: check.fully_convolutional(whale_classifier(), to_fcn(keep_dense=True)),
         "still has Dense layers"),
        ("fc1 itself on the feature map", lambda: check.fully_convolutional(whale_classifier(), to_fcn(reuse=True)),
         "applies `fc1`, a Dense layer"),
        ("weights not copied", lambda: check.fully_convolutional(whale_classifier(), to_fcn(copy_weights=False)),
         "other scores than the classifier"),
        ("no model returned", lambda: check.fully_convolutional(whale_classifier(), lambda classifier: "fcn"),
         "gives a str"),
        ("a function that fails", lambda: check.fully_convolutional(whale_classifier(), raises),
         "`to_fully_convolutional(classifier)` failed"),
    ],
    "upsampling": [
        ("left as FIXME", lambda: check.upsampling(FIXME, FIXME, FIXME, FIXME), FIXED),
        ("stride 1", lambda: check.upsampling(3, 1, 16, 8), "keeps the size"),
        ("back to half size", lambda: check.upsampling(3, 2, 8, 4), "undo all the downsampling"),
        ("a kernel smaller than its stride", lambda: check.upsampling(3, 2, 4, 8), "leaves gaps"),
        ("stride 3", lambda: check.upsampling(3, 3, 16, 8), "divides it evenly"),
        ("strides as a pair", lambda: check.upsampling(3, (2, 2), 16, 8), "one whole number"),
        ("a kernel that skips pixels", lambda: check.upsampling(1, 2, 16, 8), "skips pixels"),
    ],
    "soft_dice": [
        ("the stub", lambda: check.soft_dice(lambda truth, predicted: FIXME), "still returns FIXME"),
        ("no 1 above and below", lambda: check.soft_dice(dice(smooth=0)), "a division by zero"),
        ("one number for the batch", lambda: check.soft_dice(dice(axis=None)), "one Dice per image"),
        ("the wrong axes", lambda: check.soft_dice(dice(axis=(1, 2))), "shape (4,): sum over axis=(1, 2, 3)"),
        ("a thresholded mask", lambda: check.soft_dice(dice(threshold=True)), "0.5 everywhere"),
        ("IoU", lambda: check.soft_dice(dice(iou=True)), "Work that case out by hand"),
        ("no factor 2", lambda: check.soft_dice(dice(factor=1)), "Work that case out by hand"),
        ("a function that fails", lambda: check.soft_dice(raises), "raised ZeroDivisionError"),
    ],
    "frozen_head": [
        ("left as FIXME", lambda: check.frozen_head(FIXME, FIXME, 2), FIXED),
        ("a trainable base", lambda: check.frozen_head(True, keras.layers.Dense(2, activation="softmax"), 2),
         "not trainable (False)"),
        ("three outputs", lambda: check.frozen_head(False, keras.layers.Dense(3, activation="softmax"), 2),
         "one per class"),
        ("no softmax", lambda: check.frozen_head(False, keras.layers.Dense(2), 2), "softmax"),
        ("a convolution", lambda: check.frozen_head(False, keras.layers.Conv2D(2, 1), 2), "one `layers.Dense`"),
        ("a layer already used", lambda: check.frozen_head(False, used_head(), 2), "already used"),
    ],
    "fine_tuning": [
        ("left as FIXME", lambda: check.fine_tuning(base(), FIXME, FIXME, 1e-3, TOP), FIXED),
        ("part of the top block", lambda: check.fine_tuning(base(), top_layers()[:1], 1e-4, 1e-3, TOP),
         "in the top block too"),
        ("a layer below it", lambda: check.fine_tuning(base(), [*top_layers(), "block3_conv"], 1e-4, 1e-3, TOP),
         "below the top block"),
        ("one name, not a list", lambda: check.fine_tuning(base(), "block4_conv", 1e-4, 1e-3, TOP),
         "list of layer names"),
        ("the layers, not their names", lambda: check.fine_tuning(
            base(), [la for la in base().layers if la.name.startswith(TOP)], 1e-4, 1e-3, TOP), "list of layer names"),
        ("the head's rate", lambda: check.fine_tuning(base(), top_layers(), 1e-3, 1e-3, TOP), "wreck"),
        ("a rate too low", lambda: check.fine_tuning(base(), top_layers(), 1e-8, 1e-3, TOP), "hardly move", "1e-4"),
        ("a negative rate", lambda: check.fine_tuning(base(), top_layers(), -1e-4, 1e-3, TOP), "above 0"),
        ("a name that is not there", lambda: check.fine_tuning(base(), [*top_layers(), "nope"], 1e-4, 1e-3, TOP),
         "no layer named 'nope'"),
    ],
    "whale_classifier": [
        ("left as FIXME", lambda: check.whale_classifier(FIXME, 16), FIXED),
        ("no Rescaling", lambda: check.whale_classifier(_model(rescale=False), 16), "Rescaling(1 / 255)"),
        ("three outputs", lambda: check.whale_classifier(_model(outputs=3), 16), "it needs 2 scores"),
        ("another crop size", lambda: check.whale_classifier(_model(size=32), 16), "the crops are (16, 16, 3)"),
        ("a string", lambda: check.whale_classifier("a model", 16), "build a Keras model"),
        ("no softmax", lambda: check.whale_classifier(_model(activation=None), 16), "don't add up to 1"),
        ("no Input", lambda: check.whale_classifier(_model(inputs=False), 16), "no input shape yet"),
    ],
    "occlusion": [
        ("the stub", lambda: check.occlusion(stub), "still FIXME inside"),
        ("the opposite sign", lambda: check.occlusion(lambda *a: -reference_maps.occlusion_map(*a)),
         "opposite sign"),
        ("the wrong shape", lambda: check.occlusion(lambda *a: reference_maps.occlusion_map(*a)[:16]),
         "rows and columns"),
        ("the sum, not the mean", lambda: check.occlusion(lambda m, im, label, patch, stride: reference_maps
                                                          .occlusion_map(m, im, label, patch, stride) * 4), "mean"),
        ("nothing added up", lambda: check.occlusion(lambda m, image, *a: np.zeros(image.shape[:2])),
         "0 everywhere"),
        ("the last position left out", lambda: check.occlusion(occlusion_variant(last=False)), "last square"),
        ("another grey", lambda: check.occlusion(occlusion_variant(grey=128.0)), "painted 128"),
        ("a function that fails", lambda: check.occlusion(raises), "ZeroDivisionError"),
    ],
    "grad_cam": [
        ("the stub", lambda: check.grad_cam(lambda *a: FIXME), "still FIXME inside"),
        ("not upsampled", lambda: check.grad_cam(cam(lambda g: g.mean(axis=(1, 2)), upsample=False)), "upsample"),
        ("no ReLU", lambda: check.grad_cam(cam(lambda g: g.mean(axis=(1, 2)), relu=False)), "ReLU"),
        ("the sum of the gradients", lambda: check.grad_cam(cam(lambda g: g.sum(axis=(1, 2)))), "mean"),
        ("their maximum", lambda: check.grad_cam(cam(lambda g: g.max(axis=(1, 2)))), "one weight per channel"),
        ("a function that fails", lambda: check.grad_cam(raises), "ZeroDivisionError"),
    ],
    "loss_scale": [
        ("left as FIXME", lambda: check.loss_scale(FIXME, GRADS), FIXED),
        ("1,000, as the slides", lambda: check.loss_scale(1000, GRADS), "not a power of two"),
        ("too big", lambda: check.loss_scale(2 ** 20, GRADS), "too big"),
        ("too small", lambda: check.loss_scale(2 ** 2, GRADS), "still round to zero"),
        ("negative", lambda: check.loss_scale(-4, GRADS), "at least 1"),
        ("text", lambda: check.loss_scale("2 ** 10", GRADS), "`loss_scale` is a str"),
    ],
    "calibration": [
        ("left as FIXME", lambda: check.calibration(FIXME, FIXME, CROPS[0], CROPS[1]), FIXED),
        ("the body left as FIXME", lambda: check.calibration(lambda: None, 3, CROPS[0], CROPS[1]),
         "gives nothing yet"),
        ("one crop too few", lambda: check.calibration(calibration_set(CROPS[0], 5), 6, CROPS[0], CROPS[1]),
         "yields 5 times"),
        ("validation crops", lambda: check.calibration(calibration_set(CROPS[1], 3), 3, CROPS[0], CROPS[1]),
         "validation crops"),
        ("uint8", lambda: check.calibration(calibration_set(CROPS[0], 3, cast="uint8"), 3, CROPS[0], CROPS[1]),
         "float32 of shape"),
        ("no list", lambda: check.calibration(calibration_set(CROPS[0], 3, wrap=False), 3, CROPS[0], CROPS[1]),
         "list with one batch"),
        ("scaled to 0-1", lambda: check.calibration(calibration_set(CROPS[0], 3, scale=255), 3, CROPS[0], CROPS[1]),
         "changed copies"),
        ("a function that fails", lambda: check.calibration(raises, 3, CROPS[0], CROPS[1]), "ZeroDivisionError"),
    ],
    "ship_sparsity": [
        ("left as FIXME", lambda: check.ship_sparsity(FIXME, DROPS, 0.01), FIXED),
        ("over the budget", lambda: check.ship_sparsity(0.95, DROPS, 0.01), "more than the budget"),
        ("not the highest", lambda: check.ship_sparsity(0.5, DROPS, 0.01), "a higher sparsity", "90%"),
        ("one not measured", lambda: check.ship_sparsity(0.7, DROPS, 0.01), "pick one of"),
        ("percent", lambda: check.ship_sparsity(90, DROPS, 0.01), "as a share of the weights"),
        ("text", lambda: check.ship_sparsity("0.9", DROPS, 0.01), "`ship` is a str"),
    ],
}

CHECKS = [name for name in check.__all__ if name not in ("Verdict", "NotAttempted")]


def message(call) -> str:
    """What the learner reads: the printed verdict, or the one line a not-attempted exercise stops with."""
    try:
        result = call()
    except check.NotAttempted as stopped:
        return str(stopped)
    assert isinstance(result, check.Verdict) and not result, result
    return result.message


# -- what the learner has seen by the exercise: the names every message may use ----------------------------

def _lab_names(name: str) -> set[str]:
    """Every name in the lab's cells up to and including the one that calls `check.<name>(`, its code and
    the `code` of its prose."""
    notebook = getattr(check, name).notebook
    names = {"check"}
    for cell in nbformat.read(ROOT / "labs" / f"{notebook}.ipynb", as_version=4).cells:
        text = cell.source if cell.cell_type == "code" else " ".join(re.findall(r"`([^`]+)`", cell.source))
        names |= set(re.findall(r"[A-Za-z_]\w*", text))
        if cell.cell_type == "code" and f"check.{name}(" in cell.source:
            return names
    raise AssertionError(f"no cell of labs/{notebook}.ipynb calls check.{name}")


LAB_NAMES = {name: _lab_names(name) for name in CHECKS}
TEMPLATE = re.compile(r"\{[A-Za-z_][^{}]*\}")  # an f-string's field left unfilled, e.g. {len(truth)}
LIBRARY = re.compile(r"dlicourse|site-packages|Traceback|\.py\b(?<!submission\.py)|[/\\]\w+[/\\]")


def assert_reads_well(text: str, names: set[str]) -> None:
    assert re.match(r"(Not yet|Not attempted yet): \S", text), f"no word first: {text!r}"
    assert not TEMPLATE.search(text), f"an unfilled template: {text!r}"
    assert text == text.strip() and text.count("\n") <= 1 and len(text) <= 250, f"more than two lines: {text!r}"
    assert not LIBRARY.search(text), f"a library path: {text!r}"
    for quoted in re.findall(r"`([^`]+)`", text):
        if (first := re.match(r"[A-Za-z_]\w*", quoted)) is not None:
            assert first[0] in names, f"`{quoted}` is not a name the learner has: {text!r}"


def test_every_check_is_tried_with_at_least_three_wrong_answers():
    assert set(CASES) == set(CHECKS)
    for name, cases in CASES.items():
        assert len([c for c in cases if "FIXME" not in c[0] and "stub" not in c[0]]) >= 3, name


@pytest.mark.parametrize("name, what, call, says, never", [
    pytest.param(name, case[0], case[1], case[2], case[3] if len(case) > 3 else None, id=f"{name}: {case[0]}")
    for name, cases in CASES.items() for case in cases])
def test_a_wrong_answer_gets_its_own_message_in_the_learners_words(name, what, call, says, never, capsys):
    text = message(call)
    printed = capsys.readouterr().out
    assert says in text, f"{what}: {text!r}"
    assert_reads_well(text, LAB_NAMES[name])
    if text.startswith("Not attempted yet"):
        assert printed == "" and getattr(check, name).title in text and f"`check.{name}.hint()`" in text
    else:
        assert printed == text + "\n"  # printed once, as it is returned
    if never is not None:
        assert never not in text, f"gives the answer away: {text!r}"


def test_each_exercise_title_is_a_heading_of_its_lab():
    for name in CHECKS:
        helper = getattr(check, name)
        lab = (ROOT / "labs" / f"{helper.notebook}.ipynb").read_text()
        assert f"# {helper.title}\\n" in lab, (name, helper.title)


# -- submission.py: its self-check (the file run as a script) and the practice grade -------------------------

FILLED = {"load": ("model = FIXME", "model = keras.models.load_model(MODEL_FILE)"),
          "image": ("    image = FIXME", "    image = load_image(image_path, size=model.input_shape[1:3])")}


def _submission(tmp_path, *filled: str):
    source = (ROOT / "labs" / "submission.py").read_text()
    for step in filled:
        source = source.replace(*FILLED[step])
    (tmp_path / "submission.py").write_text(source)
    _model(size=16).save(tmp_path / "whale_model.keras")
    keras.utils.save_img(tmp_path / "face.png", PHOTOS[0])
    return tmp_path / "submission.py"


@pytest.mark.parametrize("filled, says", [
    ((), "submission.py, line 25: `model` is still FIXME."),
    (("load",), "submission.py, line 31, in predict(): `image` is still FIXME."),
    (("load", "image"), "submission.py, line 32, in predict(): `scores` is still FIXME."),
])
def test_the_self_check_of_an_unfinished_submission_names_its_line(tmp_path, monkeypatch, filled, says):
    """`python submission.py IMAGE`, as 07's self-checks run it: it stops with one line that names the file, the
    function and the line still to do (the self-check prints the last line of the output)."""
    path = _submission(tmp_path, *filled)
    monkeypatch.setattr(sys, "argv", [str(path), str(tmp_path / "face.png")])
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(SystemExit) as ended:
        runpy.run_path(str(path), run_name="__main__")
    text = str(ended.value.code)
    assert text == f"Not attempted yet: {says} Replace it with your code and save the file."
    assert_reads_well(text, set(re.findall(r"[A-Za-z_]\w*", path.read_text())))


def test_the_practice_grade_of_an_unfinished_submission_names_its_line(tmp_path, monkeypatch):
    """The grader's child reports a failed `predict` in one line: the placeholder's message, and where in
    submission.py it was used, not a line of the library."""
    from dlicourse.grading import child

    monkeypatch.syspath_prepend(str(tmp_path))
    submission = runpy.run_path(str(_submission(tmp_path)), run_name="submission")
    with pytest.raises(FixmeError) as raised:
        submission["predict"](str(tmp_path / "face.png"))
    assert child._describe(raised.value) == (
        "FixmeError: Not attempted yet: submission.py, line 25: `model` is still FIXME. Replace it with your code "
        "and save the file. (line 33 of submission.py)")


def test_messages_say_who_they_are_for():
    """Not attempted names the exercise: a test of the wrapper itself, on a check made for it."""
    from dlicourse.check._core import missing, verdict
    from dlicourse.check._help import exercise

    @exercise("00_welcome", "a hint", title="Exercise: a test")
    def probe(value: object) -> check.Verdict:
        failed = missing(value=value)
        return verdict(True, "fine.") if failed is None else failed

    assert probe(1).message == "Right: ✅ fine."
    with pytest.raises(check.NotAttempted) as stopped:
        probe(FIXME)
    assert str(stopped.value) == ("Not attempted yet: “Exercise: a test”. `value` is still FIXME: replace it with "
                                  "your code and run this cell. Stuck? `check.probe.hint()` gives a hint.")
    assert isinstance(stopped.value.verdict, check.Verdict) and not stopped.value.verdict.attempted
