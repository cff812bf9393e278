"""Each lab's wall time on TensorFlow and on JAX, from two `dlicourse run` batches of the same profile.

Runs nothing itself: it reads the `summary.json` that each batch wrote (wall seconds per notebook, and the
figures the lessons assert) and writes a table as JSON and Markdown. A lab missing from a batch (it failed,
or the batch was stopped) is shown as not measured, never guessed.

    KERAS_BACKEND=tensorflow .venv/bin/dlicourse run --profile workshop --runs-dir /tmp/bench/tf
    KERAS_BACKEND=jax        .venv/bin/dlicourse run --profile workshop --runs-dir /tmp/bench/jax
    .venv/bin/python benchmarks/backends.py /tmp/bench/tf/workshop /tmp/bench/jax/workshop --note "..."
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

from dlicourse import figures, files, tables
from dlicourse.paths import project_root

RESULTS = Path(__file__).parent / "results"


def load(folder: Path) -> dict[str, dict]:
    path = folder / figures.SUMMARY
    return json.loads(path.read_text()) if path.exists() else {}


def rows(tf: dict[str, dict], jax: dict[str, dict], labs: list[str]) -> list[dict]:
    table = []
    for lab in labs:
        a, b = tf.get(lab, {}).get("wall_seconds"), jax.get(lab, {}).get("wall_seconds")
        table.append({"lab": lab, "tensorflow_s": a, "jax_s": b,
                      "jax / tensorflow": round(b / a, 2) if a and b else None})
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tensorflow", type=Path, help="a TensorFlow batch's profile folder (holds summary.json)")
    parser.add_argument("jax", type=Path, help="a JAX batch's profile folder")
    parser.add_argument("--profile", default="workshop")
    parser.add_argument("--note", default="", help="how the machine was used while measuring")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    tf, jax = load(args.tensorflow), load(args.jax)
    labs = sorted({p.stem for p in (project_root() / "solutions").glob("[0-9][0-9]_*.ipynb")} | set(tf) | set(jax))
    table = rows(tf, jax, labs)
    columns = ["lab", "tensorflow_s", "jax_s", "jax / tensorflow"]
    header = (f"# Backends: wall time per lab, {args.profile} profile\n\n"
              f"{platform.machine()} CPU, Python {platform.python_version()}; seconds of wall clock per notebook "
              f"(`dlicourse run`), empty where not measured. {args.note}\n\n")
    files.write_json(args.out / "backends.json", {"profile": args.profile, "note": args.note, "rows": table,
                                               "figures": {"tensorflow": tf, "jax": jax}})
    files.write_text(args.out / "backends.md", header + tables.markdown(columns, table))
    print(header + tables.markdown(columns, table))


if __name__ == "__main__":
    main()
