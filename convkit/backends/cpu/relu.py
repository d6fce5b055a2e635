"""ReLU nonlinearity, elementwise on arrays of any shape."""
import numpy as np
from numba import njit, prange

from .arrays import for_kernel
from .support.threads import one_caller_at_a_time


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def relu_kernel(x, out, positive):
    """out = max(0, x) and positive = x > 0 on flat arrays; NaN stays NaN.

    Matches convkit.backends.numpy.relu_forward.
    """
    for i in prange(x.size):
        positive[i] = x[i] > 0
        out[i] = 0 if x[i] <= 0 else x[i]


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def relu_backward_kernel(dout, positive, dx):
    """dx = dout * positive on flat arrays. Matches convkit.backends.numpy.relu_backward."""
    for i in prange(dout.size):
        dx[i] = dout[i] * positive[i]


def relu_forward(x):
    """out = max(0, x), any shape. Returns out and a cache: the mask x > 0 (one byte a number).

    The cache is not out itself, which the caller may change.
    Matches convkit.backends.numpy.relu_forward.
    """
    x = for_kernel(x)
    out = np.empty_like(x)
    positive = np.empty(x.shape, np.bool_)
    relu_kernel(x.reshape(-1), out.reshape(-1), positive.reshape(-1))
    return out, positive


def relu_backward(dout, cache):
    """Gradient of relu_forward: dout where x > 0, else 0 (shape of x).

    Matches convkit.backends.numpy.relu_backward.
    """
    positive = cache
    dx = np.empty(positive.shape, dout.dtype)
    relu_backward_kernel(for_kernel(dout).reshape(-1), positive.reshape(-1), dx.reshape(-1))
    return dx
