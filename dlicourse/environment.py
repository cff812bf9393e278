"""What the notebooks run on: backend and accelerators, told in one kind line."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
# What else changes the arithmetic of a run without changing its code: oneDNN's kernels (on by default in
# TensorFlow on x86) and XLA's options. Another CPU changes it the same way, which is why lessons are measured
# with these varied (benchmarks/robustness.py).
ARITHMETIC_VARIABLES = ("TF_ENABLE_ONEDNN_OPTS", "XLA_FLAGS", "TF_NUM_INTEROP_THREADS", *THREAD_VARIABLES)


def cpu_name() -> str:
    """The processor's model name, to say which machine a benchmark's timings came from."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


def thread_limits(threads: int) -> dict[str, str]:
    """The environment that holds a process (and the kernels it starts) to `threads` threads of compute:
    OpenMP, BLAS and TensorFlow each size their pools by the cores, not by what the process was given."""
    return {name: str(threads) for name in THREAD_VARIABLES} | {"TF_NUM_INTEROP_THREADS": "1" if threads == 1 else "2"}


def arithmetic(threads: int | None = None) -> dict[str, str]:
    """The settings in this environment (with `threads` limits, if given) that change how a run computes."""
    env = {**os.environ, **(thread_limits(threads) if threads else {})}
    return {name: env[name] for name in ARITHMETIC_VARIABLES if name in env}


def _nvidia_memory() -> list[str]:
    """`name, memory` of each NVIDIA GPU as the driver reports it; the backends do not all tell memory."""
    smi = shutil.which("nvidia-smi")
    if smi is None:
        return []
    try:
        done = subprocess.run([smi, "--query-gpu=name,memory.total", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return []
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def gpus() -> list[str]:
    """The accelerators the active Keras backend can use, with their memory where the driver tells it
    (empty on a CPU-only machine)."""
    import keras

    backend = keras.backend.backend()
    found: list[str] = []
    if backend == "tensorflow":
        import tensorflow as tf

        found = [d.name for d in tf.config.list_physical_devices("GPU")]
    elif backend == "jax":
        import jax

        found = [str(d) for d in jax.devices() if d.platform != "cpu"]
    elif backend == "torch":
        import torch

        found = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    described = _nvidia_memory()
    return described if found and len(described) == len(found) else found


def device_summary() -> str:
    found = gpus()
    if found:
        return f"{len(found)} GPU(s): {'; '.join(found)}"
    return f"CPU only ({os.cpu_count()} cores); every lab is sized to run well on that"
