"""Winograd F(4x4, 3x3): a 3x3 stride-1 convolution with 4x fewer multiplications.

The larger sibling of winograd.py's F(2x2, 3x3), from the same paper (Lavin
and Gray, 2016), and read the same way: 4x4 output tiles, each from a 6x6
input patch d, with the paper's matrices below (from the points 0, 1, -1,
2, -2):

    U = G g G^T    (6x6)      V = B^T d B    (6x6 per tile and channel)
    M[e] (tiles, K) = V[e] (tiles, C) @ U[e]^T (C, K), for the 36 positions e
    out tile = A^T M A   (4x4)

So a tile of 16 outputs takes 36*K*C multiply-adds, 2.25 per output where
F(2x2, 3x3) takes 4 and im2col 9.  The price is paid elsewhere: U has 36
rows instead of 16 and is recomputed every call, and the transforms have
more terms.  So it wins where a batch has many tiles (conv.py chooses),
and there the products shrink by 1.8x: forward and backward, measured
against F(2x2, 3x3) in one process at batches of 64 and 256 on 1 and 2
threads, conv B of benchmarks/cpu.py took 0.82-0.94x the time, conv C
0.72-0.76x, and the CIFAR net's 4x4 conv (128 to 256 channels) at a batch
of 256 0.73-0.80x.
Its float32 results differ from the exact ones by about 1e-6 of the
output's largest value on random data (the tests allow 1e-4); the
matrices' entries are small integers, exact in float32, except G's, which
are rounded as the filters themselves are.

The kernels work channels-last as winograd.py's do, with the transformed
tiles stored as V (36, tiles, C).  Each line of a transform is a sum of six
(or four) lines, each times one entry of a matrix row (_lin6): a generic
helper, zeros and all, which keeps the kernels short.  A helper that
skipped the zeros, one pass over the line per term, ran 3-9x slower: for
C = 32 to 128 each such loop is only a few vector instructions long.  The
kernels let LLVM fuse each multiply and add into one instruction (fastmath
"contract" only: one rounding instead of two, no other liberty): the input
transform and its adjoint took 0.85-0.92x the time, the other two about
the same.
"""
import numpy as np
from numba import njit

from . import winograd
from .winograd import add_to, from_channels_last, to_channels_last

B_T = np.array([[4, 0, -5, 0, 1, 0],
                [0, -4, -4, 1, 1, 0],
                [0, 4, -4, -1, 1, 0],
                [0, -2, -1, 2, 1, 0],
                [0, 2, -1, -2, 1, 0],
                [0, 4, 0, -5, 0, 1]], dtype=np.float64)
G = np.array([[1 / 4, 0, 0],
              [-1 / 6, -1 / 6, -1 / 6],
              [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6],
              [1 / 24, -1 / 12, 1 / 6],
              [0, 0, 1]])
A_T = np.array([[1, 1, 1, 1, 1, 0],
                [0, 1, -1, 2, -2, 0],
                [0, 1, 1, 4, 4, 0],
                [0, 1, -1, 8, -8, 1]], dtype=np.float64)
NAME = "F(4x4, 3x3)"
E = 36  # products: one per position of the 6x6 grid
GG = np.kron(G, G)
SUM_ROW = 7  # A[1] = (1, 1, 1, 1): row 7 = 6*1 + 1 of dM = A dY A^T is the sum of a tile's 16 values


def tiles(Ho, Wo):
    """(tile rows, tile columns) covering an Ho x Wo output with 4x4 tiles."""
    return (Ho + 3) // 4, (Wo + 3) // 4


def filter_transform(w, transposed=False, rows=slice(None), out=None):
    """U (36, K, C) = G w G^T for every filter pair, from w (K, C, 3, 3), as winograd.filter_transform."""
    return winograd.filter_transform(w, transposed, GG, rows, out)


def filter_gradient(dU, rows=slice(None)):
    """dw (K, C, 3, 3) = G^T dU G from dU (36, K, C), as winograd.filter_gradient."""
    return winograd.filter_gradient(dU, GG, rows)


@njit(inline="always")
def _in_dtype(matrix, like):
    """matrix as a new array of like's dtype, so that the lines are summed in that dtype."""
    out = np.empty(matrix.shape, like.dtype)
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            out[i, j] = matrix[i, j]
    return out


