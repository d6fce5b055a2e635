"""Locally-connected layer: a conv layer without parameter sharing."""
from .. import ops
from ..shapes import conv_params
from .conv import Conv


class LocallyConnected(Conv):
    """LC: like CONV (K filters, F x F, stride S, padding P) but every output
    position has its own filter bank, as the notes describe for face images.

    Input (N, C, H, W), output (N, K, Ho, Wo).
    Parameters: w (Ho, Wo, K, C, F, F), b (Ho, Wo, K).
    """

    kind = "LC"

    def __init__(self, K, F=3, S=1, P=None, mode="strict"):
        super().__init__(K, F, S, P, dilation=1, mode=mode)

    def param_shapes(self):
        C = self.in_shape[0]
        K, Ho, Wo = self.out_shape
        return {"w": (Ho, Wo, K, C, self.F, self.F), "b": (Ho, Wo, K)}

    def count_params(self):
        K, Ho, Wo = self.out_shape
        return conv_params(self.F, self.in_shape[0], K, shared=False, out_size=(Ho, Wo))

    def op_forward(self, x, pad):
        return ops.local_forward(x, self.params["w"], self.params["b"], self.S, pad)

    def op_backward(self, dout, cache, need_dx=True):
        """The local op's backward (dx, dw, db); it computes dx even when not need_dx."""
        return ops.local_backward(dout, cache)
