"""Dog identities: what stays the same in every photo of one dog (coat, markings, ears, face).

`LOUIE` is the dog a person knows at a glance; `BREEDS` and `breeds(n)` give many others, and
`other_dog` draws a dog that is not Louie, sometimes a beagle that looks like him.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from dlicourse import seeds

SEED = 2018
Colour = tuple[int, int, int]
EAR_SHAPES = ("floppy", "pointed", "folded", "round")
WHITE, BLACK = (238, 236, 230), (28, 24, 22)


@dataclass(frozen=True)
class Dog:
    """One dog's identity: what stays the same in every photo of it. Colours are RGB 0-255; sizes are
    fractions of the head's width."""

    breed: str
    coat: Colour
    ears: Colour
    muzzle: Colour
    ear_shape: str = "floppy"
    ear_length: float = 0.7
    blaze: Colour | None = None  # a stripe from the forehead to the muzzle
    chest: Colour | None = None
    saddle: Colour | None = None  # the back and shoulders, as a beagle's black saddle
    eye_patch: Colour | None = None  # around the left eye (the dog's right)
    mask: Colour | None = None  # the whole face below the eyes, as a pug's
    spots: Colour | None = None
    nose: Colour = BLACK
    eyes: Colour = (70, 40, 20)
    head_aspect: float = 1.15  # height / width
    muzzle_length: float = 0.45
    muzzle_width: float = 0.55
    eye_spacing: float = 0.42
    eye_size: float = 0.09


@dataclass(frozen=True)
class Breed:
    """A family of look-alike dogs: a typical `Dog` and how far individuals stray from it.

    `colour_jitter` is in RGB levels, `shape_jitter` a fraction of each proportion; `optional` lists
    markings that an individual has with probability 1/2 (taking the colour in `marking_colours`).
    """

    name: str
    typical: Dog
    colour_jitter: float = 25.0
    shape_jitter: float = 0.08
    optional: tuple[str, ...] = ()
    marking_colours: dict[str, Colour] = field(default_factory=dict)

    def individual(self, rng: np.random.Generator) -> Dog:
        """One dog of this breed, different from its litter-mates in colour shades, markings and shape."""
        def shade(c: Colour | None) -> Colour | None:
            return None if c is None else _clip(np.asarray(c) + rng.normal(0, self.colour_jitter / 2, 3)
                                                + rng.normal(0, self.colour_jitter))

        def shape(v: float) -> float:
            return float(v * (1 + rng.uniform(-self.shape_jitter, self.shape_jitter)))

        t = self.typical
        dog = replace(t, coat=shade(t.coat), ears=shade(t.ears), muzzle=shade(t.muzzle), blaze=shade(t.blaze),
                      chest=shade(t.chest), saddle=shade(t.saddle), eye_patch=shade(t.eye_patch),
                      mask=shade(t.mask), spots=shade(t.spots),
                      head_aspect=shape(t.head_aspect), muzzle_length=shape(t.muzzle_length),
                      muzzle_width=shape(t.muzzle_width), eye_spacing=shape(t.eye_spacing),
                      eye_size=shape(t.eye_size), ear_length=shape(t.ear_length))
        for name in self.optional:
            if rng.random() < 0.5:
                present = getattr(dog, name) is not None
                colour = shade(self.marking_colours.get(name, WHITE))
                dog = replace(dog, **{name: None if present else colour})
        return dog


def _clip(values: np.ndarray) -> Colour:
    r, g, b = np.clip(np.round(values), 0, 255).astype(int).tolist()
    return (r, g, b)


LOUIE = Dog(breed="beagle", coat=(196, 122, 58), ears=(96, 56, 30), muzzle=WHITE, ear_shape="floppy",
            ear_length=0.78, blaze=WHITE, chest=WHITE, saddle=BLACK, head_aspect=1.12, muzzle_length=0.42,
            muzzle_width=0.56, eye_spacing=0.44, eye_size=0.095)
"""Louie: a tan beagle with a white blaze and muzzle, dark brown ears, a black saddle and white chest."""

