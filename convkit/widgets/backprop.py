"""BackpropModel: a small conv layer's gradients computed as convolutions, cell by cell.

dX is a full convolution of dout (dilated by the stride, padded by F-1) with
the filters flipped and their channels swapped, cropped by P; dW is the
correlation of the padded input with dout (convkit.backprop). Each cell's
products are given, and the results sit beside ops.conv_backward's. For max
pooling, each upstream gradient goes to the winner of its window.
"""
import numpy as np

from .. import backprop, ops
from ..backends import use_backend
from ..errors import ShapeError
from ..shapes import conv_formula, conv_suggestions
from .model import apply_settings, conv_size

SETTINGS = ("W", "F", "S", "P", "C", "K", "seed")


class BackpropModel:
    """Gradients of conv_forward(x, w, b, S, P) for one image, and of a 2x2 max pool.

    x (1, C, W, W) and w (K, C, F, F) small integers, dout (1, K, Ho, Wo) the
    upstream gradient (seeded). target "dx" walks the cells of the padded
    input's gradient dx_full (C, W+2P, W+2P); "dw" walks dw (K, C, F, F).
    """

    def __init__(self, W=5, F=3, S=2, P=1, C=1, K=1, seed=0):
        self.W, self.F, self.S, self.P, self.C, self.K, self.seed = W, F, S, P, C, K, seed
        self.target = "dx"
        self.cell = 0
        self._build()

    def set(self, **settings):
        """Change settings (see SETTINGS); new random values for new shapes."""
        apply_settings(self, settings, SETTINGS)
        self._build()

    def _build(self):
        self.output_size, self.reason, legal = conv_size(self.W, self.F, self.S, self.P)
        self.formula = conv_formula(self.W, self.F, self.S, self.P) if legal else ""
        self.suggestions = conv_suggestions(self.W, self.F, self.S, self.P) \
            if legal and self.output_size is None else []
        self.valid = self.output_size is not None
        self._pool()
        if not self.valid:
            self.n_cells, self.cell = 0, 0
            return
        rng = np.random.default_rng(self.seed)
        C, K, F, W, n = self.C, self.K, self.F, self.W, self.output_size
        self.x = rng.integers(0, 3, size=(1, C, W, W)).astype(np.float64)
        self.w = rng.integers(-1, 2, size=(K, C, F, F)).astype(np.float64)
        self.b = np.zeros(K)
        self.dout = rng.integers(-2, 3, size=(1, K, n, n)).astype(np.float64)
        with use_backend("numpy"):
            _, cache = ops.conv_forward(self.x, self.w, self.b, self.S, self.P)
            self.dx_ref, self.dw_ref, self.db_ref = ops.conv_backward(self.dout, cache)
        self.x_padded = np.pad(self.x, ((0, 0), (0, 0), (self.P,) * 2, (self.P,) * 2))
        self.dout_dilated = backprop.dilate(self.dout, self.S)
        self.dout_full = np.pad(self.dout_dilated, ((0, 0), (0, 0), (F - 1,) * 2, (F - 1,) * 2))
        self.w_flipped = backprop.flip_filters(self.w)
        self.dx_full = backprop.conv_dx(self.dout, self.w, (1, C, W + 2 * self.P, W + 2 * self.P),
                                        self.S, 0)
        self.dx = backprop.conv_dx(self.dout, self.w, self.x.shape, self.S, self.P)
        self.dw = backprop.conv_dw(self.dout, self.x, F, self.S, self.P)
        self.db = backprop.conv_db(self.dout)
        self.n_cells = self.dx_full[0].size if self.target == "dx" else self.dw.size
        self.cell = min(self.cell, self.n_cells - 1)

    def _pool(self):
        """The max-pool part: a 4x4 input, 2x2 windows, stride 2."""
        rng = np.random.default_rng(self.seed + 1)
        self.pool_x = rng.integers(0, 10, size=(1, 1, 4, 4)).astype(np.float64)
        self.pool_dout = rng.integers(-3, 4, size=(1, 1, 2, 2)).astype(np.float64)
        self.pool_winners = backprop.max_pool_winners(self.pool_x, 2, 2)[0, 0]
        self.pool_dx = backprop.max_pool_dx(self.pool_dout, self.pool_x, 2, 2)
        with use_backend("numpy"):
            _, cache = ops.max_pool_forward(self.pool_x, 2, 2)
            self.pool_dx_ref = ops.max_pool_backward(self.pool_dout, cache)

    def set_target(self, target):
        """Walk the cells of "dx" or "dw"."""
        if target not in ("dx", "dw"):
            raise ShapeError(f"target must be 'dx' or 'dw', got {target!r}")
        self.target, self.cell = target, 0
        self._build()

    @property
    def position(self):
        """dx: (c, row, col) on the padded input; dw: (k, c, a, b)."""
        shape = self.dx_full.shape[1:] if self.target == "dx" else self.dw.shape
        return tuple(int(v) for v in np.unravel_index(self.cell, shape))

    @property
    def terms(self):
        """(window, factors, value, reference): dx: window (K, F, F) of dout_full times w_flipped[c];
        dw: the strided window (Ho, Wo) of x_padded times dout[k]; reference from ops.conv_backward
        (None on the padding)."""
        F = self.F
        if self.target == "dx":
            c, r, q = self.position
            window = self.dout_full[0, :, r:r + F, q:q + F]               # (K, F, F)
            factors = self.w_flipped[c]                                    # (K, F, F)
            value = float((window * factors).sum())
            inside = self.P <= r < self.P + self.W and self.P <= q < self.P + self.W
            ref = float(self.dx_ref[0, c, r - self.P, q - self.P]) if inside else None
            return window, factors, value, ref
        k, c, a, b = self.position
        n, S = self.output_size, self.S
        window = self.x_padded[0, c, a:a + (n - 1) * S + 1:S, b:b + (n - 1) * S + 1:S]  # (Ho, Wo)
        factors = self.dout[0, k]
        value = float((window * factors).sum())
        return window, factors, value, float(self.dw_ref[k, c, a, b])

    def arithmetic(self):
        """The current cell written out."""
        window, factors, value, ref = self.terms
        terms = " + ".join(f"{u:g}*{v:g}" for u, v in zip(window.ravel(), factors.ravel()) if u and v)
        if self.target == "dx":
            c, r, q = self.position
            name = f"dx_full[{c}, {r}, {q}]"
            beside = (f"ops.conv_backward dx[{c}, {r - self.P}, {q - self.P}] = {ref:g}"
                      if ref is not None else "zero padding: cropped away")
        else:
            k, c, a, b = self.position
            name, beside = f"dw[{k}, {c}, {a}, {b}]", f"ops.conv_backward dw = {ref:g}"
        return f"{name} = {terms or '0'} = {value:g}; {beside}"
