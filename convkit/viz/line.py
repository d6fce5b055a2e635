"""The notes' 1-D neuron diagrams: a row of input neurons, a row of output neurons, their links.

A NeuronLine owns one Axes. Inputs are circles at x = 0 .. n-1 (padding
grey, unused inputs outlined in red), each output neuron sits above the
middle of its window and is linked to the inputs it reads. show() updates
the artists in place (set_offsets, set_segments, set_text).
"""
import numpy as np
from matplotlib.collections import LineCollection

from .grid import NumberRows, cell_pixels

INPUT, PAD, OUTPUT, UNUSED, HIGHLIGHT = "#9ecae1", "#eeeeee", "#f2c14e", "#d62728", "#2ca02c"
SELECTED = "#98df8a"


class NeuronLine:
    """One 1-D conv drawn as in the notes: inputs below, outputs above."""

    def __init__(self, ax):
        self.ax = ax
        ax.set_axis_off()
        self.links = LineCollection([], colors="#999999", linewidths=0.8, zorder=1)
        self.strong = LineCollection([], colors=HIGHLIGHT, linewidths=2.0, zorder=2)
        ax.add_collection(self.links)
        ax.add_collection(self.strong)
        self.inputs = ax.scatter([], [], s=300, zorder=3, edgecolors="black")
        self.outputs = ax.scatter([], [], s=300, zorder=3, edgecolors="black")
        self.labels = NumberRows(ax, max_size=8, zorder=4)
        self.title = ax.set_title("", fontsize=9, y=1.0)  # a fixed place: no title layout per draw

    def show(self, n_inputs, pad, windows, taps, unused=(), values_in=None, values_out=None,
             selected=None, title="", title_color="black"):
        """Draw n_inputs padded positions (pad at each end) and one output per window.

        windows: (start, stop) per output; taps(window) -> the positions it reads;
        unused: positions outlined in red; values_in/values_out: numbers written
        in the circles; selected: the output whose links are drawn in green.
        """
        xs = np.arange(n_inputs, dtype=float)
        self.inputs.set_offsets(np.column_stack([xs, np.zeros(n_inputs)]) if n_inputs else
                                np.empty((0, 2)))
        is_pad = (xs < pad) | (xs >= n_inputs - pad)
        self.inputs.set_facecolors([PAD if p else INPUT for p in is_pad])
        unused = set(unused)
        self.inputs.set_edgecolors([UNUSED if i in unused else "black" for i in range(n_inputs)])
        self.inputs.set_linewidths([2.5 if i in unused else 0.8 for i in range(n_inputs)])
        centres = np.array([(a + b - 1) / 2 for a, b in windows], dtype=float)
        self.outputs.set_offsets(np.column_stack([centres, np.ones(len(windows))]) if windows else
                                 np.empty((0, 2)))
        self.outputs.set_facecolors([SELECTED if i == selected else OUTPUT
                                     for i in range(len(windows))])
        segments, strong = [], []
        for i, window in enumerate(windows):
            for t in taps(window):
                (strong if i == selected else segments).append([(t, 0.08), (centres[i], 0.92)])
        self.links.set_segments(segments)
        self.strong.set_segments(strong)
        rows = []
        if values_in is not None and 0 < n_inputs <= 60:
            rows.append((0, 0, values_in, 1))
        if values_out is not None and 0 < len(windows) <= 60:
            step = windows[1][0] - windows[0][0] if len(windows) > 1 else 1
            rows.append((centres[0], 1, values_out, step))
        self.labels.show(rows, cell_pixels(self.ax, max(n_inputs, 1) + 1))
        self.ax.set_xlim(-1, max(n_inputs, 1))
        self.ax.set_ylim(-0.5, 1.5)
        self.title.set_text(title)
        self.title.set_color(title_color)