BREEDS = (
    Breed("beagle", LOUIE, colour_jitter=30, optional=("blaze", "saddle", "eye_patch", "chest"),
          marking_colours={"eye_patch": (70, 40, 22), "saddle": BLACK}),
    Breed("dalmatian", Dog("dalmatian", WHITE, BLACK, WHITE, "folded", 0.5, spots=BLACK, head_aspect=1.2),
          colour_jitter=10, optional=("eye_patch",), marking_colours={"eye_patch": BLACK}),
    Breed("black labrador", Dog("black labrador", (36, 32, 30), (30, 27, 25), (44, 40, 38), "folded", 0.55,
                                head_aspect=1.05, muzzle_width=0.6), colour_jitter=10, optional=("chest",)),
    Breed("golden retriever", Dog("golden retriever", (222, 170, 90), (200, 140, 70), (232, 190, 120),
                                  "folded", 0.6, muzzle_length=0.5), colour_jitter=20, optional=("chest",)),
    Breed("husky", Dog("husky", (110, 110, 118), (90, 90, 96), WHITE, "pointed", 0.5, blaze=WHITE,
                       chest=WHITE, eyes=(90, 150, 210), head_aspect=1.05), colour_jitter=20),
    Breed("pug", Dog("pug", (214, 184, 140), (40, 32, 28), (50, 40, 34), "round", 0.35, mask=(50, 40, 34),
                     head_aspect=0.9, muzzle_length=0.3, muzzle_width=0.62, eye_size=0.12), colour_jitter=15),
    Breed("corgi", Dog("corgi", (210, 120, 50), (200, 110, 45), WHITE, "pointed", 0.62, blaze=WHITE,
                       chest=WHITE, head_aspect=1.0), colour_jitter=20, optional=("blaze",)),
    Breed("border collie", Dog("border collie", BLACK, BLACK, WHITE, "folded", 0.5, blaze=WHITE, chest=WHITE,
                               head_aspect=1.15), colour_jitter=12, optional=("eye_patch",),
          marking_colours={"eye_patch": WHITE}),
    Breed("basset hound", Dog("basset hound", (150, 80, 40), (110, 60, 30), WHITE, "floppy", 1.0, blaze=WHITE,
                              chest=WHITE, head_aspect=1.3, muzzle_length=0.5), colour_jitter=25,
          optional=("saddle",), marking_colours={"saddle": BLACK}),
    Breed("poodle", Dog("poodle", (235, 225, 205), (235, 225, 205), (235, 225, 205), "round", 0.6,
                        head_aspect=1.2, muzzle_width=0.45), colour_jitter=40),
    Breed("german shepherd", Dog("german shepherd", (180, 120, 60), (40, 32, 26), (40, 32, 26), "pointed", 0.7,
                                 saddle=BLACK, mask=(50, 38, 30), head_aspect=1.2, muzzle_length=0.55),
          colour_jitter=20),
    Breed("boxer", Dog("boxer", (180, 100, 50), (160, 88, 44), (40, 32, 28), "folded", 0.4, mask=(40, 32, 28),
                       blaze=WHITE, chest=WHITE, head_aspect=1.0, muzzle_width=0.66), colour_jitter=20,
          optional=("blaze",)),
)


def random_breed(rng: np.random.Generator, name: str) -> Breed:
    """A breed that no kennel club knows: colours, ears, markings and proportions drawn at random."""
    def colour() -> Colour:
        return _clip(rng.uniform(20, 240) * rng.uniform(0.6, 1.0, 3))

    coat = colour()
    marks = {m: (colour() if rng.random() < 0.5 else WHITE) if rng.random() < 0.35 else None
             for m in ("blaze", "chest", "saddle", "eye_patch", "mask", "spots")}
    typical = Dog(name, coat, colour() if rng.random() < 0.5 else coat, colour() if rng.random() < 0.5 else coat,
                  str(rng.choice(EAR_SHAPES)), float(rng.uniform(0.35, 1.0)), **marks,
                  eyes=colour(), head_aspect=float(rng.uniform(0.9, 1.35)),
                  muzzle_length=float(rng.uniform(0.28, 0.58)), muzzle_width=float(rng.uniform(0.45, 0.68)),
                  eye_spacing=float(rng.uniform(0.36, 0.5)), eye_size=float(rng.uniform(0.07, 0.13)))
    return Breed(name, typical, colour_jitter=float(rng.uniform(8, 30)))


def breeds(n: int, seed: int = SEED) -> list[Breed]:
    """`n` distinct breeds: the named ones first, then made-up ones (`breed 13`, ...), the same for a seed."""
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    rng = seeds.stream(seed, 7)
    extra = [random_breed(rng, f"breed {i + 1}") for i in range(len(BREEDS), n)]
    return [*BREEDS, *extra][:n]


def _differences(dog: Dog) -> int:
    """How many of Louie's marks this dog lacks or has differently, as a person would tell them apart."""
    def far(a: Colour | None, b: Colour | None) -> bool:
        return (a is None) != (b is None) or (a is not None and np.abs(np.subtract(a, b)).sum() > 90)

    return sum(far(getattr(dog, k), getattr(LOUIE, k)) for k in
               ("coat", "ears", "blaze", "saddle", "eye_patch", "chest", "mask", "spots")) + (
        dog.ear_shape != LOUIE.ear_shape)


def other_dog(rng: np.random.Generator, lookalike: float = 0.35) -> Dog:
    """A dog that is not Louie: a beagle like him with `lookalike` probability, else any breed."""
    breed = BREEDS[0] if rng.random() < lookalike else BREEDS[int(rng.integers(1, len(BREEDS)))]
    while True:  # a litter-mate who happens to wear all of Louie's marks is drawn again
        dog = breed.individual(rng)
        if _differences(dog) >= 2:
            return dog


# ---------------------------------------------------------------------------------------------------
# Drawing. Everything is drawn at twice the size, then shrunk: smooth edges, as in a photo.
