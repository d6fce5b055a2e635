"""Affine (fully-connected) layer: one matrix product plus a bias.

x (N, d1, ..., dk) is read as the (N, D) matrix of its flattened rows.
"""
from .device import THREADS, blocks, flat, numpy_boundary
from .elementwise import add_row_bias_kernel
from .gemm import matmul
from .reduce import channel_sums


@numpy_boundary()
def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b; x (N, d1, ..., dk), w (D, M), b (M,) -> out (N, M), cache."""
    N = x.shape[0]
    out = matmul(x.reshape(N, x.size // N), w)
    add_row_bias_kernel[blocks(out.size), THREADS](flat(out), b)
    return out, (x, w)


@numpy_boundary()
def affine_backward(dout, cache):
    """dout (N, M) -> dx (shape of x), dw (D, M), db (M,)."""
    x, w = cache
    N, M = dout.shape
    rows = x.reshape(N, x.size // N)
    dx = matmul(dout, w, trans_b=True).reshape(x.shape)
    dw = matmul(rows, dout, trans_a=True)
    db = channel_sums(dout.reshape(N, M, 1))
    return dx, dw, db
