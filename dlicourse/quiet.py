"""Silence the lines that TensorFlow and Jupyter kernels write straight to the terminal.

They come before TensorFlow reads its log level, so no setting stops them; they would repeat for every
notebook of a batch run and open every `dlicourse doctor` report.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
from collections.abc import Iterator

NOISE = re.compile(
    r"^\s*(WARNING: All log messages before absl::InitializeLog|[IW]\d{4} [\d:.]+\s+\d+ \w+\.cc:\d+\]"
    r"|\[IPKernelApp\] WARNING \| Kernel is running over TCP|<Figure size \d+x\d+ with \d+ Axes>)")


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """Drop the NOISE lines that kernels write straight to file descriptor 2; pass everything else."""
    sys.stderr.flush()
    saved = os.dup(2)
    read_end, write_end = os.pipe()
    os.dup2(write_end, 2)
    os.close(write_end)

    def pump() -> None:
        with os.fdopen(read_end, "rb") as pipe:
            for line in pipe:
                if not NOISE.match(line.decode(errors="replace")):
                    os.write(saved, line)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    try:
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)  # closes the pipe's last write end, so the pump sees its end
        thread.join(timeout=5)
        os.close(saved)
