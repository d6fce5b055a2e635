"""im2col and col2im: convolution windows laid out as columns of a matrix.

Column ``(n * Ho + ho) * Wo + wo`` of ``cols`` holds the window of image n that
output position (ho, wo) sees, row ``(c * HH + i) * WW + j`` holding
``x[n, c, ho*S - P + i*D, wo*S - P + j*D]`` (0 in the padding). The
convolution is then one matrix product ``w.reshape(K, -1) @ cols``.

col2im is the backward of im2col: each input pixel adds up the column entries
that copied it. One thread per pixel gathers them, so no two threads write to
the same place.
"""
from numba import cuda

from .index import nchw, ncl


@cuda.jit(cache=True)
def im2col_kernel(x, cols, HH, WW, stride, pad, dilation, Ho, Wo):
    """Fill cols (C*HH*WW, N*Ho*Wo) from x (N, C, H, W); one thread per column."""
    column = cuda.grid(1)
    N, C, H, W = x.shape
    if column >= N * Ho * Wo:
        return
    n, ho, wo = ncl(column, Ho, Wo)
    zero = x.dtype.type(0)
    for c in range(C):
        for i in range(HH):
            h = ho * stride - pad + i * dilation
            for j in range(WW):
                w = wo * stride - pad + j * dilation
                value = zero
                if 0 <= h < H and 0 <= w < W:
                    value = x[n, c, h, w]
                cols[(c * HH + i) * WW + j, column] = value


@cuda.jit(cache=True)
def col2im_kernel(dcols, dx, HH, WW, stride, pad, dilation, Ho, Wo):
    """dx (N, C, H, W) = sum of the entries of dcols (C*HH*WW, N*Ho*Wo) that im2col copied from each pixel."""
    index = cuda.grid(1)
    N, C, H, W = dx.shape
    if index >= N * C * H * W:
        return
    n, c, h, w = nchw(index, C, H, W)
    total = dx.dtype.type(0)
    for i in range(HH):
        top = h + pad - i * dilation  # = ho * stride for the window that holds (h, w) at row i
        if top >= 0 and top % stride == 0 and top // stride < Ho:
            ho = top // stride
            for j in range(WW):
                left = w + pad - j * dilation
                if left >= 0 and left % stride == 0 and left // stride < Wo:
                    wo = left // stride
                    total += dcols[(c * HH + i) * WW + j, (n * Ho + ho) * Wo + wo]
    dx[n, c, h, w] = total
