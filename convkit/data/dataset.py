"""The object every loader returns: raw images, labels, class names, origin."""

from dataclasses import dataclass

import numpy as np


@dataclass(repr=False)
class Dataset:
    """A train/test image classification dataset, pixels as stored on disk.

    X_train (N, 32, 32, 3) uint8 raw images (height, width, RGB), kept for display;
    y_train (N,) int64 labels in [0, len(class_names)); X_test, y_test likewise.
    source says where the data came from; synthetic is True for made-up data.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple
    source: str
    synthetic: bool = False

    def __repr__(self):
        sizes = (f"train={len(self.X_train)}, test={len(self.X_test)}, "
                 f"classes={len(self.class_names)}, image={self.X_train.shape[1:]}")
        if self.synthetic:
            return f"Dataset(SYNTHETIC, NOT CIFAR-10: {sizes}, {self.source})"
        return f"Dataset({sizes}, read from {self.source})"
