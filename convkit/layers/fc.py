"""Fully-connected (affine) layer."""
import math

from .. import ops
from ..errors import ShapeError
from ..shapes import fc_params
from ..values import MAX_SIZE, integer
from .base import Layer
from .init import constant, init_weights


class FC(Layer):
    """FC: K neurons, each connected to all D = C*H*W values of its input.

    Input (N, C, H, W) or (N, D), output (N, K); the notes write the output
    volume as 1x1xK. Parameters: w (D, K), b (K,).
    """

    kind = "FC"

    def __init__(self, K):
        super().__init__()
        self.K = K

    def output_shape(self, in_shape):
        integer("K (the number of neurons)", self.K, 1, MAX_SIZE, error=ShapeError)
        return (self.K,)

    def param_shapes(self):
        return {"w": (math.prod(self.in_shape), self.K), "b": (self.K,)}

    def count_params(self):
        return fc_params(math.prod(self.in_shape), self.K)

    def init_params(self, rng, dtype, weight_scale=None):
        shapes = self.param_shapes()
        self.params = {"w": init_weights(rng, shapes["w"], shapes["w"][0], dtype, weight_scale),
                       "b": constant(shapes["b"], 0.0, dtype)}

    def forward(self, x, train=False, seed=None):
        out, self.cache = ops.affine_forward(x, self.params["w"], self.params["b"])
        return out

    def backward(self, dout):
        dx, dw, db = ops.affine_backward(dout, self.cache)
        self.grads = {"w": dw, "b": db}
        return dx

    def describe(self):
        return f"FC K={self.K}"
