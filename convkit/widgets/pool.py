"""PoolModel: max, average and L2 pooling of one depth slice, window by window.

The output comes from ops.max_pool_forward / avg_pool_forward /
l2_pool_forward (NumPy reference backend); the model adds what the picture
needs: each window, the winner of each max window, the fraction of the
activations the layer discards and the inputs the floor rule never reads.
"""
import numpy as np

from .. import ops
from ..backends import use_backend
from ..errors import ShapeError
from ..shapes import pool_formula, pool_output_size, pool_suggestions, unused_input
from .conv_demo import demo_images
from .model import apply_settings

KINDS = {"max": ops.max_pool_forward, "avg": ops.avg_pool_forward, "L2": ops.l2_pool_forward}
SETTINGS = ("W", "F", "S", "kind", "mode", "source", "image_index", "seed")


class PoolModel:
    """Pooling of one W x W slice with F x F windows and stride S (no padding).

    kind "max", "avg" or "L2"; mode "strict" (the notes) or "floor" (PyTorch);
    source "numbers" (small random integers, seeded) or "image" (a 32x32
    CIFAR-10 image in grey, the synthetic stand-in without the data).
    x (W, W) the input, out (Ho, Wo) the output, cell the current window.
    """

    def __init__(self, W=4, F=2, S=2, kind="max", mode="strict", source="numbers", seed=0):
        self.W, self.F, self.S, self.kind, self.mode = W, F, S, kind, mode
        self.source, self.image_index, self.seed = source, 0, seed
        self.cell = 0
        self._build()

    def set(self, **settings):
        """Change settings (see SETTINGS) and recompute."""
        apply_settings(self, settings, SETTINGS)
        self._build()

    def _build(self):
        if self.kind not in KINDS:
            raise ShapeError(f"kind must be one of {list(KINDS)}, got {self.kind!r}")
        if self.mode not in ("strict", "floor"):
            raise ShapeError(f"mode must be 'strict' or 'floor', got {self.mode!r}")
        if self.source not in ("numbers", "image"):
            raise ShapeError(f"source must be 'numbers' or 'image', got {self.source!r}")
        if self.source == "image":
            images, names, _ = demo_images()
            self.W = 32
            self.image_name = names[self.image_index]
            self.x = images[self.image_index].astype(np.float64).mean(axis=2) / 255
        else:
            self.image_name = ""
            self.x = None
        try:
            self.output_size = pool_output_size(self.W, self.F, self.S, self.mode)
            self.reason = ""
        except ShapeError as error:
            self.output_size, self.reason = None, str(error)
        self.valid = self.output_size is not None
        legal = not self.reason.startswith(("W must", "F must", "S must"))
        self.formula = pool_formula(self.W, self.F, self.S) if legal else ""
        self.suggestions = pool_suggestions(self.W, self.F, self.S) \
            if legal and self.mode == "strict" and not self.valid else []
        if not legal:
            self.x, self.out, self.n_cells, self.cell, self.unused = None, None, 0, 0, 0
            return
        if self.x is None:
            rng = np.random.default_rng(self.seed)
            self.x = rng.integers(0, 10, size=(self.W, self.W)).astype(np.float64)
        self.unused = unused_input(self.W, self.F, self.S) if self.F <= self.W else 0
        if not self.valid:
            self.out, self.n_cells, self.cell = None, 0, 0
            return
        used = self.W - self.unused
        with use_backend("numpy"):
            out, _ = KINDS[self.kind](self.x[None, None, :used, :used].copy(), self.F, self.S)
        self.out = out[0, 0]
        self.n_cells = self.out.size
        self.cell = min(self.cell, self.n_cells - 1)

    @property
    def position(self):
        """(i, j) of the current output cell."""
        return divmod(self.cell, self.output_size)

    def window(self, i, j):
        """(row, col, F, F): output (i, j)'s window on the input."""
        return i * self.S, j * self.S, self.F, self.F

    def window_values(self, i, j):
        r, c, F, _ = self.window(i, j)
        return self.x[r:r + F, c:c + F]

    def winner(self, i, j):
        """(row, col) of the input a max window passes on (the first max, row-major, as the ops)."""
        r, c, F, _ = self.window(i, j)
        a, b = divmod(int(np.argmax(self.window_values(i, j))), F)
        return r + a, c + b

    @property
    def winners(self):
        """The winner of every window, row-major over the output."""
        n = self.output_size or 0
        return [self.winner(i, j) for i in range(n) for j in range(n)]

    @property
    def discarded(self):
        """The fraction of the input activations the layer does not pass on: 1 - Ho*Wo/(W*W)."""
        return 1 - (self.output_size or 0) ** 2 / self.W ** 2

    @property
    def unused_positions(self):
        """The rows (and columns) at the far end that floor mode never reads."""
        return list(range(self.W - self.unused, self.W))

    def arithmetic(self):
        """The current window's value written out."""
        i, j = self.position
        values = ", ".join(f"{v:.3g}" for v in self.window_values(i, j).ravel())
        formula = {"max": f"max({values})", "avg": f"mean({values})",
                   "L2": f"sqrt(sum of the squares of {values})"}[self.kind]
        return f"out[{i}, {j}] = {formula} = {self.out[i, j]:.4g}"
