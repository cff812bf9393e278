"""Detection from a classifier: windows, a fully convolutional copy of the network, heat maps, boxes, scores.

The workshop's three ways to find whale faces share these pieces. A window classifier slid over a
scene gives a grid of scores (a heat map); the same network with its Dense layers turned into
convolutions gives that whole grid in one forward pass; and boxes from either heat map, or from an
end-to-end detector, are scored against the truth by matching boxes that overlap enough (IoU).

Scenes are uint8 or float RGB arrays (H, W, 3) holding 0-255 pixels, as the models take them.
Boxes are float arrays (K, 4) of (x1, y1, x2, y2) in pixels.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import keras
import numpy as np

# Layers that work on any image size, so the part of a classifier before Flatten carries over as it is.


# ------------------------------------------------------------------------------------- windows and inputs


def window_size(model: keras.Model) -> tuple[int, int]:
    """The (height, width) of the RGB windows a classifier takes, or a clear error when it has none."""
    shape = tuple(model.inputs[0].shape)[1:] if model.inputs else None
    if not shape or len(shape) != 3 or None in shape or shape[-1] != 3:
        raise ValueError(f"expected a classifier of fixed-size RGB windows, input shape (height, width, 3); "
                         f"this model takes {shape}")
    return int(shape[0]), int(shape[1])


def check_scene(scene: np.ndarray, window: tuple[int, int]) -> np.ndarray:
    """The scene as float32 (H, W, 3), or an error naming what was expected."""
    scene = np.asarray(scene)
    if scene.ndim != 3 or scene.shape[-1] != 3:
        raise ValueError(f"expected an RGB scene of shape (height, width, 3), got shape {scene.shape}"
                         + (" (a gray image: stack it to 3 channels)" if scene.ndim == 2 or scene.shape[-1:] == (1,)
                            else ""))
    if scene.shape[0] < window[0] or scene.shape[1] < window[1]:
        raise ValueError(f"the scene ({scene.shape[0]}x{scene.shape[1]}) is smaller than one window "
                         f"({window[0]}x{window[1]}); expected a scene at least the window's size")
    return scene.astype(np.float32)


def grid_shape(scene_shape: tuple[int, ...], window: tuple[int, int], stride: int) -> tuple[int, int]:
    """How many window positions fit down and across a scene, `stride` pixels apart."""
    if stride < 1:
        raise ValueError(f"the stride must be a positive number of pixels, got {stride}")
    return (scene_shape[0] - window[0]) // stride + 1, (scene_shape[1] - window[1]) // stride + 1


def windows(scene: np.ndarray, window: tuple[int, int], stride: int) -> np.ndarray:
    """Every window of the scene as a view (rows, cols, h, w, 3): no pixels are copied until used."""
    rows, cols = grid_shape(scene.shape, window, stride)
    view = np.lib.stride_tricks.sliding_window_view(scene, (*window, 3))[::stride, ::stride, 0]
    return view[:rows, :cols]


def _scores(output: object, class_index: int) -> np.ndarray:
    return np.asarray(keras.ops.convert_to_numpy(output))[..., class_index]


def sliding_window_loop(model: keras.Model, scene: np.ndarray, stride: int, class_index: int = 0) -> np.ndarray:
    """Approach 1 as the workshop wrote it: one window at a time through the classifier, in a plain loop.

    Returns the heat map: the score of class `class_index` for the window at (row * stride, col * stride).
    """
    window = window_size(model)
    scene = check_scene(scene, window)
    rows, cols = grid_shape(scene.shape, window, stride)
    heat = np.zeros((rows, cols), np.float32)
    for row in range(rows):
        for col in range(cols):
            y, x = row * stride, col * stride
            crop = scene[y:y + window[0], x:x + window[1]]
            heat[row, col] = _scores(model.predict_on_batch(crop[None]), class_index)[0]
    return heat


def sliding_window_batched(model: keras.Model, scene: np.ndarray, stride: int, class_index: int = 0,
                           batch_size: int = 256) -> np.ndarray:
    """Approach 1, faster: the same windows, many at a time, so the network works on whole batches."""
    window = window_size(model)
    scene = check_scene(scene, window)
    view = windows(scene, window, stride)
    rows, cols = view.shape[:2]
    flat = view.reshape(rows * cols, *window, 3)
    scores = [_scores(model.predict_on_batch(np.ascontiguousarray(flat[i:i + batch_size])), class_index)
              for i in range(0, len(flat), batch_size)]
    return np.concatenate(scores).reshape(rows, cols)


def one_pass(fcn: keras.Model, scene: np.ndarray, class_index: int = 0) -> np.ndarray:
    """Approach 2: the fully convolutional network's heat map for a whole scene, in one forward pass."""
    scene = np.asarray(scene)
    if scene.ndim != 3 or scene.shape[-1] != 3:
        raise ValueError(f"expected an RGB scene of shape (height, width, 3), got shape {scene.shape}")
    return _scores(fcn.predict_on_batch(scene[None].astype(np.float32)), class_index)[0]


