"""Locally-connected layer: a convolution whose filters are not shared.

Output position (ho, wo) has its own bank of K filters ``w[ho, wo]``, so there
is no single matrix product; each kernel computes one output value (or one
gradient value) directly, looping over what it depends on. dx gathers, per
input pixel, the terms of every window that covers it.
"""
from numba import cuda

from .support.device import THREADS, blocks, empty, numpy_boundary
from .support.index import nchw


@cuda.jit(cache=True)
def local_kernel(x, w, b, out, stride, pad):
    """out[n, k, ho, wo] = b[ho, wo, k] + sum over c, i, j of
    w[ho, wo, k, c, i, j] * xpad[n, c, ho*S + i, wo*S + j] (xpad: x with P zeros around).
    Matches convkit.backends.numpy.local_forward.
    """
    index = cuda.grid(1)
    N, K, Ho, Wo = out.shape
    _, C, H, W = x.shape
    F1 = w.shape[4]
    F2 = w.shape[5]
    if index >= out.size:
        return
    n, k, ho, wo = nchw(index, K, Ho, Wo)
    total = b[ho, wo, k]
    for c in range(C):
        for i in range(F1):
            h = ho * stride - pad + i
            if 0 <= h < H:
                for j in range(F2):
                    v = wo * stride - pad + j
                    if 0 <= v < W:
                        total += w[ho, wo, k, c, i, j] * x[n, c, h, v]
    out[n, k, ho, wo] = total


@cuda.jit(cache=True)
def local_dw_kernel(dout, x, dw, stride, pad):
    """dw[ho, wo, k, c, i, j] = sum over n of dout[n, k, ho, wo] * xpad[n, c, ho*S + i, wo*S + j].

    Matches convkit.backends.numpy.local_backward (dw).
    """
    index = cuda.grid(1)
    Ho, Wo, K, C, F1, F2 = dw.shape
    N, _, H, W = x.shape
    if index >= dw.size:
        return
    ho = index // (Wo * K * C * F1 * F2)
    wo = index // (K * C * F1 * F2) % Wo
    k = index // (C * F1 * F2) % K
    c = index // (F1 * F2) % C
    i = index // F2 % F1
    j = index % F2
    h = ho * stride - pad + i
    v = wo * stride - pad + j
    total = dw.dtype.type(0)
    if 0 <= h < H and 0 <= v < W:
        for n in range(N):
            total += dout[n, k, ho, wo] * x[n, c, h, v]
    dw[ho, wo, k, c, i, j] = total


@cuda.jit(cache=True)
def local_db_kernel(dout, db):
    """db[ho, wo, k] = sum over n of dout[n, k, ho, wo].

    Matches convkit.backends.numpy.local_backward (db).
    """
    index = cuda.grid(1)
    Ho, Wo, K = db.shape
    if index >= db.size:
        return
    ho = index // (Wo * K)
    wo = index // K % Wo
    k = index % K
    total = db.dtype.type(0)
    for n in range(dout.shape[0]):
        total += dout[n, k, ho, wo]
    db[ho, wo, k] = total


@cuda.jit(cache=True)
def local_dx_kernel(dout, w, dx, stride, pad):
    """dx[n, c, h, v] = sum over k and the windows (ho, wo) that cover (h, v), at (i, j), of
    dout[n, k, ho, wo] * w[ho, wo, k, c, i, j].
    Matches convkit.backends.numpy.local_backward (dx).
    """
    index = cuda.grid(1)
    N, C, H, W = dx.shape
    _, K, Ho, Wo = dout.shape
    F1 = w.shape[4]
    F2 = w.shape[5]
    if index >= dx.size:
        return
    n, c, h, v = nchw(index, C, H, W)
    total = dx.dtype.type(0)
    for i in range(F1):
        top = h + pad - i  # = ho * stride for the window that holds (h, v) at row i
        if top >= 0 and top % stride == 0 and top // stride < Ho:
            ho = top // stride
            for j in range(F2):
                left = v + pad - j
                if left >= 0 and left % stride == 0 and left // stride < Wo:
                    wo = left // stride
                    for k in range(K):
                        total += dout[n, k, ho, wo] * w[ho, wo, k, c, i, j]
    dx[n, c, h, v] = total


@numpy_boundary()
def local_forward(x, w, b, stride=1, pad=0):
    """Locally-connected layer (NCHW): one filter bank per output position.

    x (N, C, H, W), w (Ho, Wo, K, C, F, F), b (Ho, Wo, K) -> out (N, K, Ho, Wo), cache.
    Matches convkit.backends.numpy.local_forward.
    """
    N = x.shape[0]
    Ho, Wo, K = b.shape
    out = empty((N, K, Ho, Wo), x.dtype)
    local_kernel[blocks(out.size), THREADS](x, w, b, out, stride, pad)
    return out, (x, w, stride, pad)


@numpy_boundary()
def local_backward(dout, cache):
    """Gradients: dout (N, K, Ho, Wo) -> dx (N, C, H, W), dw (Ho, Wo, K, C, F, F), db (Ho, Wo, K).

    Matches convkit.backends.numpy.local_backward.
    """
    x, w, stride, pad = cache
    dx = empty(x.shape, x.dtype)
    dw = empty(w.shape, w.dtype)
    db = empty(w.shape[:3], w.dtype)
    local_dx_kernel[blocks(dx.size), THREADS](dout, w, dx, stride, pad)
    local_dw_kernel[blocks(dw.size), THREADS](dout, x, dw, stride, pad)
    local_db_kernel[blocks(db.size), THREADS](dout, db)
    return dx, dw, db
