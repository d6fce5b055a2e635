"""Whitening layer: fixed F x F filters computed from the data, not learned (not in the notes).

The fast CIFAR-10 training records (Page 2018, Jordan 2024) start their nets
with it. Each F x F x C patch of the input is a vector of C*F*F numbers;
over the training images these numbers are strongly correlated (neighbouring
pixels look alike). fit() takes the patches' covariance, and each of its
eigenvectors, divided by the square root of its eigenvalue (plus eps), becomes
one filter: the layer's outputs are then uncorrelated, each with variance
about 1. Every filter comes twice, as v and -v, so that the RELU after the
layer keeps both signs.
"""
import numpy as np

from .. import ops
from ..errors import SettingsError, ShapeError
from ..shapes import conv_output_size
from ..values import MAX_SIZE, integer, number
from .base import Layer
from .init import constant
from .volume import image_volume

PATCHES_AT_ONCE = 1 << 20


class Whiten(Layer):
    """WHITEN: 2*C*F*F fixed F x F filters, stride 1, no padding, fitted to images.

    Input (N, C, H, W), output (N, 2*C*F*F, H-F+1, W-F+1). Buffers (saved,
    not learned): w (2*C*F*F, C, F, F) and b (2*C*F*F,), which centres the
    patches: out = w . (patch - mean of the patches). Until fit() or a
    checkpoint sets them, they are zero, and forward raises.
    """

    kind = "WHITEN"

    def __init__(self, F=2, eps=5e-4):
        super().__init__()
        self.F, self.eps = F, eps
        self.K, self._checked = None, None

    def output_shape(self, in_shape):
        C, H, W = image_volume(self.kind, in_shape)
        integer("F (the filter size)", self.F, 1, MAX_SIZE, error=ShapeError)
        number("eps", self.eps, 0, low_open=True)
        self.K = 2 * C * self.F * self.F
        return (self.K, conv_output_size(H, self.F, 1, 0), conv_output_size(W, self.F, 1, 0))

    def init_params(self, rng, dtype, weight_scale=None):
        C = self.in_shape[0]
        self.buffers = {"w": constant((self.K, C, self.F, self.F), 0.0, dtype),
                        "b": constant((self.K,), 0.0, dtype)}

    def fit(self, x):
        """Set the filters from x (N, C, H, W), the images this layer will see.

        Returns the eigenvalues of the patches' covariance, largest first;
        filter k (and k + C*F*F, its negative) belongs to eigenvalue k.
        """
        x = np.asarray(ops.to_numpy(x))
        if x.ndim != 4 or tuple(x.shape[1:]) != self.in_shape:
            raise ShapeError(f"{self.name or self.kind}.fit takes images (N, "
                             f"{', '.join(map(str, self.in_shape))}), got shape {x.shape}")
        mean, cov = patch_covariance(x, self.F)
        if not (np.isfinite(mean).all() and np.isfinite(cov).all()):
            raise SettingsError(f"{self.name or self.kind}.fit: the images hold NaN or inf")
        eigenvalues, vectors = np.linalg.eigh(cov)
        eigenvalues, vectors = eigenvalues[::-1], vectors[:, ::-1]
        filters = vectors.T / np.sqrt(np.maximum(eigenvalues, 0) + self.eps)[:, None]
        filters = np.concatenate([filters, -filters])
        dtype = self.buffers["w"].dtype
        self.buffers = {"w": ops.asarray(filters.reshape(self.buffers["w"].shape), dtype=dtype),
                        "b": ops.asarray(-(filters @ mean), dtype=dtype)}
        return eigenvalues

    def _check_fitted(self):
        w = self.buffers["w"]
        if w is not self._checked:
            if not np.any(ops.to_numpy(w)):
                raise SettingsError(f"{self.name or self.kind}'s filters come from the data and "
                                    f"are not set yet: call net.fit_whitening(images) first "
                                    f"(or load a checkpoint of a fitted net)")
            self._checked = w

    def forward(self, x, train=False, seed=None):
        self._check_fitted()
        out, self.cache = ops.conv_forward(x, self.buffers["w"], self.buffers["b"], 1, 0)
        return out

    def backward(self, dout):
        return ops.conv_backward(dout, self.cache)[0]

    def describe(self):
        if self.K is None:
            return f"WHITEN F={self.F}"
        return f"WHITEN F={self.F} (K={self.K} fixed filters)"


def patch_covariance(x, F):
    """Mean (C*F*F,) and covariance (C*F*F, C*F*F) of the F x F patches of x (N, C, H, W).

    A patch is flattened in the order of a filter's weights (C, F, F). The
    sums run in float64, a few images at a time.
    """
    N, C, H, W = x.shape
    size = C * F * F
    images = max(1, PATCHES_AT_ONCE // ((H - F + 1) * (W - F + 1)))
    total, outer, count = np.zeros(size), np.zeros((size, size)), 0
    for i in range(0, N, images):
        windows = np.lib.stride_tricks.sliding_window_view(x[i:i + images], (F, F), axis=(2, 3))
        patches = windows.transpose(0, 2, 3, 1, 4, 5).reshape(-1, size).astype(np.float64)
        total += patches.sum(0)
        outer += patches.T @ patches
        count += len(patches)
    mean = total / count
    return mean, outer / count - np.outer(mean, mean)
