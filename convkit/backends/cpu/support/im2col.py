"""im2col and col2im: lay out every receptive field as a column of one matrix.

The images are first copied into zero-padded planes, flattened:
xp (n, C, Hp*Wp) with Hp = H + 2P, Wp = W + 2P.  For a slice of n
images the columns matrix has one row per filter tap ``(c, fy, fx)`` and
one column per output position ``(i, oy, ox)``::

    cols[(c*HH + fy)*WW + fx, (i*Ho + oy)*Wo + ox] = xp[i, c, (oy*S + fy*D)*Wp + ox*S + fx*D]

A convolution is then one matrix product ``w.reshape(K, -1) @ cols``; its
weight gradient is ``drows @ cols.T`` and its input gradient
``col2im(w.reshape(K, -1).T @ drows)``.  The kernels are serial and release
the GIL: conv.py runs them on worker threads, each on its own slice of the
batch.  Shapes travel as plain ints, so one compiled kernel serves every shape.

Positions inside a row are unsigned ints (np.uint64): Numba then skips its
handling of negative indices, which otherwise keeps the compiler from turning
these short copy loops into vector instructions (they ran 7x slower).
"""
import numpy as np
from numba import njit


@njit(nogil=True, cache=True)
def pad_kernel(x, xp, P):
    """Copy x (n, C, H, W) into the flat padded planes xp (n, C, Hp*Wp), zeros around.

    Matches the np.pad of convkit.backends.numpy.conv_forward.
    """
    N, C, H, W = x.shape
    Wp = W + 2 * P
    xp[:] = 0
    for i in range(N):
        for c in range(C):
            plane = xp[i, c]
            for y in range(H):
                start = np.uint64((y + P) * Wp + P)
                row = x[i, c, y]
                for j in range(np.uint64(W)):
                    plane[start + j] = row[j]


@njit(nogil=True, cache=True)
def unpad_kernel(xp, x, P):
    """The inside of the padded planes xp, copied into x (n, C, H, W): the inverse of pad.

    Matches the last slice dX[:, :, P:P + H, P:P + W] of convkit.backends.numpy.conv_backward.
    """
    N, C, H, W = x.shape
    Wp = W + 2 * P
    for i in range(N):
        for c in range(C):
            plane = xp[i, c]
            for y in range(H):
                start = np.uint64((y + P) * Wp + P)
                row = x[i, c, y]
                for j in range(np.uint64(W)):
                    row[j] = plane[start + j]


@njit(nogil=True, cache=True)
def im2col_kernel(xp, cols, HH, WW, S, D, Wp, Ho, Wo):
    """Fill ``cols`` (C*HH*WW + extra, n*Ho*Wo) from the padded planes ``xp``.

    Rows past C*HH*WW are set to 1: a row of ones times the biases adds them.
    Matches the windows that convkit.backends.numpy.conv_forward multiplies.
    """
    N, C, _ = xp.shape
    L = Ho * Wo
    step = np.uint64(S)
    for c in range(C):
        for fy in range(HH):
            for fx in range(WW):
                row = cols[(c * HH + fy) * WW + fx]
                for i in range(N):
                    plane = xp[i, c]
                    for oy in range(Ho):
                        start = np.uint64((oy * S + fy * D) * Wp + fx * D)
                        base = np.uint64(i * L + oy * Wo)
                        for ox in range(np.uint64(Wo)):
                            row[base + ox] = plane[start + ox * step]
    cols[C * HH * WW:] = 1


@njit(nogil=True, cache=True)
def col2im_kernel(cols, dxp, HH, WW, S, D, Wp, Ho, Wo):
    """Sum ``cols`` (C*HH*WW, n*Ho*Wo) back into the padded planes ``dxp``, overwriting them.

    The adjoint of im2col: every input pixel collects the gradient of each
    column it was copied into.  Matches the input gradient of
    convkit.backends.numpy.conv_backward (after unpad).
    """
    N, C, _ = dxp.shape
    L = Ho * Wo
    step = np.uint64(S)
    dxp[:] = 0
    for i in range(N):
        for c in range(C):
            plane = dxp[i, c]
            for fy in range(HH):
                for fx in range(WW):
                    row = cols[(c * HH + fy) * WW + fx]
                    for oy in range(Ho):
                        start = np.uint64((oy * S + fy * D) * Wp + fx * D)
                        base = np.uint64(i * L + oy * Wo)
                        for ox in range(np.uint64(Wo)):
                            plane[start + ox * step] += row[base + ox]
