"""ReLU nonlinearity, elementwise on arrays of any shape."""
import numpy as np
from numba import njit, prange

from .arrays import for_kernel


@njit(parallel=True, cache=True)
def _relu(x, out):
    """out = max(0, x) on flat arrays; NaN stays NaN. Matches convkit.backends.numpy.relu_forward."""
    for i in prange(x.size):
        out[i] = 0 if x[i] <= 0 else x[i]


@njit(parallel=True, cache=True)
def _relu_grad(dout, out, dx):
    """dx = dout * (out > 0) on flat arrays. Matches convkit.backends.numpy.relu_backward."""
    for i in prange(dout.size):
        dx[i] = dout[i] * (out[i] > 0)


def relu_forward(x):
    """out = max(0, x), any shape. Returns out and a cache (out itself: out > 0 exactly where x > 0).

    Matches convkit.backends.numpy.relu_forward.
    """
    x = for_kernel(x)
    out = np.empty_like(x)
    _relu(x.reshape(-1), out.reshape(-1))
    return out, out


def relu_backward(dout, cache):
    """Gradient of relu_forward: dout where x > 0, else 0 (shape of x).

    Matches convkit.backends.numpy.relu_backward.
    """
    out = cache
    dx = np.empty_like(out)
    _relu_grad(for_kernel(dout).reshape(-1), out.reshape(-1), dx.reshape(-1))
    return dx
