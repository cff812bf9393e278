"""Datasets for the labs: each has an offline default and also takes the real data when present."""

from dlicourse.datasets.crops import whale_crops
from dlicourse.datasets.digits import more_realworld_digits, realworld_digits
from dlicourse.datasets.dogs import CLASS_NAMES, LOUIE, Breed, Dog, breeds, louie_dataset, render
from dlicourse.datasets.folders import image_folder
from dlicourse.datasets.labelled import LabelledImages
from dlicourse.datasets.mnist import Split, load_mnist, stratified_subset
from dlicourse.datasets.segmentation import Segmentation, cardiac_slices, mask_folder
from dlicourse.datasets.whales import Scenes, whale_scenes

__all__ = ["CLASS_NAMES", "LOUIE", "Breed", "Dog", "LabelledImages", "breeds", "image_folder",
           "louie_dataset", "more_realworld_digits",
           "render", "Scenes", "Segmentation", "Split", "cardiac_slices", "load_mnist", "mask_folder",
           "realworld_digits", "stratified_subset", "whale_crops", "whale_scenes"]
