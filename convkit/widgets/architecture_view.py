"""ArchitectureBuilder: the view of an ArchitectureModel (pattern box, layer table, bar chart)."""
import html

import ipywidgets as w

from .architecture import PRESETS, ArchitectureModel, build
from .view import CanvasImage, guarded

GREY = "opacity:0.4"


class ArchitectureBuilder(w.VBox):
    """A pattern text box and presets, the input volume, the layer table and its totals,
    bars of parameters and activations per layer, and a button that trains the net.

    An invalid pattern is shown with a caret under the failing token, or the
    failing layer's row and its arithmetic; the last valid table stays, greyed.
    The button (for 32x32x3 inputs) puts a TrainingDashboard of the net in
    .dashboard and shows it below. .model is the ArchitectureModel.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model or ArchitectureModel(**kwargs)
        m = self.model
        D, H, W = m.input_shape
        self.preset = w.Dropdown(options=[""] + list(PRESETS), value="", description="preset",
                                 layout=w.Layout(width="640px"))
        self.pattern = w.Text(value=m.pattern, description="pattern", continuous_update=False,
                              layout=w.Layout(width="640px"))
        self.width = w.BoundedIntText(value=W, min=1, max=4096, description="W",
                                      layout=w.Layout(width="140px"))
        self.height = w.BoundedIntText(value=H, min=1, max=4096, description="H",
                                       layout=w.Layout(width="140px"))
        self.depth = w.BoundedIntText(value=D, min=1, max=4096, description="D",
                                      layout=w.Layout(width="140px"))
        self.classes = w.BoundedIntText(value=m.num_classes, min=1, max=100000,
                                        description="classes", layout=w.Layout(width="160px"))
        self.error = w.HTML()
        self.table = w.HTML()
        self.totals = w.HTML()
        self.chart = CanvasImage(7.0, 3.2)
        self.train_button = w.Button(description="Train this net (32x32x3)")
        self.dashboard = None
        self.dashboard_box = w.VBox()
        self.status = w.HTML()
        self._quiet = False
        self.preset.observe(self._preset_changed, names="value")
        for control in (self.pattern, self.width, self.height, self.depth, self.classes):
            control.observe(self._changed, names="value")
        self.train_button.on_click(self._train)
        super().__init__([self.preset, self.pattern,
                          w.HBox([self.width, self.height, self.depth, self.classes]),
                          self.error, self.table, self.totals, self.chart.widget,
                          self.train_button, self.status, self.dashboard_box])
        self.redraw()

    @guarded
    def _preset_changed(self, change):
        if not change["new"]:
            return
        m = self.model.load_preset(change["new"])
        D, H, W = m.input_shape
        self._quiet = True
        try:
            self.pattern.value, self.classes.value = m.pattern, m.num_classes
            self.width.value, self.height.value, self.depth.value = W, H, D
        finally:
            self._quiet = False
        self.redraw()

    @guarded
    def _changed(self, change):
        if self._quiet:
            return
        m = self.model
        m.pattern, m.num_classes = self.pattern.value, self.classes.value
        m.input_shape = (self.depth.value, self.height.value, self.width.value)
        m.update()
        self.redraw()

    @guarded
    def _train(self, button):
        from .training_view import TrainingDashboard
        if not self.model.trainable():
            raise ValueError("the dashboard trains on 32x32x3 images (CIFAR-10's size): "
                             "set W=32, H=32, D=3 and a valid pattern")
        self.dashboard = TrainingDashboard(net=build(self.model.pattern))
        self.dashboard_box.children = [self.dashboard]

    def redraw(self):
        """Show the table, totals, chart and error of the model."""
        m = self.model
        self.status.value = ""
        style = "" if m.valid else GREY
        self.error.value = _error_html(m)
        self.table.value = _table_html(m.rows(), style)
        self.totals.value = (f"<div style='{style}'>"
                             + "<br>".join(html.escape(t) for t in m.totals()) + "</div>")
        self.train_button.disabled = not m.trainable() or m.num_classes != 10
        if m.valid:
            self._draw_bars()

    def _draw_bars(self):
        names, params, acts = self.model.bars()
        fig = self.chart.figure
        fig.clear()
        for k, (values, title, colour) in enumerate(((params, "parameters", "#dd8452"),
                                                     (acts, "activations per image", "#4c72b0"))):
            ax = fig.add_subplot(1, 2, k + 1)
            ax.barh(range(len(names)), values, color=colour)
            ax.set_yticks(range(len(names)), names, fontsize=7)
            ax.invert_yaxis()
            ax.set_title(title, fontsize=9)
            ax.tick_params(axis="x", labelsize=7)
        fig.tight_layout()
        self.chart.refresh()


def _error_html(model):
    e = model.error
    if e is None:
        return ""
    parts = []
    if e.row is not None:
        parts.append(f"<b>row {e.row}</b> (the failing layer): {html.escape(e.arithmetic)}")
    parts.append(f"<pre style='color:#c00'>{html.escape(e.message)}</pre>")
    return "<div style='color:#c00'>" + "".join(parts) + "</div>"


def _table_html(rows, style):
    if not rows:
        return ""
    head = "".join(f"<th>{c}</th>" for c in ("layer", "output (WxHxD)", "params",
                                              "activations", "memory (1024-based)"))
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table style='{style}'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
