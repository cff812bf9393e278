"""Dog portraits, drawn offline from a seed: Louie, one dog a person knows at a glance, and many others.

The workshop's first lab trains on eight photos of Louie and other beagles. These portraits stand in
for them. A `Dog` is an identity (coat and markings, ears, face proportions); `render` draws it in one
photo that varies in everything that should not matter: pose, scale, position, scene, lighting, colour
cast, blur, noise and a partial occlusion. `louie_dataset(split)` gives the lab's splits; `breeds(n)`
and `Breed.individual` give dogs of many distinct breeds for other labs.

Every image is drawn from its own seed `(seed, split, index)`, so a split is the same bytes on every
machine and any image can be drawn again alone.
"""

from dlicourse.datasets.dogs.drawing import NEW_SCENES, SCENES, render, render_with_mask
from dlicourse.datasets.dogs.identities import BREEDS, EAR_SHAPES, LOUIE, SEED, Breed, Dog, breeds, other_dog
from dlicourse.datasets.dogs.splits import CLASS_NAMES, SPLITS, VERSION, louie_dataset, make_split

__all__ = ["BREEDS", "CLASS_NAMES", "EAR_SHAPES", "LOUIE", "NEW_SCENES", "SCENES", "SEED", "SPLITS", "VERSION",
           "Breed", "Dog", "breeds", "louie_dataset", "make_split", "other_dog", "render", "render_with_mask"]
