"""Pretrain the course's own base network, offline: `dlicourse pretrain`.

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

The recipe is in three parts: the source task's photos and labels (`source`), the network and its
throw-away heads (`architecture`), and the training run that writes the base and its manifest
(`training`, which is also the `dlicourse pretrain` subcommand).
"""
