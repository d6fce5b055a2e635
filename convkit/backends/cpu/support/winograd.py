"""Winograd F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplications.

winograd4.py holds its larger sibling F(4x4, 3x3), which shares this
module's filter transforms and channels-last copies; conv.py chooses
between the two.

Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (2016).
The output is cut into 2x2 tiles; tile (ty, tx) of output channel k needs the
4x4 input patch d at rows 2ty - P .. 2ty + 3 - P (columns likewise) of every
channel c.  With the fixed matrices below, for each 3x3 filter g:

    U = G g G^T    (4x4, once per call)      V = B^T d B    (4x4 per tile and channel)
    M = sum over c of U * V  (elementwise)    out tile = A^T M A   (2x2)

Seen over all tiles, the elementwise products are 16 matrix products, one per
position e of the 4x4 grid: M[e] (tiles, K) = V[e] (tiles, C) @ U[e]^T (C, K),
with 16*K*C multiply-adds per tile where im2col needs 4*9*K*C.

The backward pass is the adjoint of every step, so it is exact for the same
reason the forward is:  dM[e] = A dout_tile A^T;  dU[e] = dM[e]^T @ V[e]
(summed over tiles, then dw = G^T dU G);  dV[e] = dM[e] @ U[e] and
dx += B dV B^T, each 4x4 patch added back where it came from.  dM serves both
products, so dout is transformed once for dW and dX.

The kernels are serial and release the GIL, like im2col.py's.  They work
channels-last: each image is copied into a small padded plane p (rows,
columns, C) that stays in the core's cache, and the transformed tiles are
stored as V (16, tiles, C), tiles ordered (i, ty, tx).  So every step of a
transform is a line of C (or K) numbers computed from one to four others,
which Numba turns into vector instructions (AVX-512 on the Intel Xeon
here: 16 floats at a time).  Each such line is a small helper that writes
one row: LLVM checks it against the rows it reads once, before its loop,
and vectorises it.  The first version of these kernels kept the channels
apart (the 4x4 patch of one channel at a time, as the formulas above read)
and wrote a tile's 16 values to 16 rows in one loop; LLVM could not prove
that those rows do not overlap, so it left them scalar code, about 40% of
the time of conv B and C (benchmarks/cpu.py --profile).  Channels-last,
conv B and C forward+backward took 0.72-0.80x and 0.75-0.93x the time,
measured against that version in one process, copies to and from NCHW
included.
Padding, and the last tile row and column of an odd output, read zeros and
are cut off when a plane is copied back.
"""
import numpy as np
from numba import njit

from . import blas

G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
NAME = "F(2x2, 3x3)"
E = 16  # products: one per position of the 4x4 grid
GG = np.kron(G, G)


def tiles(Ho, Wo):
    """(tile rows, tile columns) covering an Ho x Wo output with 2x2 tiles."""
    return (Ho + 1) // 2, (Wo + 1) // 2


def filter_transform(w, transposed=False, GG=GG, rows=slice(None), out=None):
    """U (16, K, C) = G w G^T for every filter pair, from w (K, C, 3, 3); row e = 4p + q of the 4x4 grid.

    One product with GG = kron(G, G), whose row 4p + q holds G[p, a] G[q, b]
    at 3a + b (np.tensordot took 10x longer).  transposed=True gives U[e]^T,
    (16, C, K).  rows: only those rows e of U, written to out if given (so
    that threads can share the work).  winograd4.py passes its own GG, for a
    6x6 grid.
    """
    if transposed:
        w = w.transpose(1, 0, 2, 3)
    K, C = w.shape[:2]
    gg = GG[rows].astype(w.dtype)
    with blas.one_thread():  # too small a product to wake BLAS's other threads for
        U = np.matmul(gg, w.reshape(K * C, 9).T, out=None if out is None else out.reshape(len(gg), K * C))
    return U.reshape(-1, K, C)


def filter_gradient(dU, GG=GG, rows=slice(None)):
    """dw (K, C, 3, 3) = G^T dU G: the adjoint of filter_transform, from dU (16, K, C).

    rows: dU holds only those rows e of the whole dU, and dw is their part of the sum.
    """
    K, C = dU.shape[1:]
    with blas.one_thread():
        dw = GG[rows].T.astype(dU.dtype) @ dU.reshape(-1, K * C)
    return np.ascontiguousarray(dw.T).reshape(K, C, 3, 3)


@njit(inline="always")
def _copy(o, a):
    for c in range(o.shape[0]):
        o[c] = a[c]


@njit(inline="always")
def _neg(o, a):
    for c in range(o.shape[0]):
        o[c] = -a[c]


@njit(inline="always")
def _add(o, a, b):
    for c in range(o.shape[0]):
        o[c] = a[c] + b[c]


@njit(inline="always")
def _sub(o, a, b):
    for c in range(o.shape[0]):
        o[c] = a[c] - b[c]


