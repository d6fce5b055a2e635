"""ConvDemoModel: the notes' convolution demo, one output cell at a time.

Default as in the notes' demo: input volume 5x5x3, zero padding P=1, two
3x3x3 filters, stride S=2, output 3x3x2; small random integers as inputs,
weights in {-1, 0, 1}, biases 1 and 0 (seeded). Every number of the current
cell (window, products per channel, channel sums, bias, total) is computed
here in plain NumPy and checked against ops.conv_forward by the tests.
Image mode runs a named filter over a CIFAR-10 image (a synthetic stand-in
without the data) and gives the whole activation map.
"""
import warnings

import numpy as np

from .. import ops
from ..backends import use_backend
from ..errors import DatasetError, ShapeError
from ..shapes import conv_formula, conv_suggestions
from .model import apply_settings, conv_size

SETTINGS = ("W", "F", "S", "P", "K", "C")

# Named 3x3 filters for image mode, applied to the sum of the three colour channels.
FILTERS = {
    "edges (vertical)": [[1, 0, -1], [2, 0, -2], [1, 0, -1]],
    "edges (horizontal)": [[1, 2, 1], [0, 0, 0], [-1, -2, -1]],
    "blur": [[1 / 9] * 3] * 3,
    "sharpen": [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
    "identity": [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
}

_IMAGES = {}


def demo_images(n=16):
    """(images (n, 32, 32, 3) uint8, names, synthetic): CIFAR-10 test images where found.

    Looks where convkit.data looks ($CONVKIT_DATA, else ~/.convkit/data),
    never downloads; without the data, synthetic_cifar()'s made-up images
    (NOT CIFAR-10, and said so in the names). Read once, then kept.
    """
    if "images" not in _IMAGES:
        from ..data import load_cifar10, synthetic_cifar
        try:
            data = load_cifar10(download=False)
            synthetic = False
        except DatasetError:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)
                data = synthetic_cifar(n_train=10, n_test=n)
            synthetic = True
        names = [data.class_names[y] + (" (synthetic, NOT CIFAR-10)" if synthetic else "")
                 for y in data.y_test[:n]]
        _IMAGES["images"] = (np.ascontiguousarray(data.X_test[:n]), names, synthetic)
    return _IMAGES["images"]


def conv(x, w, b, S, P):
    """ops.conv_forward on the NumPy reference backend: x (C, H, W), w (K, C, F, F) -> (K, Ho, Wo)."""
    with use_backend("numpy"):
        out, _ = ops.conv_forward(x[None].astype(np.float64), w.astype(np.float64),
                                  np.asarray(b, dtype=np.float64), S, P)
    return out[0]


class ConvDemoModel:
    """The conv demo: settings W, F, S, P, K (filters) and C (input depth); `cell` picks the output.

    x (C, W, W) inputs, w (K, C, F, F) weights, b (K,) biases, out (K, Ho, Wo)
    from ops.conv_forward. The current cell k, i, j (cell = k*Ho*Wo + i*Wo + j)
    has window (row, col) on the padded input x_padded, window_values (C, F, F),
    products (C, F, F), channel_sums (C,), bias and total.
    """

    def __init__(self, W=5, F=3, S=2, P=1, K=2, C=3, seed=0):
        self.W, self.F, self.S, self.P, self.K, self.C = W, F, S, P, K, C
        self.seed = seed
        self.cell = 0
        self.filter_name = "edges (vertical)"
        self.image_index = 0
        self._build()

    def set(self, **settings):
        """Change W, F, S, P, K, C; new random values are drawn for the new shapes."""
        apply_settings(self, settings, SETTINGS)
        self._build()

    def randomize(self, seed=None):
        """Draw new inputs and weights (seed None: the next seed)."""
        self.seed = self.seed + 1 if seed is None else seed
        self._build()

    def _build(self):
        self.output_size, self.reason, legal = conv_size(self.W, self.F, self.S, self.P)
        self.valid = self.output_size is not None
        for name in ("K", "C"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.valid, legal = False, False
                self.reason = f"{name} must be an int >= 1, got {value!r}"
        self.formula = conv_formula(self.W, self.F, self.S, self.P) if legal else ""
        self.suggestions = conv_suggestions(self.W, self.F, self.S, self.P) \
            if legal and not self.valid else []
        if not legal:
            return
        rng = np.random.default_rng(self.seed)
        self.x = rng.integers(0, 3, size=(self.C, self.W, self.W)).astype(np.float64)
        self.w = rng.integers(-1, 2, size=(self.K, self.C, self.F, self.F)).astype(np.float64)
        self.b = np.array([1.0 if k == 0 else 0.0 for k in range(self.K)])
        P = self.P
        self.x_padded = np.pad(self.x, ((0, 0), (P, P), (P, P)))
        if self.valid:
            self.out = conv(self.x, self.w, self.b, self.S, self.P)
            self.n_cells = self.out.size
            self.cell = min(self.cell, self.n_cells - 1)
        else:
            self.out, self.n_cells, self.cell = None, 0, 0

    @property
    def position(self):
        """(k, i, j) of the current cell: filter k, output row i, column j."""
        n = self.output_size
        return self.cell // (n * n), self.cell // n % n, self.cell % n

    @property
    def window(self):
        """(row, col) of the top-left corner of the current window on the padded input."""
        _, i, j = self.position
        return i * self.S, j * self.S

    @property
    def window_values(self):
        """The padded input under the current window: (C, F, F)."""
        r, c = self.window
        return self.x_padded[:, r:r + self.F, c:c + self.F]

    @property
    def products(self):
        """Element-wise products of the window and filter k: (C, F, F)."""
        return self.window_values * self.w[self.position[0]]

    @property
    def channel_sums(self):
        """The sum of the products of each input channel: (C,)."""
        return self.products.sum(axis=(1, 2))

    @property
    def bias(self):
        return float(self.b[self.position[0]])

    @property
    def total(self):
        """channel_sums summed, plus the bias: the value of the current output cell."""
        return float(self.channel_sums.sum()) + self.bias

    def step(self, n=1):
        """Move to the next cell (wrapping around)."""
        if self.n_cells:
            self.cell = (self.cell + n) % self.n_cells

    def arithmetic(self):
        """The current cell written out, channel by channel."""
        k, i, j = self.position
        lines = []
        for c in range(self.C):
            terms = " + ".join(f"{v:g}*{w:g}" for v, w in zip(self.window_values[c].ravel(),
                                                              self.w[k, c].ravel()))
            lines.append(f"channel {c}: {terms} = {self.channel_sums[c]:g}")
        sums = " + ".join(f"{s:g}" for s in self.channel_sums)
        lines.append(f"out[{k}, {i}, {j}] = {sums} + bias {self.bias:g} = {self.total:g}")
        return lines

    # image mode
    @property
    def image(self):
        """The chosen image (32, 32, 3) uint8."""
        return demo_images()[0][self.image_index]

    @property
    def image_name(self):
        return demo_images()[1][self.image_index]

    @property
    def image_filter(self):
        """The named filter as a conv weight (1, 3, 3, 3): the 3x3 kernel on every channel."""
        if self.filter_name not in FILTERS:
            raise ShapeError(f"unknown filter {self.filter_name!r}; the filters are {sorted(FILTERS)}")
        kernel = np.array(FILTERS[self.filter_name], dtype=np.float64) / 3
        return np.broadcast_to(kernel, (1, 3, 3, 3)).copy()

    def activation_map(self):
        """The filter over the image (values in [0, 1]), S=1, P=1: (32, 32)."""
        x = self.image.transpose(2, 0, 1).astype(np.float64) / 255
        return conv(x, self.image_filter, [0.0], 1, 1)[0]
