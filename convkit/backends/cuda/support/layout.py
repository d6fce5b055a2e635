"""Moving between NCHW batches and the (K, N*Ho*Wo) rows of the matrix product.

The convolution's product gives row k = filter k over all output positions of
the batch; the ops' arrays are NCHW. These kernels convert, one thread per
element, reading and writing along the contiguous position index.
"""
from numba import cuda

from .index import ncl


@cuda.jit(cache=True)
def rows_to_nchw_kernel(rows, b, out):
    """out[n, k, p] = rows[k, n*L + p] + b[k]; rows (K, N*L), b (K,), out (N, K, L)."""
    index = cuda.grid(1)
    N, K, L = out.shape
    if index < N * K * L:
        n, k, p = ncl(index, K, L)
        out[n, k, p] = rows[k, n * L + p] + b[k]


@cuda.jit(cache=True)
def nchw_to_rows_kernel(x, rows):
    """rows[k, n*L + p] = x[n, k, p]; x (N, K, L), rows (K, N*L)."""
    index = cuda.grid(1)
    N, K, L = x.shape
    if index < N * K * L:
        n, k, p = ncl(index, K, L)
        rows[k, n * L + p] = x[n, k, p]
