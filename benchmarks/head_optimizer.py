"""Why 06_transfer_learning's new head learns with SGD and not Adam: measured, not argued.

06 trains one Dense layer on the frozen dog base's features from 8 photos, then measures it on the 240
held-out photos. This trains that same head (the lab's pipeline: resize, random flip, frozen base, softmax
head, batch 8, 60 epochs) with SGD at the lab's rate and with Adam at three rates, for three seeds each,
and writes the held-out accuracy of each as JSON and Markdown.

    .venv/bin/python benchmarks/head_optimizer.py                 # about 5 minutes on a 2-core CPU
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import keras
from keras import layers

from dlicourse import bases, files, tables
from dlicourse.datasets import dogs

OPTIMIZERS = {
    "SGD 0.5, momentum 0.9 (the lab's)": lambda: keras.optimizers.SGD(0.5, momentum=0.9),
    "Adam 0.01": lambda: keras.optimizers.Adam(0.01),
    "Adam 0.001 (Keras's default)": lambda: keras.optimizers.Adam(0.001),
    "Adam 0.0001": lambda: keras.optimizers.Adam(0.0001),
}


def heldout_accuracy(make_optimizer, seed: int, base: keras.Model, tiny, heldout, epochs: int) -> float:
    keras.utils.set_random_seed(seed)
    size = bases.input_size(base)
    inputs = keras.Input(shape=tiny.x.shape[1:])
    x = layers.RandomFlip("horizontal")(layers.Resizing(size, size)(inputs))
    x = base(x, training=False)
    model = keras.Model(inputs, layers.Dense(len(tiny.class_names), activation="softmax")(x))
    model.compile(optimizer=make_optimizer(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(tiny.x, tiny.y, epochs=epochs, batch_size=8, verbose=0)
    return float(model.evaluate(heldout.x, heldout.y, verbose=0)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--out", default=str(Path(__file__).parent / "results"))
    args = parser.parse_args(argv)
    base = bases.load_base("dogs")
    base.trainable = False
    tiny, heldout = dogs.louie_dataset("tiny"), dogs.louie_dataset("heldout")
    rows = []
    for name, make_optimizer in OPTIMIZERS.items():
        scores = [heldout_accuracy(make_optimizer, seed, base, tiny, heldout, args.epochs) for seed in args.seeds]
        rows.append({"optimizer": name, **{f"seed {s}": round(a, 3) for s, a in zip(args.seeds, scores, strict=True)},
                     "mean": round(statistics.mean(scores), 3)})
        print(rows[-1], flush=True)
    columns = ["optimizer", *[f"seed {s}" for s in args.seeds], "mean"]
    text = (f"# The new head's optimizer (06_transfer_learning)\n\nHeld-out accuracy on {len(heldout)} photos of a "
            f"softmax head trained on the frozen dog base's features from {len(tiny)} photos, {args.epochs} epochs, "
            f"batch 8, Keras {keras.__version__} on {keras.backend.backend()}. Command: "
            "`.venv/bin/python benchmarks/head_optimizer.py`.\n\n" + tables.markdown(columns, rows))
    files.write_json(Path(args.out) / "head_optimizer.json", {"epochs": args.epochs, "rows": rows})
    files.write_text(Path(args.out) / "head_optimizer.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
