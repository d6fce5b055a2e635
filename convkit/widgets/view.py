"""What every view shares: a Canvas shown as an ipywidgets.Image, and safe callbacks."""
import functools
import traceback

import ipywidgets

from ..viz import Canvas


class CanvasImage:
    """A Canvas and the ipywidgets.Image that shows it; refresh() re-renders."""

    def __init__(self, width=6.0, height=4.0, dpi=100):
        self.canvas = Canvas(width, height, dpi)
        self.figure = self.canvas.figure
        self.widget = ipywidgets.Image(format="png", value=self.canvas.png())

    def refresh(self):
        self.widget.value = self.canvas.png()


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
