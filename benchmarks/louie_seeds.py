"""01_louie's network on the 2,400 photos, seed by seed: how far held-out accuracy moves from one seed to the next.

Trains the notebook's own `build_model()` network (with the fast profile's sizes) on the big split, one
fresh `keras.utils.set_random_seed(seed)` per run, and records the held-out accuracy after every epoch, the
training loss, and how many training photos end with a probability for their own class under 1e-7 (where Keras
on JAX, which takes a softmax output's cross-entropy from the clipped probabilities, gives them no gradient:
`benchmarks/softmax_loss.py`). `--forms logits` trains the same network with a linear last layer and
`from_logits=True`. Each backend's rows are merged into one JSON and one Markdown table:

    .venv/bin/python benchmarks/louie_seeds.py --seeds 0 1 2 3 4 5 --epochs 8
    KERAS_BACKEND=jax .venv/bin/python benchmarks/louie_seeds.py --seeds 0 1 2 3 4 5 --epochs 8
    KERAS_BACKEND=jax .venv/bin/python benchmarks/louie_seeds.py --seeds 0 1 2 --epochs 8 --forms logits

A 4-epoch run is the first 4 epochs of an 8-epoch one (evaluating on held-out photos draws no random numbers),
so one run gives every shorter count. `--seeds` with no seed only rewrites the Markdown from the JSON. A 2-core
CPU: about 40 s per 8-epoch run on TensorFlow, 4 to 6 minutes on JAX.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np
from keras import layers

from dlicourse import files, tables
from dlicourse.datasets import dogs
from dlicourse.instructor import profiles

ROOT = Path(__file__).resolve().parents[1]


def settings(profile: str) -> dict:
    """The notebook's parameters cell (its workshop values), with `profile`'s table for 01_louie over them."""
    notebook = json.loads((ROOT / "solutions" / "01_louie.ipynb").read_text())
    cell = next(c for c in notebook["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    values: dict = {}
    exec("".join(cell["source"]), {}, values)  # plain assignments of this repository's own notebook
    return {**values, **profiles.parameters(profile, "01_louie")}


def build_model(p: dict, from_logits: bool) -> keras.Model:
    """The notebook's own `build_model()`, run with `p` as its parameters, so that the benchmark trains what the
    learner reads; `from_logits`: its last layer made linear and the loss told so."""
    notebook = json.loads((ROOT / "solutions" / "01_louie.ipynb").read_text())
    source = next("".join(c["source"]) for c in notebook["cells"] if "def build_model" in "".join(c["source"]))
    function = next(node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef))
    scope = {"keras": keras, "layers": layers, **p}
    exec(compile(ast.Module([function], []), "01_louie.ipynb", "exec"), scope)  # this repository's own notebook
    model = scope["build_model"]()
    if from_logits:
        model = keras.Sequential([keras.Input(model.input_shape[1:]), *model.layers[:-1], layers.Dense(2)])
        model.compile(optimizer=keras.optimizers.Adam(p["learning_rate"]),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def run(p: dict, seed: int, form: str, epochs: int, train, heldout) -> dict:
    keras.utils.set_random_seed(seed)
    model = build_model(p, form == "logits")
    began = time.perf_counter()
    history = model.fit(train.x, train.y, epochs=epochs, batch_size=p["batch_size"], verbose=0,
                        validation_data=(heldout.x, heldout.y))
    seconds = time.perf_counter() - began
    out = keras.ops.convert_to_numpy(model.predict(train.x, verbose=0))
    probabilities = keras.ops.convert_to_numpy(keras.ops.softmax(out)) if form == "logits" else out
    own = probabilities[np.arange(len(train.y)), train.y]
    return {"backend": keras.backend.backend(), "seed": seed, "form": form, "epochs": epochs,
            "heldout_per_epoch": [round(float(v), 4) for v in history.history["val_accuracy"]],
            "loss_per_epoch": [round(float(v), 3) for v in history.history["loss"]],
            "own_class_below_1e-7": int(np.sum(own < 1e-7)), "seconds": round(seconds, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="fast")
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1, 2], help="none: only rewrite the table")
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--forms", nargs="+", choices=["softmax", "logits"], default=["softmax"])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--note", default=None, help="a line for the table's header, e.g. the load average")
    args = parser.parse_args()
    p = settings(args.profile)
    train = dogs.louie_dataset("big", size=p["photo_size"])
    heldout = dogs.louie_dataset("heldout", size=p["photo_size"])
    path = args.out / "louie_seeds.json"
    before = json.loads(path.read_text()) if path.exists() else {}
    rows, note = before.get("rows", []), args.note or before.get("note", "")
    for form in args.forms:
        for seed in args.seeds:
            row = run(p, seed, form, args.epochs, train, heldout)
            print(json.dumps(row), flush=True)
            rows = [r for r in rows if (r["backend"], r["seed"], r["form"]) != (row["backend"], seed, form)] + [row]
    rows.sort(key=lambda r: (r["backend"], r["form"], r["seed"]))
    args.out.mkdir(parents=True, exist_ok=True)
    used = ["photo_size", "network_size", "conv_filters", "dense_units", "batch_size", "learning_rate"]
    files.write_json(path, {"profile": args.profile, "settings": {k: p[k] for k in used}, "note": note, "rows": rows})
    most = max(r["epochs"] for r in rows)
    columns = ["backend", "form", "seed", *[f"epoch {e}" for e in range(1, most + 1)], "own class < 1e-7", "seconds"]
    table = [{"backend": r["backend"], "form": r["form"], "seed": r["seed"],
              **{f"epoch {e}": a for e, a in enumerate(r["heldout_per_epoch"], 1)},
              "own class < 1e-7": r["own_class_below_1e-7"], "seconds": r["seconds"]} for r in rows]
    files.write_text(args.out / "louie_seeds.md", "\n".join([
        "# 01_louie: held-out accuracy of the 2,400-photo network, seed by seed",
        "",
        f"Profile {args.profile} (network {p['network_size']} px, batch {p['batch_size']}, Adam {p['learning_rate']}), "
        f"Keras {keras.__version__}, {platform.machine()} CPU, {os.cpu_count()} cores. Accuracy on the 240 held-out "
        "photos after each epoch; `own class < 1e-7`: training photos whose own class ends below 1e-7 (no gradient on "
        "JAX with a softmax output). No TensorFlow rows for logits: Keras on TensorFlow already takes a softmax "
        "output's loss from its logits, so they would repeat the softmax rows (seeds 0-2, 4 epochs: the same "
        "losses and accuracies). Seconds: wall clock on a shared machine." + (f" {note}" if note else ""),
        "",
        tables.markdown(columns, table), ""]))


if __name__ == "__main__":
    main()
