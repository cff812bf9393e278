"""Pretrain the course's own base network, offline: `python -m dlicourse.pretrain`.

The transfer-learning lab needs a network that has already learned to see dogs, and ImageNet weights
cannot be downloaded offline. So the course makes its own: a small CNN trained on thousands of
generated photos to tell 510 individual dogs of 40 breeds apart (`dogs.breeds`), 150 of them beagles,
and to say which breed, marks (blaze, chest, saddle, eye patch, mask, spots), ears and colours each
one has. Telling individuals apart, not only breeds, makes its features notice what separates one dog
from a look-alike, which is the Louie lab's task: a network trained only to name breeds learns to
ignore exactly the marks that make Louie Louie. The identities are learned as in face recognition
(CosFace: unit-length features, a cosine classifier with an angular margin), which spreads different
dogs apart by angle, so that a new dog can be told from its look-alikes with a few photos.

The source task stays honest for the lab's held-out evaluation: Louie himself is never shown (its
beagles are `dogs.other_dog` look-alikes that differ from him in at least two marks), the photos come
from their own seed stream, and by default they show only the training scenes, never the held-out
split's new ones. The script writes `datasets/pretrained/dog_base.keras` (atomically) and a manifest
with its SHA-256, the recipe, the drawing's version (`dogs.VERSION`) and its scores;
`dlicourse.bases.load_dog_base()` checks one against the other. About 8 minutes on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import numpy as np

from dlicourse import io
from dlicourse.bases import DOG_BASE, INPUT_SIZE, manifest_path
from dlicourse.datasets import dogs
from dlicourse.datasets._cache import cached

VERSION = 2
SEED = 7  # not dogs.SEED (2018): the Louie splits' photos come from another stream
WIDTHS = (24, 48, 96, 192)
FEATURES = 128
COSINE_SCALE = 24.0
COSINE_MARGIN = 0.25  # CosFace: a photo's own dog must win by this much cosine
LOSS_WEIGHTS = {"identity": 2.0, "breed": 1.0, "marks": 3.0, "ears": 0.5, "colours": 10.0}


MARKS = ("blaze", "chest", "saddle", "eye_patch", "mask", "spots")


def _labels(dog: dogs.Dog, breed: int) -> tuple[int, list[float], int, list[float]]:
    """What a person would say about a dog: its breed, which marks it wears, its ears, its colours."""
    colours = [c / 255 for c in (*dog.coat, *dog.ears, *dog.muzzle)]
    return breed, [float(getattr(dog, m) is not None) for m in MARKS], dogs.EAR_SHAPES.index(dog.ear_shape), colours


def source_dog(breed: dogs.Breed, rng: np.random.Generator) -> dogs.Dog:
    """A new individual of `breed`; a beagle is a look-alike of Louie that lacks at least two of his marks."""
    dog = dogs.other_dog(rng, lookalike=1.0) if breed.name == "beagle" else breed.individual(rng)
    if dog == dogs.LOUIE:
        raise AssertionError("Louie must not be part of the source task")
    return dog


def dogs_per_breed(n_breeds: int, per_breed: int, beagles: int | None = None, named: int | None = None) -> list[int]:
    """How many individuals of each breed: `beagles` beagles, `named` of each other named breed, `per_breed`
    of each made-up one (`beagles` and `named` default to `per_breed`)."""
    beagles = per_breed if beagles is None else beagles
    named = per_breed if named is None else named
    return [beagles if b == 0 else named if b < len(dogs.BREEDS) else per_breed for b in range(n_breeds)]


def make_source(n_breeds: int, per_breed: int, photos: int, size: int = INPUT_SIZE, seed: int = SEED,
                scenes: tuple[str, ...] = dogs.SCENES, beagles: int | None = None,
                named: int | None = None) -> dict[str, np.ndarray]:
    """`photos` photos of each individual (`dogs_per_breed`) of `n_breeds` breeds, in `scenes`.

    Labels: `identity` (which individual), and the breed, marks, ears and colours that it has.
    """
    family = dogs.breeds(n_breeds, seed=seed)
    counts = dogs_per_breed(n_breeds, per_breed, beagles, named)
    individuals = [source_dog(family[b], np.random.default_rng([seed, 1, b, k]))
                   for b in range(n_breeds) for k in range(counts[b])]
    breed_of = [b for b in range(n_breeds) for _ in range(counts[b])]
    n = len(individuals) * photos
    x = np.empty((n, size, size, 3), np.uint8)
    identity = np.arange(n) % len(individuals)
    breed, marks, ears, colours = (np.empty(n, np.int64), np.empty((n, len(MARKS)), np.float32),
                                   np.empty(n, np.int64), np.empty((n, 9), np.float32))
    for i, who in enumerate(identity):
        rng = np.random.default_rng([seed, 2, i])
        x[i] = dogs.render(individuals[who], rng, size, scene=str(rng.choice(scenes)))
        breed[i], marks[i], ears[i], colours[i] = _labels(individuals[who], breed_of[who])
    return {"x": x, "identity": identity.astype(np.int64), "breed": breed, "marks": marks, "ears": ears,
            "colours": colours}


def source_task(n_breeds: int, per_breed: int, photos: int, size: int = INPUT_SIZE, seed: int = SEED,
                scenes: tuple[str, ...] = dogs.SCENES, beagles: int | None = None,
                named: int | None = None) -> dict[str, np.ndarray]:
    """The source photos and their labels, cached like every generated dataset (about 8 ms a photo to draw)."""
    params = {"n_breeds": n_breeds, "per_breed": per_breed, "photos": photos, "size": size, "seed": seed,
              "scenes": list(scenes), "beagles": beagles, "named": named, "drawing": dogs.VERSION}
    return cached("dog-identities", VERSION, params,
                  lambda: make_source(n_breeds, per_breed, photos, size, seed, scenes, beagles, named))


def build_base(size: int = INPUT_SIZE, widths: tuple[int, ...] = WIDTHS, features: int = FEATURES):
    """Raw 0-255 pixels in, one feature vector of length 1 out: four conv blocks, pooling, an embedding.

    The first block looks at 5x5 patches with stride 2 (cheap on a CPU, and its filters make clear
    pictures); the others are 3x3 convolutions with 2x2 max-pooling in between. The features are scaled
    to length 1, so that how alike two photos are is the angle between their features, which is what
    the identity head below trains. Layers are named `blockN_...` so that the lab can say which block it
    freezes or fine-tunes.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=(size, size, 3), name="pixels")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    for i, width in enumerate(widths, start=1):
        first = i == 1
        x = layers.Conv2D(width, 5 if first else 3, strides=2 if first else 1, padding="same", use_bias=False,
                          name=f"block{i}_conv")(x)
        x = layers.BatchNormalization(name=f"block{i}_bn")(x)
        x = layers.ReLU(name=f"block{i}_relu")(x)
        if 1 < i < len(widths):
            x = layers.MaxPooling2D(name=f"block{i}_pool")(x)
    x = layers.GlobalAveragePooling2D(name="block4_average")(x)
    x = layers.Dense(features, name="block4_embedding")(x)
    outputs = layers.UnitNormalization(name="features")(x)
    return keras.Model(inputs, outputs, name="dog_base")