def timed(fn: Callable[[], np.ndarray], repeats: int = 1) -> tuple[np.ndarray, float]:
    """What `fn()` returns and the fewest seconds (wall clock) it took in `repeats` calls: a call of a few
    hundredths of a second is timed more than once, so that one hiccup of a busy machine does not decide it."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1 (one timed call), got {repeats}")
    best = float("inf")
    for _ in range(repeats):
        began = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - began)
    return result, best


# ------------------------------------------------------------------------------------- the output grid


def network_stride(model: keras.Model) -> int:
    """How many input pixels one step of the output grid is: the product of the spatial layers' strides."""
    stride = 1
    for layer in model.layers:
        config = layer.get_config()
        if "strides" in config and config["strides"] is not None:
            steps = config["strides"]
            steps = steps if isinstance(steps, list | tuple) else (steps, steps)
            if steps[0] != steps[1]:
                raise ValueError(f"layer {layer.name} steps {steps[0]} rows but {steps[1]} columns")
            stride *= int(steps[0])
    return stride


# --------------------------------------------------------------------------------------- boxes and scores


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Intersection over union of every box in `a` with every box in `b`: shape (len(a), len(b))."""
    a, b = np.asarray(a, np.float64).reshape(-1, 4), np.asarray(b, np.float64).reshape(-1, 4)
    x1 = np.maximum(a[:, None, 0], b[None, :, 0])
    y1 = np.maximum(a[:, None, 1], b[None, :, 1])
    x2 = np.minimum(a[:, None, 2], b[None, :, 2])
    y2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def heatmap_boxes(heat: np.ndarray, stride: int, window: int, threshold: float = 0.5,
                  box_size: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Boxes from a heat map: neighbouring windows above `threshold` are one face, found at the
    score-weighted centre of their windows, with a box of `box_size` pixels (default 0.8 window).
    Returns (boxes (K, 4), scores (K,)), the highest score first."""
    heat = np.asarray(heat, np.float32)
    if heat.ndim != 2:
        raise ValueError(f"expected a 2-D heat map (rows, cols), got shape {heat.shape}")
    side = 0.8 * window if box_size is None else box_size
    count, labels = cv2.connectedComponents((heat >= threshold).astype(np.uint8), connectivity=8)
    boxes, scores = [], []
    for k in range(1, count):
        rows, cols = np.nonzero(labels == k)
        weight = heat[rows, cols]
        cy = (rows * stride + window / 2) @ weight / weight.sum()
        cx = (cols * stride + window / 2) @ weight / weight.sum()
        boxes.append([cx - side / 2, cy - side / 2, cx + side / 2, cy + side / 2])
        scores.append(weight.max())
    order = np.argsort(scores)[::-1]
    return np.array(boxes, np.float32).reshape(-1, 4)[order], np.array(scores, np.float32)[order]


