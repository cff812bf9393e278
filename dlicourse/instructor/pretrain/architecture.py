"""The dog base's network, and the heads that train it on the source task (discarded afterwards)."""

from __future__ import annotations

from dlicourse.bases import INPUT_SIZE
from dlicourse.datasets import dogs
from dlicourse.instructor.pretrain.source import MARKS

WIDTHS = (24, 48, 96, 192)
FEATURES = 128
COSINE_SCALE = 24.0
COSINE_MARGIN = 0.25  # CosFace: a photo's own dog must win by this much cosine


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


def heads(base, n_breeds: int, n_dogs: int):
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
