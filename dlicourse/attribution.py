"""What a network looks at: saliency, guided backpropagation, feature maps, and how much of a map is on the dog.

08_what_the_network_sees draws these maps and measures them. The two maps the learner writes in that
lab, occlusion and Grad-CAM, are not here: the lab uses the learner's own, and the reference versions
its checks compare against live in `dlicourse.reference_maps`, which the lab never imports.

Every map is a float32 array of the images' size, (N, rows, cols), larger where the pixel matters more
to the class score. Images are batches of raw 0-255 pixels, as the course's models take them.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import keras
import numpy as np

from dlicourse.gradients import class_scores, gradient, last_conv_layer, layer_stack, run_layers


def _batch(images: np.ndarray, classes: Sequence[int] | np.ndarray | int) -> tuple[np.ndarray, np.ndarray]:
    images = np.asarray(images, np.float32)
    if images.ndim == 3:
        images = images[None]
    if images.ndim != 4:
        raise ValueError(f"images must be a batch (N, rows, cols, channels) or one image, got shape {images.shape}")
    classes = np.broadcast_to(np.asarray(classes, np.int64), (len(images),)).copy()
    return images, classes


def _smoothed(grad_of, images: np.ndarray, samples: int, noise: float, seed: int) -> np.ndarray:
    """SmoothGrad (Smilkov et al.): the mean of a gradient map over `samples` copies of the images with Gaussian
    noise of `noise` times the pixel range. A single gradient is speckled (each pixel's own ReLUs and the
    strided layers' grid); the noise averages that away and keeps what stands out in every copy."""
    if samples <= 1:
        return np.abs(grad_of(images))
    rng = np.random.default_rng(seed)
    total = np.zeros(images.shape, np.float32)
    for _ in range(samples):
        total += np.abs(grad_of(images + rng.normal(0, noise * 255, images.shape).astype(np.float32)))
    return total / samples


def saliency(model: keras.Model, images: np.ndarray, classes: Sequence[int] | int, samples: int = 1,
             noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """Simonyan et al.: how much each pixel's change would change the class score (largest over colours);
    with `samples` above 1, smoothed over that many noisy copies (SmoothGrad)."""
    images, classes = _batch(images, classes)
    return _smoothed(lambda x: gradient(class_scores(model, classes), x), images, samples, noise, seed).max(axis=-1)


def guided_backprop(model: keras.Model, images: np.ndarray, classes: Sequence[int] | int,
                    signed: bool = False, samples: int = 1, noise: float = 0.1, seed: int = 0) -> np.ndarray:
    """Springenberg et al.: the gradient with only positive gradients let back through each ReLU.

    The map is the largest absolute value over colours, smoothed over `samples` noisy copies when above 1
    (SmoothGrad); `signed=True` returns the raw (N, rows, cols, 3) gradient instead, to draw as a picture.
    """
    images, classes = _batch(images, classes)
    pick = keras.ops.one_hot(classes, int(model.output_shape[-1]))

    def grad_of(x):
        return gradient(lambda x: keras.ops.sum(run_layers(model, x, scores=True, guided=True) * pick, axis=-1), x)

    if signed:
        return grad_of(images)
    return _smoothed(grad_of, images, samples, noise, seed).max(axis=-1)


def feature_gradients(model: keras.Model, images: np.ndarray, classes: Sequence[int] | int,
                      layer: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A conv layer's feature maps (N, rows, cols, channels) and the class score's gradient with respect to them.

    `layer` defaults to the last layer with feature maps. This is the plumbing of Grad-CAM; what to do
    with the two arrays is the lesson.
    """
    images, classes = _batch(images, classes)
    layer = layer or last_conv_layer(model)
    features = np.asarray(run_layers(model, images, stop=layer))
    if features.ndim != 4:
        raise ValueError(f"layer {layer!r} gives shape {features.shape}, not feature maps; pick a conv layer")
    pick = keras.ops.one_hot(classes, int(model.output_shape[-1]))

    def score_of(f):
        return keras.ops.sum(run_layers(model, f, start=layer, scores=True) * pick, axis=-1)

    return features, gradient(score_of, features)


def activations(model: keras.Model, image: np.ndarray, layer: str) -> np.ndarray:
    """The feature maps (rows, cols, channels) that `layer` makes of one image."""
    return np.asarray(run_layers(model, _batch(image, 0)[0], stop=layer))[0]


def first_filters(model: keras.Model) -> np.ndarray:
    """The first conv layer's kernels as small pictures (filters, rows, cols, channels), each scaled to 0-1."""
    first = next((layer for layer in layer_stack(model) if isinstance(layer, keras.layers.Conv2D)), None)
    if first is None:
        raise ValueError(f"{model.name} has no convolutional layer, so it has no filters to draw")
    kernel = np.moveaxis(np.asarray(first.kernel), -1, 0)
    low = kernel.min(axis=(1, 2, 3), keepdims=True)
    return (kernel - low) / np.maximum(kernel.max(axis=(1, 2, 3), keepdims=True) - low, 1e-8)


def upsample(maps: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Maps (N, r, c) stretched smoothly to `size` (rows, cols), e.g. a Grad-CAM grid onto its photo."""
    maps = np.asarray(maps, np.float32)
    return np.stack([cv2.resize(m, (size[1], size[0]), interpolation=cv2.INTER_LINEAR) for m in maps])


def on_mask_share(maps: np.ndarray, masks: np.ndarray) -> np.ndarray:
    """Per map, the share of its positive mass that falls inside the mask (NaN for a map with none).

    A map that ignores where the dog is scores about the dog's share of the photo's area: chance level.
    """
    maps, masks = np.asarray(maps, np.float64), np.asarray(masks, bool)
    if maps.ndim == 2:
        maps, masks = maps[None], masks[None]
    if maps.shape != masks.shape:
        raise ValueError(f"maps {maps.shape} and masks {masks.shape} must have the same shape")
    positive = np.clip(maps, 0, None)
    total = positive.sum(axis=(1, 2))
    inside = (positive * masks).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, inside / np.where(total > 0, total, 1), np.nan)
