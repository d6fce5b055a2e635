"""Array functions: the CPU backend's arrays are C-contiguous NumPy arrays (plain NumPy)."""
import numpy as np

from .support import blas


def asarray(a, dtype=None):
    """a as a C-contiguous NumPy array (no copy when it already is one of that dtype)."""
    return np.asarray(a, dtype=dtype, order="C")


def for_kernel(a, dtype=None):
    """a as a C-contiguous, writeable NumPy array of its shape, copied only when it is not one already.

    Numba compiles a kernel once per type of its arguments, and a readonly
    array is a type of its own: copying readonly inputs here keeps one
    compiled kernel per dtype.
    """
    return np.require(a, dtype, ["C", "W", "E"])


def to_numpy(a):
    """a as a NumPy array."""
    return np.asarray(a)


def zeros(shape, dtype):
    """A new array of zeros."""
    return np.zeros(shape, dtype=dtype)


def sum_squares(a):
    """The sum of a**2, as a Python float."""
    with blas.one_thread():
        return float(np.vdot(a, a))


def argmax_rows(scores):
    """The index of the largest score in each row: scores (N, C) -> (N,) ints."""
    return np.argmax(scores, axis=1)