def _heads(base, n_breeds: int, n_dogs: int):
    """The source task's outputs on top of the base; they are thrown away after training.

    The identity head is a cosine classifier (unit-length class weights): it outputs the cosine between
    a photo's features and each dog's, which `cosface_loss` turns into a loss. As in face recognition,
    it pushes photos of one dog together and different dogs apart, by angle.
    """
    import keras
    from keras import layers

    features = base.output
    cosines = layers.Dense(n_dogs, use_bias=False, kernel_constraint=keras.constraints.UnitNorm(axis=0),
                           name="identity")(features)
    outputs = {"identity": cosines,
               "breed": layers.Dense(n_breeds, activation="softmax", name="breed")(features),
               "marks": layers.Dense(len(MARKS), activation="sigmoid", name="marks")(features),
               "ears": layers.Dense(len(dogs.EAR_SHAPES), activation="softmax", name="ears")(features),
               "colours": layers.Dense(9, activation="sigmoid", name="colours")(features)}
    return keras.Model(base.input, outputs)


def cosface_loss(n_dogs: int, scale: float = COSINE_SCALE, margin: float = COSINE_MARGIN):
    """Softmax cross-entropy on scaled cosines, with the right dog's cosine lowered by `margin` (CosFace)."""
    import keras

    def loss(y_true, cosines):
        onehot = keras.ops.one_hot(keras.ops.cast(keras.ops.reshape(y_true, (-1,)), "int32"), n_dogs)
        return keras.losses.categorical_crossentropy(onehot, scale * (cosines - margin * onehot), from_logits=True)

    return loss


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
    model = _heads(base, n_breeds, n_dogs)
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
    io.save_model(base, out)
    manifest = {
        "file": out.name, "sha256": io.sha256(out), "bytes": out.stat().st_size,
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
        "command": f"python -m dlicourse.pretrain --breeds {n_breeds} --beagles {counts[0]} --named {counts[1]} "
                   f"--dogs-per-breed {per_breed} --photos {photos} --epochs {epochs} --batch-size {batch_size} "
                   f"--seed {seed} --scenes {scene_flag}",
    }
    io.write_json(manifest_path(out), manifest)
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dlicourse.pretrain", description=__doc__.split("\n\n")[0])
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
    args = parser.parse_args(argv)
    from dlicourse.paths import project_root

    out = args.out or project_root() / "datasets" / DOG_BASE
    scenes = dogs.SCENES + dogs.NEW_SCENES if args.scenes == "all" else dogs.SCENES
    manifest = pretrain(args.breeds, args.dogs_per_breed, args.photos, args.epochs, args.batch_size, args.seed, scenes,
                        out, beagles=args.beagles, named=args.named)
    score = manifest["score"]
    print(f"wrote {out} ({manifest['bytes'] / 1e6:.1f} MB); on its validation photos: "
          f"{score['identity_validation_accuracy']:.1%} of {manifest['source_task']['dogs']} dogs told apart "
          f"(chance {score['identity_chance']:.1%}), breed {score['breed_validation_accuracy']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
