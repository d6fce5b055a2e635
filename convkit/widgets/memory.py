"""MemoryModel: the notes' three sources of memory for a net, and whether it fits a GPU.

    model = MemoryModel(preset="VGG-16", batch_size=64)
    model.breakdown()            # activations, parameters, miscellaneous, total (bytes)
    model.fits(12), model.largest_batch(12)

The notes ("Computational Considerations") count: the activations of every
layer and, in training, their gradients; the parameters, times about 3 in
training (values, gradients, a step cache for momentum, Adagrad or RMSProp);
and miscellaneous memory such as the data batch. Units are 1024-based
(1 MiB = 1024 KiB = 1024**2 bytes); GPU sizes are in GiB.
"""
from dataclasses import dataclass

import numpy as np

from ..layers import Conv, ReLU
from ..net import Net
from .architecture import PRESETS, build

GIB = 1024 ** 3
# The notes' "3/4/6GB" and "about 12GB" GPUs, then memory sizes of GPUs sold later (not in the notes).
GPUS = {"3 GB (notes)": 3, "4 GB (notes)": 4, "6 GB (notes)": 6, "12 GB (notes)": 12,
        "16 GB (later GPUs)": 16, "24 GB (later GPUs)": 24, "80 GB (later GPUs)": 80}
NOTES_BLOCK = "notes: 224x224x3 -> three 3x3 CONV(64) with P=1"


def notes_block():
    """The notes' example ("Compromising based on memory constraints"): a 224x224x3
    image through three 3x3 CONV layers of 64 filters with padding 1.

    That is three 224x224x64 volumes, 9,633,792 activations per image, which
    with their gradients at 4 bytes each are 77,070,336 bytes = 73.5 MiB
    (77.1 MB in powers of 1000). The notes say "about 10 million activations,
    or 72MB": 72 = 9 x 8, so they seem to have rounded the count down to 9
    million before multiplying by 8 bytes (4 bytes, twice). The exact count
    gives 73.5 MiB.
    """
    return Net([Conv(64), ReLU(), Conv(64), ReLU(), Conv(64), ReLU()], input_shape=(3, 224, 224))


def _preset_net(name):
    if name == NOTES_BLOCK:
        return notes_block()
    if name not in PRESETS:
        raise ValueError(f"preset must be one of {', '.join(map(repr, PRESET_NAMES))}, "
                         f"got {name!r}")
    p = PRESETS[name]
    return build(p.pattern, p.input_shape, p.num_classes)


PRESET_NAMES = (NOTES_BLOCK, *PRESETS)


def mib(n):
    """Bytes in MiB (1024**2 bytes)."""
    return n / 1024 ** 2


def describe_bytes(n):
    """Bytes as "73.5 MiB" or "1.23 GiB" (1024-based)."""
    if n >= GIB:
        return f"{n / GIB:.2f} GiB"
    return f"{mib(n):.1f} MiB"


@dataclass(frozen=True)
class Breakdown:
    """Bytes from the notes' three sources for one batch.

    activations: values per image (every layer's output, the input not
    counted); activation_bytes: for the batch, times 2 in training
    (gradients); params: values; param_bytes: times param_copies;
    misc_bytes: the data batch (the input images as floats).
    """

    activations: int
    activation_bytes: int
    params: int
    param_bytes: int
    misc_bytes: int

    @property
    def total_bytes(self):
        return self.activation_bytes + self.param_bytes + self.misc_bytes


class MemoryModel:
    """Memory of a net for a batch size, float32 or float64, training or inference.

    The net comes from net= (a Net), pattern= (with input_shape and
    num_classes) or preset= (a name of PRESET_NAMES; default the notes'
    block). training: activations x2 and parameters x param_copies (3);
    inference: one copy of each. gpu_gb: the GPU's memory in GiB.
    """

    def __init__(self, net=None, pattern=None, preset=None, input_shape=(3, 32, 32),
                 num_classes=10, batch_size=1, dtype="float32", training=True, param_copies=3,
                 gpu_gb=12):
        if sum(x is not None for x in (net, pattern, preset)) > 1:
            raise ValueError("give one of net, pattern or preset")
        self.batch_size, self.dtype, self.training = batch_size, dtype, training
        self.param_copies, self.gpu_gb = param_copies, gpu_gb
        if net is not None:
            self.set_net(net)
        elif pattern is not None:
            self.set_net(build(pattern, input_shape, num_classes))
        else:
            self.set_preset(preset or NOTES_BLOCK)

    def set_preset(self, name):
        self.preset = name
        self.set_net(_preset_net(name))

    def set_net(self, net):
        """Use net's layer volumes (shape arithmetic only: nothing is allocated)."""
        self.net = net
        self.summary = net.summary()

    @property
    def bytes_per_value(self):
        if self.dtype not in ("float32", "float64"):
            raise ValueError(f"dtype must be 'float32' or 'float64', got {self.dtype!r}")
        return np.dtype(self.dtype).itemsize

    def per_image(self):
        """(activations, input values) of one image."""
        rows = self.summary.rows
        return sum(r.activations for r in rows[1:]), rows[0].activations

    def breakdown(self, batch_size=None):
        """The Breakdown for batch_size images (default self.batch_size)."""
        batch = self.batch_size if batch_size is None else batch_size
        if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
            raise ValueError(f"batch_size must be a whole number >= 1, got {batch!r}")
        size = self.bytes_per_value
        act, inputs = self.per_image()
        act_copies, param_copies = (2, self.param_copies) if self.training else (1, 1)
        params = self.summary.params
        return Breakdown(act, act_copies * act * batch * size, params,
                         param_copies * params * size, inputs * batch * size)

    def fits(self, gpu_gb=None):
        """True when the batch's total fits in gpu_gb GiB (default self.gpu_gb)."""
        return self.breakdown().total_bytes <= (gpu_gb or self.gpu_gb) * GIB

    def largest_batch(self, gpu_gb=None):
        """The largest batch size whose total fits in gpu_gb GiB; 0 when even the
        parameters (or one image) do not fit."""
        one, two = self.breakdown(1), self.breakdown(2)
        per_image = two.total_bytes - one.total_bytes
        room = (gpu_gb or self.gpu_gb) * GIB - (one.total_bytes - per_image)
        return max(0, room // per_image)

    def lines(self):
        """The numbers as lines of text, units stated."""
        b = self.breakdown()
        mode = (f"training: activations x2 (with gradients), parameters x{self.param_copies}"
                if self.training else "inference: one copy of activations and parameters")
        gpu = self.gpu_gb
        verdict = "fits" if self.fits() else "does NOT fit"
        return [
            f"batch {self.batch_size}, {self.dtype} ({self.bytes_per_value} bytes per value), {mode}",
            f"activations: {b.activations:,} per image -> {describe_bytes(b.activation_bytes)}",
            f"parameters: {b.params:,} -> {describe_bytes(b.param_bytes)}",
            f"miscellaneous (the data batch): {describe_bytes(b.misc_bytes)}",
            f"total: {describe_bytes(b.total_bytes)} (1 MiB = 1024**2 bytes, 1 GiB = 1024**3)",
            f"{gpu} GiB GPU: {verdict}; largest batch that fits: {self.largest_batch():,}",
        ]
