"""A Keras model in a real inference runtime, LiteRT (formerly TensorFlow Lite): export as float32,
float16 or int8, load, predict and time it, offline on a CPU.

LiteRT was chosen because its converter ships inside TensorFlow (no extra exporter to keep in step with
Keras) and its interpreter (`ai-edge-litert`, one small wheel) runs int8 kernels on x86 and ARM CPUs
through XNNPACK. The int8 files keep float32 inputs and outputs: the runtime quantizes at the edges, so a
caller (02's doggy door) passes the same pixels to every file.
"""

from __future__ import annotations

import contextlib
import io as io_module
import os
import pickle
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np

from dlicourse import files

RUNTIME = "LiteRT"
PRECISIONS = ("float32", "float16", "int8")


@contextlib.contextmanager
def _silenced(doing: str = "conversion") -> Iterator[None]:
    """Keep what the converter prints (its C++ code on file descriptors 1 and 2, Keras's export and
    TensorFlow's logger in Python) out of the notebook; show it only if the conversion fails, as the reason."""
    import logging

    logger = logging.getLogger("tensorflow")
    level, python_side = logger.level, io_module.StringIO()
    with tempfile.TemporaryFile() as log:
        saved = [os.dup(1), os.dup(2)]
        for fd in (1, 2):
            os.dup2(log.fileno(), fd)
        logger.setLevel(logging.ERROR)
        try:
            with contextlib.redirect_stdout(python_side), contextlib.redirect_stderr(python_side), \
                    warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "Statistics for quantized inputs": int8 keeps float32 inputs
                yield
        except Exception as err:
            log.seek(0)
            tail = (log.read().decode(errors="replace") + python_side.getvalue())[-1500:]
            raise RuntimeError(f"the LiteRT {doing} failed: {err}\n{tail}") from err
        finally:
            logger.setLevel(level)
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)


def export(model, path: str | os.PathLike, precision: str = "float32",
           representative: Callable[[], Iterable[list[np.ndarray]]] | None = None) -> Path:
    """Write `model` as a LiteRT file at `path`, atomically.

    `float16` stores the weights in half precision (the runtime computes in float32 on a CPU); `int8`
    stores weights and activations as 8-bit integers, with each activation's range measured on the images
    that `representative()` yields (a list holding one float32 batch per call): the calibration set.
    On a backend other than TensorFlow the model is converted by Keras on TensorFlow in a child process
    (see `_convert_elsewhere`).
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if (precision == "int8") != (representative is not None):
        raise ValueError("int8 needs a representative() function of calibration images, and only int8 uses one")
    import keras

    if keras.backend.backend() == "tensorflow":
        files.write_bytes(path, _convert(model, precision, representative))
    else:
        _convert_elsewhere(model, path, precision, representative)
    return Path(path)


def _convert(model, precision: str, representative: Callable[[], Iterable[list[np.ndarray]]] | None) -> bytes:
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if precision != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if precision == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if precision == "int8":
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    with _silenced():
        return converter.convert()


def _convert_elsewhere(model, path: str | os.PathLike, precision: str,
                       representative: Callable[[], Iterable[list[np.ndarray]]] | None) -> None:
    """Convert a model of another backend as Keras on TensorFlow would: saved, then loaded in a child process.

    LiteRT's converter reads TensorFlow graphs. Keras on JAX hands it its program through jax2tf, where
    each bias add, ReLU and softmax step is an op of its own: int8 gives each its own range, and the start
    value of softmax's maximum (-inf) takes a range so wide that every answer comes out the same (09's int8
    file scored 0.50 on JAX, its float32 file 0.93). The saved model is the same on every backend, and so
    is the file converted from it."""
    import subprocess
    import sys

    from dlicourse.saving import save_model

    with tempfile.TemporaryDirectory(prefix="dlicourse-litert-") as scratch:
        saved = save_model(model, Path(scratch) / "model.keras")
        calibration = Path(scratch) / "calibration.pickle"
        if representative is not None:
            calibration.write_bytes(pickle.dumps([[np.asarray(part, np.float32) for part in batch]
                                                  for batch in representative()]))
        child = subprocess.run(
            [sys.executable, "-m", "dlicourse.runtimes", str(saved), str(path), precision,
             str(calibration) if representative is not None else ""],
            env=os.environ | {"KERAS_BACKEND": "tensorflow"}, capture_output=True, text=True)
    if child.returncode != 0:
        why = child.stderr.strip()[-1500:] or f"exit status {child.returncode}"
        raise RuntimeError(f"converting the model in Keras on TensorFlow for LiteRT failed: {why}")


def _main(saved: str, path: str, precision: str, calibration: str) -> None:
    """The child of `_convert_elsewhere`: load the saved model on TensorFlow and write its LiteRT file."""
    import keras

    model = keras.saving.load_model(saved, compile=False)
    batches = pickle.loads(Path(calibration).read_bytes()) if calibration else None  # the parent's own file
    files.write_bytes(path, _convert(model, precision, (lambda: iter(batches)) if batches is not None else None))


class LiteModel:
    """A LiteRT file, called like a Keras model: a float32 batch in, the model's outputs out."""

    def __init__(self, path: str | os.PathLike, threads: int | None = None):
        from ai_edge_litert.interpreter import Interpreter

        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f"no LiteRT model at {self.path}")
        with _silenced("loading"):
            self.interpreter = Interpreter(model_path=str(self.path), num_threads=threads or os.cpu_count())
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        self.input_shape = tuple(int(d) for d in self._input["shape_signature"])
        self._batch = -1

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        batch = np.asarray(batch, np.float32)
        if batch.shape[1:] != self.input_shape[1:]:
            raise ValueError(f"{self.path.name} takes images of shape {self.input_shape[1:]}, got {batch.shape[1:]}")
        if len(batch) != self._batch:  # a new batch size: the runtime plans its memory again
            with _silenced("planning"):  # the first plan prints which CPU kernels (XNNPACK) it uses
                self.interpreter.resize_tensor_input(self._input["index"], list(batch.shape))
                self.interpreter.allocate_tensors()
            self._batch = len(batch)
        self.interpreter.set_tensor(self._input["index"], batch)
        self.interpreter.invoke()
        return np.array(self.interpreter.get_tensor(self._output["index"]))

    def predict(self, images: np.ndarray, batch_size: int = 64) -> np.ndarray:
        """Outputs for any number of images, `batch_size` at a time."""
        parts = [self(images[i:i + batch_size]) for i in range(0, len(images), batch_size)]
        return np.concatenate(parts)


def median_seconds(call: Callable[[np.ndarray], object], batch: np.ndarray, repeats: int = 7) -> float:
    """The median wall time of `call(batch)` over `repeats` calls, after one untimed call that warms up
    (plans memory, packs weights). The median, because on a shared machine a few calls are slowed by others."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    call(batch)
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        call(batch)
        seconds.append(time.perf_counter() - began)
    return float(np.median(seconds))


if __name__ == "__main__":
    import sys

    try:
        _main(*sys.argv[1:5])
    except Exception as err:  # one line for the parent to raise, not a child's traceback
        sys.exit(f"{type(err).__name__}: {err}")
