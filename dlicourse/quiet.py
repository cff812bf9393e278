"""Silence the lines that TensorFlow, XLA and Jupyter kernels write straight to file descriptor 2.

They come from C++ or before TensorFlow reads its log level, so no setting stops them; they would repeat
for every notebook of a batch run, open every `dlicourse doctor` report, or fill a lab's outputs.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Callable, Iterator

NOISE = re.compile(
    r"^\s*(WARNING: All log messages before absl::InitializeLog|[IW]\d{4} [\d:.]+\s+\d+ \w+\.cc:\d+\]"
    r"|\[IPKernelApp\] WARNING \| Kernel is running over TCP|<Figure size [\d.]+x[\d.]+ with \d+ Axes>)")

# jaxlib 0.9 and 0.10 on some x86 CPUs (those LLVM tunes with +prefer-no-gather) log this at error level for
# every entry read back from JAX's compilation cache, then use the entry all the same: the feature it names
# is a tuning preference, not an instruction (openxla/xla#44565, jax-ml/jax#38445).
XLA_CACHE_COMPLAINT = re.compile(r"^E\d{4} [\d:.]+\s+\d+ cpu_aot_loader\.cc:\d+\] Loading XLA:CPU AOT result\.")

# TensorFlow 2.20's oneDNN build logs this at error level when an op it cannot run with oneDNN falls back to its
# ordinary kernel, which computes the same result (09's FP16 training prints it): nothing for a learner to fix.
ONEDNN_FALLBACK = re.compile(r"^.{0,80}\bE[\d ].{0,60}util\.cc:\d+\] oneDNN supports DT_\w+ only on platforms with")


def _filter_stderr(drop: re.Pattern[str]) -> Callable[[], None]:
    """Put a pipe on file descriptor 2 whose reader passes on every line that `drop` does not match to
    where descriptor 2 went before; return what puts that back."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not drop.match(line.decode(errors="replace")):
                    os.write(saved, line)

    thread = threading.Thread(target=pump, daemon=True, name="dlicourse-stderr-filter")
    thread.start()

    def restore() -> None:
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's last write end, so the pump sees its end
        thread.join(timeout=5)
        os.close(saved)

    return restore


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Drop the NOISE lines that kernels write straight to file descriptor 2; pass everything else."""
    restore = _filter_stderr(NOISE)
    try:
        yield
    finally:
        restore()


def drop_from_stderr(drop: re.Pattern[str]) -> None:
    """Drop the lines `drop` matches from this process's file descriptor 2 for the rest of its life: in a
    kernel, before they reach the notebook (ipykernel reads descriptor 2 through a pipe of its own, which
    the filter writes to). Each call adds a filter; `backends` calls it once per backend it prepares."""
    _filter_stderr(drop)
