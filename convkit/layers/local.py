"""Locally-connected layer: a conv layer without parameter sharing."""
import math

from .. import checks, ops
from ..shapes import conv_output_size, conv_params
from .base import Layer
from .floor import crop, uncrop, unused
from .init import constant, init_weights
from .volume import image_volume


class LocallyConnected(Layer):
    """LC: like CONV (K filters, F x F, stride S, padding P) but every output
    position has its own filter bank, as the notes describe for face images.

    Input (N, C, H, W), output (N, K, Ho, Wo).
    Parameters: w (Ho, Wo, K, C, F, F), b (Ho, Wo, K).
    """

    kind = "LC"

    def __init__(self, K, F=3, S=1, P=None, mode="strict"):
        super().__init__()
        self.K, self.F, self.S, self.mode = K, F, S, mode
        self.P = (F - 1) // 2 if P is None else P

    def output_shape(self, in_shape):
        checks.integer("K (the number of filters)", self.K, 1)
        C, H, W = image_volume(self.kind, in_shape)
        size = self.size()
        return (self.K, conv_output_size(H, **size), conv_output_size(W, **size))

    def size(self):
        """The settings of the shapes.py formulas: F, S, P and mode."""
        return dict(F=self.F, S=self.S, P=self.P, mode=self.mode)

    def param_shapes(self):
        C = self.in_shape[0]
        K, Ho, Wo = self.out_shape
        return {"w": (Ho, Wo, K, C, self.F, self.F), "b": (Ho, Wo, K)}

    def count_params(self):
        K, Ho, Wo = self.out_shape
        return conv_params(self.F, self.in_shape[0], K, shared=False, out_size=(Ho, Wo))

    def init_params(self, rng, dtype, weight_scale=None):
        shapes = self.param_shapes()
        fan_in = math.prod(shapes["w"][3:])
        self.params = {"w": init_weights(rng, shapes["w"], fan_in, dtype, weight_scale),
                       "b": constant(shapes["b"], 0.0, dtype)}

    def forward(self, x, train=False, seed=None):
        x_used = crop(x, *unused(x.shape[1:], **self.size()))
        out, cache = ops.local_forward(x_used, self.params["w"], self.params["b"], self.S, self.P)
        self.cache = (cache, tuple(x.shape))
        return out

    def backward(self, dout):
        cache, x_shape = self.cache
        dx, dw, db = ops.local_backward(dout, cache)
        self.grads = {"w": dw, "b": db}
        return uncrop(dx, x_shape)

    def describe(self):
        text = f"LC K={self.K} F={self.F} S={self.S} P={self.P}"
        if self.mode != "strict":
            text += f" mode={self.mode}"
        return text
