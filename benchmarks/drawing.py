"""How fast the course's data are drawn: each generator in one process and on every core (no cache involved).

The `full` profile draws thousands of 256-pixel images before its first epoch; on one core that took
longer than training on a GPU. Counts here are a slice of the `full` profile's, to keep the run short;
the seconds scale with the count.

Usage: python benchmarks/drawing.py [--scale S] [--out DIR]  (writes drawing.json and drawing.md)
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

from dlicourse import files
from dlicourse.datasets import _pool, crops, segmentation, whales
from dlicourse.datasets.dogs import splits
from dlicourse.tables import markdown

# (what, how many of the full profile's, drawing) at 256 pixels, the full profile's size
DRAWINGS: list[tuple[str, int, Callable[[int], object]]] = [
    ("whale crops (04, 07)", 9000, lambda n: crops._make_crops(n, 0, 256)),
    ("cardiac slices (05)", 4500, lambda n: segmentation._make(n, 256, 0)),
    ("dog photos (01)", 2400, lambda n: splits.make_split("big", 256, count=n)),
    ("whale scenes 3072x4096 (04)", 40, lambda n: whales._make_scenes(n, 1, (3072, 4096), 256)),
]


def seconds(draw: Callable[[int], object], count: int, processes: int) -> float:
    with mock.patch.object(_pool, "cores", lambda: processes), mock.patch.object(_pool, "MIN_PIXELS", 0):
        began = time.perf_counter()
        draw(count)
        return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.05, help="the share of the full profile's count to draw")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    cores = _pool.cores()
    rows = []
    for what, full, draw in DRAWINGS:
        count = max(2, round(full * args.scale) // 2 * 2)
        one, every = seconds(draw, count, 1), seconds(draw, count, cores)
        rows.append({"data": what, "count": count, "one process (s)": round(one, 1),
                     f"{cores} processes (s)": round(every, 1), "speed-up": round(one / every, 2),
                     "full count, one process (s, scaled)": round(one * full / count)})
        print(rows[-1], flush=True)
    text = (f"# Drawing the data\n\n{platform.machine()} CPU, {cores} cores, Python {platform.python_version()}; "
            f"{args.scale:.0%} of the full profile's counts at 256 pixels.\n\n" + markdown(list(rows[0]), rows))
    files.write_json(args.out / "drawing.json", {"cores": cores, "scale": args.scale, "rows": rows})
    files.write_text(args.out / "drawing.md", text)
    print(text)


if __name__ == "__main__":
    main()