def nms(boxes: np.ndarray, scores: np.ndarray, max_iou: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Non-maximum suppression: keep the best box, drop the ones overlapping it by more than `max_iou`,
    and so on. Each kept box becomes the score-weighted mean of the boxes it suppressed (and itself).
    Returns (boxes, scores), the highest score first."""
    boxes, scores = np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(scores, np.float32)
    left = np.argsort(scores)[::-1]
    kept, kept_scores = [], []
    while len(left):
        overlaps = box_iou(boxes[left[:1]], boxes[left])[0]
        group = left[overlaps > max_iou]
        group = group if len(group) else left[:1]
        kept.append(scores[group] @ boxes[group] / scores[group].sum())
        kept_scores.append(scores[left[0]])
        left = left[overlaps <= max_iou]
        left = left[~np.isin(left, group)]
    return np.array(kept, np.float32).reshape(-1, 4), np.array(kept_scores, np.float32)


def _matched(predicted: np.ndarray, truth: np.ndarray, min_iou: float) -> np.ndarray:
    """Which true boxes (K, 4) a predicted box (N, 4) matched: each at most once, to the predicted box (in the given
    order, best first) that overlaps it most with IoU >= `min_iou`."""
    overlaps = box_iou(predicted, truth)
    taken = np.zeros(len(truth), bool)
    for row in overlaps:
        candidates = np.where(taken, -1.0, row)
        if len(candidates) and candidates.max() >= min_iou:
            taken[candidates.argmax()] = True
    return taken


def match(predicted: np.ndarray, truth: np.ndarray, min_iou: float = 0.5) -> tuple[int, int, int]:
    """(true positives, false positives, missed) for one scene: each true box is matched at most once,
    to the predicted box (in the given order, best first) that overlaps it most with IoU >= `min_iou`."""
    predicted, truth = np.asarray(predicted).reshape(-1, 4), np.asarray(truth).reshape(-1, 4)
    hits = int(_matched(predicted, truth, min_iou).sum())
    return hits, len(predicted) - hits, len(truth) - hits


def missed(predicted: np.ndarray, truth: np.ndarray, min_iou: float = 0.5) -> np.ndarray:
    """The indices of the true boxes of one scene that no predicted box matched (as `match` counts them)."""
    predicted, truth = np.asarray(predicted).reshape(-1, 4), np.asarray(truth).reshape(-1, 4)
    return np.flatnonzero(~_matched(predicted, truth, min_iou))


def best_score(heat: np.ndarray, box: np.ndarray, stride: int, window: int) -> float:
    """The highest score of the windows whose centre lies in `box` (x1, y1, x2, y2), or of the window
    nearest its centre: what the heat map says about that face at best."""
    heat = np.asarray(heat, np.float32)
    x1, y1, x2, y2 = np.asarray(box, np.float64)
    centres_y = np.arange(heat.shape[0]) * stride + window / 2
    centres_x = np.arange(heat.shape[1]) * stride + window / 2
    rows = np.flatnonzero((centres_y >= y1) & (centres_y < y2))
    cols = np.flatnonzero((centres_x >= x1) & (centres_x < x2))
    if not len(rows):
        rows = [int(np.abs(centres_y - (y1 + y2) / 2).argmin())]
    if not len(cols):
        cols = [int(np.abs(centres_x - (x1 + x2) / 2).argmin())]
    return float(heat[np.ix_(rows, cols)].max())


def grid_cut(boxes: np.ndarray, window: int) -> np.ndarray:
    """For each box, how evenly the edges of side-by-side windows (`window` pixels apart, from 0) cut it:
    the share of the box on the smaller side of the edge that cuts it most evenly, from 0 (inside one
    window) to 0.5 (cut in half)."""
    boxes = np.asarray(boxes, np.float64).reshape(-1, 4)
    shares = np.zeros(len(boxes))
    for i, (x1, y1, x2, y2) in enumerate(boxes):
        for lo, hi in ((x1, x2), (y1, y2)):
            for edge in np.arange(np.floor(lo / window) + 1, np.ceil(hi / window)) * window:
                shares[i] = max(shares[i], min(edge - lo, hi - edge) / (hi - lo))
    return shares


def precision_recall(predicted: list[np.ndarray], truth: list[np.ndarray], min_iou: float = 0.5
                     ) -> tuple[float, float]:
    """Precision (found boxes that are faces) and recall (faces found) over many scenes.

    With no boxes found precision is 1 (no false alarm); with no faces to find recall is 1."""
    if len(predicted) != len(truth):
        raise ValueError(f"{len(predicted)} scenes of predictions but {len(truth)} scenes of ground truth")
    tp = fp = fn = 0
    for p, t in zip(predicted, truth, strict=True):
        a, b, c = match(p, t, min_iou)
        tp, fp, fn = tp + a, fp + b, fn + c
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0)


# ---------------------------------------------------------------------------------- end-to-end detector


def detector_targets(boxes: np.ndarray, shape: tuple[int, int], cell: int, scale: float) -> np.ndarray:
    """DetectNet-style targets for one scene: per grid cell, face coverage (1 when the cell's centre lies
    in a face box) and that box's corners relative to the cell's centre, divided by `scale`.
    Returns float32 (H // cell, W // cell, 5)."""
    rows, cols = shape[0] // cell, shape[1] // cell
    target = np.zeros((rows, cols, 5), np.float32)
    cy = (np.arange(rows) + 0.5) * cell
    cx = (np.arange(cols) + 0.5) * cell
    for x1, y1, x2, y2 in np.asarray(boxes).reshape(-1, 4):
        inside_r = np.flatnonzero((cy >= y1) & (cy < y2))
        inside_c = np.flatnonzero((cx >= x1) & (cx < x2))
        for r in inside_r:
            for c in inside_c:
                target[r, c] = [1, (x1 - cx[c]) / scale, (y1 - cy[r]) / scale, (x2 - cx[c]) / scale,
                                (y2 - cy[r]) / scale]
    return target


def detector_boxes(output: np.ndarray, cell: int, scale: float, threshold: float = 0.5, max_iou: float = 0.3
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Boxes from a detector's output grid (rows, cols, 5), as DetectNet clusters them: neighbouring cells
    whose coverage passes `threshold` are one face, whose box is the coverage-weighted mean of the boxes
    those cells propose; non-maximum suppression then drops boxes that overlap a better one."""
    output = np.asarray(output, np.float32)
    if output.ndim != 3 or output.shape[-1] != 5:
        raise ValueError(f"expected a detector output grid of shape (rows, cols, 5), got {output.shape}")
    count, labels = cv2.connectedComponents((output[..., 0] >= threshold).astype(np.uint8), connectivity=8)
    boxes, scores = [], []
    for k in range(1, count):
        rows, cols = np.nonzero(labels == k)
        weight = output[rows, cols, 0]
        centres = np.stack([(cols + 0.5) * cell, (rows + 0.5) * cell] * 2, axis=1)
        boxes.append(weight @ (centres + output[rows, cols, 1:] * scale) / weight.sum())
        scores.append(weight.max())
    return nms(np.array(boxes, np.float32).reshape(-1, 4), np.array(scores, np.float32), max_iou)
