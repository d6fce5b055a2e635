"""ReLU nonlinearity, elementwise on arrays of any shape."""
import numpy as np


def relu_forward(x):
    """out = max(0, x); x and out have the same shape. Returns out, cache."""
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """Gradient of relu_forward: dout where x > 0, else 0 (shape of x)."""
    x = cache
    return dout * (x > 0)
