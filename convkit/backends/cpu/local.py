"""Locally-connected layer: a convolution whose filters are not shared (NCHW arrays).

Each output position (i, j) has its own bank of K filters, so there is no
common matrix to hand to BLAS; these are direct loops, in parallel over the
output positions for the forward pass and the weight gradient and over the
images for the input gradient, so that no two workers write the same number.
"""
import numpy as np
from numba import njit, prange

from .arrays import for_kernel
from .support.threads import one_caller_at_a_time


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def local_kernel(x, w, b, S, P, out):
    """out (N, K, Ho, Wo), in parallel over positions. Matches convkit.backends.numpy.local_forward."""
    N, C, H, W = x.shape
    Ho, Wo, K, _, HH, WW = w.shape
    for ij in prange(Ho * Wo):
        i = ij // Wo
        j = ij % Wo
        for n in range(N):
            for k in range(K):
                total = b[i, j, k]
                for c in range(C):
                    for fy in range(HH):
                        iy = i * S + fy - P
                        if iy < 0 or iy >= H:
                            continue
                        for fx in range(WW):
                            ix = j * S + fx - P
                            if 0 <= ix < W:
                                total += w[i, j, k, c, fy, fx] * x[n, c, iy, ix]
                out[n, k, i, j] = total


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def local_dw_kernel(dout, x, S, P, dw, db):
    """dw and db, in parallel over positions. Matches those of convkit.backends.numpy.local_backward."""
    N, C, H, W = x.shape
    Ho, Wo, K, _, HH, WW = dw.shape
    for ij in prange(Ho * Wo):
        i = ij // Wo
        j = ij % Wo
        dw[i, j] = 0
        db[i, j] = 0
        for n in range(N):
            for k in range(K):
                g = dout[n, k, i, j]
                db[i, j, k] += g
                for c in range(C):
                    for fy in range(HH):
                        iy = i * S + fy - P
                        if iy < 0 or iy >= H:
                            continue
                        for fx in range(WW):
                            ix = j * S + fx - P
                            if 0 <= ix < W:
                                dw[i, j, k, c, fy, fx] += g * x[n, c, iy, ix]


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def local_dx_kernel(dout, w, S, P, dx):
    """dx, in parallel over images. Matches the dx of convkit.backends.numpy.local_backward."""
    N, C, H, W = dx.shape
    Ho, Wo, K, _, HH, WW = w.shape
    for n in prange(N):
        dx[n] = 0
        for i in range(Ho):
            for j in range(Wo):
                for k in range(K):
                    g = dout[n, k, i, j]
                    for c in range(C):
                        for fy in range(HH):
                            iy = i * S + fy - P
                            if iy < 0 or iy >= H:
                                continue
                            for fx in range(WW):
                                ix = j * S + fx - P
                                if 0 <= ix < W:
                                    dx[n, c, iy, ix] += g * w[i, j, k, c, fy, fx]


def local_forward(x, w, b, stride=1, pad=0):
    """Apply a separate filter bank at every output position.

    x: (N, C, H, W); w: (Ho, Wo, K, C, HH, WW), one bank of K filters per output
    position; b: (Ho, Wo, K). Returns out (N, K, Ho, Wo) and a cache.
    Matches convkit.backends.numpy.local_forward.
    """
    x, w, b = (for_kernel(a) for a in (x, w, b))
    Ho, Wo, K = w.shape[:3]
    out = np.empty((x.shape[0], K, Ho, Wo), x.dtype)
    local_kernel(x, w, b, stride, pad, out)
    return out, (x, w, stride, pad)


def local_backward(dout, cache):
    """Gradients of local_forward.

    dout: (N, K, Ho, Wo). Returns dx (N, C, H, W), dw (Ho, Wo, K, C, HH, WW), db (Ho, Wo, K).
    Matches convkit.backends.numpy.local_backward.
    """
    x, w, stride, pad = cache
    dout = for_kernel(dout)
    dx = np.empty_like(x)
    dw = np.empty_like(w)
    db = np.empty(w.shape[:3], w.dtype)
    local_dw_kernel(dout, x, stride, pad, dw, db)
    local_dx_kernel(dout, w, stride, pad, dx)
    return dx, dw, db
