"""The source task: photos of hundreds of individual dogs of many breeds, and what a person would say of each.

Louie himself is never shown, and the photos come from their own seed stream (`SEED`), not the Louie
splits'.
"""

from __future__ import annotations

import numpy as np

from dlicourse import seeds
from dlicourse.bases import INPUT_SIZE
from dlicourse.datasets import dogs
from dlicourse.datasets._cache import cached

VERSION = 2
SEED = 7  # not dogs.SEED (2018): the Louie splits' photos come from another stream
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
    individuals = [source_dog(family[b], seeds.stream(seed, 1, b, k))
                   for b in range(n_breeds) for k in range(counts[b])]
    breed_of = [b for b in range(n_breeds) for _ in range(counts[b])]
    n = len(individuals) * photos
    x = np.empty((n, size, size, 3), np.uint8)
    identity = np.arange(n) % len(individuals)
    breed, marks, ears, colours = (np.empty(n, np.int64), np.empty((n, len(MARKS)), np.float32),
                                   np.empty(n, np.int64), np.empty((n, 9), np.float32))
    for i, who in enumerate(identity):
        rng = seeds.stream(seed, 2, i)
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
