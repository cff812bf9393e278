import keras
import numpy as np
import pytest
from keras import layers

from dlicourse import check, detection


def tiny_classifier(padding: str = "valid") -> keras.Model:
    """A 32x32 window classifier of the lab's shape: convolutions and pooling, Flatten, two Dense layers."""
    keras.utils.set_random_seed(3)
    return keras.Sequential([
        keras.Input(shape=(32, 32, 3)),
        layers.Rescaling(1 / 255),
        layers.Conv2D(4, 3, activation="relu", padding=padding),
        layers.MaxPooling2D(),
        layers.Conv2D(8, 3, activation="relu", padding=padding),
        layers.MaxPooling2D(),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5),
        layers.Dense(6, activation="relu", name="fc1"),
        layers.Dense(2, activation="softmax", name="fc2"),
    ])


def scene(rows=80, cols=96, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (rows, cols, 3)).astype(np.uint8)


def test_fully_convolutional_copy_equals_the_sliding_window():
    model = tiny_classifier()
    fcn = detection.to_fully_convolutional(model)
    assert detection.network_stride(model) == 4
    assert not any(isinstance(layer, layers.Dense) for layer in fcn.layers)
    image = scene()
    loop = detection.sliding_window_loop(model, image, stride=4)
    batched = detection.sliding_window_batched(model, image, stride=4, batch_size=7)
    heat = detection.one_pass(fcn, image)
    assert loop.shape == batched.shape == heat.shape == ((80 - 32) // 4 + 1, (96 - 32) // 4 + 1)
    assert np.abs(heat - loop).max() <= 1e-4
    assert np.abs(batched - loop).max() <= 1e-4
    one = detection.one_pass(fcn, image[:32, :32])
    assert one.shape == (1, 1) and abs(one[0, 0] - float(model.predict_on_batch(image[None, :32, :32])[0, 0])) <= 1e-4


def test_a_coarser_stride_takes_every_other_position():
    model = tiny_classifier()
    image = scene()
    assert np.allclose(detection.sliding_window_batched(model, image, 8),
                       detection.sliding_window_batched(model, image, 4)[::2, ::2], atol=1e-6)


def test_models_it_cannot_convert_are_refused_with_what_was_expected():
    pooled = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3), layers.GlobalAveragePooling2D(),
                               layers.Dense(2)])
    with pytest.raises(ValueError, match="GlobalAveragePooling2D.*Flatten"):
        detection.to_fully_convolutional(pooled)
    no_dense = keras.Sequential([keras.Input((32, 32, 3)), layers.Conv2D(4, 3), layers.Flatten()])
    with pytest.raises(ValueError, match="no Dense layer after Flatten"):
        detection.to_fully_convolutional(no_dense)
    any_size = keras.Sequential([keras.Input((None, None, 3)), layers.Conv2D(2, 3)])
    with pytest.raises(ValueError, match=r"fixed-size RGB windows.*\(None, None, 3\)"):
        detection.to_fully_convolutional(any_size)
    gray = keras.Sequential([keras.Input((32, 32, 1)), layers.Flatten(), layers.Dense(2)])
    with pytest.raises(ValueError, match=r"\(height, width, 3\)"):
        detection.to_fully_convolutional(gray)
    resized = keras.Sequential([keras.Input((32, 32, 3)), layers.Resizing(16, 16), layers.Flatten(),
                                layers.Dense(2)])
    with pytest.raises(ValueError, match="Resizing before Flatten"):
        detection.to_fully_convolutional(resized)
    inputs = keras.Input((32, 32, 3))
    branch = layers.Conv2D(3, 3, padding="same")(inputs)
    merged = keras.Model(inputs, layers.Dense(2)(layers.Flatten()(layers.Add()([inputs, branch]))))
    with pytest.raises(ValueError, match="branch or merge"):
        detection.to_fully_convolutional(merged)


def test_bad_scenes_get_a_clear_error():
    model = tiny_classifier()
    with pytest.raises(ValueError, match="smaller than one window"):
        detection.sliding_window_batched(model, scene(20, 96), 4)
    with pytest.raises(ValueError, match=r"RGB scene of shape \(height, width, 3\).*gray"):
        detection.sliding_window_loop(model, scene()[..., 0], 4)
    with pytest.raises(ValueError, match="RGB scene"):
        detection.one_pass(detection.to_fully_convolutional(model), np.zeros((40, 40, 4)))
    with pytest.raises(ValueError, match="stride"):
        detection.sliding_window_batched(model, scene(), 0)