@njit(inline="always")
def _lin4(o, m, a, b, c, d):
    """o = m[0] a + m[1] b + m[2] c + m[3] d, for rows a .. d and a matrix row m."""
    m0, m1, m2, m3 = m[0], m[1], m[2], m[3]
    for k in range(o.shape[0]):
        o[k] = m0 * a[k] + m1 * b[k] + m2 * c[k] + m3 * d[k]


@njit(inline="always")
def _lin6(o, m, a, b, c, d, e, f):
    """o = m[0] a + ... + m[5] f, for rows a .. f and a matrix row m."""
    m0, m1, m2, m3, m4, m5 = m[0], m[1], m[2], m[3], m[4], m[5]
    for k in range(o.shape[0]):
        o[k] = m0 * a[k] + m1 * b[k] + m2 * c[k] + m3 * d[k] + m4 * e[k] + m5 * f[k]


@njit(inline="always")
def _lin6_plus(o, m, a, b, c, d, e, f, bias):
    """o = m[0] a + ... + m[5] f + bias."""
    m0, m1, m2, m3, m4, m5 = m[0], m[1], m[2], m[3], m[4], m[5]
    for k in range(o.shape[0]):
        o[k] = m0 * a[k] + m1 * b[k] + m2 * c[k] + m3 * d[k] + m4 * e[k] + m5 * f[k] + bias[k]


@njit(inline="always")
def _add_lin6(o, m, a, b, c, d, e, f):
    """o += m[0] a + ... + m[5] f."""
    m0, m1, m2, m3, m4, m5 = m[0], m[1], m[2], m[3], m[4], m[5]
    for k in range(o.shape[0]):
        o[k] += m0 * a[k] + m1 * b[k] + m2 * c[k] + m3 * d[k] + m4 * e[k] + m5 * f[k]


@njit(nogil=True, cache=True, fastmath={"contract"})
def input_transform(x, V, P, th, tw):
    """V (36, n*th*tw, C) = B^T d B of every 6x6 patch d of x (n, C, H, W) padded by P.

    Each image is first copied into a zeroed plane p (4*th + 2, 4*tw + 2, C):
    padded, channels-last, and small enough to stay in the core's cache.
    """
    n, C = x.shape[:2]
    T = th * tw
    bt = _in_dtype(B_T, x)  # B^T
    p = np.zeros((4 * th + 2, 4 * tw + 2, C), x.dtype)
    t = np.empty((36, C), x.dtype)
    for i in range(n):
        to_channels_last(x[i], p, P)
        for ty in range(th):
            y = 4 * ty
            r0, r1, r2, r3, r4, r5 = p[y], p[y + 1], p[y + 2], p[y + 3], p[y + 4], p[y + 5]
            for tx in range(tw):
                z, col = 4 * tx, i * T + ty * tw + tx
                # B^T d: t[6a + j] = row a of B^T times column j of the patch
                for a in range(6):
                    for j in range(6):
                        _lin6(t[6 * a + j], bt[a], r0[z + j], r1[z + j], r2[z + j], r3[z + j], r4[z + j], r5[z + j])
                # (B^T d) B: V[6a + b] = row a of t times row b of B^T
                for a in range(6):
                    s = 6 * a
                    for b in range(6):
                        _lin6(V[s + b, col], bt[b], t[s], t[s + 1], t[s + 2], t[s + 3], t[s + 4], t[s + 5])


