"""A made-up 10-class image dataset in the shape of CIFAR-10, for classes without the data.

It is NOT CIFAR-10. Each class is a shape (disc, ring, square, ...) drawn at a
random place and size on a random background with pixel noise. Pairs of classes
share a colour (disc and ring are red, ...), so colour alone tells only which
pair: a net must also see the shape. A small convnet learns it well above
chance in a few hundred steps; a nearest-class-mean classifier does far worse.
"""

import warnings

import numpy as np

from .dataset import Dataset

SIZE = 32
# Each shape: a mask from the offsets (dy, dx) of a pixel to the shape's centre and its radius r.
SHAPES = {
    "disc": lambda dy, dx, r: dy ** 2 + dx ** 2 <= r ** 2,
    "ring": lambda dy, dx, r: np.abs(np.sqrt(dy ** 2 + dx ** 2) - r + 1.5) <= 1.5,
    "square": lambda dy, dx, r: np.maximum(np.abs(dy), np.abs(dx)) <= r,
    "frame": lambda dy, dx, r: np.abs(np.maximum(np.abs(dy), np.abs(dx)) - r + 1) <= 1,
    "plus": lambda dy, dx, r: (np.minimum(np.abs(dy), np.abs(dx)) <= 1)
                              & (np.maximum(np.abs(dy), np.abs(dx)) <= r),
    "cross": lambda dy, dx, r: (np.abs(np.abs(dy) - np.abs(dx)) <= 1)
                               & (np.maximum(np.abs(dy), np.abs(dx)) <= r),
    "h-stripes": lambda dy, dx, r: (np.maximum(np.abs(dy), np.abs(dx)) <= r) & (dy // 2 % 2 == 0),
    "v-stripes": lambda dy, dx, r: (np.maximum(np.abs(dy), np.abs(dx)) <= r) & (dx // 2 % 2 == 0),
    "triangle": lambda dy, dx, r: (np.abs(dy) <= r) & (2 * np.abs(dx) <= dy + r),
    "checkers": lambda dy, dx, r: (np.maximum(np.abs(dy), np.abs(dx)) <= r)
                                  & ((dy // 3 + dx // 3) % 2 == 0),
}
# One colour per pair of classes: red, green, blue, yellow, magenta.
COLOURS = np.array([[220, 40, 40], [40, 200, 60], [50, 80, 230], [230, 210, 40], [210, 50, 210]])


def synthetic_cifar(n_train=5000, n_test=1000, seed=0):
    """A Dataset of made-up 32x32x3 images in 10 balanced classes, NOT CIFAR-10.

    Same fields as load_cifar10() gives; class_names are 'synthetic-0' ...
    'synthetic-9' (shapes: disc, ring, square, frame, plus, cross, h-stripes,
    v-stripes, triangle, checkers); synthetic is True. Warns that it is not
    CIFAR-10. The same seed gives the same images.
    """
    warnings.warn(
        "synthetic_cifar() makes a synthetic dataset of coloured shapes: it is NOT CIFAR-10, "
        "and accuracies on it say nothing about CIFAR-10", UserWarning, stacklevel=2)
    rng = np.random.default_rng(seed)
    X_train, y_train = _make(n_train, rng)
    X_test, y_test = _make(n_test, rng)
    return Dataset(X_train, y_train, X_test, y_test,
                   class_names=tuple(f"synthetic-{k}" for k in range(len(SHAPES))),
                   source=f"synthetic_cifar(n_train={n_train}, n_test={n_test}, seed={seed})",
                   synthetic=True)


def _make(n, rng):
    """n images (n, 32, 32, 3) uint8 with balanced labels (n,) int64 in a random order."""
    y = rng.permutation(np.arange(n) % len(SHAPES))
    r = rng.uniform(5, 9, size=n)[:, None, None]                    # radius
    cy, cx = rng.integers(9, SIZE - 9, size=(2, n))[:, :, None, None]  # centre
    yy, xx = np.mgrid[:SIZE, :SIZE]
    dy, dx = yy - cy, xx - cx                                         # (n, 32, 32)
    mask = np.zeros((n, SIZE, SIZE), dtype=bool)
    for k, shape in enumerate(SHAPES.values()):
        sel = y == k
        mask[sel] = shape(dy[sel], dx[sel], r[sel])
    colour = COLOURS[y // 2] * rng.uniform(0.6, 1.1, size=(n, 1)) + rng.normal(0, 20, size=(n, 3))
    background = rng.uniform(0, 160, size=(n, 1, 1, 3))
    images = np.where(mask[..., None], colour[:, None, None, :], background)
    images += rng.normal(0, 25, size=images.shape)
    return np.clip(images, 0, 255).astype(np.uint8), y.astype(np.int64)
