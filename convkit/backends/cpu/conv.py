"""Convolutional layer: im2col + one BLAS matrix product per slice of the batch (NCHW arrays).

The batch is cut into slices of a few images and the worker threads take
slices in turn (threads.parallel_map), each running its slice from start to
end while the slice sits in that core's cache.  For a slice of n images,
with R = C*HH*WW and L = Ho*Wo:

Forward:  cols = im2col(padded x slice)          (R + 1, n*L), last row ones
          rows = [w | b] @ cols                    (K, n*L): the bias rides along
          out slice = rows reordered to (n, K, Ho, Wo)
Backward: drows = dout slice reordered to (K, n*L)
          [dw | db]^T += cols @ drows.T            (the ones row sums dout into db)
          dx slice = col2im(w.T @ drows)

When an image has COLUMNS output positions or more, each image of a slice
gets a product of its own, which writes straight into out (and reads dout
in place): no reordering.  One np.matmul call over the slice's stack of
images runs them; a call per image, each taking Python's lock, left a 2-core
machine's second thread waiting (the CIFAR net's first conv, forward +
backward, ran 1.2-1.3x faster on 2 threads with one call).  Its slice
still holds up to GROUP_COLUMNS output positions, so that one pad and one
im2col call serve several small images: each call from a worker thread
takes Python's lock (the GIL) for a few
microseconds, and with one 32x32 image per slice the two threads of a 2-core
machine mostly waited for that lock (im2col alone ran 2x slower on 2 threads
than on 1; with 4 images a slice, a 32x32 RGB layer's forward+backward at a
batch of 256 ran 1.3x faster on 2 threads, and no slower on 1).  Smaller
images are grouped until they have COLUMNS positions and share one product,
since BLAS runs below its best on narrow matrices.  Either way every thread
still gets two slices or more to balance the load.  The backward
pass rebuilds the columns rather than keeping the forward's: a fresh array of
many megabytes per call costs more in page faults than im2col does, so every
large temporary is a scratch buffer reused by later calls (support/workspace.py).

3x3 stride-1 convolutions with WINOGRAD_MIN_CHANNELS input channels or more
take the Winograd path instead: the same slices, but products of (tiles, C)
by (C, K), 16 of them per 2x2 output tile for F(2x2, 3x3)
(support/winograd.py, 2.25x fewer multiply-adds than im2col's) or 36 per 4x4
tile for F(4x4, 3x3) (support/winograd4.py, 4x fewer), and a backward pass
that transforms dout once for both dW and dX.  The products are about 80% of
im2col's time on the channel-heavy convs of a CIFAR net (benchmarks/cpu.py
--profile), and they already run near the speed of one core's BLAS, so fewer
multiply-adds is what is left to win.  F(4x4, 3x3) recomputes a 2.25x larger
U every call, so _winograd_kernels takes it only where the batch has enough
tiles.  With few input channels (an RGB first layer) im2col's matrix is
small and its one product stays the faster.  The Winograd path starts at 16
input channels: forward and backward took 0.51-0.81x im2col's time at 16 and
24 channels (31x31 to 8x8 maps, batches of 64 and 256, 1 and 2 threads;
whitened_cifar_net's first CONV has 24), and 0.73-0.99x at 8 and 12.
A Winograd slice holds about WINOGRAD_COLUMNS tiles: for F(2x2, 3x3), slices
of 128 tiles (2 images of 16x16) keep the transformed input and output in
the core's L2 cache between the transforms and the products, and 512 tiles
ran 10-20% slower.  F(4x4, 3x3) keeps 128 tiles: slices of 32 and 64 came
within 15% of it on the CIFAR net's convs, faster on some and slower on
others, and not the same way in repeated measurements.
"""
import math

import numpy as np

from ...shapes import conv_output_size
from .support import im2col, winograd, winograd4
from .arrays import for_kernel
from .support.threads import get_num_threads, parallel_map
from .support.workspace import scratch

