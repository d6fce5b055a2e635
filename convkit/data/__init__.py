"""Datasets for the kit: CIFAR-10 from disk or the web, a synthetic stand-in, training batches.

    cifar = load_cifar10()            # $CONVKIT_DATA, else ~/.convkit/data; downloads if missing
    data = prepare(cifar)             # 49,000 train / 1,000 val / 10,000 test, normalised, NCHW
    for X, y in data.batches("train", 64, augment=True, rng=0):
        ...

synthetic_cifar() makes coloured shapes in the same form, for use without the
data; it is NOT CIFAR-10 and says so. The download address and checksum are
convkit.data.cifar10.URL and convkit.data.cifar10.MD5.
"""

from .augment import crop, random_crop, random_flip
from .cifar10 import default_root, load_cifar10, read_archive, read_folder
from .dataset import Dataset
from .download import download_file, md5sum
from .prepare import SPLITS, Prepared, channel_stats, prepare
from .synthetic import synthetic_cifar

__all__ = [
    "load_cifar10", "default_root", "read_folder", "read_archive",
    "download_file", "md5sum", "Dataset", "synthetic_cifar",
    "prepare", "Prepared", "SPLITS", "channel_stats", "crop", "random_crop", "random_flip",
]
