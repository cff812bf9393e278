"""Datasets for the labs: each has an offline default and also takes the real data when present."""

from dlicourse.datasets.digits import realworld_digits
from dlicourse.datasets.dogs import CLASS_NAMES, LOUIE, Breed, Dog, DogPhotos, breeds, louie_dataset, render
from dlicourse.datasets.folders import ImageFolder, image_folder
from dlicourse.datasets.mnist import Split, load_mnist, stratified_subset
from dlicourse.datasets.segmentation import Segmentation, cardiac_slices, mask_folder
from dlicourse.datasets.whales import Crops, Scenes, whale_crops, whale_scenes

__all__ = ["CLASS_NAMES", "LOUIE", "Breed", "Dog", "DogPhotos", "ImageFolder", "breeds", "image_folder",
           "louie_dataset", "render",
           "Crops", "Scenes", "Segmentation", "Split", "cardiac_slices", "load_mnist", "mask_folder",
           "realworld_digits", "stratified_subset", "whale_crops", "whale_scenes"]
