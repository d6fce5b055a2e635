"""Affine (fully-connected) layer: one matrix product plus a bias.

x (N, d1, ..., dk) is read as the (N, D) matrix of its flattened rows.
"""
from .support.device import THREADS, blocks, flat, numpy_boundary
from .support.elementwise import add_row_bias_kernel
from .support.gemm import matmul
from .support.reduce import channel_sums


@numpy_boundary()
def affine_forward(x, w, b):
    """out = x.reshape(N, D) @ w + b; x (N, d1, ..., dk), w (D, M), b (M,) -> out (N, M), cache.

    Matches convkit.backends.numpy.affine_forward.
    """
    N = x.shape[0]
    out = matmul(x.reshape(N, x.size // N), w)
    add_row_bias_kernel[blocks(out.size), THREADS](flat(out), b)
    return out, (x, w)


@numpy_boundary()
def affine_backward(dout, cache):
    """dout (N, M) -> dx (shape of x), dw (D, M), db (M,).

    Matches convkit.backends.numpy.affine_backward.
    """
    x, w = cache
    N, M = dout.shape
    rows = x.reshape(N, x.size // N)
    dx = matmul(dout, w, trans_b=True).reshape(x.shape)
    dw = matmul(rows, dout, trans_a=True)
    db = channel_sums(dout.reshape(N, M, 1))
    return dx, dw, db
