"""What the notebooks run on: backend and accelerators, told in one kind line."""

from __future__ import annotations

import os


def gpus() -> list[str]:
    """Names of the accelerators the active Keras backend can use (empty on a CPU-only machine)."""
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform != "cpu"]
    if backend == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def device_summary() -> str:
    found = gpus()
    if found:
        return f"{len(found)} GPU(s): {', '.join(found)}"
    return f"CPU only ({os.cpu_count()} cores); every lab is sized to run well on that"
