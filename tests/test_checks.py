"""Every exercise check fails on the lab's placeholder and passes on the solution's code.

The exercise cells are taken from the notebooks themselves (matched by cell id), so the test follows
the notebooks. Each notebook with exercises supplies a small namespace for its cells below.
"""

import re

import nbformat
import numpy as np
import pytest
from conftest import ROOT, run_cell

from dlicourse import FIXME, check
from dlicourse.datasets import Split


def mnist_namespace():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (40, 28, 28, 1), dtype=np.uint8)
    y = np.arange(40) % 10
    return {"mnist": Split(x, y, x[:10], y[:10], "test"), "x_fit": x, "y_fit": y,
            "sweep": {0.1: 0.11, 0.01: 0.95, 0.001: 0.97}}


def assessment_namespace():
    import keras

    return {"keras": keras, "layers": keras.layers, "crop_size": 32}


def whale_detection_namespace():
    import keras

    keras.utils.set_random_seed(0)
    classifier = keras.Sequential([
        keras.Input((32, 32, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Conv2D(4, 3, activation="relu"),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(6, activation="relu", name="fc1"), keras.layers.Dense(2, activation="softmax", name="fc2")])
    from dlicourse import detection

    return {"keras": keras, "layers": keras.layers, "classifier": classifier, "fc1": classifier.get_layer("fc1"),
            "fc2": classifier.get_layer("fc2"), "feature_shape": (15, 15, 4), "crop_size": 32, "detection": detection}


def deployment_namespace():
    import keras

    from dlicourse.images import resize

    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    photos = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    timings = [{"batch size": 1, "latency ms": 5.0, "images/s": 200.0},
               {"batch size": 64, "latency ms": 80.0, "images/s": 800.0},
               {"batch size": 256, "latency ms": 400.0, "images/s": 640.0}]
    return {"keras": keras, "layers": keras.layers, "model": model, "size": (16, 16), "photos": photos,
            "resize": resize, "timings": timings, "latency_budget_ms": 100}


def transfer_namespace():
    import types

    import keras

    from dlicourse import bases

    return {"keras": keras, "layers": keras.layers, "bases": bases, "base": bases.load_dog_base(),
            "tiny": types.SimpleNamespace(class_names=["louie", "not louie"]), "learning_rate": 0.001}


def louie_namespace():
    """Stand-ins for the Louie splits: random 8x8 photos, as many as the real ones, so nothing is drawn."""
    import types

    from dlicourse.datasets import LabelledImages
    from dlicourse.datasets.dogs import CLASS_NAMES, SPLITS

    def louie_dataset(split, size=128):
        n = SPLITS[split]
        x = np.random.default_rng(list(SPLITS).index(split)).integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)
        return LabelledImages(x, np.arange(n) % 2, CLASS_NAMES, f"{split} photos")

    class Network:
        """Learns as much as its photos allow: held-out accuracy grows with the photos it was fit on."""

        def fit(self, x, y, **_):
            self.seen = len(x)

        def evaluate(self, x, y, verbose=0):
            return [0.1, min(0.97, 0.5 + self.seen / 5000)]

    import time

    return {"dogs": types.SimpleNamespace(louie_dataset=louie_dataset), "tiny": louie_dataset("tiny"),
            "heldout": louie_dataset("heldout"), "train": louie_dataset("big"), "build_model": Network,
            "big_epochs": 1, "batch_size": 32, "time": time, "train_seconds": 0.0, "photo_size": 128}


def segmentation_namespace():
    import keras

    return {"size": 128, "keras": keras}


def sees_namespace():
    import keras

    from dlicourse import attribution

    return {"attribution": attribution, "keras": keras}


def smaller_namespace():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, (230, 4, 4, 3), dtype=np.uint8)  # the solution calibrates on 200 crops
    grads = np.concatenate([np.full(90, 2.0 ** -30), np.full(10, 2.0 ** -3)]).astype(np.float32)
    curve = [{"sparsity": s, "accuracy, fine-tuned": a, "accuracy, dense fine-tuned as long": 0.97}
             for s, a in [(0.5, 0.97), (0.9, 0.965), (0.95, 0.94)]]
    return {"grads": grads, "x_train": x[:200], "x_val": x[200:], "curve": curve, "accuracy_budget": 0.01}


NAMESPACES = {"00_welcome": dict, "09_smaller_faster": smaller_namespace,
              "08_what_the_network_sees": sees_namespace, "05_segmentation": segmentation_namespace,
              "02_deployment": deployment_namespace, "06_transfer_learning": transfer_namespace,
              "04_whale_detection": whale_detection_namespace, "07_assessment": assessment_namespace,
              "03_mnist": mnist_namespace, "01_louie": louie_namespace}


