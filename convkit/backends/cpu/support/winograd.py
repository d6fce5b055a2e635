"""Winograd F(2x2, 3x3): a 3x3 stride-1 convolution with 2.25x fewer multiplications.

Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks" (2016).
The output is cut into 2x2 tiles; tile (ty, tx) of output channel k needs the
4x4 input patch d at rows 2ty - P .. 2ty + 3 - P (columns likewise) of every
channel c.  With the fixed matrices below, for each 3x3 filter g:

    U = G g G^T    (4x4, once per call)      V = B^T d B    (4x4 per tile and channel)
    M = sum over c of U * V  (elementwise)    out tile = A^T M A   (2x2)

Seen over all tiles, the elementwise products are 16 matrix products, one per
position e of the 4x4 grid: M[e] (K, tiles) = U[e] (K, C) @ V[e] (C, tiles),
with 16*K*C multiply-adds per tile where im2col needs 4*9*K*C.

The backward pass is the adjoint of every step, so it is exact for the same
reason the forward is:  dM[e] = A dout_tile A^T;  dU[e] = dM[e] @ V[e]^T
(summed over tiles, then dw = G^T dU G);  dV[e] = U[e]^T @ dM[e] and
dx += B dV B^T, each 4x4 patch added back where it came from.  dM serves both
products, so dout is transformed once for dW and dX.

The kernels are serial and release the GIL, like im2col.py's; the tile
columns of a slice of n images are ordered (i, ty, tx).  Out-of-range rows and
columns (padding, and the last tile row/column of an odd output) read as 0
and are never written.  Each kernel works tile by tile with the tile's 16
values as plain scalars (in small arrays they ran 3x slower).

The 16 rows V[e] of a (16, C, columns) array are 16 streams that a kernel
reads or writes side by side.  When the distance between them is a multiple
of 4 KB (C * columns * 4 bytes usually is), they all fall into the same few
sets of the L1 cache and evict each other: the transforms ran 3-7x slower.
tile_buffer() therefore leaves a gap of PAD values between the rows.
"""
import numpy as np
from numba import njit

from . import blas

G = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0.0, 0.0, 1.0]])
GG = np.kron(G, G)


PAD = 64


def tile_buffer(scratch, name, rows, columns, dtype):
    """A (16, rows, columns) scratch array whose 16 matrices are each contiguous, PAD values apart."""
    flat = scratch(name, (16, rows * columns + PAD), dtype)
    return flat[:, :rows * columns].reshape(16, rows, columns)


def tiles(Ho, Wo):
    """(tile rows, tile columns) covering an Ho x Wo output with 2x2 tiles."""
    return (Ho + 1) // 2, (Wo + 1) // 2


def filter_transform(w, transposed=False):
    """U (16, K, C) = G w G^T for every filter pair, from w (K, C, 3, 3); row e = 4p + q of the 4x4 grid.

    One product with GG = kron(G, G), whose row 4p + q holds G[p, a] G[q, b]
    at 3a + b (np.tensordot took 10x longer).  transposed=True gives U[e]^T,
    (16, C, K).
    """
    if transposed:
        w = w.transpose(1, 0, 2, 3)
    rows, columns = w.shape[:2]
    with blas.one_thread():  # too small a product to wake BLAS's other threads for
        U = GG.astype(w.dtype) @ w.reshape(rows * columns, 9).T
    return U.reshape(16, rows, columns)


def filter_gradient(dU):
    """dw (K, C, 3, 3) = G^T dU G: the adjoint of filter_transform, from dU (16, K, C)."""
    K, C = dU.shape[1:]
    with blas.one_thread():
        dw = GG.T.astype(dU.dtype) @ dU.reshape(16, K * C)
    return np.ascontiguousarray(dw.T).reshape(K, C, 3, 3)


