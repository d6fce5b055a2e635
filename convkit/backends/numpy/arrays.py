"""Array functions, so that nets and training code never touch a backend's array type."""
import numpy as np


def asarray(a, dtype=None):
    """a as a NumPy array (no copy when it already is one of that dtype)."""
    return np.asarray(a, dtype=dtype)


def to_numpy(a):
    """a as a NumPy array."""
    return np.asarray(a)


def zeros(shape, dtype):
    """A new array of zeros."""
    return np.zeros(shape, dtype=dtype)


def sum_squares(a):
    """The sum of a**2, as a Python float."""
    return float(np.sum(np.square(a)))


def argmax_rows(scores):
    """The index of the largest score in each row: scores (N, C) -> (N,) ints."""
    return np.argmax(scores, axis=1)
