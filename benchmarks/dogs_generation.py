"""How fast the dog-portrait generator draws: images per second at a few sizes (no cache involved).

Usage: python benchmarks/dogs_generation.py [--count N] [--out DIR]  (writes dogs_generation.json and .md)
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from pathlib import Path

from dlicourse import files
from dlicourse.datasets import dogs
from dlicourse.tables import markdown


def measure(size: int, count: int) -> dict[str, float]:
    began = time.perf_counter()
    dogs.make_split("big", size=size, count=count)
    seconds = time.perf_counter() - began
    return {"size": size, "images": count, "seconds": round(seconds, 3), "images_per_second": round(count / seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--out", default="benchmarks/results")
    args = parser.parse_args()
    rows = [measure(size, args.count) for size in (64, 128, 256)]
    out = Path(args.out)
    machine = {"machine": platform.platform(), "cpus": os.cpu_count(), "rows": rows}
    files.write_json(out / "dogs_generation.json", machine)
    files.write_text(out / "dogs_generation.md", markdown(list(rows[0]), rows))
    print(markdown(list(rows[0]), rows))


if __name__ == "__main__":
    main()
