"""ReceptiveFieldModel: how much of the input one neuron sees after a stack of conv/pool layers.

Per layer the receptive field size, the jump (product of the strides) and the
start offset, by the closed forms of Araujo et al., "Computing Receptive
Fields of Convolutional Neural Networks" (Distill 2019), via
shapes.receptive_trace; the input region of a chosen output neuron; and the
notes' comparison of three 3x3 layers with one 7x7 layer (27C^2 vs 49C^2).
"""
from ..errors import ShapeError
from ..shapes import conv_output_size, conv_params, receptive_trace

PRESETS = {  # name: (layers, input size W)
    "three 3x3 (the notes)": ([(3, 1, 1, 1)] * 3, 32),
    "one 7x7 (the notes)": ([(7, 1, 3, 1)], 32),
    "AlexNet conv1 + pool": ([(11, 4, 0, 1), (3, 2, 0, 1)], 227),
    "[CONV-POOL] x 2": ([(3, 1, 1, 1), (2, 2, 0, 1), (3, 1, 1, 1), (2, 2, 0, 1)], 32),
    "dilated 3x3 (D=1, 2, 4)": ([(3, 1, 1, 1), (3, 1, 2, 2), (3, 1, 4, 4)], 32),
}


class ReceptiveFieldModel:
    """A stack of layers (F, S, P, D), first layer first, over a W x W input.

    trace: one shapes.FieldStep per layer (size, jump, start); sizes: the
    output size after each layer (strict rule); neuron (row, col) of the last
    layer and its input region. C: the channels of the 3x3-vs-7x7 comparison.
    """

    def __init__(self, layers=None, W=32, C=64, neuron=(0, 0)):
        self.layers = [tuple(layer) for layer in (layers or PRESETS["three 3x3 (the notes)"][0])]
        self.W, self.C, self.neuron = W, C, tuple(neuron)
        self._build()

    @classmethod
    def from_net(cls, net, neuron=(0, 0)):
        """The conv/pool layers of a convkit.Net (up to its first FC), on its input size."""
        steps = receptive_trace(net)
        return cls([(t.F, t.S, t.P, t.D) for t in steps], W=net.input_shape[-1], neuron=neuron)

    def set(self, W=None, C=None, neuron=None):
        """Change the input size, the channels of the comparison or the chosen neuron."""
        if W is not None:
            self.W = W
        if C is not None:
            self.C = C
        if neuron is not None:
            self.neuron = tuple(neuron)
        self._build()

    def set_layer(self, i, F=None, S=None, P=None, D=None):
        """Change some settings of layer i."""
        old = self.layers[i]
        new = tuple(o if v is None else v for o, v in zip(old, (F, S, P, D)))
        self.layers[i] = new
        self._build()

    def add_layer(self, F=3, S=1, P=1, D=1):
        self.layers.append((F, S, P, D))
        self._build()

    def remove_layer(self, i=-1):
        if len(self.layers) == 1:
            raise ShapeError("the stack needs at least one layer")
        del self.layers[i]
        self._build()

    def preset(self, name):
        """Apply a preset of PRESETS by name: its layers and input size."""
        if name not in PRESETS:
            raise ShapeError(f"unknown preset {name!r}; the presets are {sorted(PRESETS)}")
        layers, self.W = PRESETS[name]
        self.layers = list(layers)
        self._build()

    def _build(self):
        self.trace = receptive_trace(self.layers)
        self.sizes, self.reason = [], ""
        size = self.W
        for i, (F, S, P, D) in enumerate(self.layers):
            try:
                size = conv_output_size(size, F, S, P, D)
            except ShapeError as error:
                self.reason = f"layer {i} (F={F}, S={S}, P={P}, D={D}) on {size} inputs: {error}"
                break
            self.sizes.append(size)
        self.valid = not self.reason
        self.output_size = self.sizes[-1] if self.valid else None
        if self.valid:
            self.neuron = tuple(min(max(v, 0), self.output_size - 1) for v in self.neuron)

    @property
    def size(self):
        """The receptive field of a last-layer neuron, per axis."""
        return self.trace[-1].size

    @property
    def region(self):
        """((first row, last row), (first col, last col)) of the input the chosen neuron sees.

        Positions < 0 or >= W lie in the zero padding.
        """
        last = self.trace[-1]
        return last.region(self.neuron[0]), last.region(self.neuron[1])

    @property
    def region_inside(self):
        """The region clipped to the input (what of the image it sees)."""
        (r0, r1), (c0, c1) = self.region
        clip = lambda a: min(max(a, 0), self.W - 1)  # noqa: E731
        return (clip(r0), clip(r1)), (clip(c0), clip(c1))

    @property
    def comparison(self):
        """The notes' three 3x3 CONV vs one 7x7 CONV, C channels throughout.

        A dict: field of each (7 and 7), params of each without biases
        (27C^2 and 49C^2), and with biases.
        """
        C = self.C
        layer3, layer7 = conv_params(3, C, C), conv_params(7, C, C)
        return {"field_3x3_stack": receptive_trace([(3, 1, 1, 1)] * 3)[-1].size,
                "field_7x7": receptive_trace([(7, 1, 3, 1)])[-1].size,
                "params_3x3_stack": 3 * layer3.weights, "params_7x7": layer7.weights,
                "params_3x3_stack_with_bias": 3 * layer3.total, "params_7x7_with_bias": layer7.total}
