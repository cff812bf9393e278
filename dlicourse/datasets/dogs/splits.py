"""The Louie lab's splits: `tiny` (8 photos), `big` (2,400) and `heldout` (240), drawn and cached.

Every image is drawn from its own seed `(seed, split, index)`, so a split is the same bytes on every
machine and any image can be drawn again alone.
"""

from __future__ import annotations

import numpy as np

from dlicourse import seeds
from dlicourse.datasets import _pool
from dlicourse.datasets._cache import cached
from dlicourse.datasets.dogs.drawing import NEW_SCENES, SCENES, render_with_mask
from dlicourse.datasets.dogs.identities import LOUIE, SEED, other_dog
from dlicourse.datasets.labelled import LabelledImages

CLASS_NAMES = ["louie", "not louie"]
VERSION = 3  # bump whenever the drawing changes: caches of older drawings are then not used
# (3: the tiny split's "not louie" photos are half beagle look-alikes, half other breeds)
SPLITS = {"tiny": 8, "big": 2400, "heldout": 240}
# The dog masks are cached apart from the photos: adding them changed no photo, so VERSION (which the
# shipped dog base records) and every cached photo stay valid. Bump MASK_VERSION when the masks change.
MASK_VERSION = 1


def make_split(split: str, size: int = 128, seed: int = SEED, count: int | None = None,
               masks: bool = False) -> dict[str, np.ndarray]:
    """Draw a split (no cache): half Louie, half other dogs, in a shuffled order fixed by the seed.

    With `masks`, also "mask": where the dog is in each photo (bool, N x size x size), from the same
    drawing, so the photos are the same bytes with or without it.

    `tiny` and `big` show the training scenes; `heldout` shows only scenes that they never do, and
    other dogs drawn from a different stream, so no image or dog outside Louie is shared. In `tiny`, as in
    the workshop's 8 photos of other beagles, half of the other dogs are beagles that look like Louie (the
    first ones in order) and half are other breeds; elsewhere a beagle look-alike comes with p=0.35.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    count = SPLITS[split] if count is None else count
    if count < 2 or count % 2:
        raise ValueError(f"count must be an even number of at least 2 (half Louie, half not), got {count}")
    scenes = NEW_SCENES if split == "heldout" else SCENES
    labels = np.tile([0, 1], count // 2).astype(np.int64)
    labels = labels[seeds.stream(seed, split).permutation(count)]
    images = np.empty((count, size, size, 3), np.uint8)
    dog_masks = np.empty((count, size, size), bool)
    others = np.cumsum(labels) - 1  # the how-manieth other dog each photo shows
    lookalike = [None if split != "tiny" else 1.0 if others[i] < count // 4 else 0.0 for i in range(count)]
    drawn = _pool.ordered(_photo, ((seed, split, i, int(labels[i]), lookalike[i], size, scenes) for i in range(count)),
                          count, size * size)
    for i, (image, mask) in enumerate(drawn):
        images[i], dog_masks[i] = image, mask
    return {"x": images, "y": labels, **({"mask": dog_masks} if masks else {})}


def _photo(seed: int, split: str, i: int, label: int, lookalike: float | None, size: int,
           scenes: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
    """The split's `i`th photo and its dog mask, from a stream of its own."""
    rng = seeds.stream(seed, split, i)
    if label == 0:
        dog = LOUIE
    elif lookalike is not None:
        dog = other_dog(rng, lookalike=lookalike)
    else:
        dog = other_dog(rng)
    return render_with_mask(dog, rng, size, scene=str(rng.choice(scenes)))


def louie_dataset(split: str, size: int = 128, seed: int = SEED, masks: bool = False) -> LabelledImages:
    """The Louie lab's `tiny`, `big` or `heldout` photos, drawn on first use and then cached.

    With `masks`, each photo's dog mask too (`.mask`: True where the dog shows), drawn once with the photos
    and cached beside them.
    """
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose from {', '.join(SPLITS)}")
    if not 16 <= size <= 512:
        raise ValueError(f"size must be between 16 and 512 pixels, got {size}")
    params = {"split": split, "size": size, "seed": seed}
    arrays = cached("dogs", VERSION, params, lambda: make_split(split, size, seed))
    mask = None
    if masks:
        mask = cached("dog_masks", MASK_VERSION, {**params, "drawing_version": VERSION},
                      lambda: _masks_of(arrays["x"], split, size, seed))["mask"]
    return LabelledImages(arrays["x"], arrays["y"].astype(np.int64), list(CLASS_NAMES), f"{split} photos",
                          mask=mask)


def _masks_of(photos: np.ndarray, split: str, size: int, seed: int) -> dict[str, np.ndarray]:
    """The split's masks, drawn again with its photos; they must match the cached photos byte for byte."""
    drawn = make_split(split, size, seed, masks=True)
    if drawn["x"].tobytes() != photos.tobytes():
        raise RuntimeError(f"the cached {split!r} photos differ from today's drawing: the drawing changed "
                           "without a new dogs.VERSION. Bump it (and pretrain the dog base again).")
    return {"mask": drawn["mask"]}
