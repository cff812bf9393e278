"""The `full` profile measured: each lab's figures, status and wall time from `dlicourse run --profile full`.

Runs nothing itself: it reads what the batches left (each lab's executed notebook and `figures.json`), so a
batch stopped at a time limit still counts for the labs that finished. It writes what was measured, with
the machine it ran on, as `full_profile_<name>.json` and `.md`. Labs found in no batch are listed as not
measured.

    .venv/bin/dlicourse run --profile full --runs-dir /tmp/bench/full
    .venv/bin/python benchmarks/full_profile.py /tmp/bench/full/full --name gpu --note "one H200, JAX"
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from dlicourse import files, tables
from dlicourse.paths import solutions_dir

RESULTS = Path(__file__).parent / "results"


def lab_results(batch: Path) -> dict[str, dict[str, Any]]:
    """{lab: {status, wall_seconds, figure: value, ...}} for each notebook the batch finished."""
    found = {}
    for notebook in sorted(batch.glob("*.ipynb")):
        lab = notebook.name.removesuffix(".ipynb").removesuffix(".failed")
        meta = json.loads(notebook.read_text()).get("metadata", {}).get("papermill", {})
        figures = batch / lab / "figures.json"
        found[lab] = {"status": "failed" if notebook.name.endswith(".failed.ipynb") else "lesson held",
                      "wall_seconds": round(meta.get("duration") or 0.0, 1),
                      **(json.loads(figures.read_text()) if figures.exists() else {})}
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("batches", type=Path, nargs="+", help="the batches' profile folders (runs-dir/full)")
    parser.add_argument("--name", required=True, help="what the machine is, for the file name: cpu, gpu, ...")
    parser.add_argument("--note", default="", help="the machine, and how it was used while measuring")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    measured: dict[str, dict[str, Any]] = {}
    for batch in args.batches:
        measured.update(lab_results(batch))
    rows = [{"lab": lab, "figure": name, "value": round(value, 4) if isinstance(value, float) else value}
            for lab, figures in sorted(measured.items()) for name, value in figures.items()]
    missing = sorted({p.stem for p in solutions_dir().glob("*.ipynb")} - set(measured))
    text = (f"# The full profile, measured ({args.name})\n\n"
            f"{args.note}\n\n" + tables.markdown(["lab", "figure", "value"], rows)
            + f"\nNot measured with `full` here: {', '.join(missing) or 'none'}.\n")
    files.write_json(args.out / f"full_profile_{args.name}.json",
                  {"note": args.note, "measured": measured, "not_measured": missing})
    files.write_text(args.out / f"full_profile_{args.name}.md", text)
    print(text)


if __name__ == "__main__":
    main()