@njit(nogil=True, cache=True)
def input_transform(x, V, P, th, tw):
    """V (16, C, n*th*tw) = B^T d B of every 4x4 patch d of x (n, C, H, W) padded by P.

    The padding is not materialised for the whole slice: each channel is
    copied into one small zeroed plane p that stays in the L1 cache.
    """
    n, C, H, W = x.shape
    T = th * tw
    p = np.zeros((2 * th + 2, 2 * tw + 2), x.dtype)
    for i in range(n):
        for c in range(C):
            for y in range(H):
                for j in range(W):
                    p[y + P, j + P] = x[i, c, y, j]
            for ty in range(th):
                y = 2 * ty
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    # B^T d: rows r of (d0 - d2, d1 + d2, d2 - d1, d1 - d3), for each column of the patch
                    a0, a1 = p[y, z] - p[y + 2, z], p[y, z + 1] - p[y + 2, z + 1]
                    a2, a3 = p[y, z + 2] - p[y + 2, z + 2], p[y, z + 3] - p[y + 2, z + 3]
                    b0, b1 = p[y + 1, z] + p[y + 2, z], p[y + 1, z + 1] + p[y + 2, z + 1]
                    b2, b3 = p[y + 1, z + 2] + p[y + 2, z + 2], p[y + 1, z + 3] + p[y + 2, z + 3]
                    c0, c1 = p[y + 2, z] - p[y + 1, z], p[y + 2, z + 1] - p[y + 1, z + 1]
                    c2, c3 = p[y + 2, z + 2] - p[y + 1, z + 2], p[y + 2, z + 3] - p[y + 1, z + 3]
                    d0, d1 = p[y + 1, z] - p[y + 3, z], p[y + 1, z + 1] - p[y + 3, z + 1]
                    d2, d3 = p[y + 1, z + 2] - p[y + 3, z + 2], p[y + 1, z + 3] - p[y + 3, z + 3]
                    # (B^T d) B: the same combination along each row
                    V[0, c, col], V[1, c, col], V[2, c, col], V[3, c, col] = a0 - a2, a1 + a2, a2 - a1, a1 - a3
                    V[4, c, col], V[5, c, col], V[6, c, col], V[7, c, col] = b0 - b2, b1 + b2, b2 - b1, b1 - b3
                    V[8, c, col], V[9, c, col], V[10, c, col], V[11, c, col] = c0 - c2, c1 + c2, c2 - c1, c1 - c3
                    V[12, c, col], V[13, c, col], V[14, c, col], V[15, c, col] = d0 - d2, d1 + d2, d2 - d1, d1 - d3


@njit(nogil=True, cache=True)
def output_transform(M, b, out, th, tw):
    """out (n, K, Ho, Wo) = A^T m A + b[k] for every 2x2 tile, m = M[:, k, tile] (16, K, n*th*tw)."""
    n, K, Ho, Wo = out.shape
    T = th * tw
    for i in range(n):
        for k in range(K):
            for ty in range(th):
                y = 2 * ty
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    m00, m01, m02, m03 = M[0, k, col], M[1, k, col], M[2, k, col], M[3, k, col]
                    m10, m11, m12, m13 = M[4, k, col], M[5, k, col], M[6, k, col], M[7, k, col]
                    m20, m21, m22, m23 = M[8, k, col], M[9, k, col], M[10, k, col], M[11, k, col]
                    m30, m31, m32, m33 = M[12, k, col], M[13, k, col], M[14, k, col], M[15, k, col]
                    # A^T m: rows m0 + m1 + m2 and m1 - m2 - m3; then the same along each row
                    u0, u1, u2, u3 = m00 + m10 + m20, m01 + m11 + m21, m02 + m12 + m22, m03 + m13 + m23
                    v0, v1, v2, v3 = m10 - m20 - m30, m11 - m21 - m31, m12 - m22 - m32, m13 - m23 - m33
                    out[i, k, y, z] = u0 + u1 + u2 + b[k]
                    if z + 1 < Wo:
                        out[i, k, y, z + 1] = u1 - u2 - u3 + b[k]
                    if y + 1 < Ho:
                        out[i, k, y + 1, z] = v0 + v1 + v2 + b[k]
                        if z + 1 < Wo:
                            out[i, k, y + 1, z + 1] = v1 - v2 - v3 + b[k]


