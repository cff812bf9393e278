"""Checks for 06_transfer_learning: freezing the base under a new head, and fine-tuning its top block."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

from dlicourse.check._core import Verdict, described, missing, verdict
from dlicourse.check._help import exercise


@exercise('06_transfer_learning',
          "Frozen means training may not change the base's weights.",
          'The head is one layers.Dense with one unit per class and a softmax.',
          title="Exercise 1: freeze the base, add a new head")
def frozen_head(base_trainable: Any, head: Any, n_classes: int) -> Verdict:
    """`base_trainable` is what the lab sets `base.trainable` to; `head` is the new classifier layer."""
    if (failed := missing(base_trainable=base_trainable, head=head)) is not None:
        return failed
    import keras

    if base_trainable is not False:
        return verdict(False, f"`base_trainable` is {base_trainable!r}: with 8 photos, training must leave the "
                              "pretrained weights alone, so the base is not trainable (False).")
    if not isinstance(head, keras.layers.Dense):
        return verdict(False, f"`head` is {described(head)}; make it one `layers.Dense` layer.")
    if head.units != n_classes:
        return verdict(False, f"`head` has {head.units} outputs; it needs one per class ({n_classes}).")
    if head.activation is not keras.activations.softmax:
        return verdict(False, "`head` should turn its outputs into class probabilities: activation=\"softmax\".")
    if head.built:
        return verdict(False, "`head` was already used in another model; make a new `layers.Dense` here.")
    return verdict(True, f"a frozen base, and a new head with {n_classes} softmax outputs, the only "
                         "weights that training will change.")


@exercise('06_transfer_learning',
          "bases.top_block(base) names the last block; its layers' names start with it.",
          'A list comprehension over base.layers picks their names.',
          'A gentle rate is 10 to 100 times smaller than learning_rate.',
          title="Exercise 2: fine-tune the top of the base")
def fine_tuning(base: Any, fine_tune_layers: Sequence[str] | Any, fine_tune_learning_rate: Any,
                learning_rate: float, top_block: tuple[str, ...]) -> Verdict:
    """`fine_tune_layers` names the base's layers to unfreeze; `top_block` their name prefixes."""
    if (failed := missing(fine_tune_layers=fine_tune_layers,
                          fine_tune_learning_rate=fine_tune_learning_rate)) is not None:
        return failed
    if (isinstance(fine_tune_layers, str) or not isinstance(fine_tune_layers, Sequence | set)
            or not all(isinstance(n, str) for n in fine_tune_layers)):
        return verdict(False, f"`fine_tune_layers` is {described(fine_tune_layers)}; it should be a list of "
                              "layer names (strings), e.g. [layer.name for layer in base.layers if ...].")
    names = [layer.name for layer in base.layers]
    if unknown := [n for n in fine_tune_layers if n not in names]:
        return verdict(False, f"the base has no layer named {unknown[0]!r}; `base.summary()` lists them.")
    wanted = {n for n in names if n.startswith(top_block)}
    chosen = set(fine_tune_layers)
    if chosen - wanted:
        return verdict(False, f"{sorted(chosen - wanted)[0]!r} is below the top block: with 8 photos, unfreeze only "
                              f"the last block (names starting with {' or '.join(top_block)}).")
    if wanted - chosen:
        return verdict(False, f"{sorted(wanted - chosen)[0]!r} is in the top block too; unfreeze all of it.")
    if not isinstance(fine_tune_learning_rate, numbers.Real) or isinstance(fine_tune_learning_rate, bool):
        return verdict(False, f"`fine_tune_learning_rate` is {described(fine_tune_learning_rate)}; it should be "
                              "a number, a rate 10 to 100 times lower than `learning_rate`.")
    rate = float(fine_tune_learning_rate)
    if rate <= 0:
        return verdict(False, f"`fine_tune_learning_rate` is {rate:g}: a learning rate is above 0, 10 to 100 times "
                              "lower than `learning_rate`.")
    if rate > learning_rate / 5:
        return verdict(False, f"a learning rate of {rate:g} would wreck the pretrained weights; fine-tune at a "
                              f"rate 10 to 100 times lower than the head's (`learning_rate`, {learning_rate:g}).")
    if rate < learning_rate / 1000:
        return verdict(False, f"{rate:g} is {learning_rate / rate:,.0f} times lower than `learning_rate`: the "
                              "weights would hardly move. 10 to 100 times lower is gentle enough.")
    return verdict(True, f"the top block's {len(wanted)} layers, at a learning rate {learning_rate / rate:.0f} "
                         "times lower than the head's.")
