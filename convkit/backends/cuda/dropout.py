"""Inverted dropout (p is the probability of KEEPING a unit, as in the notes).

Random numbers come from numba's xoroshiro128+ generators, one per thread of a
grid of at most MAX_STATES threads that strides over the array. A given seed
gives the same mask every time (but not the NumPy backend's mask); without a
seed the backend's own generators continue from call to call (made again,
more of them, when a larger array needs more threads).
"""
import numpy as np
from numba import cuda
from numba.cuda.random import create_xoroshiro128p_states, xoroshiro128p_uniform_float32

from .support.device import THREADS, blocks, empty, flat, numpy_boundary
from .support.elementwise import multiply_kernel

MAX_STATES = 256 * THREADS
_shared = {}  # the generators used when no seed is given


@cuda.jit(cache=True)
def dropout_kernel(x, states, p, scale, mask, out):
    """Keep x[i] with probability p: mask[i] = scale (= 1/p) or 0; out = x * mask (flat arrays).

    Matches convkit.backends.numpy.dropout_forward (its mask from numba's generator, not NumPy's).
    """
    thread = cuda.grid(1)
    for i in range(thread, x.size, cuda.gridsize(1)):
        keep = xoroshiro128p_uniform_float32(states, thread) < p
        mask[i] = scale if keep else 0
        out[i] = x[i] * mask[i]


def _states(threads, seed):
    if seed is not None:
        return create_xoroshiro128p_states(threads, seed=seed)
    if "states" not in _shared or _shared["states"].size < threads:
        _shared["states"] = create_xoroshiro128p_states(threads, seed=np.random.randint(2**31))
    return _shared["states"]


@numpy_boundary()
def dropout_forward(x, p, train=True, seed=None):
    """Inverted dropout: x (any shape) -> out (shape of x), cache; train=False returns x itself.

    Matches convkit.backends.numpy.dropout_forward (its mask from numba's generator, not NumPy's).
    """
    if not train:
        return x, None
    threads = min(blocks(x.size) * THREADS, MAX_STATES)
    mask = empty(x.shape, x.dtype)
    out = empty(x.shape, x.dtype)
    dropout_kernel[threads // THREADS, THREADS](flat(x), _states(threads, seed), np.float32(p),
                                                x.dtype.type(1 / p), flat(mask), flat(out))
    return out, mask


@numpy_boundary()
def dropout_backward(dout, cache):
    """dout (shape of x) -> dx = dout * mask (dout itself in eval mode).

    Matches convkit.backends.numpy.dropout_backward.
    """
    mask = cache
    if mask is None:
        return dout
    dx = empty(dout.shape, dout.dtype)
    multiply_kernel[blocks(dx.size), THREADS](flat(dout), flat(mask), flat(dx))
    return dx
