"""Canvas: one matplotlib figure kept alive and rendered to PNG bytes on demand."""
import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .grid import exact_text


class Canvas:
    """A figure of width x height inches drawn by Agg.

    canvas.figure is an ordinary matplotlib Figure: add axes once, then
    update their artists (set_data, set_text, set_color) and call png()
    for the bytes an ipywidgets.Image shows.
    """

    def __init__(self, width=6.0, height=4.0, dpi=100):
        self.figure = Figure(figsize=(width, height), dpi=dpi)
        self._agg = FigureCanvasAgg(self.figure)

    def png(self):
        """The figure as PNG bytes: fast compression (it is redrawn often), unhinted text."""
        buffer = io.BytesIO()
        with exact_text():
            self._agg.print_png(buffer, pil_kwargs={"compress_level": 1})
        return buffer.getvalue()
