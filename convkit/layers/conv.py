"""Convolutional layer: K filters of size F x F x C slide over the input volume."""
import math

from .. import ops
from ..errors import ShapeError
from ..shapes import conv_output_size, conv_params
from ..values import MAX_SIZE, integer
from .base import Layer
from .floor import pad_and_crop, unpad, unused
from .init import constant, init_weights
from .volume import image_volume


class Conv(Layer):
    """CONV: K filters, F x F, stride S, zero padding P, dilation D (as a keyword).

    P defaults to dilation*(F-1)/2, which keeps W and H when S=1 (the notes'
    rule for F = 3, 5, 7). mode="floor" leaves unread the last rows and
    columns of the padded input that do not fit, as PyTorch does (see
    layers.floor). Input (N, C, H, W), output (N, K, Ho, Wo).
    Parameters: w (K, C, F, F), b (K,).
    """

    kind = "CONV"

    def __init__(self, K, F=3, S=1, P=None, dilation=1, mode="strict"):
        super().__init__()
        self.K, self.F, self.S, self.dilation, self.mode = K, F, S, dilation, mode
        self.P = dilation * (F - 1) // 2 if P is None else P

    def output_shape(self, in_shape):
        integer("K (the number of filters)", self.K, 1, MAX_SIZE, error=ShapeError)
        C, H, W = image_volume(self.kind, in_shape)
        size = self.size()
        return (self.K, conv_output_size(H, **size), conv_output_size(W, **size))

    def size(self):
        """The settings of the shapes.py formulas: F, S, P, D and mode."""
        return dict(F=self.F, S=self.S, P=self.P, D=self.dilation, mode=self.mode)

    def param_shapes(self):
        C = self.in_shape[0]
        return {"w": (self.K, C, self.F, self.F), "b": (self.K,)}

    def count_params(self):
        return conv_params(self.F, self.in_shape[0], self.K)

    def init_params(self, rng, dtype, weight_scale=None):
        shapes = self.param_shapes()
        fan_in = math.prod(shapes["w"][-3:])  # C * F * F inputs per neuron
        self.params = {"w": init_weights(rng, shapes["w"], fan_in, dtype, weight_scale),
                       "b": constant(shapes["b"], 0.0, dtype)}

    def op_forward(self, x, pad):
        """The op on x with zero padding pad: (out, cache)."""
        return ops.conv_forward(x, self.params["w"], self.params["b"], self.S, pad, self.dilation)

    def op_backward(self, dout, cache, need_dx=True):
        """The op's backward: (dx, dw, db); dx is None when not need_dx."""
        return ops.conv_backward(dout, cache, need_dx)

    def forward(self, x, train=False, seed=None):
        rows, cols = unused(x.shape[1:], **self.size())
        if rows or cols:
            out, cache = self.op_forward(pad_and_crop(x, self.P, rows, cols), 0)
        else:
            out, cache = self.op_forward(x, self.P)
        self.cache = (cache, tuple(x.shape), bool(rows or cols))
        return out

    def backward(self, dout):
        cache, x_shape, padded_here = self.cache
        dx, dw, db = self.op_backward(dout, cache)
        self.grads = {"w": dw, "b": db}
        return unpad(dx, self.P, x_shape) if padded_here else dx

    def backward_params(self, dout):
        """dw and db into self.grads, without the work of dx (a third of a conv's backward)."""
        _, dw, db = self.op_backward(dout, self.cache[0], need_dx=False)
        self.grads = {"w": dw, "b": db}

    def describe(self):
        text = f"{self.kind} K={self.K} F={self.F} S={self.S} P={self.P}"
        if self.dilation != 1:
            text += f" dilation={self.dilation}"
        if self.mode != "strict":
            text += f" mode={self.mode}"
        return text
