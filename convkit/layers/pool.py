"""Pooling layers: max, average and L2 over F x F windows with stride S (no padding)."""
from .. import ops
from ..shapes import pool_output_size
from .base import Layer
from .volume import image_volume


class Pool(Layer):
    """Shared by the pooling layers: F x F windows, stride S, no parameters.

    The notes' common settings are F=2, S=2 (the default) and F=3, S=2
    (overlapping pooling). mode="floor" drops the rows that do not fit.
    Input (N, C, H, W), output (N, C, Ho, Wo), Ho = (H - F)/S + 1.
    """

    kind = "POOL"
    forward_op = None
    backward_op = None

    def __init__(self, F=2, S=2, mode="strict"):
        super().__init__()
        self.F, self.S, self.mode = F, S, mode

    def output_shape(self, in_shape):
        C, H, W = image_volume(self.kind, in_shape)
        return (C, pool_output_size(H, self.F, self.S, self.mode),
                pool_output_size(W, self.F, self.S, self.mode))

    def forward(self, x, train=False, seed=None):
        out, self.cache = self.forward_op(x, self.F, self.S, self.mode)
        return out

    def backward(self, dout):
        return self.backward_op(dout, self.cache)

    def describe(self):
        text = f"{self.kind} F={self.F} S={self.S}"
        if self.mode != "strict":
            text += f" mode={self.mode}"
        return text


class MaxPool(Pool):
    """POOL (or MAXPOOL): the largest value of each window."""

    kind = "POOL"
    forward_op = staticmethod(ops.max_pool_forward)
    backward_op = staticmethod(ops.max_pool_backward)


class AvgPool(Pool):
    """AVGPOOL: the mean of each window."""

    kind = "AVGPOOL"
    forward_op = staticmethod(ops.avg_pool_forward)
    backward_op = staticmethod(ops.avg_pool_backward)


class L2Pool(Pool):
    """L2POOL: sqrt of the sum of squares of each window."""

    kind = "L2POOL"
    forward_op = staticmethod(ops.l2_pool_forward)
    backward_op = staticmethod(ops.l2_pool_backward)
