"""Pictures made by a network: activation maximisation (deep dream) and neural style, by gradient ascent on pixels.

Both change the *input* and keep the network fixed, through the same backend-neutral gradients as the
attribution maps (`dlicourse.gradients`). They run a plain stack of layers, such as the course's dog
base, at any image size: its convolutions do not care how large the picture is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import keras
import numpy as np
from keras import ops

from dlicourse.gradients import run_layers, value_and_gradient


def _blur(images: np.ndarray, sigma: float) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(im, (0, 0), sigma) for im in images]) if sigma > 0 else images


def deep_dream(base: keras.Model, layer: str, channels: Sequence[int], size: int = 64, steps: int = 60,
               step_size: float = 4.0, jitter: int = 4, blur: float = 0.6, seed: int = 0) -> np.ndarray:
    """One picture per channel of `layer`, each grown from grey noise to excite that channel the most.

    Each step shifts the pictures by a random `jitter` (so patterns cannot hide in one pixel grid), takes a
    step of `step_size` grey levels along the normalised gradient of the channel's mean activation, and
    blurs a little (so the picture keeps smooth shapes instead of pixel noise). Returns uint8 (N, size, size, 3).
    """
    if steps < 1 or size < 8:
        raise ValueError(f"steps must be at least 1 and size at least 8, got {steps} and {size}")
    rng = np.random.default_rng(seed)
    channels = np.asarray(channels)
    pick = ops.one_hot(channels, int(np.asarray(run_layers(base, np.zeros((1, size, size, 3)), stop=layer)).shape[-1]))
    images = (127.5 + rng.normal(0, 8, (len(channels), size, size, 3))).astype(np.float32)

    def excitement(x):
        return ops.mean(ops.sum(run_layers(base, x, stop=layer) * pick[:, None, None, :], axis=-1), axis=(1, 2))

    for _ in range(steps):
        dy, dx = rng.integers(-jitter, jitter + 1, 2)
        shifted = np.roll(images, (dy, dx), axis=(1, 2))
        _, grad = value_and_gradient(excitement, shifted)
        grad = np.roll(grad, (-dy, -dx), axis=(1, 2))
        grad /= np.abs(grad).mean(axis=(1, 2, 3), keepdims=True) + 1e-8
        images = np.clip(_blur(images + step_size * grad, blur), 0, 255)
    return np.round(images).astype(np.uint8)


def gram(features):
    """Which channels fire together, over all positions: (N, channels, channels), the style Gatys et al. match."""
    n, rows, cols, channels = ops.shape(features)
    flat = ops.reshape(features, (n, rows * cols, channels))
    return ops.matmul(ops.transpose(flat, (0, 2, 1)), flat) / float(rows * cols)


@dataclass
class Stylised:
    """The picture, and how both losses fell (recorded every `every` steps)."""

    image: np.ndarray
    steps: list[int] = field(default_factory=list)
    content_loss: list[float] = field(default_factory=list)
    style_loss: list[float] = field(default_factory=list)


def _features(base: keras.Model, x, layers: Sequence[str]) -> list:
    """Each named layer's output in one pass up the stack (the layers must be in the stack's order)."""
    outputs, start = [], None
    for name in layers:
        x = run_layers(base, x, start=start, stop=name)
        outputs.append(x)
        start = name
    return outputs


def neural_style(base: keras.Model, content: np.ndarray, style: np.ndarray, content_layer: str,
                 style_layers: Sequence[str], steps: int = 200, style_weight: float = 1.0,
                 learning_rate: float = 4.0, every: int = 10) -> Stylised:
    """Gatys et al.: change `content`'s pixels until a deep layer still sees its content and the Gram
    matrices of `style_layers` match those of `style`. Both images are uint8 of the same size.

    Each loss is divided by its target's own size, so `style_weight` reads as "how much style per content".
    The pixels move by Adam, `learning_rate` grey levels a step at most.
    """
    content, style = np.asarray(content, np.float32)[None], np.asarray(style, np.float32)[None]
    if content.shape != style.shape:
        raise ValueError(f"content {content.shape[1:]} and style {style.shape[1:]} must be the same size")
    names = [layer.name for layer in base.layers]
    order = sorted({content_layer, *style_layers}, key=names.index)
    targets = dict(zip(order, _features(base, content, order), strict=True))
    target_content = targets[content_layer]
    target_grams = {name: gram(f) for name, f in zip(order, _features(base, style, order), strict=True)
                    if name in style_layers}
    content_scale = float(ops.mean(target_content ** 2)) + 1e-8
    gram_scales = {name: float(ops.mean(g ** 2)) + 1e-8 for name, g in target_grams.items()}

    def losses(x):
        features = dict(zip(order, _features(base, x, order), strict=True))
        content_loss = ops.mean((features[content_layer] - target_content) ** 2) / content_scale
        style_loss = sum(ops.mean((gram(features[n]) - target_grams[n]) ** 2) / gram_scales[n]
                         for n in style_layers) / len(style_layers)
        return content_loss, style_loss

    def total(x):
        content_loss, style_loss = losses(x)
        return content_loss + style_weight * style_loss

    result, image = Stylised(content[0].astype(np.uint8)), content.copy()
    moment, power = np.zeros_like(image), np.zeros_like(image)
    for step in range(steps + 1):
        if step % every == 0 or step == steps:
            c, s = losses(image)
            result.steps.append(step)
            result.content_loss.append(float(c))
            result.style_loss.append(float(s))
        if step == steps:
            break
        _, grad = value_and_gradient(total, image)
        moment = 0.9 * moment + 0.1 * grad
        power = 0.999 * power + 0.001 * grad ** 2
        update = (moment / (1 - 0.9 ** (step + 1))) / (np.sqrt(power / (1 - 0.999 ** (step + 1))) + 1e-8)
        image = np.clip(image - learning_rate * update, 0, 255)
    result.image = np.round(image[0]).astype(np.uint8)
    return result
