"""Datasets for the labs: each has an offline default and also takes the real data when present."""

from dlicourse.datasets.digits import realworld_digits
from dlicourse.datasets.mnist import Split, load_mnist, stratified_subset

__all__ = ["Split", "load_mnist", "realworld_digits", "stratified_subset"]
