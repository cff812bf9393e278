"""The `full` profile measured: each lab's figures and wall time from a `dlicourse run --profile full` batch.

Runs nothing itself: it reads the batch's `metrics.json` and writes what was measured, with the machine
it ran on, as JSON and Markdown. Labs that did not run are listed as not measured.

    .venv/bin/dlicourse run 06 --profile full --runs-dir /tmp/bench/full
    .venv/bin/python benchmarks/full_profile.py /tmp/bench/full/full --note "2-core CPU, shared"
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from dlicourse import io, profiles, tables

RESULTS = Path(__file__).parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batch", type=Path, help="the batch's profile folder (holds metrics.json)")
    parser.add_argument("--note", default="", help="the machine, and how it was used while measuring")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    measured = json.loads((args.batch / "metrics.json").read_text())
    rows = [{"lab": lab, "figure": name, "value": value} for lab, figures in measured.items()
            for name, value in figures.items()]
    missing = sorted(set(profiles.notebook_tables("full")) - set(measured))
    text = (f"# The full profile, measured\n\n{platform.machine()} CPU, Python {platform.python_version()}. "
            f"{args.note}\n\n" + tables.markdown(["lab", "figure", "value"], rows)
            + f"\nNot measured with `full`: {', '.join(missing) or 'none'}; no GPU figures.\n")
    io.write_json(args.out / "full_profile.json", {"note": args.note, "measured": measured, "not_measured": missing})
    io.write_text(args.out / "full_profile.md", text)
    print(text)


if __name__ == "__main__":
    main()
