"""Where a thread works: flat indices to array positions, and pooling windows.

A kernel with one thread per element gives each thread the element's position
in C order (``index = cuda.grid(1)``); these device functions turn it back into
the element's indices. The kernels that call them compile them inline.
"""
from numba import cuda


@cuda.jit(device=True, inline="always")
def nchw(index, C, H, W):
    """(n, c, h, w) of element number index of a C-ordered (N, C, H, W) array."""
    return index // (C * H * W), index // (H * W) % C, index // W % H, index % W


@cuda.jit(device=True, inline="always")
def ncl(index, C, L):
    """(n, c, l) of element number index of a C-ordered (N, C, L) array."""
    return index // (C * L), index // L % C, index % L


@cuda.jit(device=True, inline="always")
def covering(h, size, stride, Ho):
    """First and last of the Ho output rows whose window (size rows, stride apart) covers input row h."""
    first = 0 if h < size else (h - size) // stride + 1
    return first, min(Ho - 1, h // stride)
