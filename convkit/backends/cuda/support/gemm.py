"""Matrix product on the GPU: a tiled shared-memory kernel.

Each block computes a TILE x TILE tile of ``c = op(a) @ op(b)``, where
``op(a)`` is ``a`` or ``a.T``. It walks along the inner dimension in slices of
STEP: the block's threads copy a TILE x STEP slice of op(a) and a STEP x TILE
slice of op(b) into shared memory, wait, and multiply them from there, so each
value read from global memory is used TILE times. Each of the 16 x 16 threads
keeps a 4 x 4 patch of the tile in registers (rows ``ty, ty + 16, ...`` and
columns ``tx, tx + 16, ...``).

A long inner dimension with a small result (the weight gradient of a
convolution sums over every output position of the batch) leaves most of the
GPU idle, so the inner dimension is split into chunks, one per ``blockIdx.z``:
each chunk writes its partial product, and a second kernel adds them up.
"""
from numba import cuda

from .device import THREADS, blocks, ceil_div, empty

TILE = 64     # rows and columns of c computed by one block
STEP = 16     # depth of the slices held in shared memory
SIDE = 16     # the block is SIDE x SIDE threads
PATCH = TILE // SIDE  # each thread computes a PATCH x PATCH patch of the tile
LOADS = TILE * STEP // (SIDE * SIDE)  # values of each slice copied by each thread
BUSY_BLOCKS = 512  # split the inner dimension until about this many blocks run
MIN_CHUNK = 256    # but keep at least this much of it per block


@cuda.jit(cache=True)
def matmul_kernel(a, b, parts, trans_a, trans_b, chunk):
    """parts[z] = op(a)[:, kz] @ op(b)[kz, :] for the z-th chunk kz of the inner dimension.

    op(a) is (M, K), op(b) is (K, N), parts is (Z, M, N), chunk a multiple of STEP.
    """
    a_slice = cuda.shared.array((STEP, TILE), dtype=parts.dtype)  # [k, i] = op(a)[row0 + i, k0 + k]
    b_slice = cuda.shared.array((STEP, TILE), dtype=parts.dtype)  # [k, j] = op(b)[k0 + k, col0 + j]
    acc = cuda.local.array((PATCH, PATCH), dtype=parts.dtype)
    a_reg = cuda.local.array(PATCH, dtype=parts.dtype)
    b_reg = cuda.local.array(PATCH, dtype=parts.dtype)
    zero = parts.dtype.type(0)
    tx = cuda.threadIdx.x
    ty = cuda.threadIdx.y
    thread = ty * SIDE + tx
    row0 = cuda.blockIdx.y * TILE
    col0 = cuda.blockIdx.x * TILE
    z = cuda.blockIdx.z
    M = parts.shape[1]
    N = parts.shape[2]
    K = a.shape[0] if trans_a else a.shape[1]
    k_end = min(K, (z + 1) * chunk)
    for i in range(PATCH):
        for j in range(PATCH):
            acc[i, j] = zero
    for k0 in range(z * chunk, k_end, STEP):
        for r in range(LOADS):
            # consecutive threads read consecutive addresses of a and b
            index = thread + r * SIDE * SIDE
            if trans_a:  # a is (K, M)
                k = index // TILE
                i = index % TILE
            else:        # a is (M, K)
                i = index // STEP
                k = index % STEP
            value = zero
            if row0 + i < M and k0 + k < k_end:
                value = a[k0 + k, row0 + i] if trans_a else a[row0 + i, k0 + k]
            a_slice[k, i] = value
            if trans_b:  # b is (N, K)
                j = index // STEP
                k = index % STEP
            else:        # b is (K, N)
                k = index // TILE
                j = index % TILE
            value = zero
            if col0 + j < N and k0 + k < k_end:
                value = b[col0 + j, k0 + k] if trans_b else b[k0 + k, col0 + j]
            b_slice[k, j] = value
        cuda.syncthreads()
        for k in range(STEP):
            for i in range(PATCH):
                a_reg[i] = a_slice[k, ty + i * SIDE]
            for j in range(PATCH):
                b_reg[j] = b_slice[k, tx + j * SIDE]
            for i in range(PATCH):
                for j in range(PATCH):
                    acc[i, j] += a_reg[i] * b_reg[j]
        cuda.syncthreads()
    for i in range(PATCH):
        row = row0 + ty + i * SIDE
        for j in range(PATCH):
            col = col0 + tx + j * SIDE
            if row < M and col < N:
                parts[z, row, col] = acc[i, j]


@cuda.jit(cache=True)
def sum_parts_kernel(parts, c):
    """c[m, n] = sum over z of parts[z, m, n]; parts (Z, M, N), c (M, N)."""
    index = cuda.grid(1)
    M = c.shape[0]
    N = c.shape[1]
    if index < M * N:
        m = index // N
        n = index % N
        total = parts[0, m, n]
        for z in range(1, parts.shape[0]):
            total += parts[z, m, n]
        c[m, n] = total


def chunks(M, N, K):
    """How many chunks of the inner dimension K to compute in parallel."""
    tiles = ceil_div(M, TILE) * ceil_div(N, TILE)
    wanted = ceil_div(BUSY_BLOCKS, tiles)
    return max(1, min(wanted, K // MIN_CHUNK))


def matmul(a, b, trans_a=False, trans_b=False, splits=None):
    """op(a) @ op(b) for 2-D device arrays, op(a) = a.T when trans_a.

    op(a) is (M, K) and op(b) is (K, N); returns a new (M, N) device array.
    ``splits`` chunks of the inner dimension run in parallel (default: enough
    to keep the GPU busy).
    """
    M, K = (a.shape[1], a.shape[0]) if trans_a else a.shape
    N = b.shape[0] if trans_b else b.shape[1]
    if splits is None:
        splits = chunks(M, N, K)
    chunk = ceil_div(ceil_div(K, splits), STEP) * STEP
    splits = ceil_div(K, chunk)
    grid = (ceil_div(N, TILE), ceil_div(M, TILE), splits)
    parts = empty((splits, M, N), a.dtype)
    matmul_kernel[grid, (SIDE, SIDE)](a, b, parts, trans_a, trans_b, chunk)
    if splits == 1:
        return parts.reshape(M, N)
    c = empty((M, N), a.dtype)
    sum_parts_kernel[blocks(M * N), THREADS](parts, c)
    return c
