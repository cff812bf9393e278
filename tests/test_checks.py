"""Every exercise check fails on the lab's placeholder and passes on the solution's code.

The exercise cells are taken from the notebooks themselves (matched by cell id), so the test follows
the notebooks. Each notebook with exercises supplies a small namespace for its cells below.
"""

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
    return {"mnist": Split(x, y, x[:10], y[:10], "test"), "sweep": {0.1: 0.11, 0.01: 0.95, 0.001: 0.97}}


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
    return {"keras": keras, "layers": keras.layers, "classifier": classifier, "fc1": classifier.get_layer("fc1"),
            "fc2": classifier.get_layer("fc2"), "feature_shape": (15, 15, 4)}


def deployment_namespace():
    import keras

    from dlicourse.images import resize

    model = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.Rescaling(1 / 255), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    photos = np.random.default_rng(0).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    return {"keras": keras, "layers": keras.layers, "model": model, "size": (16, 16), "photos": photos,
            "resize": resize}


def transfer_namespace():
    import types

    import keras

    from dlicourse import bases

    return {"keras": keras, "layers": keras.layers, "bases": bases, "base": bases.load_dog_base(),
            "tiny": types.SimpleNamespace(class_names=["louie", "not louie"]), "learning_rate": 0.001}


def louie_namespace():
    """Stand-ins for the Louie splits: random 8x8 photos, as many as the real ones, so nothing is drawn."""
    import types

    from dlicourse.datasets.dogs import SPLITS, DogPhotos

    def louie_dataset(split, size=128):
        n = SPLITS[split]
        x = np.random.default_rng(list(SPLITS).index(split)).integers(0, 256, (n, 8, 8, 3), dtype=np.uint8)
        return DogPhotos(x, np.arange(n) % 2, split)

    return {"dogs": types.SimpleNamespace(louie_dataset=louie_dataset), "tiny": louie_dataset("tiny"),
            "heldout": louie_dataset("heldout"), "photo_size": 128}


def segmentation_namespace():
    return {"size": 128}


NAMESPACES = {"00_welcome": dict, "05_segmentation": segmentation_namespace,
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
def test_check_fails_on_placeholder_and_passes_on_solution(notebook, solution, lab, capsys):
    assert notebook in NAMESPACES, f"add a namespace for {notebook}'s exercises to NAMESPACES"
    base = {"np": np, "check": check, "FIXME": FIXME}
    lab_verdict = run_cell(lab, {**base, **NAMESPACES[notebook]()})
    assert isinstance(lab_verdict, check.Verdict) and not lab_verdict
    assert "is still FIXME" in lab_verdict.message
    solution_verdict = run_cell(solution, {**base, **NAMESPACES[notebook]()})
    assert solution_verdict, solution_verdict.message
    assert capsys.readouterr().out.count("✅") == 1


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


def test_more_data_explains_the_wrong_photos(capsys):
    ns = louie_namespace()
    tiny, heldout, louie_dataset = ns["tiny"], ns["heldout"], ns["dogs"].louie_dataset
    big = louie_dataset("big")
    assert check.more_data(big, tiny, heldout)
    assert not check.more_data(tiny, tiny, heldout)
    assert not check.more_data(heldout, tiny, heldout)
    assert "held-out" in capsys.readouterr().out
    assert not check.more_data(type(big)(big.x[:, :4, :4], big.y, "big"), tiny, heldout)   # another size
    assert not check.more_data(type(big)(big.x, np.zeros_like(big.y), "big"), tiny, heldout)  # one class only
    assert not check.more_data(big.x, tiny, heldout)  # photos without labels
