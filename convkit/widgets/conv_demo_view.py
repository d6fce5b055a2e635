"""FilterSlider: the notes' conv demo, stepped cell by cell, and a filter over a real image."""
import html

import ipywidgets
import numpy as np

from ..viz import NumberGrid, stack_slices
from .conv_demo import FILTERS, ConvDemoModel, demo_images
from .view import CanvasImage, ModelView, guarded, red, slider

class FilterSlider(ModelView):
    """The conv demo: FilterSlider() in a notebook cell shows it.

    Columns: the padded input slices with the window, filter k's slices, their
    element-wise products, and the output map being filled. Step, Play and the
    cell slider move over the K*Ho*Wo output cells. Below: a named filter
    over a CIFAR-10 image (the synthetic stand-in without the data).
    """

    def __init__(self, model=None, **settings):
        model = model or ConvDemoModel(**settings)
        self.controls = {
            "W": slider("W", model.W, 1, 12),
            "F": slider("F", model.F, 1, 7),
            "S": slider("S", model.S, 1, 4),
            "P": slider("P", model.P, 0, 3),
            "K": slider("K (filters)", model.K, 1, 4),
        }
        self.cell = slider("output cell", model.cell, 0, max(model.n_cells - 1, 0))
        self.play = ipywidgets.Play(value=self.cell.value, min=0, max=self.cell.max, interval=900,
                                    description="play")
        ipywidgets.jslink((self.play, "value"), (self.cell, "value"))
        ipywidgets.jslink((self.play, "max"), (self.cell, "max"))
        self.step_button = ipywidgets.Button(description="step")
        self.random_button = ipywidgets.Button(description="new random values")
        self.filter = ipywidgets.Dropdown(options=list(FILTERS), value=model.filter_name,
                                          description="filter")
        self.image_index = slider("image", model.image_index, 0, len(demo_images()[0]) - 1)
        self.image = CanvasImage(9.6, 5.2, dpi=72)
        figure = self.image.figure
        layout = figure.add_gridspec(2, 4)
        self.inputs = NumberGrid(figure.add_subplot(layout[:, 0]), vmax=2)
        self.filters = NumberGrid(figure.add_subplot(layout[:, 1]), cmap="PiYG", vmax=1)
        self.products = NumberGrid(figure.add_subplot(layout[:, 2]), vmax=2)
        self.output = NumberGrid(figure.add_subplot(layout[0, 3]), cmap="viridis")
        self.sum_ax = figure.add_subplot(layout[1, 3])
        self.sum_ax.set_axis_off()
        self.sum_text = self.sum_ax.text(0.0, 0.5, "", fontsize=9, va="center", family="DejaVu Sans Mono")
        figure.subplots_adjust(left=0.02, right=0.98, top=0.93, bottom=0.02, wspace=0.15, hspace=0.3)
        self.picture = CanvasImage(9.6, 3.0, dpi=72)
        axes = self.picture.figure.subplots(1, 3)
        self.photo = axes[0].imshow(np.zeros((32, 32, 3), dtype=np.uint8))
        self.kernel = NumberGrid(axes[1], cmap="PiYG")
        self.activation = axes[2].imshow(np.zeros((32, 32)), cmap="gray")
        for ax in (axes[0], axes[2]):
            ax.set_xticks([])
            ax.set_yticks([])
        self.picture_axes = axes
        self.picture.figure.subplots_adjust(left=0.01, right=0.99, top=0.88, bottom=0.02, wspace=0.1)
        sliders = list(self.controls.values())
        super().__init__(model, [
            ipywidgets.HBox([ipywidgets.VBox(sliders[:3]), ipywidgets.VBox(sliders[3:])]),
            ipywidgets.HBox([self.play, self.step_button, self.cell, self.random_button]),
            self.image.widget,
            ipywidgets.HBox([self.filter, self.image_index]),
            self.picture.widget])
        self.watch(sliders, self._on_settings)
        self.watch([self.cell], self._on_cell)
        self.watch([self.filter, self.image_index], self._on_picture)
        self.step_button.on_click(self._on_step)
        self.random_button.on_click(self._on_random)
        self.draw()
        self.draw_picture()

    @guarded
    def _on_step(self, button):
        self.model.step()
        with self.quietly():
            self.cell.value = self.model.cell
        self.draw()

    @guarded
    def _on_random(self, button):
        self.model.randomize()
        self.draw()

    @guarded
    def _on_picture(self, change):
        self.model.filter_name = self.filter.value
        self.model.image_index = self.image_index.value
        self.draw_picture()

    def draw(self):
        """Redraw the demo and the readout from the model."""
        m = self.model
        self.sync_cell()
        if not m.formula:
            self._blank()
        else:
            k, i, j = m.position if m.valid else (0, 0, 0)
            r, c = m.window if m.valid else (0, 0)
            x, pad_mask, tops = stack_slices(m.x, m.P)
            self.inputs.show(x, pad_mask=pad_mask, title=f"input x, {m.C} slices (P={m.P})")
            self.inputs.highlight([(top + r, c, m.F, m.F) for top in tops] if m.valid else [],
                                  color="#2ca02c")
            w, _, _ = stack_slices(m.w[k])
            self.filters.show(w, title=f"filter w{k} ({m.F}x{m.F}x{m.C})")
            if m.valid:
                products, _, _ = stack_slices(m.products)
                sums = ", ".join(f"{v:g}" for v in m.channel_sums)
                self.products.show(products, title=f"products; sums {sums}")
            else:
                self.products.show(np.full((1, 1), np.nan), title="")
            if m.valid:
                done = np.arange(m.out[k].size).reshape(m.out[k].shape) <= i * m.output_size + j
                filled = np.where(done, m.out[k], np.nan)  # cells not reached yet stay blank
                self.output.show(filled, title=f"output out[:, :, {k}] ({m.output_size}x"
                                 f"{m.output_size}x{m.K})")
                self.output.highlight([(i, j, 1, 1)], color="#d62728")
                self.sum_text.set_text("\n".join([f"{s:g}" + " +" for s in m.channel_sums]
                                                 + [f"{m.bias:g}  (bias b{k})",
                                                    f"= {m.total:g}"]))
                self.sum_text.set_color("black")
            else:
                self.output.show(np.zeros((1, 1)), title="output: invalid")
                self.output.highlight([])
                self.sum_text.set_text("invalid settings:\n" + m.formula)
                self.sum_text.set_color("#c00")
        self.show()

    def _blank(self):
        for grid in (self.inputs, self.filters, self.products, self.output):
            grid.show(np.full((1, 1), np.nan), title="")
            grid.highlight([])
        self.sum_text.set_text("invalid settings")
        self.sum_text.set_color("#c00")

    def _readout(self):
        m = self.model
        if not m.valid:  # the reason lists the settings that fit already
            return f"<b>output size:</b> none <b style='color:#c00'>invalid</b><br>{red(m.reason)}"
        k, i, j = m.position
        lines = "<br>".join(html.escape(line) for line in m.arithmetic())
        return (f"<b>output size:</b> {m.output_size} <b style='color:#080'>valid</b>: "
                f"{html.escape(m.formula)}; volume {m.W}x{m.W}x{m.C} -> {m.output_size}x"
                f"{m.output_size}x{m.K}<br><b>cell</b> {m.cell + 1} of {m.n_cells}: filter {k}, "
                f"row {i}, column {j}, window at ({m.window[0]}, {m.window[1]}) of the padded "
                f"input<br>{lines}<br><b>total</b> {m.total:g}, ops.conv_forward "
                f"{m.out[k, i, j]:g}")

    def draw_picture(self):
        """Redraw the image, the filter and its activation map."""
        m = self.model
        self.photo.set_data(m.image)
        self.picture_axes[0].set_title(m.image_name, fontsize=9, y=1.0)
        self.kernel.show(m.image_filter[0, 0] * 3, title=f"filter: {m.filter_name} (each channel / 3)")
        amap = m.activation_map()
        self.activation.set_data(amap)
        self.activation.set_clim(amap.min(), amap.max() if amap.max() > amap.min() else amap.min() + 1)
        self.picture_axes[2].set_title(f"activation map {amap.shape[0]}x{amap.shape[1]} (S=1, P=1)",
                                       fontsize=9, y=1.0)
        with self.picture.widget.hold_sync():
            self.picture.refresh()
            self.status.value = ""