def exercise_cells():
    for solution in sorted((ROOT / "solutions").glob("*.ipynb")):
        lab = nbformat.read(ROOT / "labs" / solution.name, as_version=4)
        lab_cells = {c.id: c for c in lab.cells}
        for cell in nbformat.read(solution, as_version=4).cells:
            if cell.cell_type == "code" and "BEGIN SOLUTION" in cell.source:
                yield pytest.param(solution.stem, cell.source, lab_cells[cell.id].source,
                                   id=f"{solution.stem}:{cell.id}")


@pytest.mark.parametrize("notebook, solution, lab", list(exercise_cells()))
def test_check_stops_at_the_placeholder_and_passes_on_solution(notebook, solution, lab, capsys):
    """The lab's cell, FIXME and all, stops there (so Run All stops at the first exercise left to do) with
    one message that names the exercise and the hint; the solution's cell prints one "Right:" line."""
    assert notebook in NAMESPACES, f"add a namespace for {notebook}'s exercises to NAMESPACES"
    base = {"np": np, "check": check, "FIXME": FIXME}
    with pytest.raises(check.NotAttempted) as stopped:
        run_cell(lab, {**base, **NAMESPACES[notebook]()})
    message = str(stopped.value)
    name = re.search(r"check\.(\w+)\(", lab)[1]
    assert message.startswith("Not attempted yet: “Exercise") and "FIXME" in message
    assert message.endswith(f"Stuck? `check.{name}.hint()` gives a hint.")
    assert stopped.value._render_traceback_() == [message] and capsys.readouterr().out == ""
    solution_verdict = run_cell(solution, {**base, **NAMESPACES[notebook]()})
    assert solution_verdict, solution_verdict.message
    out = capsys.readouterr().out
    assert out.count("✅") == 1 and out.startswith("Right: ✅ ")


def test_inverted_explains_common_mistakes(capsys):
    x = np.array([[0, 100, 255]], dtype=np.uint8)
    assert not check.inverted(x, x)
    assert not check.inverted(x, 1 - x.astype(float))
    assert "255 - p" in capsys.readouterr().out
    assert not check.inverted(x, (-x).astype(np.uint8))
    assert not check.inverted(x, np.zeros((2, 3)))
    assert check.inverted(x, 255 - x)
    assert check.inverted(x, ~x)  # bitwise not of uint8 is 255 - x too


def test_augmented_needs_matching_labels():
    x = np.arange(2 * 4, dtype=np.uint8).reshape(2, 4)
    y = np.array([3, 5])
    assert check.augmented(x, y, np.concatenate([x, 255 - x]), np.concatenate([y, y]))
    assert not check.augmented(x, y, np.concatenate([x, 255 - x]), np.concatenate([y, y[::-1]]))
    assert not check.augmented(x, y, np.concatenate([x, x]), np.concatenate([y, y]))
    assert not check.augmented(x, y, x, y)


def test_best_learning_rate_must_be_one_tried_and_the_best():
    sweep = {0.1: 0.1, 0.01: 0.9, 0.001: 0.95}
    assert check.best_learning_rate(0.001, sweep)
    assert not check.best_learning_rate(0.01, sweep)
    assert not check.best_learning_rate(0.5, sweep)


def test_upsampling_explains_shapes_that_do_not_come_back():
    assert check.upsampling(3, 2, 16, 8, image_size=128)
    assert not check.upsampling(3, 1, 16, 8, image_size=128)   # never downsamples
    assert not check.upsampling(3, 2, 8, 4, image_size=128)    # comes back at 64x64
    assert not check.upsampling(3, 2, 4, 8, image_size=128)    # kernel smaller than stride: gaps
    assert not check.upsampling(3, 3, 16, 8, image_size=128)   # 128 does not divide by 27


def test_learning_curve_explains_what_is_missing_and_never_the_answer(capsys):
    good = {8: 0.5, 50: 0.6, 200: 0.8, 800: 0.9, 2400: 0.96}
    assert check.learning_curve(good, 2400)
    with pytest.raises(check.NotAttempted, match="`curve` still holds a FIXME"):
        check.learning_curve({8: 0.5, FIXME: FIXME}, 2400)
    cases = {"draw a line, not a curve": {8: 0.5, 2400: 0.96},
             "start with a handful": {100: 0.6, 200: 0.8, 800: 0.9, 2400: 0.96},
             "go up to all of them": {8: 0.5, 50: 0.6, 200: 0.8, 800: 0.9},
             "holds only 2400": {**good, 5000: 0.97},
             "run from 0 to 1": {**good, 2400: 96},
             "a new `build_model()`": {n: 0.5 for n in good}}
    for reason, curve in cases.items():
        assert not check.learning_curve(curve, 2400)
        assert reason in capsys.readouterr().out, reason
    assert not check.learning_curve([0.5, 0.9], 2400)


