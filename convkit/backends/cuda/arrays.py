"""Array functions, so that nets and training code never touch device arrays directly."""
import numpy as np
from numba import cuda

from .support.device import THREADS, blocks, contiguous, empty, flat, is_device, to_device
from .support.elementwise import fill_kernel
from .support.reduce import total


@cuda.jit(cache=True)
def argmax_rows_kernel(scores, out):
    """out[i] = the index of the first largest score of row i; scores (N, C).

    Matches convkit.backends.numpy.argmax_rows.
    """
    i = cuda.grid(1)
    if i < scores.shape[0]:
        best = 0
        for j in range(1, scores.shape[1]):
            if scores[i, j] > scores[i, best]:
                best = j
        out[i] = best


def asarray(a, dtype=None):
    """a as a C-ordered device array (copied to the GPU unless it is already there as asked)."""
    if is_device(a):
        if dtype is None or np.dtype(dtype) == a.dtype:
            return a if a.is_c_contiguous() else contiguous(a)
        a = a.copy_to_host()
    return to_device(a, dtype)


def to_numpy(a):
    """a as a NumPy array (copied from the GPU)."""
    return a.copy_to_host() if is_device(a) else np.asarray(a)


def zeros(shape, dtype):
    """A new device array of zeros."""
    a = empty(shape, dtype)
    if a.size:
        fill_kernel[blocks(a.size), THREADS](flat(a), a.dtype.type(0))
    return a


def sum_squares(a):
    """The sum of a**2, as a Python float."""
    return total(asarray(a), square=True)


def argmax_rows(scores):
    """The predicted class per row: scores (N, C) -> NumPy int64 array (N,)."""
    scores = asarray(scores)
    out = empty(scores.shape[0], np.int64)
    argmax_rows_kernel[blocks(scores.shape[0]), THREADS](scores, out)
    return out.copy_to_host()
