"""Pooling layers (max, average, L2) over size x size windows, no padding.

Forward: one thread per output value reads its window. Backward: one thread
per input value gathers from every window that covers it (windows overlap when
stride < size), so no two threads write to the same place. Max pooling
remembers which element of each window won (the first max in row-major order).
"""
import math

import numpy as np
from numba import cuda

from ...shapes import pool_output_size
from .support.device import THREADS, blocks, contiguous, empty, numpy_boundary
from .support.index import covering, nchw


@cuda.jit(cache=True)
def max_pool_kernel(x, out, winner, size, stride):
    """out[n, c, ho, wo] = max of the window; winner = i*size + j of its first max.

    A value replaces the best only when strictly larger, so a tie keeps the
    first max; a NaN beats every number, as in np.max, and the first NaN wins.
    Matches convkit.backends.numpy.max_pool_forward.
    """
    index = cuda.grid(1)
    N, C, Ho, Wo = out.shape
    if index >= out.size:
        return
    n, c, ho, wo = nchw(index, C, Ho, Wo)
    best = x[n, c, ho * stride, wo * stride]
    best_at = 0
    for i in range(size):
        for j in range(size):
            value = x[n, c, ho * stride + i, wo * stride + j]
            if value > best or (math.isnan(value) and not math.isnan(best)):
                best = value
                best_at = i * size + j
    out[n, c, ho, wo] = best
    winner[n, c, ho, wo] = best_at


@cuda.jit(cache=True)
def avg_pool_kernel(x, out, size, stride, scale):
    """out[n, c, ho, wo] = scale * sum of the window (scale = 1 / size**2).

    Matches convkit.backends.numpy.avg_pool_forward.
    """
    index = cuda.grid(1)
    N, C, Ho, Wo = out.shape
    if index >= out.size:
        return
    n, c, ho, wo = nchw(index, C, Ho, Wo)
    total = x.dtype.type(0)
    for i in range(size):
        for j in range(size):
            total += x[n, c, ho * stride + i, wo * stride + j]
    out[n, c, ho, wo] = total * scale


@cuda.jit(cache=True)
def l2_pool_kernel(x, out, size, stride):
    """out[n, c, ho, wo] = sqrt(sum of the squares of the window).

    Matches convkit.backends.numpy.l2_pool_forward.
    """
    index = cuda.grid(1)
    N, C, Ho, Wo = out.shape
    if index >= out.size:
        return
    n, c, ho, wo = nchw(index, C, Ho, Wo)
    total = x.dtype.type(0)
    for i in range(size):
        for j in range(size):
            value = x[n, c, ho * stride + i, wo * stride + j]
            total += value * value
    out[n, c, ho, wo] = math.sqrt(total)


@cuda.jit(cache=True)
def max_pool_backward_kernel(dout, winner, dx, size, stride):
    """dx[n, c, h, w] = sum of dout over the windows covering (h, w) that it won.

    Matches convkit.backends.numpy.max_pool_backward.
    """
    index = cuda.grid(1)
    N, C, H, W = dx.shape
    Ho = dout.shape[2]
    Wo = dout.shape[3]
    if index >= dx.size:
        return
    n, c, h, w = nchw(index, C, H, W)
    total = dx.dtype.type(0)
    ho_first, ho_last = covering(h, size, stride, Ho)
    wo_first, wo_last = covering(w, size, stride, Wo)
    for ho in range(ho_first, ho_last + 1):
        for wo in range(wo_first, wo_last + 1):
            if winner[n, c, ho, wo] == (h - ho * stride) * size + (w - wo * stride):
                total += dout[n, c, ho, wo]
    dx[n, c, h, w] = total


@cuda.jit(cache=True)
def avg_pool_backward_kernel(dout, dx, size, stride, scale):
    """dx[n, c, h, w] = scale * sum of dout over the windows covering (h, w).

    Matches convkit.backends.numpy.avg_pool_backward.
    """
    index = cuda.grid(1)
    N, C, H, W = dx.shape
    Ho = dout.shape[2]
    Wo = dout.shape[3]
    if index >= dx.size:
        return
    n, c, h, w = nchw(index, C, H, W)
    total = dx.dtype.type(0)
    ho_first, ho_last = covering(h, size, stride, Ho)
    wo_first, wo_last = covering(w, size, stride, Wo)
    for ho in range(ho_first, ho_last + 1):
        for wo in range(wo_first, wo_last + 1):
            total += dout[n, c, ho, wo]
    dx[n, c, h, w] = total * scale