def test_edge_kernel_wants_a_vertical_edge_finder(capsys):
    sobel = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    assert check.edge_kernel(sobel)
    for reason, kernel in {"3 rows of 3": np.ones((2, 2)), "answers 0 to every edge": np.zeros((3, 3)),
                           "add up to 0": sobel + 1, "horizontal edge": sobel.T}.items():
        assert not check.edge_kernel(kernel)
        assert reason in capsys.readouterr().out, reason


CHECKS = [name for name in check.__all__ if name not in ("Verdict", "NotAttempted")]


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_hints_one_step_at_a_time_then_shows_the_solution_from_its_source(name, capsys):
    helper = getattr(check, name)
    helper.hint.given = 0
    for _ in helper.hint.hints:
        helper.hint()
    helper.hint()
    lines = capsys.readouterr().out.splitlines()
    n = len(helper.hint.hints)
    assert n >= 2 and [line.split(":")[0] for line in lines[:n]] == [f"Hint {i} of {n}" for i in range(1, n + 1)]
    assert lines[n] == f"That was the last hint. `check.{name}.solution()` shows the solution."
    helper.solution()
    shown = capsys.readouterr().out
    assert shown.startswith("One solution (from solutions/") and "SOLUTION" not in shown and "STUB" not in shown
    assert len(shown.splitlines()) > 2


def test_a_solution_shows_the_code_not_the_stub(capsys):
    check.learning_curve.solution()
    shown = capsys.readouterr().out
    assert "build_model()" in shown and "FIXME" not in shown


def test_batch_sizes_explain_the_trade_off(capsys):
    timings = deployment_namespace()["timings"]
    assert check.batch_sizes(1, 64, timings, 100)
    for reason, (door, archive, budget) in {"over the door's budget": (1, 64, 2),
                                             "waiting for 64 dogs": (64, 64, 100),
                                             "another batch size sorts clearly more": (1, 256, 100),
                                             "not in the measured table": (3, 64, 100)}.items():
        assert not check.batch_sizes(door, archive, timings, budget)
        assert reason in capsys.readouterr().out, reason


def test_wider_filters_must_widen_every_layer_within_reason(capsys):
    assert check.wider_filters((64, 128))
    assert check.wider_filters((48, 96))
    assert not check.wider_filters((64, 64))
    assert "not wider than today's" in capsys.readouterr().out
    assert not check.wider_filters((64,))
    assert not check.wider_filters("wide")
    assert not check.wider_filters((1024, 2048))
    assert "long time" in capsys.readouterr().out


def test_soft_dice_names_the_case_it_gets_wrong(capsys):
    import keras

    def area(m):
        return keras.ops.sum(m, axis=(1, 2, 3))

    def no_smoothing(t, p):
        return 2 * area(t * p) / (area(t) + area(p))

    def one_number(t, p):
        return (2 * keras.ops.sum(t * p) + 1) / (keras.ops.sum(t) + keras.ops.sum(p) + 1)

    def thresholded(t, p):
        p = keras.ops.cast(p > 0.5, "float32")
        return (2 * area(t * p) + 1) / (area(t) + area(p) + 1)

    assert not check.soft_dice(no_smoothing)
    assert "an empty truth and an empty prediction `soft_dice` gave nan" in capsys.readouterr().out
    assert not check.soft_dice(one_number)
    assert "one Dice per image" in capsys.readouterr().out
    assert not check.soft_dice(thresholded)
    assert "0.5 everywhere" in capsys.readouterr().out
    assert not check.soft_dice(lambda t, p: 1 / 0)
    assert "ZeroDivisionError" in capsys.readouterr().out


def test_sliding_window_names_what_is_wrong(capsys):
    import keras

    from dlicourse import detection

    keras.utils.set_random_seed(0)
    classifier = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D(),
                                   keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])

    def loop(column=0, moves=True):
        def heat_map(model, scene, stride):
            rows, cols = detection.grid_shape(scene.shape, (32, 32), stride)
            heat = np.zeros((rows, cols))
            for r in range(rows):
                for c in range(cols):
                    top, left = (r * stride, c * stride) if moves else (0, 0)
                    heat[r, c] = model.predict_on_batch(scene[None, top:top + 32, left:left + 32])[0, column]
            return heat
        return heat_map

    assert check.sliding_window(loop(), classifier)
    assert not check.sliding_window(loop(column=1), classifier)
    assert "not-face" in capsys.readouterr().out
    assert not check.sliding_window(loop(moves=False), classifier)
    assert "(row * stride, col * stride)" in capsys.readouterr().out
    assert not check.sliding_window(lambda m, s, st: np.zeros((2, 2)), classifier)
    assert "window positions" in capsys.readouterr().out