@njit(inline="always")
def _neg_sub(o, a, b):
    for c in range(o.shape[0]):
        o[c] = -a[c] - b[c]


@njit(inline="always")
def _add_add(o, a, b, d):
    for c in range(o.shape[0]):
        o[c] = a[c] + b[c] + d[c]


@njit(inline="always")
def _sub_sub(o, a, b, d):
    for c in range(o.shape[0]):
        o[c] = a[c] - b[c] - d[c]


@njit(inline="always")
def _sub_add(o, a, b, d):
    for c in range(o.shape[0]):
        o[c] = a[c] - b[c] + d[c]


@njit(inline="always")
def _add_sub(o, a, b, d):
    for c in range(o.shape[0]):
        o[c] = a[c] + b[c] - d[c]


@njit(inline="always")
def _add_add_add(o, a, b, d, e):
    for c in range(o.shape[0]):
        o[c] = a[c] + b[c] + d[c] + e[c]


@njit(inline="always")
def _sub_sub_add(o, a, b, d, e):
    for c in range(o.shape[0]):
        o[c] = a[c] - b[c] - d[c] + e[c]


@njit(inline="always")
def add_to(o, a):
    for c in range(o.shape[0]):
        o[c] += a[c]


@njit(inline="always")
def _sub_from(o, a):
    for c in range(o.shape[0]):
        o[c] -= a[c]


@njit(inline="always")
def _add_to_sub_add(o, a, b, d):
    for c in range(o.shape[0]):
        o[c] += a[c] - b[c] + d[c]


@njit(inline="always")
def _add_to_add_sub(o, a, b, d):
    for c in range(o.shape[0]):
        o[c] += a[c] + b[c] - d[c]


@njit(inline="always")
def to_channels_last(image, p, P):
    """p[P + y, P + j, c] = image[c, y, j]: an image (C, H, W) into a channels-last plane p.

    Written along p's rows (the channels): 1.3-2.3x faster than along the
    image's rows on the CIFAR net's shapes.
    """
    C, H, W = image.shape
    for y in range(H):
        row = p[P + y]
        for j in range(W):
            pixel = row[P + j]
            for c in range(C):
                pixel[c] = image[c, y, j]


@njit(inline="always")
def from_channels_last(p, image, P):
    """image[c, y, j] = p[P + y, P + j, c]: the inverse of to_channels_last.

    Written along the image's rows, which was up to 5x faster than along
    p's, except rows shorter than 8 (4x4 maps), where p's way was faster.
    """
    C, H, W = image.shape
    for y in range(H):
        row = p[P + y]
        if W < 8:
            for j in range(W):
                pixel = row[P + j]
                for c in range(C):
                    image[c, y, j] = pixel[c]
            continue
        for c in range(C):
            for j in range(W):
                image[c, y, j] = row[P + j, c]


@njit(nogil=True, cache=True)
def input_transform(x, V, P, th, tw):
    """V (16, n*th*tw, C) = B^T d B of every 4x4 patch d of x (n, C, H, W) padded by P.

    Each image is first copied into a zeroed plane p (2*th + 2, 2*tw + 2, C):
    padded, channels-last, and small enough to stay in the core's cache.
    """
    n, C = x.shape[:2]
    T = th * tw
    p = np.zeros((2 * th + 2, 2 * tw + 2, C), x.dtype)
    t = np.empty((16, C), x.dtype)
    for i in range(n):
        to_channels_last(x[i], p, P)
        for ty in range(th):
            y = 2 * ty
            r0, r1, r2, r3 = p[y], p[y + 1], p[y + 2], p[y + 3]
            for tx in range(tw):
                z, col = 2 * tx, i * T + ty * tw + tx
                # B^T d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3), for each column of the patch
                for j in range(4):
                    _sub(t[j], r0[z + j], r2[z + j])
                    _add(t[4 + j], r1[z + j], r2[z + j])
                    _sub(t[8 + j], r2[z + j], r1[z + j])
                    _sub(t[12 + j], r1[z + j], r3[z + j])
                # (B^T d) B: the same combination along each row
                for a in range(0, 16, 4):
                    _sub(V[a, col], t[a], t[a + 2])
                    _add(V[a + 1, col], t[a + 1], t[a + 2])
                    _sub(V[a + 2, col], t[a + 2], t[a + 1])
                    _sub(V[a + 3, col], t[a + 1], t[a + 3])


