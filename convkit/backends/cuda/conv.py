"""Convolution layer: im2col, one matrix product, and back.

Forward: ``cols = im2col(x)`` (C*HH*WW, N*Ho*Wo), ``rows = w @ cols``
(K, N*Ho*Wo), then rows are laid out as the NCHW output with the bias added.
Backward, with ``drows`` the upstream gradient laid out the same way:
``dw = drows @ cols.T``, ``dcols = w.T @ drows``, ``dx = col2im(dcols)`` and
``db`` the sum of dout over the batch and the positions.
"""
from ...shapes import conv_output_size
from .support.device import THREADS, blocks, empty, numpy_boundary
from .support.gemm import matmul
from .support.im2col import col2im_kernel, im2col_kernel
from .support.layout import nchw_to_rows_kernel, rows_to_nchw_kernel
from .support.reduce import channel_sums


@numpy_boundary()
def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    """Convolution of a batch with K filters (NCHW).

    x (N, C, H, W), w (K, C, HH, WW), b (K,) -> out (N, K, Ho, Wo), cache,
    where Ho = (H + 2P - D*(HH-1) - 1)/S + 1 (S stride, P zero padding, D dilation).
    Matches convkit.backends.numpy.conv_forward.
    """
    N, C, H, W = x.shape
    K, _, HH, WW = w.shape
    Ho = conv_output_size(H, HH, stride, pad, dilation, mode="floor")
    Wo = conv_output_size(W, WW, stride, pad, dilation, mode="floor")
    cols = empty((C * HH * WW, N * Ho * Wo), x.dtype)
    im2col_kernel[blocks(N * Ho * Wo), THREADS](x, cols, HH, WW, stride, pad, dilation, Ho, Wo)
    rows = matmul(w.reshape(K, C * HH * WW), cols)
    out = empty((N, K, Ho, Wo), x.dtype)
    rows_to_nchw_kernel[blocks(out.size), THREADS](rows, b, out.reshape(N, K, Ho * Wo))
    return out, (x, w, cols, stride, pad, dilation)


@numpy_boundary()
def conv_backward(dout, cache, need_dx=True):
    """Gradients of the convolution: dout (N, K, Ho, Wo) -> dx (N, C, H, W), dw (K, C, HH, WW), db (K,).

    dx is None when not need_dx.

    Matches convkit.backends.numpy.conv_backward.
    """
    x, w, cols, stride, pad, dilation = cache
    N, K, Ho, Wo = dout.shape
    _, C, HH, WW = w.shape
    dout = dout.reshape(N, K, Ho * Wo)
    drows = empty((K, N * Ho * Wo), dout.dtype)
    nchw_to_rows_kernel[blocks(dout.size), THREADS](dout, drows)
    db = channel_sums(dout)
    dw = matmul(drows, cols, trans_b=True).reshape(w.shape)
    if not need_dx:
        return None, dw, db
    dcols = matmul(w.reshape(K, C * HH * WW), drows, trans_a=True)
    dx = empty(x.shape, x.dtype)
    col2im_kernel[blocks(dx.size), THREADS](dcols, dx, HH, WW, stride, pad, dilation, Ho, Wo)
    return dx, dw, db
