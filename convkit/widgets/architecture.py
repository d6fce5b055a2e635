"""ArchitectureModel: a net from a pattern string, its layer table, and where it fails.

    model = ArchitectureModel()                 # the first preset
    model.set_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC")
    model.summary.params, model.error           # the Summary, None when valid

An invalid pattern keeps the last valid net and summary (the view greys
them) and sets model.error: an Invalid with the message, the caret's
position for syntax errors, or the failing layer's row and its arithmetic
for sizes that do not fit.
"""
from dataclasses import dataclass

from .. import models
from ..errors import ShapeError
from ..net import Net
from ..pattern import PatternError, parse
from ..shapes import format_bytes


@dataclass(frozen=True)
class Preset:
    """A named net: its pattern string, input volume (C, H, W) and number of classes."""

    name: str
    pattern: str
    input_shape: tuple = (3, 32, 32)
    num_classes: int = 10


NOTES_PATTERNS = (
    "INPUT -> FC",
    "INPUT -> CONV -> RELU -> FC",
    "INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC",
    "INPUT -> [CONV -> RELU -> CONV -> RELU -> POOL]*3 -> [FC -> RELU]*2 -> FC",
)
THREE_LAYER = "INPUT -> CONV(K=32, F=7) -> RELU -> POOL -> FC(100) -> RELU -> FC"

PRESETS = {p.name: p for p in (
    *(Preset(f"notes pattern {i}: {pattern}", pattern) for i, pattern in enumerate(NOTES_PATTERNS, 1)),
    Preset("AlexNet", models.ALEXNET, (3, 227, 227), 1000),
    Preset("ZF Net", models.ZFNET, (3, 224, 224), 1000),
    Preset("VGG-16", models.VGG16, (3, 224, 224), 1000),
    Preset("three_layer_convnet", THREE_LAYER),
    Preset("small_cifar_net", models.SMALL_CIFAR),
)}


def build(pattern, input_shape=(3, 32, 32), num_classes=10, **kwargs):
    """Net.from_pattern(pattern, input_shape, num_classes); kwargs go to Net (seed, dtype)."""
    return Net.from_pattern(pattern, input_shape=tuple(input_shape), num_classes=num_classes,
                            **kwargs)


@dataclass(frozen=True)
class Invalid:
    """Why a pattern gives no net: message; position, the index into the pattern
    of the failing token (the caret); for sizes that do not fit, row, the
    Summary row (INPUT is 0) the layer would have, and arithmetic, the
    formula that fails (the message's first line)."""

    message: str
    position: int = None
    row: int = None
    arithmetic: str = ""


class ArchitectureModel:
    """A pattern, an input volume and a class count; the net, its Summary, or an Invalid.

    pattern: the notes' grammar (see convkit.pattern); input_shape (C, H, W).
    net, summary: of the last valid pattern; error: None or an Invalid for
    the current pattern; valid: error is None.
    """

    def __init__(self, pattern=None, input_shape=None, num_classes=None, preset=None):
        first = PRESETS[preset] if preset else next(iter(PRESETS.values()))
        self.pattern = first.pattern if pattern is None else pattern
        self.input_shape = tuple(first.input_shape if input_shape is None else input_shape)
        self.num_classes = first.num_classes if num_classes is None else num_classes
        self.net = self.summary = self.error = None
        self.update()

    @property
    def valid(self):
        return self.error is None

    def load_preset(self, name):
        """Set pattern, input volume and class count from PRESETS[name]."""
        if name not in PRESETS:
            raise ValueError(f"preset must be one of {', '.join(map(repr, PRESETS))}, "
                             f"got {name!r}")
        p = PRESETS[name]
        self.pattern, self.input_shape, self.num_classes = p.pattern, p.input_shape, p.num_classes
        return self.update()

    def set_pattern(self, pattern):
        self.pattern = pattern
        return self.update()

    def set_input(self, W, H=None, D=3):
        """The input volume W x H x D (H defaults to W)."""
        self.input_shape = (int(D), int(H or W), int(W))
        return self.update()

    def update(self):
        """Build the net; on failure keep the previous net and set error. Returns self."""
        try:
            net = build(self.pattern, self.input_shape, self.num_classes)
        except PatternError as e:
            self.error = Invalid(str(e), position=e.position)
        except ShapeError as e:
            layer = getattr(e, "layer", None)
            position = None if layer is None else parse(self.pattern)[layer].position
            self.error = Invalid(str(e), position=position,
                                 row=None if layer is None else layer + 1,
                                 arithmetic=str(e).split("\n")[0])
        except (TypeError, ValueError) as e:
            self.error = Invalid(str(e))
        else:
            self.net, self.summary, self.error = net, net.summary(), None
        return self

    def rows(self):
        """The table: one tuple of cells per Summary row (layer, volume, params, activations, memory)."""
        return [self.summary._cells(row) for row in self.summary.rows] if self.summary else []

    def totals(self):
        """Totals as lines of text (Summary.totals; MB/GB there are 1024-based)."""
        if not self.summary:
            return []
        s = self.summary
        return s.totals() + [f"(memory units are 1024-based: 1 MB = 1024 KB here; per-image "
                             f"forward activations {format_bytes(s.forward_memory.activation_bytes)})"]

    def bars(self):
        """Per layer with parameters or activations: names, params, activations (lists)."""
        if not self.summary:
            return [], [], []
        rows = [r for r in self.summary.rows if r.params or r.activations]
        return [r.name for r in rows], [r.params for r in rows], [r.activations for r in rows]

    def trainable(self):
        """True when the current valid net takes 32x32x3 images (CIFAR-10's size)."""
        return self.valid and self.net.input_shape == (3, 32, 32)
