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
values as plain scalars (in small arrays they ran 3x slower), channel by
channel, and takes the channel's 16 rows as 1-D views before its loops
(v0 = V[0, c], ...): on the 4x4 maps of a CIFAR net's last conv that ran up
to 1.6x faster than indexing V[e, c, col] inside them, and the same within
the noise elsewhere.  (Numba does not turn these loops into vector
instructions: with 16 rows written side by side, LLVM cannot prove that
they do not overlap.)

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

    The padding is not materialised for the whole slice: each channel of each
    image is copied into one small zeroed plane p that stays in the L1 cache.
    """
    n, C, H, W = x.shape
    T = th * tw
    p = np.zeros((2 * th + 2, 2 * tw + 2), x.dtype)
    for c in range(C):
        v0, v1, v2, v3, v4, v5, v6, v7 = V[0, c], V[1, c], V[2, c], V[3, c], V[4, c], V[5, c], V[6, c], V[7, c]
        v8, v9, v10, v11, v12, v13, v14, v15 = (V[8, c], V[9, c], V[10, c], V[11, c],
                                                V[12, c], V[13, c], V[14, c], V[15, c])
        for i in range(n):
            for y in range(H):
                for j in range(W):
                    p[y + P, j + P] = x[i, c, y, j]
            for ty in range(th):
                y = 2 * ty
                r0, r1, r2, r3 = p[y], p[y + 1], p[y + 2], p[y + 3]
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    # B^T d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3), for each column of the patch
                    a0, a1, a2, a3 = r0[z] - r2[z], r0[z + 1] - r2[z + 1], r0[z + 2] - r2[z + 2], r0[z + 3] - r2[z + 3]
                    b0, b1, b2, b3 = r1[z] + r2[z], r1[z + 1] + r2[z + 1], r1[z + 2] + r2[z + 2], r1[z + 3] + r2[z + 3]
                    c0, c1, c2, c3 = r2[z] - r1[z], r2[z + 1] - r1[z + 1], r2[z + 2] - r1[z + 2], r2[z + 3] - r1[z + 3]
                    d0, d1, d2, d3 = r1[z] - r3[z], r1[z + 1] - r3[z + 1], r1[z + 2] - r3[z + 2], r1[z + 3] - r3[z + 3]
                    # (B^T d) B: the same combination along each row
                    v0[col], v1[col], v2[col], v3[col] = a0 - a2, a1 + a2, a2 - a1, a1 - a3
                    v4[col], v5[col], v6[col], v7[col] = b0 - b2, b1 + b2, b2 - b1, b1 - b3
                    v8[col], v9[col], v10[col], v11[col] = c0 - c2, c1 + c2, c2 - c1, c1 - c3
                    v12[col], v13[col], v14[col], v15[col] = d0 - d2, d1 + d2, d2 - d1, d1 - d3


@njit(nogil=True, cache=True)
def output_transform(M, b, out, th, tw):
    """out (n, K, Ho, Wo) = A^T m A + b[k] for every 2x2 tile, m = M[:, k, tile] (16, K, n*th*tw).

    An output of odd height or width has a last row or column of tiles that
    is only partly inside; the checks for it are left out of the loop when
    both are even.
    """
    n, K, Ho, Wo = out.shape
    T = th * tw
    even = Ho == 2 * th and Wo == 2 * tw
    for k in range(K):
        m0, m1, m2, m3, m4, m5, m6, m7 = M[0, k], M[1, k], M[2, k], M[3, k], M[4, k], M[5, k], M[6, k], M[7, k]
        m8, m9, m10, m11, m12, m13, m14, m15 = (M[8, k], M[9, k], M[10, k], M[11, k],
                                                M[12, k], M[13, k], M[14, k], M[15, k])
        bk = b[k]
        for i in range(n):
            o = out[i, k]
            for ty in range(th):
                y = 2 * ty
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    # A^T m: rows m0 + m1 + m2 and m1 - m2 - m3; then the same along each row
                    u0, u1 = m0[col] + m4[col] + m8[col], m1[col] + m5[col] + m9[col]
                    u2, u3 = m2[col] + m6[col] + m10[col], m3[col] + m7[col] + m11[col]
                    v0, v1 = m4[col] - m8[col] - m12[col], m5[col] - m9[col] - m13[col]
                    v2, v3 = m6[col] - m10[col] - m14[col], m7[col] - m11[col] - m15[col]
                    o[y, z] = u0 + u1 + u2 + bk
                    if even:
                        o[y, z + 1] = u1 - u2 - u3 + bk
                        o[y + 1, z] = v0 + v1 + v2 + bk
                        o[y + 1, z + 1] = v1 - v2 - v3 + bk
                        continue
                    if z + 1 < Wo:
                        o[y, z + 1] = u1 - u2 - u3 + bk
                    if y + 1 < Ho:
                        o[y + 1, z] = v0 + v1 + v2 + bk
                        if z + 1 < Wo:
                            o[y + 1, z + 1] = v1 - v2 - v3 + bk


@njit(nogil=True, cache=True)
def output_adjoint(dout, dM, db, th, tw):
    """dM (16, K, n*th*tw) = A dY A^T for every 2x2 tile dY of dout (n, K, Ho, Wo): the adjoint of output_transform.

    Also adds each channel's sum of dout to db (K,): the bias gradient, taken
    on the way instead of in a pass of its own over dout (one running sum per
    column, so that the additions do not wait for each other).  Each plane of
    dout is first copied into a zeroed one of even size, so that the tiles
    past an odd edge read zeros.
    """
    n, K, Ho, Wo = dout.shape
    T = th * tw
    d = np.zeros((2 * th, 2 * tw), dout.dtype)
    columns = np.zeros(Wo, dout.dtype)
    for k in range(K):
        m0, m1, m2, m3, m4, m5, m6, m7 = dM[0, k], dM[1, k], dM[2, k], dM[3, k], dM[4, k], dM[5, k], dM[6, k], dM[7, k]
        m8, m9, m10, m11, m12, m13, m14, m15 = (dM[8, k], dM[9, k], dM[10, k], dM[11, k],
                                                dM[12, k], dM[13, k], dM[14, k], dM[15, k])
        for i in range(n):
            for y in range(Ho):
                for j in range(Wo):
                    d[y, j] = dout[i, k, y, j]
                    columns[j] += dout[i, k, y, j]
            for ty in range(th):
                y = 2 * ty
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    a0, a1, b0, b1 = d[y, z], d[y, z + 1], d[y + 1, z], d[y + 1, z + 1]
                    # A dY: rows a, a + b, a - b, -b; then the same along each row
                    s0, s1, t0, t1 = a0 + b0, a1 + b1, a0 - b0, a1 - b1
                    m0[col], m1[col], m2[col], m3[col] = a0, a0 + a1, a0 - a1, -a1
                    m4[col], m5[col], m6[col], m7[col] = s0, s0 + s1, s0 - s1, -s1
                    m8[col], m9[col], m10[col], m11[col] = t0, t0 + t1, t0 - t1, -t1
                    m12[col], m13[col], m14[col], m15[col] = -b0, -b0 - b1, b1 - b0, b1
        total = 0.0
        for j in range(Wo):
            total += columns[j]
            columns[j] = 0
        db[k] += total


@njit(nogil=True, cache=True)
def input_adjoint(dV, dx, P, th, tw):
    """dx (n, C, H, W) = the sum of B dv B^T over the 4x4 patches, dv = dV[:, c, tile]: the adjoint of input_transform.

    Each patch is added into a zeroed padded plane p (neighbouring patches
    overlap by two rows or columns), whose inside is then copied to dx.
    """
    n, C, H, W = dx.shape
    T = th * tw
    p = np.empty((2 * th + 2, 2 * tw + 2), dx.dtype)
    for c in range(C):
        w0, w1, w2, w3, w4, w5, w6, w7 = dV[0, c], dV[1, c], dV[2, c], dV[3, c], dV[4, c], dV[5, c], dV[6, c], dV[7, c]
        w8, w9, w10, w11, w12, w13, w14, w15 = (dV[8, c], dV[9, c], dV[10, c], dV[11, c],
                                                dV[12, c], dV[13, c], dV[14, c], dV[15, c])
        for i in range(n):
            p[:] = 0
            for ty in range(th):
                y = 2 * ty
                r0, r1, r2, r3 = p[y], p[y + 1], p[y + 2], p[y + 3]
                for tx in range(tw):
                    col, z = i * T + ty * tw + tx, 2 * tx
                    # dv B^T: each row v becomes v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = w0[col], w1[col], w2[col], w3[col]
                    a0, a1, a2, a3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = w4[col], w5[col], w6[col], w7[col]
                    b0, b1, b2, b3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = w8[col], w9[col], w10[col], w11[col]
                    c0, c1, c2, c3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    v0, v1, v2, v3 = w12[col], w13[col], w14[col], w15[col]
                    d0, d1, d2, d3 = v0, v1 - v2 + v3, v1 + v2 - v0, -v3
                    # B (dv B^T): rows a, b - c + d, b + c - a, -d, added into the patch
                    r0[z] += a0
                    r0[z + 1] += a1
                    r0[z + 2] += a2
                    r0[z + 3] += a3
                    r1[z] += b0 - c0 + d0
                    r1[z + 1] += b1 - c1 + d1
                    r1[z + 2] += b2 - c2 + d2
                    r1[z + 3] += b3 - c3 + d3
                    r2[z] += b0 + c0 - a0
                    r2[z + 1] += b1 + c1 - a1
                    r2[z + 2] += b2 + c2 - a2
                    r2[z + 3] += b3 + c3 - a3
                    r3[z] -= d0
                    r3[z + 1] -= d1
                    r3[z + 2] -= d2
                    r3[z + 3] -= d3
            for y in range(H):
                for j in range(W):
                    dx[i, c, y, j] = p[y + P, j + P]
