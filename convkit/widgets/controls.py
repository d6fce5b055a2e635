"""View helpers of the training dashboard: a CanvasImage that re-renders quickly."""
import io

from .view import CanvasImage


class QuickCanvasImage(CanvasImage):
    """A CanvasImage whose refresh() compresses its PNG lightly (zlib level 1).

    Live panels are re-rendered many times during a run: the light compression
    takes about a third less time than the default level, for PNGs about 10% larger.
    """

    def refresh(self):
        buffer = io.BytesIO()
        self.figure.canvas.print_png(buffer, pil_kwargs={"compress_level": 1})
        self.widget.value = buffer.getvalue()
