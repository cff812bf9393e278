import keras
import numpy as np
import pytest
from keras import layers
from whale_windows import scene, tiny_classifier

from dlicourse import check, detection
from dlicourse.instructor.answers import to_fully_convolutional


def test_a_coarser_stride_takes_every_other_position():
    model = tiny_classifier()
    image = scene()
    assert np.allclose(detection.sliding_window_batched(model, image, 8),
                       detection.sliding_window_batched(model, image, 4)[::2, ::2], atol=1e-6)


def test_bad_scenes_get_a_clear_error():
    model = tiny_classifier()
    with pytest.raises(ValueError, match="smaller than one window"):
        detection.sliding_window_batched(model, scene(20, 96), 4)
    with pytest.raises(ValueError, match=r"RGB scene of shape \(height, width, 3\).*gray"):
        detection.sliding_window_loop(model, scene()[..., 0], 4)
    with pytest.raises(ValueError, match="RGB scene"):
        detection.one_pass(model, np.zeros((40, 40, 4)))
    with pytest.raises(ValueError, match="stride"):
        detection.sliding_window_batched(model, scene(), 0)


def test_iou_of_hand_made_boxes():
    a = np.array([[0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30], [0, 0, 5, 5]])
    assert np.allclose(detection.box_iou(a, b), [[1.0, 50 / 150, 0.0, 25 / 100]])
    assert detection.box_iou(a, np.zeros((0, 4))).shape == (1, 0)


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
    assert check.fully_convolutional(model, to_fully_convolutional(model))
    assert not check.fully_convolutional(model, model)
    assert "Dense" in capsys.readouterr().out
    same = tiny_classifier(padding="same")
    assert not check.fully_convolutional(model, to_fully_convolutional(same))
    assert "other scores than the classifier" in capsys.readouterr().out
    fixed = keras.Sequential([keras.Input((32, 32, 3)), layers.Reshape((1, 1, 32 * 32 * 3)), layers.Conv2D(2, 1)])
    assert not check.fully_convolutional(model, fixed)
    assert "any size" in capsys.readouterr().out


def test_missed_faces_their_best_score_and_how_a_grid_of_windows_cuts_them():
    truth = np.array([[0, 0, 40, 40], [100, 100, 140, 140], [200, 0, 240, 40]], np.float32)
    found = np.array([[2, 2, 42, 42], [300, 300, 340, 340]], np.float32)
    assert detection.missed(found, truth).tolist() == [1, 2] and detection.missed(found, truth[:1]).tolist() == []
    assert detection.match(found, truth) == (1, 1, 2)
    heat = np.zeros((10, 12), np.float32)
    heat[4, 5] = 0.7  # the window centred at (5 * 16 + 32, 4 * 16 + 32) = (112, 96): above the second face
    heat[5, 5] = 0.4  # centred at (112, 112): on it
    assert detection.best_score(heat, truth[1], stride=16, window=64) == pytest.approx(0.4)
    assert detection.best_score(heat, [110, 110, 111, 111], stride=16, window=64) == pytest.approx(0.4)  # nearest
    cuts = detection.grid_cut(np.array([[10, 10, 50, 50], [44, 0, 84, 40], [60, 30, 70, 60]]), window=64)
    assert cuts.tolist() == pytest.approx([0.0, 0.5, 0.4])


def test_timed_keeps_the_fastest_of_its_repeats():
    import time

    delays = iter([0.06, 0.01, 0.04])
    result, seconds = detection.timed(lambda: time.sleep(next(delays)) or "done", repeats=3)
    assert result == "done" and 0.01 <= seconds < 0.04
    with pytest.raises(ValueError, match="repeats must be at least 1"):
        detection.timed(lambda: "never", repeats=0)
