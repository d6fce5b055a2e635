"""Grids of numbers with highlighted windows, drawn once and updated in place.

A NumberGrid owns one Axes: an image for the cell colours, a pool of Text
artists for the numbers and rectangles for highlighted windows. show()
changes their data (set_data, set_text, set_xy), never re-creates the axes.
"""
import math

import matplotlib
import numpy as np
from matplotlib.patches import Rectangle

PADDING = "#dddddd"


class TextPool:
    """Text artists of one Axes, reused: put() shows the i-th, hide_from() hides the rest."""

    def __init__(self, ax, **style):
        self.ax, self.style, self.texts = ax, style, []

    def put(self, i, x, y, text, **style):
        while len(self.texts) <= i:
            self.texts.append(self.ax.text(0, 0, "", ha="center", va="center", **self.style))
        artist = self.texts[i]
        artist.set_position((x, y))
        artist.set_text(text)
        artist.set_visible(True)
        if style:
            artist.update(style)
        return artist

    def hide_from(self, n):
        for artist in self.texts[n:]:
            artist.set_visible(False)


MONO_ADVANCE = 0.602  # width of one DejaVu Sans Mono character, in em


def exact_text():
    """A context for rendering in which text advances are not hinted to whole pixels.

    NumberRows relies on it: hinting would make rows of numbers drift off their cells.
    """
    return matplotlib.rc_context({"text.hinting": "no_hinting"})


def cell_pixels(ax, n_x, n_y=None):
    """The size in pixels of one data unit of ax holding n_x (and n_y) square cells."""
    figure = ax.figure
    box = ax.get_position()
    width = box.width * figure.get_figwidth() * figure.dpi / n_x
    if n_y is None:
        return width
    return min(width, box.height * figure.get_figheight() * figure.dpi / n_y)


class NumberRows:
    """Rows of numbers, one Text per row in a monospace font whose fields line up with cells.

    One Text per row instead of one per number keeps a redraw fast.
    """

    def __init__(self, ax, max_size=9, **style):
        self.pool = TextPool(ax, family="DejaVu Sans Mono", **style)
        self.max_size = max_size

    def show(self, rows, cell_px):
        """rows: (x0, y, numbers, step): numbers centred at x0, x0 + step, ...; cell_px: pixels per unit."""
        texts = [[_fmt(v) for v in values] for _, _, values, _ in rows]
        points = 72 / self.pool.ax.figure.dpi
        chars = max((len(t) for row in texts for t in row), default=1) + 1
        chars = max(chars, math.ceil(cell_px * points / (self.max_size * MONO_ADVANCE)))
        size = cell_px * points / (chars * MONO_ADVANCE)
        for i, ((x0, y, _, step), row) in enumerate(zip(rows, texts)):
            line = "".join(t.center(chars * step) for t in row)
            self.pool.put(i, x0 + (len(row) - 1) * step / 2, y, line, fontsize=size)
        self.pool.hide_from(len(rows))


def _fmt(value):
    """A grid cell's number: ints as ints, floats with 2 decimals at most."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


class NumberGrid:
    """A 2-D array drawn as coloured cells with its numbers written in them.

    show(values, pad=P) draws values (H, W) with P rings of zero padding
    around them (grey cells); highlight(windows) outlines rectangles given as
    (row, col, height, width) in padded coordinates. Colours span
    [-vmax, vmax], or [0, vmax] when not symmetric (vmax None: the largest |value|).
    """

    def __init__(self, ax, cmap="coolwarm", fontsize=11, max_numbers=400, vmax=None, symmetric=True):
        self.ax, self.vmax, self.symmetric = ax, vmax, symmetric
        self.max_numbers = max_numbers
        ax.set_xticks([])
        ax.set_yticks([])
        colours = matplotlib.colormaps[cmap].with_extremes(bad=PADDING)
        self.image = ax.imshow(np.zeros((1, 1)), cmap=colours, vmin=-1, vmax=1, interpolation="nearest")
        self.numbers = NumberRows(ax, max_size=fontsize)
        self.boxes = []
        self.shape = (1, 1)

    def show(self, values, pad=0, title=None, vmax=None):
        """Draw values (H, W) inside pad rings of zeros (grey cells)."""
        values = np.asarray(values, dtype=float)
        padded = np.pad(values, pad)
        Hp, Wp = padded.shape
        vmax = self.vmax if vmax is None else vmax
        scale = vmax if vmax is not None else max(float(np.abs(values).max(initial=0)), 1e-12)
        is_pad = np.ones((Hp, Wp), dtype=bool)
        is_pad[pad:Hp - pad, pad:Wp - pad] = False
        self.image.set_data(np.ma.masked_array(padded, is_pad))
        self.image.set_clim(-scale if self.symmetric else 0, scale)
        self.image.set_extent((-0.5, Wp - 0.5, Hp - 0.5, -0.5))
        self.ax.set_xlim(-0.5, Wp - 0.5)
        self.ax.set_ylim(Hp - 0.5, -0.5)
        rows = [(0, r, padded[r], 1) for r in range(Hp)] if Hp * Wp <= self.max_numbers else []
        self.numbers.show(rows, cell_pixels(self.ax, Wp, Hp))
        if title is not None:
            self.ax.set_title(title, fontsize=9)
        self.shape = (Hp, Wp)

    def highlight(self, windows, color="black", width=2.5):
        """Outline each (row, col, height, width) window; other boxes are hidden."""
        for i, (r, c, h, w) in enumerate(windows):
            if i == len(self.boxes):
                box = Rectangle((0, 0), 1, 1, fill=False, linewidth=width, zorder=5)
                self.ax.add_patch(box)
                self.boxes.append(box)
            box = self.boxes[i]
            box.set_xy((c - 0.5, r - 0.5))
            box.set_width(w)
            box.set_height(h)
            box.set_edgecolor(color)
            box.set_visible(True)
        for box in self.boxes[len(windows):]:
            box.set_visible(False)
