"""ReceptiveFieldExplorer: edit a stack of layers, see one neuron's region on the input."""
import html

import ipywidgets
import numpy as np
from matplotlib.patches import Rectangle

from .conv_demo import demo_images
from .receptive import PRESETS, ReceptiveFieldModel
from .view import CanvasImage, ModelView, guarded, red, slider


class ReceptiveFieldExplorer(ModelView):
    """The Receptive field explorer: ReceptiveFieldExplorer() in a notebook cell shows it.

    Pick a layer and change its F, S, P, D; add or remove layers; choose the
    output neuron (row, col). Left: its input region on an image (dashed: the
    part in the zero padding). Right: the field size of each layer.
    """

    def __init__(self, model=None, **settings):
        model = model or ReceptiveFieldModel(**settings)
        self.layer = ipywidgets.Dropdown(description="layer", options=self._layer_names(model), value=0)
        F, S, P, D = model.layers[0]
        self.controls = {"F": slider("F", F, 1, 11), "S": slider("S", S, 1, 4),
                         "P": slider("P", P, 0, 5), "D": slider("D", D, 1, 4)}
        self.add_button = ipywidgets.Button(description="add layer")
        self.remove_button = ipywidgets.Button(description="remove layer")
        self.preset = ipywidgets.Dropdown(options=["(preset)", *PRESETS], value="(preset)",
                                          description="preset")
        self.W = slider("W (input)", model.W, 8, 256)
        self.row = slider("neuron row", model.neuron[0], 0, max((model.output_size or 1) - 1, 0))
        self.col = slider("neuron col", model.neuron[1], 0, max((model.output_size or 1) - 1, 0))
        self.C = slider("C (channels)", model.C, 1, 512)
        self.image = CanvasImage(8.0, 3.6, dpi=72)
        ax_in, ax_trace = self.image.figure.subplots(1, 2)
        self.ax_in, self.ax_trace = ax_in, ax_trace
        photo = demo_images()[0][0].astype(float).mean(axis=2)
        self.photo = photo
        self.input_image = ax_in.imshow(photo, cmap="gray", interpolation="nearest")
        ax_in.set_xticks([])
        ax_in.set_yticks([])
        self.box = Rectangle((0, 0), 1, 1, fill=False, linewidth=2.5, edgecolor="#2ca02c", zorder=5)
        self.full_box = Rectangle((0, 0), 1, 1, fill=False, linewidth=1.5, edgecolor="#2ca02c",
                                  linestyle="--", zorder=5)
        ax_in.add_patch(self.box)
        ax_in.add_patch(self.full_box)
        self.bars = ax_trace.bar(range(8), np.zeros(8), color="#4c72b0")
        ax_trace.set_xlabel("layer")
        ax_trace.set_ylabel("receptive field size")
        self.image.figure.subplots_adjust(left=0.02, right=0.97, top=0.9, bottom=0.14, wspace=0.25)
        super().__init__(model, [
            ipywidgets.HBox([self.preset, self.layer, self.add_button, self.remove_button]),
            ipywidgets.HBox([ipywidgets.VBox(list(self.controls.values())),
                             ipywidgets.VBox([self.W, self.row, self.col, self.C])]),
            self.image.widget])
        self.watch(list(self.controls.values()), self._on_layer_settings)
        self.watch([self.layer], self._on_layer_choice)
        self.watch([self.W, self.row, self.col, self.C], self._on_settings)
        self.watch([self.preset], self._on_preset)
        self.add_button.on_click(self._on_add)
        self.remove_button.on_click(self._on_remove)
        self.draw()

    @staticmethod
    def _layer_names(model):
        return [(f"{i}: F={F} S={S} P={P} D={D}", i) for i, (F, S, P, D) in enumerate(model.layers)]

    def _sync_controls(self, index=None):
        """Set the layer list and the sliders from the model, without callbacks."""
        m = self.model
        index = self.layer.value if index is None else index
        index = min(index, len(m.layers) - 1)
        with self.quietly(), self.hold_sync():
            self.layer.options = self._layer_names(m)
            self.layer.value = index
            for name, value in zip("FSPD", m.layers[index]):
                self.controls[name].value = value
            top = max((m.output_size or 1) - 1, 0)
            self.row.max, self.col.max = top, top
            self.row.value, self.col.value = m.neuron
            self.W.value = m.W

    @guarded
    def _on_layer_settings(self, change):
        self.model.set_layer(self.layer.value, **{k: c.value for k, c in self.controls.items()})
        self._sync_controls()
        self.draw()

    @guarded
    def _on_layer_choice(self, change):
        self._sync_controls(change["new"])
        self.draw()

    @guarded
    def _on_settings(self, change):
        self.model.set(W=self.W.value, C=self.C.value, neuron=(self.row.value, self.col.value))
        self._sync_controls()
        self.draw()

    @guarded
    def _on_preset(self, change):
        if change["new"] in PRESETS:
            self.model.preset(change["new"])
            self._sync_controls(0)
        self.draw()

    @guarded
    def _on_add(self, button):
        if len(self.model.layers) >= len(self.bars):
            raise ValueError(f"this view draws at most {len(self.bars)} layers")
        self.model.add_layer()
        self._sync_controls(len(self.model.layers) - 1)
        self.draw()

    @guarded
    def _on_remove(self, button):
        self.model.remove_layer(self.layer.value)
        self._sync_controls(0)
        self.draw()

    def draw(self):
        """Redraw the region, the per-layer field sizes and the readout."""
        m = self.model
        W = m.W
        index = np.arange(W) * self.photo.shape[0] // W        # the image resampled to W x W
        self.input_image.set_data(self.photo[index][:, index])
        self.input_image.set_extent((-0.5, W - 0.5, W - 0.5, -0.5))
        self.ax_in.set_xlim(-0.5 - m.trace[-1].size, W - 0.5 + m.trace[-1].size)
        self.ax_in.set_ylim(W - 0.5 + m.trace[-1].size, -0.5 - m.trace[-1].size)
        if m.valid:
            (r0, r1), (c0, c1) = m.region
            (i0, i1), (j0, j1) = m.region_inside
            self.full_box.set_bounds(c0 - 0.5, r0 - 0.5, c1 - c0 + 1, r1 - r0 + 1)
            self.box.set_bounds(j0 - 0.5, i0 - 0.5, j1 - j0 + 1, i1 - i0 + 1)
            self.ax_in.set_title(f"neuron {m.neuron} sees rows {r0}..{r1}, cols {c0}..{c1}",
                                 fontsize=9, color="black", y=1.0)
        else:
            self.ax_in.set_title("invalid stack", fontsize=9, color="#c00", y=1.0)
        self.box.set_visible(m.valid)
        self.full_box.set_visible(m.valid)
        sizes = [t.size for t in m.trace]
        for i, bar in enumerate(self.bars):
            bar.set_height(sizes[i] if i < len(sizes) else 0)
        self.ax_trace.set_ylim(0, max(sizes) * 1.15)
        self.ax_trace.set_xlim(-0.6, max(len(sizes), 3) - 0.4)
        self.ax_trace.set_xticks(range(len(sizes)))
        self.ax_trace.set_title(f"receptive field after each layer (last: {m.size})", fontsize=9, y=1.0)
        self.show()

    def _readout(self):
        m = self.model
        rows = "".join(f"<tr><td>{html.escape(t.name)}</td><td>{t.F}</td><td>{t.S}</td><td>{t.P}</td>"
                       f"<td>{t.D}</td><td>{t.size}</td><td>{t.jump}</td><td>{t.start}</td>"
                       f"<td>{m.sizes[i] if i < len(m.sizes) else '-'}</td></tr>"
                       for i, t in enumerate(m.trace))
        table = ("<table><tr><th>layer</th><th>F</th><th>S</th><th>P</th><th>D</th><th>field</th>"
                 f"<th>jump</th><th>start</th><th>output</th></tr>{rows}</table>")
        cmp = m.comparison
        compare = (f"three 3x3 CONV: field {cmp['field_3x3_stack']}, 27C^2 = {cmp['params_3x3_stack']}"
                   f" weights; one 7x7 CONV: field {cmp['field_7x7']}, 49C^2 = {cmp['params_7x7']}"
                   f" weights (C = {m.C})")
        if not m.valid:
            return f"<b style='color:#c00'>invalid</b> {red(m.reason)}<br>{table}<br>{compare}"
        (r0, r1), (c0, c1) = m.region
        return (f"<b>receptive field:</b> {m.size}x{m.size} <b style='color:#080'>valid</b>; "
                f"output {m.output_size}x{m.output_size}; neuron {m.neuron}: rows {r0}..{r1}, "
                f"cols {c0}..{c1}<br>{table}<br>{compare}")
