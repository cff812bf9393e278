"""Pretrained bases for transfer learning: the course's own dog base, or ImageNet weights found locally.

The course's base ships in the repository (`datasets/pretrained/dog_base.keras`) beside a manifest
that holds its SHA-256 and how it was made (`dlicourse pretrain`); it is checked before every
load, so a damaged or half-copied file fails with a message, never with a model that silently
predicts nonsense. ImageNet weights for MobileNetV2 are used when they already sit in the Keras
cache (`$KERAS_HOME/models`, else `~/.keras/models`); nothing here ever downloads, because Keras is only
ever given `weights=None` and a local file.

Every base takes raw 0-255 RGB pixels of its own square size (`input_size(base)`) and returns one
feature vector per image.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from dlicourse import manifest as manifests
from dlicourse.paths import datasets_dir, keras_home

DOG_BASE = "pretrained/dog_base.keras"
INPUT_SIZE = 64
IMAGENET_NAME = "imagenet_mobilenetv2"
# The last block of each base: the layers whose names start with one of these. Fine-tuning unfreezes them.
TOP_BLOCKS = {"dog_base": ("block4",), IMAGENET_NAME: ("block_16", "Conv_1", "out_relu")}
# MobileNetV2 weight files as Keras names them in its cache; smaller inputs first, they are faster on a CPU.
_MOBILENET_ROWS = (96, 128, 160, 192, 224)
_MOBILENET_ALPHAS = (1.0, 0.35, 0.5, 0.75, 1.3, 1.4)


class BaseError(RuntimeError):
    """ImageNet weights in the Keras cache that Keras cannot load; the message says what to do."""


_REMAKE = ("Restore both files from the repository (`git checkout -- datasets/pretrained`), or remake them "
           "with `dlicourse pretrain` (about 10 minutes on a laptop CPU).")


def dog_base_path() -> Path:
    return datasets_dir() / DOG_BASE


def manifest_path(weights: Path) -> Path:
    return weights.with_suffix(".json")


def dog_base_manifest(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """How the dog base was made and what it scored on its own task, as written by `dlicourse pretrain`."""
    return manifests.read(manifest_path(Path(path) if path else dog_base_path()), _REMAKE)


def verify_dog_base(path: str | os.PathLike | None = None) -> Path:
    """The weights file, after checking that it is present and matches its manifest's SHA-256."""
    path = Path(path) if path else dog_base_path()
    data = manifests.verify(manifest_path(path), _REMAKE)
    if path.name not in data["sha256"]:
        raise manifests.ManifestError(f"{manifest_path(path)} lists no checksum for {path.name}. {_REMAKE}")
    return path


def load_dog_base(path: str | os.PathLike | None = None):
    """The course's base network (a Keras model), once its file has passed the checksum."""
    import keras

    checked = verify_dog_base(path)
    return keras.models.load_model(checked, compile=False)


def keras_models_dir() -> Path:
    """Where Keras keeps the application weights it has downloaded before."""
    return keras_home() / "models"


def find_imagenet_weights(folder: Path | None = None) -> tuple[Path, float, int] | None:
    """A MobileNetV2 ImageNet weight file (without its classifier) in the Keras cache: (path, alpha, rows)."""
    folder = folder or keras_models_dir()
    for rows in _MOBILENET_ROWS:
        for alpha in _MOBILENET_ALPHAS:
            path = folder / f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{alpha}_{rows}_no_top.h5"
            if path.is_file():
                return path, alpha, rows
    return None


def imagenet_base(weights: Path, alpha: float, rows: int):
    """MobileNetV2 with the local ImageNet weights, taking raw 0-255 pixels like the dog base.

    Keras only ever gets `weights=None`, so it has nothing to download; the file is loaded into a plain
    MobileNetV2, then copied into one that scales pixels to -1..1 first (the same layers, in order).
    """
    import keras
    from keras import layers

    plain = keras.applications.MobileNetV2(input_shape=(rows, rows, 3), alpha=alpha, include_top=False,
                                           weights=None, pooling="avg")
    try:
        plain.load_weights(str(weights))
    except Exception as err:  # h5py and Keras raise many kinds; all mean the same to the learner
        raise BaseError(f"{weights} could not be loaded as MobileNetV2 weights ({type(err).__name__}: {err}). "
                        "Delete it, or set base_weights = 'dogs'.") from None
    inputs = keras.Input(shape=(rows, rows, 3), name="pixels")
    scaled = layers.Rescaling(1 / 127.5, offset=-1, name="rescale")(inputs)
    flat = keras.applications.MobileNetV2(input_tensor=scaled, alpha=alpha, include_top=False, weights=None,
                                          pooling="avg")
    flat.set_weights(plain.get_weights())
    return keras.Model(inputs, flat.output, name=IMAGENET_NAME)


def load_base(choice: str = "dogs"):
    """The base a lab asked for: "dogs" (the course's own) or "imagenet" (when the weights are cached).

    With "imagenet" and no local weights it says so in one line and returns the course's base.
    """
    if choice not in ("dogs", "imagenet"):
        raise ValueError(f"base_weights must be 'dogs' or 'imagenet', got {choice!r}")
    if choice == "imagenet":
        found = find_imagenet_weights()
        if found is not None:
            print(f"Using ImageNet weights from {found[0]}")
            return imagenet_base(*found)
        print(f"No ImageNet weights for MobileNetV2 in {keras_models_dir()} (nothing is downloaded); "
              "using the course's dog base instead.")
    return load_dog_base()


def input_size(base: Any) -> int:
    """The square image size (pixels) that `base` takes."""
    return int(base.input_shape[1])


def top_block(base: Any) -> tuple[str, ...]:
    """The name prefixes of the layers in `base`'s last block (pass them to `str.startswith`)."""
    if base.name not in TOP_BLOCKS:
        raise ValueError(f"unknown base {base.name!r}: expected one of {', '.join(TOP_BLOCKS)}")
    return TOP_BLOCKS[base.name]


def early_layer(base: Any) -> str:
    """The name of the last layer before `base`'s top block: features less tied to the source task (edges,
    textures, parts), for a new domain that the top features fit badly."""
    names = [layer.name for layer in base.layers]
    first_top = next(i for i, name in enumerate(names) if name.startswith(top_block(base)))
    return names[first_top - 1]