@njit(nogil=True, cache=True)
def output_transform(M, b, out, th, tw):
    """out (n, K, Ho, Wo) = A^T m A + b of every 2x2 tile, m = M[:, tile] (16, n*th*tw, K).

    Each image is made channels-last in a plane o (2*th, 2*tw, K), then
    copied out; the last row or column of tiles of an odd output is cut off.
    """
    n, K = out.shape[:2]
    T = th * tw
    o = np.empty((2 * th, 2 * tw, K), out.dtype)
    t = np.empty((8, K), out.dtype)
    for i in range(n):
        for ty in range(th):
            y = 2 * ty
            for tx in range(tw):
                z, col = 2 * tx, i * T + ty * tw + tx
                # A^T m: rows m0 + m1 + m2 and m1 - m2 - m3; then the same along each row
                for j in range(4):
                    _add_add(t[j], M[j, col], M[4 + j, col], M[8 + j, col])
                    _sub_sub(t[4 + j], M[4 + j, col], M[8 + j, col], M[12 + j, col])
                _add_add_add(o[y, z], t[0], t[1], t[2], b)
                _sub_sub_add(o[y, z + 1], t[1], t[2], t[3], b)
                _add_add_add(o[y + 1, z], t[4], t[5], t[6], b)
                _sub_sub_add(o[y + 1, z + 1], t[5], t[6], t[7], b)
        from_channels_last(o, out[i], 0)


@njit(nogil=True, cache=True)
def output_adjoint(dout, dM, db, th, tw):
    """dM (16, n*th*tw, K) = A dY A^T for every 2x2 tile dY of dout (n, K, Ho, Wo): the adjoint of output_transform.

    Each image of dout is copied into a zeroed channels-last plane d (2*th,
    2*tw, K), so that the tiles past an odd edge read zeros.  Also adds the
    sum of dout to db (K,), the bias gradient: dM[5] = a + b summed along its
    row is the sum of a tile's four values, so that is one vector addition
    per tile.
    """
    n, K = dout.shape[:2]
    T = th * tw
    d = np.zeros((2 * th, 2 * tw, K), dout.dtype)
    t = np.empty((4, K), dout.dtype)
    total = np.zeros(K, dout.dtype)
    for i in range(n):
        to_channels_last(dout[i], d, 0)
        for ty in range(th):
            y = 2 * ty
            for tx in range(tw):
                z, col = 2 * tx, i * T + ty * tw + tx
                a0, a1, b0, b1 = d[y, z], d[y, z + 1], d[y + 1, z], d[y + 1, z + 1]
                # A dY: rows a, a + b, a - b, -b (t holds a + b and a - b); then the same along each row
                _add(t[0], a0, b0)
                _add(t[1], a1, b1)
                _sub(t[2], a0, b0)
                _sub(t[3], a1, b1)
                _copy(dM[0, col], a0)
                _add(dM[1, col], a0, a1)
                _sub(dM[2, col], a0, a1)
                _neg(dM[3, col], a1)
                _copy(dM[4, col], t[0])
                _add(dM[5, col], t[0], t[1])
                _sub(dM[6, col], t[0], t[1])
                _neg(dM[7, col], t[1])
                _copy(dM[8, col], t[2])
                _add(dM[9, col], t[2], t[3])
                _sub(dM[10, col], t[2], t[3])
                _neg(dM[11, col], t[3])
                _neg(dM[12, col], b0)
                _neg_sub(dM[13, col], b0, b1)
                _sub(dM[14, col], b1, b0)
                _copy(dM[15, col], b1)
                add_to(total, dM[5, col])
    for k in range(K):
        db[k] += total[k]


@njit(nogil=True, cache=True)
def input_adjoint(dV, dx, P, th, tw):
    """dx (n, C, H, W) = the sum of B dv B^T over the 4x4 patches, dv = dV[:, tile]: the adjoint of input_transform.

    dV is (16, n*th*tw, C).  Each image's patches are added into a zeroed
    channels-last plane p (neighbouring patches overlap by two rows or
    columns, and are added in turn, so the sums come out the same in every
    run), whose inside is then copied to dx.
    """
    n, C = dx.shape[:2]
    T = th * tw
    p = np.empty((2 * th + 2, 2 * tw + 2, C), dx.dtype)
    t = np.empty((16, C), dx.dtype)
    for i in range(n):
        p[:] = 0
        for ty in range(th):
            y = 2 * ty
            r0, r1, r2, r3 = p[y], p[y + 1], p[y + 2], p[y + 3]
            for tx in range(tw):
                z, col = 2 * tx, i * T + ty * tw + tx
                # dv B^T: each row v becomes v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                for a in range(0, 16, 4):
                    _copy(t[a], dV[a, col])
                    _sub_add(t[a + 1], dV[a + 1, col], dV[a + 2, col], dV[a + 3, col])
                    _add_sub(t[a + 2], dV[a + 1, col], dV[a + 2, col], dV[a, col])
                    _neg(t[a + 3], dV[a + 3, col])
                # B (dv B^T): rows a, b - c + d, b + c - a, -d, added into the patch
                for j in range(4):
                    add_to(r0[z + j], t[j])
                    _add_to_sub_add(r1[z + j], t[4 + j], t[8 + j], t[12 + j])
                    _add_to_add_sub(r2[z + j], t[4 + j], t[8 + j], t[j])
                    _sub_from(r3[z + j], t[12 + j])
        from_channels_last(p, dx[i], P)
