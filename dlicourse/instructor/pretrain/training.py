"""Training the dog base on the source task, and writing it with its manifest: `dlicourse pretrain`."""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from dlicourse import manifest as manifests
from dlicourse.bases import DOG_BASE, INPUT_SIZE, dog_base_path, manifest_path
from dlicourse.datasets import dogs
from dlicourse.instructor.pretrain.architecture import (
    COSINE_MARGIN,
    COSINE_SCALE,
    FEATURES,
    WIDTHS,
    build_base,
    cosface_loss,
    heads,
)
from dlicourse.instructor.pretrain.source import MARKS, SEED, VERSION, dogs_per_breed, source_task
from dlicourse.saving import save_model

LOSS_WEIGHTS = {"identity": 2.0, "breed": 1.0, "marks": 3.0, "ears": 0.5, "colours": 10.0}


def pretrain(n_breeds: int, per_breed: int, photos: int, epochs: int, batch_size: int, seed: int,
             scenes: tuple[str, ...], out: Path, beagles: int | None = None, named: int | None = None) -> dict:
    """Train the base with its source heads; save the base alone; return the manifest."""
    import keras

    keras.utils.set_random_seed(seed)
    began = time.perf_counter()
    data = source_task(n_breeds, per_breed, photos, seed=seed, scenes=scenes, beagles=beagles, named=named)
    drawn = time.perf_counter() - began
    n_val = len(data["x"]) // 10  # the photos are drawn independently, so the first tenth is a fair sample
    x, labels = data.pop("x"), data
    counts = dogs_per_breed(n_breeds, per_breed, beagles, named)
    n_dogs = sum(counts)
    base = build_base()
    model = heads(base, n_breeds, n_dogs)
    steps = epochs * -(-(len(x) - n_val) // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(0.0, steps, warmup_target=3e-3, warmup_steps=steps // 10)
    model.compile(keras.optimizers.Adam(schedule),
                  loss={"identity": cosface_loss(n_dogs), "breed": "sparse_categorical_crossentropy",
                        "marks": "binary_crossentropy", "ears": "sparse_categorical_crossentropy", "colours": "mse"},
                  loss_weights=LOSS_WEIGHTS,
                  metrics={"identity": "sparse_categorical_accuracy", "breed": "accuracy",
                           "marks": "binary_accuracy", "ears": "accuracy"})
    began = time.perf_counter()
    history = model.fit(x[n_val:], {k: v[n_val:] for k, v in labels.items()}, epochs=epochs, batch_size=batch_size,
                        validation_data=(x[:n_val], {k: v[:n_val] for k, v in labels.items()}), verbose=2)
    trained = time.perf_counter() - began
    last = {k: round(float(v[-1]), 4) for k, v in history.history.items()}
    all_scenes = set(dogs.NEW_SCENES) <= set(scenes)
    scene_flag = "all" if all_scenes else "training"
    save_model(base, out)
    manifest = {
        "file": out.name, "bytes": out.stat().st_size,
        "input": [INPUT_SIZE, INPUT_SIZE, 3], "features": int(base.output_shape[-1]),
        "parameters": int(base.count_params()),
        "architecture": f"Rescaling(1/255); block1 Conv2D 5x5 stride 2, blocks 2-4 Conv2D 3x3 (widths {list(WIDTHS)}), "
                        f"each + BatchNorm + ReLU; 2x2 max-pooling after blocks 2 and 3; global average pooling; "
                        f"Dense({FEATURES}) embedding scaled to unit length",
        "source_task": {
            "what": "tell individual generated dogs of many breeds apart (dlicourse.datasets.dogs.breeds), many "
                    "of them beagles, and say which breed, marks, ears and colours each has",
            "breeds": n_breeds, "dogs": n_dogs, "beagles": counts[0], "dogs_per_named_breed": counts[1],
            "dogs_per_made_up_breed": per_breed, "photos_per_dog": photos, "images": len(x),
            "validation_images": n_val,
            "marks": list(MARKS), "scenes": list(scenes), "seed": seed, "recipe_version": VERSION,
            "drawing_version": dogs.VERSION,
            "excluded": "Louie himself (every beagle is a dogs.other_dog look-alike that differs from him in at "
                        "least two marks or colours), every photo of the Louie splits (they come from seed "
                        f"{dogs.SEED}, these from seed {seed})"
                        + ("" if all_scenes else ", and the held-out split's scenes (" + ", ".join(dogs.NEW_SCENES)
                           + ")"),
        },
        "training": {"epochs": epochs, "batch_size": batch_size,
                     "optimizer": "Adam, 10% linear warm-up to 3e-3, then cosine decay",
                     "heads": f"identity (cosine classifier with CosFace loss, scale {COSINE_SCALE}, margin "
                              f"{COSINE_MARGIN}), breed (softmax), marks (sigmoid), ears (softmax), colours "
                              "(sigmoid, MSE); discarded after training",
                     "loss_weights": LOSS_WEIGHTS,
                     "seconds_drawing": round(drawn, 1), "seconds_training": round(trained, 1)},
        "score": {"source_task": "identity_validation_accuracy",
                  "identity_validation_accuracy": last["val_identity_sparse_categorical_accuracy"],
                  "identity_chance": round(1 / n_dogs, 4),
                  "breed_validation_accuracy": last["val_breed_accuracy"],
                  "breed_train_accuracy": last["breed_accuracy"],
                  "marks_validation_accuracy": last["val_marks_binary_accuracy"],
                  "ears_validation_accuracy": last["val_ears_accuracy"],
                  "breed_chance": round(1 / n_breeds, 4)},
        "made_with": {"keras": keras.__version__, "backend": keras.backend.backend(),
                      "python": platform.python_version()},
        "command": f"dlicourse pretrain --breeds {n_breeds} --beagles {counts[0]} --named {counts[1]} "
                   f"--dogs-per-breed {per_breed} --photos {photos} --epochs {epochs} --batch-size {batch_size} "
                   f"--seed {seed} --scenes {scene_flag}",
    }
    return manifests.write(manifest_path(out), [out.name], **manifest)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `dlicourse pretrain`; every default is the recipe of the shipped base."""
    parser.add_argument("--breeds", type=int, default=40, help="breeds: the 12 named ones, then made-up ones")
    parser.add_argument("--beagles", type=int, default=150, help="individual beagles (Louie's look-alikes)")
    parser.add_argument("--named", type=int, default=20, help="individuals of each other named breed")
    parser.add_argument("--dogs-per-breed", type=int, default=5, help="individuals of each made-up breed")
    parser.add_argument("--photos", type=int, default=12, help="photos of each individual")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--scenes", choices=("training", "all"), default="training",
                        help="backgrounds: only those of the Louie training splits (default, so that the held-out "
                             "split's scenes stay new to every model), or all ten")
    parser.add_argument("--out", type=Path, default=None, help=f"default: the repository's datasets/{DOG_BASE}")


def run(args: argparse.Namespace) -> int:
    """Train the base again and write it with its manifest (the repository's by default)."""
    out = args.out or dog_base_path()
    scenes = dogs.SCENES + dogs.NEW_SCENES if args.scenes == "all" else dogs.SCENES
    manifest = pretrain(args.breeds, args.dogs_per_breed, args.photos, args.epochs, args.batch_size, args.seed, scenes,
                        out, beagles=args.beagles, named=args.named)
    score = manifest["score"]
    print(f"wrote {out} ({manifest['bytes'] / 1e6:.1f} MB); on its validation photos: "
          f"{score['identity_validation_accuracy']:.1%} of {manifest['source_task']['dogs']} dogs told apart "
          f"(chance {score['identity_chance']:.1%}), breed {score['breed_validation_accuracy']:.1%}")
    return 0
