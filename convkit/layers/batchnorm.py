"""Batch normalization layer (Ioffe and Szegedy, 2015; not in the notes)."""
from .. import ops
from ..shapes import Params
from .base import Layer
from .init import constant


class BatchNorm(Layer):
    """BN: normalize each feature (each channel of an image volume) over the batch,
    then scale by gamma and shift by beta.

    Training uses the batch's mean and variance and updates the running ones
    (running = momentum*running + (1-momentum)*batch); evaluation uses the
    running ones. Input (N, C, H, W) or (N, D), output the same shape.
    Parameters: gamma, beta (C,) or (D,); buffers running_mean, running_var.
    """

    kind = "BN"

    def __init__(self, momentum=0.9, eps=1e-5):
        super().__init__()
        self.momentum, self.eps = momentum, eps

    def new_activations(self):
        return 0

    def param_shapes(self):
        return {"gamma": self.in_shape[:1], "beta": self.in_shape[:1]}

    def count_params(self):
        C = self.in_shape[0]
        return Params(weights=C, biases=C)

    def init_params(self, rng, dtype, weight_scale=None):
        C = self.in_shape[:1]
        self.params = {"gamma": constant(C, 1.0, dtype), "beta": constant(C, 0.0, dtype)}
        self.buffers = {"running_mean": constant(C, 0.0, dtype),
                        "running_var": constant(C, 1.0, dtype)}

    def forward(self, x, train=False, seed=None):
        out, self.cache = ops.batchnorm_forward(
            x, self.params["gamma"], self.params["beta"], self.buffers["running_mean"],
            self.buffers["running_var"], train, self.momentum, self.eps)
        return out

    def backward(self, dout):
        dx, dgamma, dbeta = ops.batchnorm_backward(dout, self.cache)
        self.grads = {"gamma": dgamma, "beta": dbeta}
        return dx
