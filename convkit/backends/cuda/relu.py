"""ReLU layer: max(0, x) elementwise, on arrays of any shape."""
from numba import cuda

from .support.device import THREADS, blocks, empty, flat, numpy_boundary


@cuda.jit(cache=True)
def relu_kernel(x, out):
    """out[i] = max(0, x[i]); NaN stays NaN.

    Matches convkit.backends.numpy.relu_forward.
    """
    i = cuda.grid(1)
    if i < x.size:
        out[i] = 0 if x[i] <= 0 else x[i]


@cuda.jit(cache=True)
def relu_backward_kernel(dout, x, dx):
    """dx[i] = dout[i] * (x[i] > 0): dout where x > 0, else 0 (NaN where dout is NaN).

    Matches convkit.backends.numpy.relu_backward.
    """
    i = cuda.grid(1)
    if i < x.size:
        dx[i] = dout[i] if x[i] > 0 else dout[i] * dx.dtype.type(0)


@numpy_boundary()
def relu_forward(x):
    """ReLU: x (any shape) -> out (same shape) = max(0, x), cache.

    Matches convkit.backends.numpy.relu_forward.
    """
    out = empty(x.shape, x.dtype)
    relu_kernel[blocks(x.size), THREADS](flat(x), flat(out))
    return out, x


@numpy_boundary()
def relu_backward(dout, cache):
    """dout (shape of x) -> dx: dout where x > 0, else 0.

    Matches convkit.backends.numpy.relu_backward.
    """
    x = cache
    dx = empty(x.shape, x.dtype)
    relu_backward_kernel[blocks(x.size), THREADS](flat(dout), flat(x), flat(dx))
    return dx
