"""Pooling layers: max, average and L2 over F x F windows (NCHW arrays, no padding).

Every kernel runs in parallel over the (n, c) planes: one plane of x and its
plane of out belong to one worker, so no two workers write the same number.
"""
import numpy as np
from numba import njit, prange

from ...shapes import pool_output_size
from .arrays import for_kernel
from .support.threads import one_caller_at_a_time


def _output_size(x, size, stride):
    """(Ho, Wo) of pooling x (N, C, H, W) with size x size windows, stride apart."""
    _, _, H, W = x.shape
    return (pool_output_size(H, size, stride, mode="floor"),
            pool_output_size(W, size, stride, mode="floor"))


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def max_pool_kernel(x, out, argmax, F, S):
    """out[n, c, i, j] = max of the window; argmax holds its flat index iy*W + ix in the plane.

    Matches convkit.backends.numpy.max_pool_forward (out) and the np.argmax of
    its max_pool_backward.  The taps are visited in row-major order and a
    value replaces the best only when strictly larger, so a tie keeps the
    first max; a NaN beats every number, as in np.max, and the first NaN wins.
    The NaN test runs only in planes found to hold a NaN (has_nan).  Planes
    are read as flat rows with unsigned indices (Numba then skips its
    negative-index handling: 1.5x faster here).
    """
    N, C, H, W = x.shape
    _, _, Ho, Wo = out.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        plane = x[n, c].reshape(H * W)
        best_values = out[n, c].reshape(Ho * Wo)
        best_places = argmax[n, c].reshape(Ho * Wo)
        has_nan = False
        for t in range(H * W):
            has_nan |= np.isnan(plane[t])
        for i in range(Ho):
            for j in range(Wo):
                where = i * S * W + j * S
                best = plane[np.uint64(where)]
                for fy in range(F):
                    for fx in range(F):
                        k = (i * S + fy) * W + j * S + fx
                        v = plane[np.uint64(k)]
                        if v > best or (has_nan and np.isnan(v) and not np.isnan(best)):
                            best = v
                            where = k
                best_values[np.uint64(i * Wo + j)] = best
                best_places[np.uint64(i * Wo + j)] = where


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def max_pool_2x2_kernel(x, out, argmax, nan_planes):
    """max_pool_kernel for the common F=2, S=2, about 2.5x faster; nan_planes[n * C + c]
    is set for each plane that holds a NaN.

    Each window's four values are read straight from two rows, and the NaN
    test rides along instead of taking a pass of its own. A plane with a NaN
    gets the answer of numbers only, so max_pool_forward redoes the batch
    with max_pool_kernel when any plane is flagged.
    """
    N, C, H, W = x.shape
    _, _, Ho, Wo = out.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        plane = x[n, c]
        best_values = out[n, c]
        best_places = argmax[n, c]
        nan = False
        for i in range(Ho):
            top = plane[2 * i]
            bottom = plane[2 * i + 1]
            for j in range(Wo):
                a, b, d, e = top[2 * j], top[2 * j + 1], bottom[2 * j], bottom[2 * j + 1]
                best, k = a, 0
                if b > best:
                    best, k = b, 1
                if d > best:
                    best, k = d, W
                if e > best:
                    best, k = e, W + 1
                nan |= (a != a) | (b != b) | (d != d) | (e != e)     # NaN != NaN
                best_values[i, j] = best
                best_places[i, j] = 2 * i * W + 2 * j + k
        nan_planes[nc] = nan


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def max_pool_backward_kernel(dout, argmax, dx):
    """dx (zeroed here) gets each dout at its window's argmax.

    Matches convkit.backends.numpy.max_pool_backward.
    """
    N, C, H, W = dx.shape
    _, _, Ho, Wo = dout.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        plane = dx[n, c].reshape(H * W)
        plane[:] = 0
        for i in range(Ho):
            for j in range(Wo):
                plane[argmax[n, c, i, j]] += dout[n, c, i, j]


def max_pool_forward(x, size=2, stride=2):
    """Max pooling: x (N, C, H, W) -> out (N, C, Ho, Wo), Ho = (H - F)/S + 1, and a cache.

    On a tie the first max in row-major window order wins.
    Matches convkit.backends.numpy.max_pool_forward.
    """
    x = for_kernel(x)
    shape = x.shape[:2] + _output_size(x, size, stride)
    out = np.empty(shape, x.dtype)
    argmax = np.empty(shape, np.int32)
    nan_planes = np.zeros(shape[0] * shape[1], np.bool_)
    common = size == 2 and stride == 2
    if common:
        max_pool_2x2_kernel(x, out, argmax, nan_planes)
    if not common or nan_planes.any():
        max_pool_kernel(x, out, argmax, size, stride)
    return out, (x.shape, argmax)