@njit(nogil=True, cache=True, fastmath={"contract"})
def output_transform(M, b, out, th, tw):
    """out (n, K, Ho, Wo) = A^T m A + b of every 4x4 tile, m = M[:, tile] (36, n*th*tw, K).

    Each image is made channels-last in a plane o (4*th, 4*tw, K), then
    copied out; the tiles past an edge are cut off.
    """
    n, K = out.shape[:2]
    T = th * tw
    at = _in_dtype(A_T, out)  # A^T
    o = np.empty((4 * th, 4 * tw, K), out.dtype)
    t = np.empty((24, K), out.dtype)
    for i in range(n):
        for ty in range(th):
            for tx in range(tw):
                y, z, col = 4 * ty, 4 * tx, i * T + ty * tw + tx
                # A^T m: t[6r + j] = row r of A^T times column j of m
                for r in range(4):
                    for j in range(6):
                        _lin6(t[6 * r + j], at[r], M[j, col], M[6 + j, col], M[12 + j, col],
                              M[18 + j, col], M[24 + j, col], M[30 + j, col])
                # (A^T m) A + b: output pixel (r, q) = row r of t times row q of A^T
                for r in range(4):
                    s = 6 * r
                    for q in range(4):
                        _lin6_plus(o[y + r, z + q], at[q], t[s], t[s + 1], t[s + 2], t[s + 3], t[s + 4], t[s + 5], b)
        from_channels_last(o, out[i], 0)


@njit(nogil=True, cache=True, fastmath={"contract"})
def output_adjoint(dout, dM, db, th, tw):
    """dM (36, n*th*tw, K) = A dY A^T for every 4x4 tile dY of dout (n, K, Ho, Wo): the adjoint of output_transform.

    Each image of dout is copied into a zeroed channels-last plane d (4*th,
    4*tw, K), so that the tiles past an edge read zeros.  Also adds the sum
    of dout to db (K,), the bias gradient: dM[SUM_ROW] is the sum of a
    tile's 16 values, so that is one vector addition per tile.
    """
    n, K = dout.shape[:2]
    T = th * tw
    A = _in_dtype(A_T.T, dout)
    d = np.zeros((4 * th, 4 * tw, K), dout.dtype)
    t = np.empty((24, K), dout.dtype)
    total = np.zeros(K, dout.dtype)
    for i in range(n):
        to_channels_last(dout[i], d, 0)
        for ty in range(th):
            r0, r1, r2, r3 = d[4 * ty], d[4 * ty + 1], d[4 * ty + 2], d[4 * ty + 3]
            for tx in range(tw):
                z, col = 4 * tx, i * T + ty * tw + tx
                # A dY: t[4a + j] = row a of A times column j of the tile
                for a in range(6):
                    for j in range(4):
                        _lin4(t[4 * a + j], A[a], r0[z + j], r1[z + j], r2[z + j], r3[z + j])
                # (A dY) A^T: dM[6a + e] = row a of t times row e of A
                for a in range(6):
                    s = 4 * a
                    for e in range(6):
                        _lin4(dM[6 * a + e, col], A[e], t[s], t[s + 1], t[s + 2], t[s + 3])
                add_to(total, dM[SUM_ROW, col])
    for k in range(K):
        db[k] += total[k]


@njit(nogil=True, cache=True, fastmath={"contract"})
def input_adjoint(dV, dx, P, th, tw):
    """dx (n, C, H, W) = the sum of B dv B^T over the 6x6 patches, dv = dV[:, tile]: the adjoint of input_transform.

    dV is (36, n*th*tw, C).  Each image's patches are added into a zeroed
    channels-last plane p (neighbouring patches overlap by two rows or
    columns, and are added in turn, so the sums come out the same in every
    run), whose inside is then copied to dx.
    """
    n, C = dx.shape[:2]
    T = th * tw
    B = _in_dtype(B_T.T, dx)
    p = np.empty((4 * th + 2, 4 * tw + 2, C), dx.dtype)
    t = np.empty((36, C), dx.dtype)
    for i in range(n):
        p[:] = 0
        for ty in range(th):
            for tx in range(tw):
                y, z, col = 4 * ty, 4 * tx, i * T + ty * tw + tx
                # dv B^T: t[6a + j] = row a of dv times row j of B
                for a in range(6):
                    s = 6 * a
                    for j in range(6):
                        _lin6(t[s + j], B[j], dV[s, col], dV[s + 1, col], dV[s + 2, col],
                              dV[s + 3, col], dV[s + 4, col], dV[s + 5, col])
                # B (dv B^T): patch row r, column j += row r of B times column j of t
                for r in range(6):
                    row = p[y + r]
                    for j in range(6):
                        _add_lin6(row[z + j], B[r], t[j], t[6 + j], t[12 + j], t[18 + j], t[24 + j], t[30 + j])
        from_channels_last(p, dx[i], P)