COLUMNS = 512
GROUP_COLUMNS = 4096
WINOGRAD_MIN_CHANNELS = 16
WINOGRAD_COLUMNS = 128
WINOGRAD_FILTER_TILES = 150
WINOGRAD_CHUNKS = 16


class _Conv:
    """The sizes of one convolution, and its slices of the batch."""

    def __init__(self, x, w, S, P, D):
        self.N, self.C, self.H, self.W = x.shape
        self.K, _, self.HH, self.WW = w.shape
        self.S, self.P, self.D = S, P, D
        self.Ho = conv_output_size(self.H, self.HH, S, P, D, mode="floor")
        self.Wo = conv_output_size(self.W, self.WW, S, P, D, mode="floor")
        self.Hp, self.Wp = self.H + 2 * P, self.W + 2 * P
        self.R, self.L = self.C * self.HH * self.WW, self.Ho * self.Wo
        self.dtype = x.dtype
        self.winograd = (self.HH == self.WW == 3 and S == 1 and D == 1
                         and self.C >= WINOGRAD_MIN_CHANNELS)
        if self.winograd:
            self.kernels = _winograd_kernels(self.N, self.Ho, self.Wo)
            self.th, self.tw = self.kernels.tiles(self.Ho, self.Wo)
            self.T, self.E = self.th * self.tw, self.kernels.E
            self.halves = [slice(0, self.E // 2), slice(self.E // 2, self.E)]
            per = math.ceil(WINOGRAD_COLUMNS / self.T)
        elif self.L >= COLUMNS:
            per = max(1, GROUP_COLUMNS // self.L)
        else:
            per = math.ceil(COLUMNS / self.L)
        per = max(1, min(per, self.N // (2 * get_num_threads())))
        self.by_image = not self.winograd and (self.L >= COLUMNS or per == 1)
        self.slices = [(start, min(start + per, self.N)) for start in range(0, self.N, per)]

    def columns(self, x):
        """The columns (R + 1, n*L) of the n images x (n, C, H, W), ones in the last row."""
        xp = scratch("conv padded", (x.shape[0], self.C, self.Hp * self.Wp), self.dtype)
        im2col.pad_kernel(x, xp, self.P)
        cols = scratch("conv cols", (self.R + 1, x.shape[0] * self.L), self.dtype)
        im2col.im2col_kernel(xp, cols, self.HH, self.WW, self.S, self.D, self.Wp, self.Ho, self.Wo)
        return cols

    def add_columns(self, dcols, dx):
        """dx (n, C, H, W) = col2im(dcols): the input gradient of columns()."""
        dxp = scratch("conv padded", (dx.shape[0], self.C, self.Hp * self.Wp), self.dtype)
        im2col.col2im_kernel(dcols, dxp, self.HH, self.WW, self.S, self.D, self.Wp, self.Ho, self.Wo)
        im2col.unpad_kernel(dxp, dx, self.P)

    def each_image(self, cols):
        """The columns (rows, n*L) of a slice seen as one matrix (rows, L) per image: (n, rows, L)."""
        return cols.reshape(cols.shape[0], -1, self.L).transpose(1, 0, 2)

    def images(self, rows):
        """rows (K, n*L) seen as the n images (n, K, Ho, Wo) they hold."""
        return rows.reshape(self.K, -1, self.Ho, self.Wo).transpose(1, 0, 2, 3)


def conv_forward(x, w, b, stride=1, pad=0, dilation=1):
    """Convolve K filters over a batch of input volumes.

    x: (N, C, H, W); w: (K, C, HH, WW); b: (K,); stride S, padding P, dilation D.
    Returns out (N, K, Ho, Wo), Ho = (H + 2P - D*(HH-1) - 1)/S + 1 (Wo likewise), and a cache.
    Matches convkit.backends.numpy.conv_forward.
    """
    x = for_kernel(x)
    conv = _Conv(x, w, stride, pad, dilation)
    if conv.winograd:
        return _winograd_forward(x, w, b, conv), (x, w, conv)
    K, L = conv.K, conv.L
    wb = np.concatenate([w.reshape(K, conv.R), b.reshape(K, 1)], axis=1)
    out = np.empty((conv.N, K, conv.Ho, conv.Wo), x.dtype)

    def forward_slice(images):
        start, stop = images
        cols = conv.columns(x[start:stop])
        if conv.by_image:
            np.matmul(wb, conv.each_image(cols), out=out[start:stop].reshape(-1, K, L))
        else:
            rows = scratch("conv rows", (K, (stop - start) * L), x.dtype)
            np.matmul(wb, cols, out=rows)
            out[start:stop] = conv.images(rows)

    parallel_map(forward_slice, conv.slices)
    return out, (x, w, conv)


def conv_backward(dout, cache, need_dx=True):
    """Gradients of conv_forward: dout (N, K, Ho, Wo) -> dx (N, C, H, W), dw (K, C, HH, WW), db (K,).

    dx is None when not need_dx, and its products and col2im are skipped.

    Matches convkit.backends.numpy.conv_backward.
    """
    x, w, conv = cache
    dout = np.ascontiguousarray(dout)
    if conv.winograd:
        return _winograd_backward(for_kernel(dout, x.dtype), x, w, conv, need_dx)
    K, L, R = conv.K, conv.L, conv.R
    w_t = np.ascontiguousarray(w.reshape(K, R).T)
    dx = np.empty_like(x) if need_dx else None

    def backward_slice(images):
        start, stop = images
        cols = conv.columns(x[start:stop])
        dcols = scratch("conv dcols", (R, (stop - start) * L), x.dtype) if need_dx else None
        if conv.by_image:
            drows = dout[start:stop].reshape(-1, K, L)
            dwb_t = np.matmul(conv.each_image(cols), drows.transpose(0, 2, 1)).sum(axis=0)
            if need_dx:
                np.matmul(w_t, drows, out=conv.each_image(dcols))
        else:
            drows = scratch("conv rows", (K, (stop - start) * L), x.dtype)
            conv.images(drows)[...] = dout[start:stop]
            dwb_t = cols @ drows.T
            if need_dx:
                np.matmul(w_t, drows, out=dcols)
        if need_dx:
            conv.add_columns(dcols, dx[start:stop])
        return dwb_t

    dwb = sum(parallel_map(backward_slice, conv.slices)).T
    return dx, np.ascontiguousarray(dwb[:, :R]).reshape(w.shape), dwb[:, R].copy()


def _winograd_forward(x, w, b, conv):
    """conv_forward on the Winograd path: out (N, K, Ho, Wo).

    The transformed input V of each slice is kept (conv.V) for the backward
    pass instead of transforming x again: V is 4x the size of x, a fresh
    array each call, and still conv B and C forward+backward ran about 4%
    faster than with a scratch V rebuilt in the backward pass (the C
    allocator reuses the memory of the previous call's V).
    """
    kernels = conv.kernels
    U_t = _filter_transform(conv, w.astype(x.dtype, copy=False), transposed=True)
    b = for_kernel(b, x.dtype)
    out = np.empty((conv.N, conv.K, conv.Ho, conv.Wo), x.dtype)
    th, tw = conv.th, conv.tw

    def forward_slice(images):
        start, stop = images
        tiles = (stop - start) * conv.T
        V = np.empty((conv.E, tiles, conv.C), x.dtype)
        kernels.input_transform(x[start:stop], V, conv.P, th, tw)
        M = scratch("winograd M", (conv.E, tiles, conv.K), x.dtype)
        np.matmul(V, U_t, out=M)
        kernels.output_transform(M, b, out[start:stop], th, tw)
        return V

    conv.V = parallel_map(forward_slice, conv.slices)
    return out


def _winograd_backward(dout, x, w, conv, need_dx):
    """conv_backward on the Winograd path: dx, dw, db.

    The slices are taken in chunks of consecutive ones (_chunks); each chunk
    adds the dU and db of its slices, in order, into its own row of one
    scratch array, and the rows are summed at the end, in two tasks that
    each take half of the grid's positions e and their part of dW.  With a
    row per slice instead, the rows of the channel-heavy convs of a CIFAR
    net (16 MB of them at a batch of 256) went out to memory and back, and
    their sum ran on one thread.  The chunks do not depend on which thread
    runs them, so the sums come out the same in every run.
    """
    kernels = conv.kernels
    U = _filter_transform(conv, w.astype(x.dtype, copy=False)) if need_dx else None
    dx = np.empty_like(x) if need_dx else None
    chunks = _chunks(len(conv.slices), max(WINOGRAD_CHUNKS, 4 * get_num_threads()))
    dU = scratch("winograd dU", (len(chunks), conv.E, conv.K, conv.C), x.dtype)
    db = np.zeros((len(chunks), conv.K))
    th, tw = conv.th, conv.tw

    def backward_chunk(item):
        j, slices = item
        part = scratch("winograd dU part", (conv.E, conv.K, conv.C), x.dtype)
        for s in slices:
            start, stop = conv.slices[s]
            tiles = (stop - start) * conv.T
            dM = scratch("winograd M", (conv.E, tiles, conv.K), x.dtype)
            kernels.output_adjoint(dout[start:stop], dM, db[j], th, tw)
            np.matmul(dM.transpose(0, 2, 1), conv.V[s], out=dU[j] if s == slices[0] else part)
            if s != slices[0]:
                dU[j] += part
            if not need_dx:
                continue
            dV = scratch("winograd V", (conv.E, tiles, conv.C), x.dtype)
            np.matmul(dM, U, out=dV)
            kernels.input_adjoint(dV, dx[start:stop], conv.P, th, tw)

    parallel_map(backward_chunk, enumerate(chunks))

    def filter_gradient(half):  # a task per row e ran slower on 2 threads than on 1
        return kernels.filter_gradient(np.sum(dU[:, half], axis=0), rows=half)

    dw = sum(parallel_map(filter_gradient, conv.halves))
    return dx, dw.astype(x.dtype, copy=False), db.sum(axis=0).astype(x.dtype)


def _filter_transform(conv, w, transposed=False):
    """conv.kernels.filter_transform(w, transposed), each half of the rows e computed by a task.

    F(4x4, 3x3)'s U of a 128-to-256-channel conv is 4.7 MB, and on one
    thread its two transforms and dW made that conv 1.5x slower on 2 threads
    than on 1 at a batch of 256.
    """
    U = np.empty((conv.E, conv.C, conv.K) if transposed else (conv.E, conv.K, conv.C), w.dtype)
    parallel_map(lambda rows: conv.kernels.filter_transform(w, transposed, rows=rows, out=U[rows]), conv.halves)
    return U


def _winograd_kernels(N, Ho, Wo):
    """winograd4 (F(4x4, 3x3)) or winograd (F(2x2, 3x3)): the one with fewer products for N images.

    Each product is counted over the batch's tiles and WINOGRAD_FILTER_TILES
    more, which stand for the filter transforms: those cost the same per
    call whatever the batch, and F(4x4, 3x3)'s have 36 rows to F(2x2,
    3x3)'s 16.  Measured on the CIFAR net's 4x4 conv (128 to 256 channels),
    F(4x4, 3x3) took 1.14-1.21x the time of F(2x2, 3x3) at a batch of 64
    (64 tiles) and 0.66-0.82x at 256: any count from 90 to 358 picks the
    faster one in both cases, and 150 was taken.
    """
    def products(kernels):
        th, tw = kernels.tiles(Ho, Wo)
        return kernels.E * (N * th * tw + WINOGRAD_FILTER_TILES)

    return winograd4 if products(winograd4) < products(winograd) else winograd


def _chunks(count, most):
    """range(count) cut into at most `most` runs of consecutive numbers, as even as can be."""
    n = min(count, most)
    return [range(count * i // n, count * (i + 1) // n) for i in range(n)]