def test_iou_of_hand_made_boxes():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 5, 5]])
    assert np.allclose(detection.iou(a, b), [[1.0, 50 / 150, 0.0, 25 / 100]])
    assert detection.iou(a, np.zeros((0, 4))).shape == (1, 0)


def test_heat_map_to_boxes_groups_neighbours():
    heat = np.zeros((10, 12), np.float32)
    heat[2:4, 2:4] = [[0.9, 0.6], [0.6, 0.6]]
    heat[7, 9] = 0.8
    heat[5, 5] = 0.3  # below the threshold
    boxes, scores = detection.heatmap_boxes(heat, stride=16, window=64, threshold=0.5, box_size=40)
    assert np.allclose(scores, [0.9, 0.8])
    centre = (2 * 16 + 32) + 16 * 1.2 / 2.7  # the score-weighted mean of the group's window centres
    assert np.allclose(boxes[0], [centre - 20, centre - 20, centre + 20, centre + 20], atol=1e-3)
    assert np.allclose(boxes[1], [9 * 16 + 12, 7 * 16 + 12, 9 * 16 + 52, 7 * 16 + 52])
    assert detection.heatmap_boxes(np.zeros((3, 3)), 16, 64)[0].shape == (0, 4)


def test_nms_keeps_the_best_of_each_group():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float32)
    kept, scores = detection.nms(boxes, np.array([0.9, 0.3, 0.8]), max_iou=0.3)
    assert np.allclose(scores, [0.9, 0.8])
    assert np.allclose(kept[0], [0.25, 0, 10.25, 10]) and np.allclose(kept[1], boxes[2])


def test_precision_and_recall_match_each_face_once_at_iou_half():
    truth = [np.array([[0, 0, 10, 10], [20, 20, 30, 30]]), np.zeros((0, 4))]
    predicted = [np.array([[0, 0, 10, 10], [1, 0, 11, 10], [20, 26, 30, 36]]), np.array([[5, 5, 9, 9]])]
    # scene 1: a hit, a duplicate (false positive), a box with IoU 4/16 < 0.5 (false positive, face missed)
    assert detection.match(predicted[0], truth[0]) == (1, 2, 1)
    precision, recall = detection.precision_recall(predicted, truth)
    assert precision == pytest.approx(1 / 4) and recall == pytest.approx(1 / 2)
    assert detection.precision_recall([np.zeros((0, 4))], [np.zeros((0, 4))]) == (1.0, 1.0)
    with pytest.raises(ValueError, match="scenes"):
        detection.precision_recall(predicted, truth[:1])


def test_detector_targets_and_boxes_round_trip():
    boxes = np.array([[20, 40, 60, 72]], np.float32)
    target = detection.detector_targets(boxes, (96, 128), cell=16, scale=64)
    assert target.shape == (6, 8, 5)
    assert target[..., 0].sum() == 3 * 2  # cell centres 24, 40, 56 across and 40, 56 down lie in the box
    found, scores = detection.detector_boxes(target, cell=16, scale=64, threshold=0.5)
    assert np.allclose(found, boxes, atol=1e-4) and np.allclose(scores, [1.0])
    with pytest.raises(ValueError, match=r"\(rows, cols, 5\)"):
        detection.detector_boxes(target[..., :3], 16, 64)


def test_the_exercise_check_explains_what_is_wrong(capsys):
    model = tiny_classifier()
    assert check.fully_convolutional(model, detection.to_fully_convolutional(model))
    assert not check.fully_convolutional(model, model)
    assert "Dense" in capsys.readouterr().out
    same = tiny_classifier(padding="same")
    assert not check.fully_convolutional(model, detection.to_fully_convolutional(same))
    assert "different scores" in capsys.readouterr().out
    fixed = keras.Sequential([keras.Input((32, 32, 3)), layers.Reshape((1, 1, 32 * 32 * 3)), layers.Conv2D(2, 1)])
    assert not check.fully_convolutional(model, fixed)
    assert "any size" in capsys.readouterr().out