@cuda.jit(cache=True)
def l2_pool_backward_kernel(dout, x, out, dx, size, stride):
    """dx[n, c, h, w] = sum over the windows covering (h, w) of dout * x / out (0 where out == 0).

    Matches convkit.backends.numpy.l2_pool_backward.
    """
    index = cuda.grid(1)
    N, C, H, W = dx.shape
    Ho = dout.shape[2]
    Wo = dout.shape[3]
    if index >= dx.size:
        return
    n, c, h, w = nchw(index, C, H, W)
    total = dx.dtype.type(0)
    ho_first, ho_last = covering(h, size, stride, Ho)
    wo_first, wo_last = covering(w, size, stride, Wo)
    for ho in range(ho_first, ho_last + 1):
        for wo in range(wo_first, wo_last + 1):
            if out[n, c, ho, wo] != 0:
                total += dout[n, c, ho, wo] * x[n, c, h, w] / out[n, c, ho, wo]
    dx[n, c, h, w] = total


def _pooled(x, size, stride):
    """A new device array for the output (N, C, Ho, Wo) of pooling x (N, C, H, W)."""
    N, C, H, W = x.shape
    Ho = pool_output_size(H, size, stride, mode="floor")
    Wo = pool_output_size(W, size, stride, mode="floor")
    return empty((N, C, Ho, Wo), x.dtype)


@numpy_boundary()
def max_pool_forward(x, size=2, stride=2):
    """Max pooling (NCHW): x (N, C, H, W) -> out (N, C, Ho, Wo), Ho = (H - size)/stride + 1; cache.

    Matches convkit.backends.numpy.max_pool_forward.
    """
    out = _pooled(x, size, stride)
    winner = empty(out.shape, np.int32)
    max_pool_kernel[blocks(out.size), THREADS](x, out, winner, size, stride)
    return out, (x.shape, winner, size, stride)


@numpy_boundary()
def max_pool_backward(dout, cache):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W): each window's gradient goes to its first max.

    Matches convkit.backends.numpy.max_pool_backward.
    """
    shape, winner, size, stride = cache
    dx = empty(shape, dout.dtype)
    max_pool_backward_kernel[blocks(dx.size), THREADS](dout, winner, dx, size, stride)
    return dx


@numpy_boundary()
def avg_pool_forward(x, size=2, stride=2):
    """Average pooling (NCHW): x (N, C, H, W) -> out (N, C, Ho, Wo), cache.

    Matches convkit.backends.numpy.avg_pool_forward.
    """
    out = _pooled(x, size, stride)
    avg_pool_kernel[blocks(out.size), THREADS](x, out, size, stride, x.dtype.type(1 / size**2))
    return out, (x.shape, size, stride)


@numpy_boundary()
def avg_pool_backward(dout, cache):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W): each window shares its gradient equally.

    Matches convkit.backends.numpy.avg_pool_backward.
    """
    shape, size, stride = cache
    dx = empty(shape, dout.dtype)
    avg_pool_backward_kernel[blocks(dx.size), THREADS](dout, dx, size, stride, dout.dtype.type(1 / size**2))
    return dx


@numpy_boundary()
def l2_pool_forward(x, size=2, stride=2):
    """L2 pooling (NCHW): out = sqrt(sum of the squares of the window).

    x (N, C, H, W) -> out (N, C, Ho, Wo), cache.
    Matches convkit.backends.numpy.l2_pool_forward.
    """
    out = _pooled(x, size, stride)
    l2_pool_kernel[blocks(out.size), THREADS](x, out, size, stride)
    return out, (x, size, stride, contiguous(out))  # a copy: the caller may change out


@numpy_boundary()
def l2_pool_backward(dout, cache):
    """dout (N, C, Ho, Wo) -> dx (N, C, H, W) = dout * x / out per window (0 where out == 0).

    Matches convkit.backends.numpy.l2_pool_backward.
    """
    x, size, stride, out = cache
    dx = empty(x.shape, x.dtype)
    l2_pool_backward_kernel[blocks(dx.size), THREADS](dout, x, out, dx, size, stride)
    return dx
