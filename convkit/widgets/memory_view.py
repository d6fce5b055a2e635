"""MemoryCalculator: the view of a MemoryModel (controls, the numbers, a bar chart)."""
import html

import ipywidgets as w

from .memory import GIB, GPUS, PRESET_NAMES, MemoryModel
from .view import CanvasImage, guarded

SOURCES = ("activations", "parameters", "miscellaneous")


class MemoryCalculator(w.VBox):
    """Preset or pattern, batch size, float32/float64, training/inference, GPU size.

    Shows the notes' three sources of memory and their total (1024-based
    units) and a bar chart of them against the GPU's memory. .model is the
    MemoryModel; kwargs make one when model is None.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model or MemoryModel(**kwargs)
        m = self.model
        self.preset = w.Dropdown(options=PRESET_NAMES, description="net",
                                 value=getattr(m, "preset", None)
                                 if getattr(m, "preset", None) in PRESET_NAMES else None,
                                 layout=w.Layout(width="460px"))
        self.batch = w.BoundedIntText(value=m.batch_size, min=1, max=10 ** 6,
                                      description="batch size")
        self.dtype = w.ToggleButtons(options=["float32", "float64"], value=m.dtype)
        self.mode = w.ToggleButtons(options=["training", "inference"],
                                    value="training" if m.training else "inference")
        gpus = dict(GPUS) if m.gpu_gb in GPUS.values() else {**GPUS, f"{m.gpu_gb} GB": m.gpu_gb}
        self.gpu = w.Dropdown(options=gpus, value=m.gpu_gb, description="GPU")
        self.numbers = w.HTML()
        self.status = w.HTML()
        self.chart = CanvasImage(6.0, 2.4)
        self._build_chart()
        for control in (self.preset, self.batch, self.dtype, self.mode, self.gpu):
            control.observe(self._changed, names="value")
        super().__init__([w.HBox([self.preset, self.gpu]), w.HBox([self.batch, self.dtype]),
                          self.mode, self.numbers, self.chart.widget, self.status])
        self.redraw()

    @guarded
    def _changed(self, change):
        m = self.model
        if change["owner"] is self.preset and change["new"] is not None:
            m.set_preset(change["new"])
        m.batch_size, m.dtype = self.batch.value, self.dtype.value
        m.training, m.gpu_gb = self.mode.value == "training", self.gpu.value
        self.redraw()

    def _build_chart(self):
        fig = self.chart.figure
        self.ax = fig.add_axes([0.22, 0.25, 0.74, 0.65])
        self.bars = self.ax.barh(list(SOURCES) + ["total"], [0, 0, 0, 0],
                                 color=["#4c72b0", "#dd8452", "#55a868", "#888888"])
        self.limit = self.ax.axvline(0, color="#c00", linestyle="--")
        self.ax.set_xlabel("GiB (1024**3 bytes)")
        self.ax.invert_yaxis()

    def redraw(self):
        """Show the model's numbers and redraw the chart."""
        m = self.model
        self.status.value = ""
        self.numbers.value = "<br>".join(html.escape(line) for line in m.lines())
        b = m.breakdown()
        values = [b.activation_bytes, b.param_bytes, b.misc_bytes, b.total_bytes]
        for bar, value in zip(self.bars, values):
            bar.set_width(value / GIB)
        self.limit.set_xdata([m.gpu_gb, m.gpu_gb])
        self.bars[-1].set_color("#55a868" if m.fits() else "#c44e52")
        self.ax.set_xlim(0, 1.1 * max(m.gpu_gb, b.total_bytes / GIB))
        self.ax.set_title(f"{m.gpu_gb} GiB GPU (dashed line)", fontsize=9)
        self.chart.refresh()
