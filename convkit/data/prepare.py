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

from ..errors import SettingsError, ShapeError
from ..values import float_dtype, integer
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
    return mean, np.sqrt(np.maximum(squares / len(x) - mean ** 2, 0.0))


def check_images(name, images):
    """images must be raw uint8 images (N, H, W, C); else ShapeError or TypeError
    saying what they look like."""
    if not isinstance(images, np.ndarray):
        raise TypeError(f"{name} must be a NumPy array of uint8 images (N, H, W, C), got "
                        f"{type(images).__name__}")
    shape = images.shape
    if images.ndim != 4:
        raise ShapeError(f"{name} must be images (N, H, W, C), got shape {shape}")
    if shape[1] in (1, 3, 4) and shape[3] not in (1, 3, 4):
        raise ShapeError(f"{name} has shape {shape}, which looks like NCHW (N, C, H, W); "
                         f"prepare takes raw images (N, H, W, C), channels last: "
                         f"{name}.transpose(0, 2, 3, 1)")
    if images.dtype != np.uint8:
        scale = ""
        if images.dtype.kind == "f" and images.size and float(np.nanmax(images)) <= 1.0:
            scale = "; they look like floats in [0, 1]: (255 * x).round().astype(np.uint8)"
        raise TypeError(f"{name} must hold raw uint8 pixels (0-255), got dtype "
                        f"{images.dtype}{scale}")


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
        for name in ("X_train", "X_test"):
            check_images(name, getattr(data, name))
        num_val = integer("num_val", num_val, 0, len(data.X_train) - 1,
                          hint=f" (the dataset has {len(data.X_train)} training images)")
        n = len(data.X_train) - num_val
        self.dtype = float_dtype(dtype, SettingsError)
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
        """uint8 images (N, H, W, C) -> float (N, C, H, W), normalised per channel.

        A constant channel (std 0) is only centred, not divided by 0.
        """
        x = np.ascontiguousarray(images.transpose(0, 3, 1, 2), dtype=self.dtype)  # one pass
        if self.normalize:
            x -= self.mean.astype(self.dtype)[:, None, None]
            x /= np.where(self.std > 0, self.std, 1.0).astype(self.dtype)[:, None, None]
        return x

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
            raise SettingsError(f"split must be one of {', '.join(map(repr, SPLITS))}, "
                                f"got {name!r}")
        return getattr(self, f"raw_{name}"), getattr(self, f"y_{name}")

    def batches(self, split="train", batch_size=64, shuffle=True, augment=False, rng=None,
                crop_padding=4):
        """Yield one epoch of minibatches (X, y) of a split: X (B, C, H, W) float, y (B,) int64.

        Every image comes once; the last batch is smaller when batch_size does
        not divide the split. shuffle: a new random order (else the stored one).
        augment: random crops with crop_padding pixels of zero padding (4 by
        default), then random horizontal flips, on the raw pixels before
        normalisation, like torchvision's RandomCrop(32, padding=4),
        RandomHorizontalFlip(), ToTensor(), Normalize(); crop_padding=0 flips only.
        rng: a seed or np.random.Generator; the same seed gives the same batches.
        """
        labels = self.split(split)[1]
        batch_size = integer("batch_size", batch_size, 1)
        rng = np.random.default_rng(rng)
        order = rng.permutation(len(labels)) if shuffle else np.arange(len(labels))
        for start in range(0, len(order), batch_size):
            _, X, y = self.batch(split, order[start:start + batch_size], augment, rng,
                                 crop_padding)
            yield X, y

    def batch(self, split, indices, augment=False, rng=None, crop_padding=4):
        """The rows indices of a split as (images, X, y): the raw images (B, H, W, C),
        augmented when augment (see batches()), X (B, C, H, W) float and y (B,)."""
        images, labels = self.split(split)
        images = images[indices]
        if augment:
            rng = np.random.default_rng(rng)
            if crop_padding:
                images = random_crop(images, crop_padding, rng)
            images = random_flip(images, rng)
        return images, self.preprocess(images), labels[indices]
