"""The table of a net (volumes, parameters, memory), as in later versions of the notes' VGGNet example."""
import html
import math
from dataclasses import dataclass

from .layers.volume import volume_str
from .shapes import format_bytes, memory_estimate


@dataclass(frozen=True)
class Row:
    """One line of a Summary: the layer's output volume, parameters and activations.

    volume: (D, H, W) or (D,); activations: values this layer adds for one
    image (0 for elementwise layers, which the notes count with the layer
    before); memory: activations * bytes_per_value.
    """

    name: str
    layer: str
    volume: tuple
    weights: int
    biases: int
    activations: int
    memory: int

    @property
    def params(self):
        return self.weights + self.biases


class Summary:
    """Per layer and in total: parameters (weights + biases), activations, memory.

    rows: list of Row, INPUT first. Totals: params, weights, biases,
    activations (per image), forward_memory and training_memory
    (shapes.Memory; training keeps activation gradients too and the
    parameters three times: values, gradients, optimizer state).
    """

    columns = ("layer", "output (WxHxD)", "params", "activations", "memory")

    def __init__(self, layers, input_shape, bytes_per_value=4):
        self.bytes_per_value = bytes_per_value
        n = math.prod(input_shape)
        self.rows = [Row("input", "INPUT", tuple(input_shape), 0, 0, n, n * bytes_per_value)]
        for layer in layers:
            counts = layer.count_params()
            act = layer.new_activations()
            self.rows.append(Row(layer.name, layer.describe(), layer.out_shape, counts.weights,
                                 counts.biases, act, act * bytes_per_value))
        self.weights = sum(row.weights for row in self.rows)
        self.biases = sum(row.biases for row in self.rows)
        self.params = self.weights + self.biases
        self.activations = sum(row.activations for row in self.rows)
        self.forward_memory = memory_estimate(self.activations, self.params, bytes_per_value,
                                              with_gradients=False)
        self.training_memory = memory_estimate(self.activations, self.params, bytes_per_value)

    def _cells(self, row):
        name = "INPUT" if row.layer == "INPUT" else f"{row.name}: {row.layer}"
        act = f"{row.activations:,}" if row.activations else "- (in place)"
        memory = format_bytes(row.memory) if row.activations else "-"
        return (name, volume_str(row.volume), f"{row.params:,}", act, memory)

    def totals(self):
        """The totals as lines of text."""
        f, t = self.forward_memory, self.training_memory
        return [
            f"parameters: {self.params:,} ({self.weights:,} weights + {self.biases:,} biases), "
            f"{format_bytes(f.param_bytes)}",
            f"activations: {self.activations:,} per image, {format_bytes(f.activation_bytes)} "
            f"forward ({self.bytes_per_value} bytes per value)",
            f"training memory: activations {format_bytes(t.activation_bytes)} per image; "
            f"parameters {format_bytes(t.param_bytes)} whatever the batch size",
            "  (activations x2 with their gradients, parameters x3 with gradients and "
            "optimizer state)",
        ]

    def __str__(self):
        table = [self.columns] + [self._cells(row) for row in self.rows]
        widths = [max(len(line[i]) for line in table) for i in range(len(self.columns))]
        lines = []
        for k, line in enumerate(table):
            cells = [cell.ljust(w) if i < 2 else cell.rjust(w)
                     for i, (cell, w) in enumerate(zip(line, widths))]
            lines.append("  ".join(cells).rstrip())
            if k == 0:
                lines.append("-" * len(lines[0]))
        return "\n".join(lines + ["-" * len(lines[0])] + self.totals())

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        head = "".join(f"<th>{html.escape(c)}</th>" for c in self.columns)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in self._cells(row))
                       + "</tr>" for row in self.rows)
        totals = "<br>".join(html.escape(line) for line in self.totals())
        return (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<p>{totals}</p>")