def max_pool_backward(dout, cache):
    """Gradient of max_pool_forward: dout (N, C, Ho, Wo) -> dx (N, C, H, W).

    Matches convkit.backends.numpy.max_pool_backward.
    """
    shape, argmax = cache
    dx = np.empty(shape, dout.dtype)
    max_pool_backward_kernel(for_kernel(dout), argmax, dx)
    return dx


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def avg_pool_kernel(x, out, F, S, scale):
    """out[n, c, i, j] = scale * sum of the window (scale = 1/F**2).

    Matches convkit.backends.numpy.avg_pool_forward.
    """
    N, C, H, W = x.shape
    _, _, Ho, Wo = out.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        for i in range(Ho):
            for j in range(Wo):
                total = 0.0
                for fy in range(F):
                    for fx in range(F):
                        total += x[n, c, i * S + fy, j * S + fx]
                out[n, c, i, j] = total * scale


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def l2_pool_kernel(x, out, F, S):
    """out[n, c, i, j] = sqrt(sum of the squares of the window).

    Matches convkit.backends.numpy.l2_pool_forward.
    """
    N, C, H, W = x.shape
    _, _, Ho, Wo = out.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        for i in range(Ho):
            for j in range(Wo):
                total = 0.0
                for fy in range(F):
                    for fx in range(F):
                        v = x[n, c, i * S + fy, j * S + fx]
                        total += v * v
                out[n, c, i, j] = np.sqrt(total)


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def avg_pool_backward_kernel(dout, dx, F, S):
    """dx (zeroed here) gets dout / F**2 at every position of each window.

    Matches convkit.backends.numpy.avg_pool_backward.
    """
    N, C, H, W = dx.shape
    _, _, Ho, Wo = dout.shape
    share = 1.0 / (F * F)
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        dx[n, c] = 0
        for i in range(Ho):
            for j in range(Wo):
                g = dout[n, c, i, j] * share
                for fy in range(F):
                    for fx in range(F):
                        dx[n, c, i * S + fy, j * S + fx] += g


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def l2_pool_backward_kernel(dout, x, out, dx, F, S):
    """dx (zeroed here) gets dout * x / out at every position of each window (0 where out is 0).

    Matches convkit.backends.numpy.l2_pool_backward.
    """
    N, C, H, W = dx.shape
    _, _, Ho, Wo = dout.shape
    for nc in prange(N * C):
        n = nc // C
        c = nc % C
        dx[n, c] = 0
        for i in range(Ho):
            for j in range(Wo):
                if out[n, c, i, j] == 0:
                    continue
                g = dout[n, c, i, j] / out[n, c, i, j]
                for fy in range(F):
                    for fx in range(F):
                        dx[n, c, i * S + fy, j * S + fx] += g * x[n, c, i * S + fy, j * S + fx]


def avg_pool_forward(x, size=2, stride=2):
    """Average pooling: x (N, C, H, W) -> out (N, C, Ho, Wo), cache.

    Matches convkit.backends.numpy.avg_pool_forward.
    """
    x = for_kernel(x)
    out = np.empty(x.shape[:2] + _output_size(x, size, stride), x.dtype)
    avg_pool_kernel(x, out, size, stride, 1.0 / (size * size))
    return out, (x.shape, size, stride)


def avg_pool_backward(dout, cache):
    """Gradient of avg_pool_forward: dout (N, C, Ho, Wo) -> dx (N, C, H, W).

    Matches convkit.backends.numpy.avg_pool_backward.
    """
    shape, size, stride = cache
    dx = np.empty(shape, dout.dtype)
    avg_pool_backward_kernel(for_kernel(dout), dx, size, stride)
    return dx


def l2_pool_forward(x, size=2, stride=2):
    """L2 pooling, out = sqrt(sum of squares over the window): x (N, C, H, W) -> out (N, C, Ho, Wo), cache.

    Matches convkit.backends.numpy.l2_pool_forward.
    """
    x = for_kernel(x)
    out = np.empty(x.shape[:2] + _output_size(x, size, stride), x.dtype)
    l2_pool_kernel(x, out, size, stride)
    return out, (x, size, stride, out.copy())  # a copy: the caller may change out


def l2_pool_backward(dout, cache):
    """Gradient of l2_pool_forward: dx = dout * x / out (0 where out is 0), dx (N, C, H, W).

    Matches convkit.backends.numpy.l2_pool_backward.
    """
    x, size, stride, out = cache
    dx = np.empty(x.shape, dout.dtype)
    l2_pool_backward_kernel(for_kernel(dout), x, out, dx, size, stride)
    return dx
