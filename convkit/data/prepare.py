"""A dataset made ready for training: train/val/test splits, normalisation, minibatches.

As in CS231n, the last num_val training images are the validation split
(49,000 / 1,000 for CIFAR-10), always the same ones. Per-channel mean and std
are computed on the training split only, on the 0-255 scale, and every split
is normalised with them. The nets get float arrays in NCHW order
(N images, C channels, H rows, W columns); the raw uint8 images (N, H, W, C)
stay available for display.
"""

from functools import cached_property

import numpy as np

from .augment import random_crop, random_flip

SPLITS = ("train", "val", "test")


def channel_stats(images):
    """Per-channel mean and standard deviation of uint8 images (N, H, W, C).

    Returns two float64 arrays (C,) on the 0-255 scale. The sums of the values
    and of their squares are whole numbers, kept exactly in uint64, so no float
    copy of all the images is made.
    """
    x = images.reshape(-1, images.shape[-1])                 # one row per pixel
    total = np.einsum("pc->c", x, dtype=np.uint64)
    squares = np.einsum("pc,pc->c", x, x, dtype=np.uint64)
    mean = total / len(x)
    return mean, np.sqrt(squares / len(x) - mean ** 2)


def prepare(data, num_val=1000, dtype=np.float32, normalize=True):
    """Split and normalise a Dataset for training; see Prepared."""
    return Prepared(data, num_val, dtype, normalize)


class Prepared:
    """Splits of a Dataset ready for the nets.

    raw_train, raw_val, raw_test: uint8 images (N, H, W, C), for display.
    y_train, y_val, y_test: int64 labels (N,).
    X_train, X_val, X_test: float images (N, C, H, W), (raw - mean) / std per
        channel (raw values as floats when normalize=False); each is computed
        on first use and then kept.
    mean, std: float64 (C,), 0-255 scale, of the training split.
    class_names, synthetic: as in the Dataset.
    """

    def __init__(self, data, num_val=1000, dtype=np.float32, normalize=True):
        if not 0 <= num_val < len(data.X_train):
            raise ValueError(
                f"num_val must be in 0..{len(data.X_train) - 1} (the dataset has "
                f"{len(data.X_train)} training images), got {num_val}")
        n = len(data.X_train) - num_val
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype must be float32 or float64, got {self.dtype}")
        self.normalize = normalize
        self.raw_train, self.y_train = data.X_train[:n], data.y_train[:n]
        self.raw_val, self.y_val = data.X_train[n:], data.y_train[n:]
        self.raw_test, self.y_test = data.X_test, data.y_test
        self.mean, self.std = channel_stats(self.raw_train)
        self.class_names = data.class_names
        self.synthetic = data.synthetic

    def __repr__(self):
        kind = "SYNTHETIC, NOT CIFAR-10, " if self.synthetic else ""
        return (f"Prepared({kind}train={len(self.y_train)}, val={len(self.y_val)}, "
                f"test={len(self.y_test)}, {self.dtype.name} NCHW, "
                f"normalize={self.normalize})")

    def preprocess(self, images):
        """uint8 images (N, H, W, C) -> float (N, C, H, W), normalised per channel."""
        x = images.astype(self.dtype)
        if self.normalize:
            x -= self.mean.astype(self.dtype)
            x /= self.std.astype(self.dtype)
        return np.ascontiguousarray(x.transpose(0, 3, 1, 2))

    @cached_property
    def X_train(self):
        return self.preprocess(self.raw_train)

    @cached_property
    def X_val(self):
        return self.preprocess(self.raw_val)

    @cached_property
    def X_test(self):
        return self.preprocess(self.raw_test)

    def split(self, name):
        """Raw images and labels of the split 'train', 'val' or 'test'."""
        if name not in SPLITS:
            raise ValueError(f"split must be one of {', '.join(map(repr, SPLITS))}, got {name!r}")
        return getattr(self, f"raw_{name}"), getattr(self, f"y_{name}")

    def batches(self, split="train", batch_size=64, shuffle=True, augment=False, rng=None):
        """Yield one epoch of minibatches (X, y) of a split: X (B, C, H, W) float, y (B,) int64.

        Every image comes once; the last batch is smaller when batch_size does
        not divide the split. shuffle: a new random order (else the stored one).
        augment: random crops with 4-pixel zero padding, then random horizontal
        flips, on the raw pixels before normalisation, like torchvision's
        RandomCrop(32, padding=4), RandomHorizontalFlip(), ToTensor(), Normalize().
        rng: a seed or np.random.Generator; the same seed gives the same batches.
        """
        images, labels = self.split(split)
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        rng = np.random.default_rng(rng)
        order = rng.permutation(len(labels)) if shuffle else np.arange(len(labels))
        for start in range(0, len(order), batch_size):
            index = order[start:start + batch_size]
            x = images[index]
            if augment:
                x = random_flip(random_crop(x, 4, rng), rng)
            yield self.preprocess(x), labels[index]
