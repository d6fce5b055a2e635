"""Inverted dropout (p is the probability of KEEPING a unit, as in the notes)."""
import numpy as np


def dropout_forward(x, p, train=True, seed=None):
    """Drop units at random and scale the survivors by 1/p, so eval needs no change.

    x: any shape; p: keep probability in (0, 1]; seed: for np.random.default_rng.
    In eval mode (train=False) out is x. Returns out (shape of x) and a cache.
    """
    if not train:
        return x, None
    rng = np.random.default_rng(seed)
    mask = (rng.random(x.shape) < p).astype(x.dtype) / x.dtype.type(p)
    return x * mask, mask


def dropout_backward(dout, cache):
    """Gradient of dropout_forward: dout times the same mask (dout itself in eval mode)."""
    mask = cache
    if mask is None:
        return dout
    return dout * mask
