"""PoolingExplorer: max, average and L2 pooling on a small grid or an image, window by window."""
import html

import ipywidgets
import numpy as np

from ..viz import NumberGrid
from .conv_demo import demo_images
from .pool import KINDS, PoolModel
from .view import CanvasImage, ModelView, guarded, red, slider


class PoolingExplorer(ModelView):
    """The Pooling explorer: PoolingExplorer() in a notebook cell shows it.

    Left: the input with the current window (green) and every max window's
    winner (dots, up to 8x8 windows), unused rows of the floor rule struck through in red;
    right: the output, the current cell outlined.
    """

    def __init__(self, model=None, **settings):
        model = model or PoolModel(**settings)
        self.controls = {
            "W": slider("W", model.W, 1, 16),
            "F": slider("F", model.F, 1, 6),
            "S": slider("S", model.S, 1, 6),
        }
        self.kind = ipywidgets.ToggleButtons(options=list(KINDS), value=model.kind)
        self.mode = ipywidgets.ToggleButtons(options=[("strict (the notes)", "strict"),
                                                      ("floor (PyTorch)", "floor")], value=model.mode)
        self.source = ipywidgets.ToggleButtons(options=[("small grid", "numbers"),
                                                        ("image", "image")], value=model.source)
        self.image_index = slider("image", 0, 0, len(demo_images()[0]) - 1)
        self.cell = slider("window", 0, 0, max(model.n_cells - 1, 0))
        self.play = ipywidgets.Play(min=0, max=self.cell.max, interval=700, description="play")
        ipywidgets.jslink((self.play, "value"), (self.cell, "value"))
        ipywidgets.jslink((self.play, "max"), (self.cell, "max"))
        self.image = CanvasImage(8.0, 4.0, dpi=72)
        ax_in, ax_out = self.image.figure.subplots(1, 2)
        self.input_grid = NumberGrid(ax_in, cmap="Blues", symmetric=False, max_numbers=256)
        self.output_grid = NumberGrid(ax_out, cmap="Blues", symmetric=False, max_numbers=100)
        self.dots = ax_in.scatter([], [], s=30, color="#d62728", zorder=6)
        self.strike = ax_in.plot([], [], color="#d62728", linewidth=2, zorder=6)[0]
        self.image.figure.subplots_adjust(left=0.02, right=0.98, top=0.9, bottom=0.02, wspace=0.1)
        sliders = list(self.controls.values())
        super().__init__(model, [
            ipywidgets.HBox([ipywidgets.VBox(sliders), ipywidgets.VBox([self.kind, self.mode])]),
            ipywidgets.HBox([self.source, self.image_index]),
            ipywidgets.HBox([self.play, self.cell]),
            self.image.widget])
        self.watch([*sliders, self.kind, self.mode, self.source, self.image_index], self._on_settings)
        self.watch([self.cell], self._on_cell)
        self.draw()

    @guarded
    def _on_settings(self, change):
        settings = {k: c.value for k, c in self.controls.items()}
        settings.update(kind=self.kind.value, mode=self.mode.value, source=self.source.value,
                        image_index=self.image_index.value)
        self.model.set(**settings)
        if self.source.value == "image":
            with self.quietly():
                self.controls["W"].max = max(self.controls["W"].max, 32)
                self.controls["W"].value = 32
        self.draw()

    def draw(self):
        """Redraw the input, the output and the readout from the model."""
        m = self.model
        self.sync_cell()
        vmax = 1.6 * float(np.abs(m.x).max()) if m.x is not None else 1  # keep numbers readable
        title = m.image_name or f"input {m.W}x{m.W}"
        self.input_grid.show(m.x if m.x is not None else np.zeros((1, 1)), title=title, vmax=vmax)
        if m.valid:
            i, j = m.position
            self.input_grid.highlight([m.window(i, j)], color="#2ca02c")
            few = m.kind == "max" and m.n_cells <= 64
            winners = np.array(m.winners, dtype=float) if few else np.empty((0, 2))
            self.dots.set_offsets(winners[:, ::-1] + [0.3, -0.3] if len(winners) else winners)
            self.output_grid.show(m.out, vmax=vmax, title=f"{m.kind} pool F={m.F} S={m.S}: "
                                  f"{m.output_size}x{m.output_size}, {m.discarded:.0%} discarded")
            self.output_grid.highlight([(i, j, 1, 1)], color="#2ca02c")
        else:
            self.input_grid.highlight([])
            self.dots.set_offsets(np.empty((0, 2)))
            self.output_grid.show(np.zeros((1, 1)), title="invalid")
            self.output_grid.highlight([])
        if m.x is not None and m.unused and m.mode == "floor":
            edge = m.W - m.unused - 0.5
            self.strike.set_data([edge, edge, np.nan, -0.5, m.W - 0.5], [-0.5, m.W - 0.5, np.nan, edge, edge])
        else:
            self.strike.set_data([], [])
        self.show()

    def _readout(self):
        m = self.model
        if not m.valid:
            fits = "".join(f"<li>F={s.F}, S={s.S} -> output {s.output}</li>" for s in m.suggestions)
            return (f"<b>output size:</b> none ({m.mode}) <b style='color:#c00'>invalid</b><br>"
                    f"{red(m.reason)}" + (f"<br>Settings that fit:<ul>{fits}</ul>" if fits else ""))
        unused = (f"; floor leaves {m.unused} row(s) and column(s) unread: {m.unused_positions}"
                  if m.unused else "")
        return (f"<b>output size:</b> {m.output_size} ({m.mode}) <b style='color:#080'>valid</b>: "
                f"{html.escape(m.formula)}; <b>discarded:</b> {m.discarded:.0%} of the activations"
                f"{unused}<br>{html.escape(m.arithmetic())}")
