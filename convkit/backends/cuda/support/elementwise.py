"""Kernels that treat arrays as flat lists of numbers, one thread per element."""
from numba import cuda


@cuda.jit(cache=True)
def fill_kernel(a, value):
    """a[i] = value."""
    i = cuda.grid(1)
    if i < a.size:
        a[i] = value


@cuda.jit(cache=True)
def multiply_kernel(a, b, out):
    """out[i] = a[i] * b[i]."""
    i = cuda.grid(1)
    if i < out.size:
        out[i] = a[i] * b[i]


@cuda.jit(cache=True)
def add_row_bias_kernel(out, b):
    """out[i] += b[i % M] for out the flat view of an (N, M) array and b (M,)."""
    i = cuda.grid(1)
    if i < out.size:
        out[i] += b[i % b.size]
