"""Device arrays: making them, moving NumPy arrays in and out, sizing launches.

The ops take and return numba.cuda device arrays, so a whole net's forward,
backward and update stay on the GPU. ``numpy_boundary`` lets every op take
NumPy arrays too: NumPy in, NumPy out.
"""
import functools
import inspect
import warnings

import numpy as np
from numba import cuda
from numba.cuda.core.errors import NumbaPerformanceWarning

THREADS = 128  # threads per block of the one-thread-per-element kernels

# Small arrays get small grids on purpose (a lesson's batch of 4 images);
# numba would warn at each launch of fewer than 128 blocks.
warnings.filterwarnings("ignore", message="Grid size .* will likely result in GPU under-utilization",
                        category=NumbaPerformanceWarning)


def ceil_div(n, d):
    """n / d rounded up, for positive integers."""
    return (n + d - 1) // d


def blocks(n):
    """Number of blocks of THREADS threads that cover n elements."""
    return ceil_div(n, THREADS)


def is_device(a):
    """True for a numba.cuda device array."""
    return cuda.devicearray.is_cuda_ndarray(a)


def empty(shape, dtype):
    """An uninitialised C-ordered device array (the kernels write every element)."""
    return cuda.device_array(shape, dtype=dtype)


def to_device(a, dtype=None):
    """A C-ordered device copy of the host array ``a``."""
    return cuda.to_device(np.ascontiguousarray(a, dtype=dtype))


@cuda.jit(cache=True)
def copy4_kernel(src, dst):
    """dst[n, c, h, w] = src[n, c, h, w], one thread per element; src may be strided."""
    i = cuda.grid(1)
    if i < dst.size:
        N, C, H, W = dst.shape
        w = i % W
        h = (i // W) % H
        c = (i // (W * H)) % C
        n = i // (W * H * C)
        dst[n, c, h, w] = src[n, c, h, w]


def contiguous(a):
    """A C-ordered copy of the device array a, made on the device.

    A view such as a[:, :, :H-1, :W-1] (floor mode's crop) is strided; 4-D
    views are copied by copy4_kernel, others by numba's assignment kernel.
    """
    out = empty(a.shape, a.dtype)
    if a.ndim == 4 and a.size:
        copy4_kernel[blocks(a.size), THREADS](a, out)
    elif a.size:
        out[...] = a
    return out


def flat(a):
    """The same device memory seen as one dimension (a is C-ordered)."""
    return a.reshape(a.size)


def numpy_boundary(*inplace):
    """Decorator: run an op on NumPy arrays by copying them to the device and back.

    When any float argument is a NumPy array, every NumPy argument is copied to
    the device, the op runs there, the device arrays it returns (alone or at the
    top of a tuple, such as ``out`` of ``(out, cache)``) are copied back, and the
    arguments named in ``inplace`` are copied back into the caller's arrays.
    Caches keep their device arrays. Integer arrays (labels) alone do not switch
    to NumPy output; the ops move them to the device themselves.
    """
    def decorate(op):
        signature = inspect.signature(op)

        @functools.wraps(op)
        def run(*args, **kwargs):
            if not any(isinstance(a, np.ndarray) for a in (*args, *kwargs.values())):
                return op(*args, **kwargs)  # all on the device already: the usual case
            bound = signature.bind(*args, **kwargs)
            host = {name: value for name, value in bound.arguments.items()
                    if isinstance(value, np.ndarray)}
            if not any(value.dtype.kind == "f" for value in host.values()):
                return op(*args, **kwargs)
            for name, value in host.items():
                bound.arguments[name] = to_device(value)
            result = op(*bound.args, **bound.kwargs)
            for name in inplace:
                if name in host:
                    host[name][...] = bound.arguments[name].copy_to_host()
            return _to_host(result)
        return run
    return decorate


def _to_host(result):
    if is_device(result):
        return result.copy_to_host()
    if isinstance(result, tuple):
        return tuple(item.copy_to_host() if is_device(item) else item for item in result)
    return result
