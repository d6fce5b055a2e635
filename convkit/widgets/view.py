"""What every view shares: a Canvas shown as an ipywidgets.Image, and safe callbacks."""
import contextlib
import functools
import html
import traceback

import ipywidgets

from ..viz import Canvas


class CanvasImage:
    """A Canvas and the ipywidgets.Image that shows it; refresh() re-renders."""

    def __init__(self, width=6.0, height=4.0, dpi=100):
        self.canvas = Canvas(width, height, dpi)
        self.figure = self.canvas.figure
        # Shown at its own pixel size (Voila would stretch it to the page and blur the digits),
        # shrunk only where the page is narrower.
        pixels = f"{round(width * dpi)}px"
        self.widget = ipywidgets.Image(format="png", value=self.png(),
                                       layout=ipywidgets.Layout(width=pixels, max_width="100%",
                                                                height="auto"))

    def png(self):
        """The figure as PNG bytes (Canvas.png)."""
        return self.canvas.png()

    def refresh(self):
        self.widget.value = self.png()


def guarded(method):
    """Wrap a view callback so an exception is shown in the view's status, never raised.

    The view must have a `status` ipywidgets.HTML; the model stays as it was.
    """
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as error:  # a callback must not kill the widget
            last = traceback.extract_tb(error.__traceback__)[-1]
            self.status.value = (f"<span style='color:#c00'>{type(error).__name__}: {error} "
                                 f"(in {last.name})</span>")
            return None
    return wrapper


def slider(description, value, low, high, step=1):
    """An IntSlider bounded to [low, high], its value clamped into that range."""
    return ipywidgets.IntSlider(value=min(max(value, low), high), min=low, max=high, step=step,
                                description=description, style={"description_width": "initial"})


def red(text):
    """HTML for an invalid setting: the text in red, line breaks kept."""
    return f"<span style='color:#c00'>{html.escape(text)}</span>".replace("\n", "<br>")


class ModelView(ipywidgets.VBox):
    """A view: an ipywidgets box with .model, a `readout` and a `status` HTML.

    Controls are set from the model inside quietly(), so their callbacks do
    not fire back; draw() is the view's own redraw. The callbacks and helpers
    below serve the views that have what they name (self.controls, self.cell,
    self.play, self.image, _readout()).
    """

    def __init__(self, model, children):
        self.model = model
        self.readout = ipywidgets.HTML()
        self.status = ipywidgets.HTML()
        self._quiet = False
        super().__init__([*children, self.readout, self.status])

    @contextlib.contextmanager
    def quietly(self):
        """Set controls without running their callbacks."""
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    def watch(self, controls, callback):
        """Call callback(change) when a control's value changes (not inside quietly())."""
        def on_change(change):
            if not self._quiet:
                callback(change)
        for control in controls:
            control.observe(on_change, names="value")

    @guarded
    def _on_settings(self, change):
        """Set the model from the sliders in self.controls, then redraw."""
        self.model.set(**{name: control.value for name, control in self.controls.items()})
        self.draw()

    @guarded
    def _on_cell(self, change):
        """Move the model to the cell the self.cell slider picks, then redraw."""
        if self.model.valid:
            self.model.cell = min(change["new"], self.model.n_cells - 1)
        self.draw()

    def sync_cell(self):
        """Set the self.cell slider and the self.play button from the model's cells."""
        with self.quietly(), self.hold_sync():
            self.cell.max = max(self.model.n_cells - 1, 0)
            self.play.max = self.cell.max
            self.cell.value = self.model.cell

    def show(self):
        """Show the view's _readout() and its re-rendered self.image; clear the status."""
        with self.readout.hold_sync(), self.image.widget.hold_sync():
            self.readout.value = self._readout()
            self.image.refresh()
            self.status.value = ""
