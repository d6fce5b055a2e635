"""Sums over all but one axis: per-channel sums, dot products and totals.

A block adds up its share of one channel's values: each thread keeps a running
sum over a strided range, then the block halves its REDUCE_THREADS partial sums
in shared memory until one is left. With many values per channel the work is
split over ``groups`` blocks per channel, whose partial sums a second pass of
the same kernel adds up. Every sum is computed in the same order each time.
"""
from numba import cuda

from .device import ceil_div, empty

REDUCE_THREADS = 128  # a power of two: the tree halves it each step
VALUES_PER_THREAD = 16
MAX_GROUPS = 64


@cuda.jit(device=True, inline="always")
def tree_sum(partial, t):
    """Add up the block's REDUCE_THREADS values of shared array partial into partial[0]; t is this thread."""
    cuda.syncthreads()
    half = REDUCE_THREADS // 2
    while half > 0:
        if t < half:
            partial[t] += partial[t + half]
        cuda.syncthreads()
        half //= 2


@cuda.jit(cache=True)
def channel_sum_kernel(x, out, scale):
    """out[c, g] = scale * (sum of x[n, c, l] over the g-th share of (n, l)); x (N, C, L), out (C, G)."""
    partial = cuda.shared.array(REDUCE_THREADS, dtype=x.dtype)
    c = cuda.blockIdx.x
    g = cuda.blockIdx.y
    t = cuda.threadIdx.x
    L = x.shape[2]
    total = x.dtype.type(0)
    for index in range(g * REDUCE_THREADS + t, x.shape[0] * L, cuda.gridDim.y * REDUCE_THREADS):
        total += x[index // L, c, index % L]
    partial[t] = total
    tree_sum(partial, t)
    if t == 0:
        out[c, g] = partial[0] * scale


@cuda.jit(cache=True)
def channel_dot_kernel(x, y, out, scale):
    """out[c, g] = scale * (sum of x[n, c, l] * y[n, c, l] over the g-th share of (n, l))."""
    partial = cuda.shared.array(REDUCE_THREADS, dtype=x.dtype)
    c = cuda.blockIdx.x
    g = cuda.blockIdx.y
    t = cuda.threadIdx.x
    L = x.shape[2]
    total = x.dtype.type(0)
    for index in range(g * REDUCE_THREADS + t, x.shape[0] * L, cuda.gridDim.y * REDUCE_THREADS):
        total += x[index // L, c, index % L] * y[index // L, c, index % L]
    partial[t] = total
    tree_sum(partial, t)
    if t == 0:
        out[c, g] = partial[0] * scale


def _groups(x):
    N, _, L = x.shape
    return max(1, min(MAX_GROUPS, ceil_div(N * L, REDUCE_THREADS * VALUES_PER_THREAD)))


def channel_sums(x, scale=1.0, groups=None):
    """scale * x summed over axes 0 and 2: x (N, C, L) device array -> (C,) device array."""
    return channel_dots(x, None, scale, groups)


def channel_dots(x, y, scale=1.0, groups=None):
    """scale * (x * y) summed over axes 0 and 2 (plain sums when y is None): (N, C, L) -> (C,)."""
    C = x.shape[1]
    groups = groups or _groups(x)
    first_scale = x.dtype.type(scale if groups == 1 else 1)
    partial = empty((C, groups), x.dtype)
    if y is None:
        channel_sum_kernel[(C, groups), REDUCE_THREADS](x, partial, first_scale)
    else:
        channel_dot_kernel[(C, groups), REDUCE_THREADS](x, y, partial, first_scale)
    if groups == 1:
        return partial.reshape(C)
    out = empty((C, 1), x.dtype)
    channel_sum_kernel[(C, 1), REDUCE_THREADS](partial.reshape(1, C, groups), out, x.dtype.type(scale))
    return out.reshape(C)


def total(a, square=False):
    """Sum of the elements of device array a (of their squares when square), as a Python float."""
    values = a.reshape(1, 1, a.size)
    result = channel_dots(values, values if square else None)
    return float(result.copy_to_host()[0])
