"""What the course changes in Keras on one backend, and why: three things Keras 3 does slowly on JAX on a CPU.

Milliseconds per training step are from `benchmarks/jax_step.py` (03's network: 289 as Keras ships, 77 after
`prepare`, TensorFlow 68; 01's: 411, 187 and 150).

- Keras compiles a model's training step with XLA only if every layer says it can be compiled. The image
  augmentation layers that warp with an affine transform (`RandomTranslation`, `RandomRotation`,
  `RandomZoom`, `RandomShear`, `RandomPerspective`) say they cannot, because TensorFlow's kernel for them
  has no XLA version. On JAX the same layers are plain `jax.numpy` and compile, but the flag made Keras run
  every training step of 01's, 03's and 08's networks op by op from Python: 03's step took 289 ms, 167
  compiled.
- XLA's gradient of max pooling on a CPU (`select_and_scatter`) took 63 ms of those for 03's first pool.
  Pooling in non-overlapping windows (the course's `MaxPooling2D()`: strides equal to the window, valid
  padding) is a reshape and a max, whose gradient XLA computes in 5 ms; the step took 77 ms.
  The outputs are identical; the gradient differs only where a window holds two equal maxima (one takes
  it all, or they share it), which after a ReLU happens where the gradient is zero anyway.
- Compiled, each new network is compiled afresh, 7 to 18 s on two busy cores, though a notebook builds
  the same one many times (03: eight, four of them in its learning-rate sweep). JAX's compilation cache
  finds the same program again whatever its layers are called (1 s instead of 7). It lives in a folder of
  the kernel's own, removed when it exits: JAX writes its entries in place, so a folder shared between
  processes could hand one a half-written entry. On some CPUs XLA logs an error line for each entry it
  reads back, then uses it; those lines are dropped (see `dlicourse.quiet.XLA_CACHE_COMPLAINT`).

Each changes how a step is computed, never what a model is, saves or learns; none touches TensorFlow.

On TensorFlow only its voice changes: its Python logger's warnings (a lab that calls a network on a new input
shape gets advice on retracing graphs) and its oneDNN fallback lines are for engineers tuning TensorFlow, and
in a learner's output they read as errors. TensorFlow's errors still show.
"""

from __future__ import annotations

import atexit
import inspect
import math
import shutil
import tempfile
from typing import Any

from dlicourse import quiet

AFFINE_AUGMENTATIONS = ("RandomTranslation", "RandomRotation", "RandomZoom", "RandomShear", "RandomPerspective")


def prepare() -> list[str]:
    """Make Keras fast on the active backend (quiet on TensorFlow); what was changed, by name. Idempotent."""
    import keras

    if keras.backend.backend() == "tensorflow":
        return _quiet_tensorflow()
    if keras.backend.backend() != "jax":
        return []
    return _compile_affine_augmentations() + _pool_by_reshaping() + _cache_compilations()


def _quiet_tensorflow() -> list[str]:
    import logging

    import tensorflow as tf

    if tf.get_logger().level == logging.ERROR:
        return []
    tf.get_logger().setLevel(logging.ERROR)
    quiet.drop_from_stderr(quiet.ONEDNN_FALLBACK)
    return ["tensorflow_warnings"]


def _compile_affine_augmentations() -> list[str]:
    from keras import layers

    changed = []
    for name in AFFINE_AUGMENTATIONS:
        cls = getattr(layers, name, None)
        if cls is None or getattr(cls.__init__, "compiles_on_jax", False):
            continue
        cls.__init__ = _compiling(cls.__init__)
        changed.append(name)
    return changed


def _compiling(init: Any) -> Any:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.supports_jit = True

    __init__.compiles_on_jax = True
    __init__.__signature__ = inspect.signature(init)  # Keras reads a layer's arguments from it for its config
    __init__.__doc__ = init.__doc__
    return __init__


def _pool_by_reshaping() -> list[str]:
    try:
        from keras.src.backend.jax import nn
    except ImportError:  # a Keras whose JAX backend is laid out otherwise: slower, still right
        return []
    if getattr(nn.max_pool, "pools_by_reshaping", False):
        return []
    nn.max_pool = _reshaping_max_pool(nn.max_pool)
    return ["max_pool"]


def _reshaping_max_pool(keras_max_pool: Any) -> Any:
    def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None) -> Any:
        from keras import config

        spatial = inputs.ndim - 2
        window, steps = _spatial(pool_size, spatial), _spatial(pool_size if strides is None else strides, spatial)
        if padding.lower() != "valid" or window != steps:
            return keras_max_pool(inputs, pool_size, strides, padding, data_format)
        last = (data_format or config.image_data_format()) == "channels_last"
        sizes = inputs.shape[1:-1] if last else inputs.shape[2:]
        kept = tuple(size // w for size, w in zip(sizes, window, strict=True))
        if math.prod(kept) == 0:
            return keras_max_pool(inputs, pool_size, strides, padding, data_format)
        cut = tuple(slice(0, n * w) for n, w in zip(kept, window, strict=True))
        blocks = [d for n, w in zip(kept, window, strict=True) for d in (n, w)]
        if last:
            shape, axes = (-1, *blocks, inputs.shape[-1]), tuple(2 + 2 * i for i in range(spatial))
            return inputs[(slice(None), *cut)].reshape(shape).max(axis=axes)
        shape, axes = (-1, inputs.shape[1], *blocks), tuple(3 + 2 * i for i in range(spatial))
        return inputs[(slice(None), slice(None), *cut)].reshape(shape).max(axis=axes)

    max_pool.pools_by_reshaping = True
    max_pool.__wrapped__ = keras_max_pool
    return max_pool


def _cache_compilations() -> list[str]:
    import jax

    if jax.config.jax_compilation_cache_dir:  # set by the user, or already by us
        return []
    folder = tempfile.mkdtemp(prefix="dlicourse-xla-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    jax.config.update("jax_compilation_cache_dir", folder)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.2)
    quiet.drop_from_stderr(quiet.XLA_CACHE_COMPLAINT)
    return ["compilation_cache"]


def _spatial(value: Any, rank: int) -> tuple[int, ...]:
    return (value,) * rank if isinstance(value, int) else tuple(value)