@njit(nogil=True, cache=True)
def output_adjoint(dout, dM, th, tw):
    """dM (16, K, n*th*tw) = A dY A^T for every 2x2 tile dY of dout (n, K, Ho, Wo): the adjoint of output_transform.

    Each plane of dout is first copied into a zeroed one of even size, so that
    the tiles past an odd edge read zeros.
    """
    n, K, Ho, Wo = dout.shape
    T = th * tw
    d = np.zeros((2 * th, 2 * tw), dout.dtype)
    for i in range(n):
        for k in range(K):
            for y in range(Ho):
                for j in range(Wo):
                    d[y, j] = dout[i, k, y, j]
            for ty in range(th):
                y = 2 * ty
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    a0, a1, b0, b1 = d[y, z], d[y, z + 1], d[y + 1, z], d[y + 1, z + 1]
                    # A dY: rows a, a + b, a - b, -b; then the same along each row
                    s0, s1, t0, t1 = a0 + b0, a1 + b1, a0 - b0, a1 - b1
                    dM[0, k, col], dM[1, k, col], dM[2, k, col], dM[3, k, col] = a0, a0 + a1, a0 - a1, -a1
                    dM[4, k, col], dM[5, k, col], dM[6, k, col], dM[7, k, col] = s0, s0 + s1, s0 - s1, -s1
                    dM[8, k, col], dM[9, k, col], dM[10, k, col], dM[11, k, col] = t0, t0 + t1, t0 - t1, -t1
                    dM[12, k, col], dM[13, k, col], dM[14, k, col], dM[15, k, col] = -b0, -b0 - b1, b1 - b0, b1


@njit(nogil=True, cache=True)
def input_adjoint(dV, dx, P, th, tw):
    """dx (n, C, H, W) = the sum of B dv B^T over the 4x4 patches, dv = dV[:, c, tile]: the adjoint of input_transform.

    Each patch is added into a zeroed padded plane p (neighbouring patches
    overlap by two rows or columns), whose inside is then copied to dx.
    """
    n, C, H, W = dx.shape
    T = th * tw
    p = np.empty((2 * th + 2, 2 * tw + 2), dx.dtype)
    for i in range(n):
        for c in range(C):
            p[:] = 0
            for ty in range(th):
                y = 2 * ty
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    # dv B^T: each row v becomes v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = dV[0, c, col], dV[1, c, col], dV[2, c, col], dV[3, c, col]
                    a0, a1, a2, a3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = dV[4, c, col], dV[5, c, col], dV[6, c, col], dV[7, c, col]
                    b0, b1, b2, b3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = dV[8, c, col], dV[9, c, col], dV[10, c, col], dV[11, c, col]
                    c0, c1, c2, c3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = dV[12, c, col], dV[13, c, col], dV[14, c, col], dV[15, c, col]
                    d0, d1, d2, d3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    # B (dv B^T): rows a, b - c + d, b + c - a, -d, added into the patch
                    p[y, z] += a0
                    p[y, z + 1] += a1
                    p[y, z + 2] += a2
                    p[y, z + 3] += a3
                    p[y + 1, z] += b0 - c0 + d0
                    p[y + 1, z + 1] += b1 - c1 + d1
                    p[y + 1, z + 2] += b2 - c2 + d2
                    p[y + 1, z + 3] += b3 - c3 + d3
                    p[y + 2, z] += b0 + c0 - a0
                    p[y + 2, z + 1] += b1 + c1 - a1
                    p[y + 2, z + 2] += b2 + c2 - a2
                    p[y + 2, z + 3] += b3 + c3 - a3
                    p[y + 3, z] -= d0
                    p[y + 3, z + 1] -= d1
                    p[y + 3, z + 2] -= d2
                    p[y + 3, z + 3] -= d3
            for y in range(H):
                for j in range(W):
                    dx[i, c, y, j] = p[y + P, j + P]
