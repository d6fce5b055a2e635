"""Inverted dropout (p is the probability of KEEPING a unit, as in the notes).

The random numbers come from np.random.default_rng(seed), drawn exactly as the
reference draws them, so one seed gives the same mask on every backend.
"""
import numpy as np
from numba import njit, prange

from .arrays import for_kernel
from .support.threads import one_caller_at_a_time


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def dropout_kernel(x, u, p, scale, out, kept):
    """out = x * scale where u < p, else 0, on flat arrays. Matches convkit.backends.numpy.dropout_forward."""
    for i in prange(x.size):
        kept[i] = u[i] < p
        out[i] = x[i] * scale if kept[i] else 0


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def dropout_backward_kernel(dout, kept, scale, dx):
    """dx = dout * scale where kept, else 0. Matches convkit.backends.numpy.dropout_backward."""
    for i in prange(dout.size):
        dx[i] = dout[i] * scale if kept[i] else 0


def dropout_forward(x, p, train=True, seed=None):
    """Drop units at random and scale the survivors by 1/p, so eval needs no change.

    x: any shape; p: keep probability in (0, 1]; seed: for np.random.default_rng.
    In eval mode (train=False) out is x. Returns out (shape of x) and a cache.
    Matches convkit.backends.numpy.dropout_forward.
    """
    if not train:
        return x, None
    x = for_kernel(x)
    u = np.random.default_rng(seed).random(x.shape)
    scale = x.dtype.type(1) / x.dtype.type(p)
    out = np.empty_like(x)
    kept = np.empty(x.shape, np.bool_)
    dropout_kernel(x.reshape(-1), u.reshape(-1), p, scale, out.reshape(-1), kept.reshape(-1))
    return out, (kept, scale)


def dropout_backward(dout, cache):
    """Gradient of dropout_forward: dout times the same mask (dout itself in eval mode).

    Matches convkit.backends.numpy.dropout_backward.
    """
    if cache is None:
        return dout
    kept, scale = cache
    dx = np.empty(kept.shape, dout.dtype)
    dropout_backward_kernel(for_kernel(dout).reshape(-1), kept.reshape(-1), scale, dx.reshape(-1))
    return dx
