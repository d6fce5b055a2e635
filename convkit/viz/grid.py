"""Grids of numbers with highlighted windows, drawn once and updated in place.

A NumberGrid owns one Axes: an image for the cell colours, a pool of Text
artists for the numbers and rectangles for highlighted windows. show()
changes their data (set_data, set_text, set_xy), never re-creates the axes.
"""
import math

import matplotlib
import numpy as np
from matplotlib.font_manager import FontProperties, findfont, get_font
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


def stack_slices(slices, pad=0):
    """Slices (n, H, W) padded by pad and stacked top to bottom with a blank (NaN) row between.

    Returns (values, pad_mask, tops): the array for NumberGrid.show, the
    padding cells, and the row where each padded slice begins.
    """
    slices = np.asarray(slices, dtype=float)
    n, H, W = slices.shape
    Hp, Wp = H + 2 * pad, W + 2 * pad
    values = np.full((n * (Hp + 1) - 1, Wp), np.nan)
    pad_mask = np.zeros(values.shape, dtype=bool)
    tops = [i * (Hp + 1) for i in range(n)]
    for top, piece in zip(tops, slices):
        values[top:top + Hp] = np.pad(piece, pad)
        pad_mask[top:top + Hp] = True
        pad_mask[top + pad:top + pad + H, pad:pad + W] = False
    return values, pad_mask, tops


def _fmt(value):
    """A grid cell's number: ints as ints, floats with 2 decimals at most."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e6:
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


_MASKS = {}


def text_mask(text, pixels):
    """The alpha mask (h, w) floats in [0, 1] of text in DejaVu Sans, pixels high; cached."""
    key = (text, pixels)
    if key not in _MASKS:
        if len(_MASKS) > 20000:
            _MASKS.clear()
        font = get_font(findfont(FontProperties(family="DejaVu Sans")))
        font.set_size(pixels, 72)
        font.set_text(text, 0.0)
        font.draw_glyphs_to_bitmap(antialiased=True)
        _MASKS[key] = np.asarray(font.get_image(), dtype=np.float32) / 255
    return _MASKS[key]


class NumberGrid:
    """A 2-D array drawn as coloured cells with its numbers written in them.

    show(values, pad=P) draws values (H, W) with P rings of zero padding
    around them (grey cells); highlight(windows) outlines rectangles given as
    (row, col, height, width) in padded coordinates. Colours span
    [-vmax, vmax], or [0, vmax] when not symmetric (vmax None: the largest |value|).
    The numbers are stamped into the cells' image at the size it is shown
    (one image per grid, no Text artists), which keeps a redraw fast.
    """

    def __init__(self, ax, cmap="coolwarm", fontsize=11, max_numbers=400, vmax=None, symmetric=True):
        self.ax, self.vmax, self.symmetric = ax, vmax, symmetric
        self.max_numbers, self.fontsize = max_numbers, fontsize
        ax.set_xticks([])
        ax.set_yticks([])
        self.cmap = matplotlib.colormaps[cmap]
        self.image = ax.imshow(np.zeros((1, 1, 4)), interpolation="antialiased")
        ax.set_title("", fontsize=9, y=1.0)  # a fixed place: no title layout per draw
        self.boxes = []
        self.shape = (1, 1)

    def show(self, values, pad=0, title=None, vmax=None, pad_mask=None):
        """Draw values (H, W) inside pad rings of zeros (grey cells).

        NaN cells are left blank (white, no number); pad_mask (shape of the
        padded values) marks more cells as padding (see stack_slices).
        """
        values = np.asarray(values, dtype=float)
        padded = np.pad(values, pad)
        Hp, Wp = padded.shape
        vmax = self.vmax if vmax is None else vmax
        scale = vmax if vmax is not None else max(float(np.nanmax(np.abs(values), initial=0)), 1e-12)
        low = -scale if self.symmetric else 0
        blank = np.isnan(padded)
        colours = self.cmap(np.clip((np.where(blank, 0, padded) - low) / (scale - low), 0, 1))
        is_pad = np.ones((Hp, Wp), dtype=bool)
        is_pad[pad:Hp - pad, pad:Wp - pad] = False
        if pad_mask is not None:
            is_pad |= pad_mask
        colours[is_pad] = matplotlib.colors.to_rgba(PADDING)
        colours[blank] = 1.0
        if Hp * Wp <= self.max_numbers:
            colours = self._stamp(padded, colours)
        self.image.set_data(colours)
        self.image.set_extent((-0.5, Wp - 0.5, Hp - 0.5, -0.5))
        self.ax.set_xlim(-0.5, Wp - 0.5)
        self.ax.set_ylim(Hp - 0.5, -0.5)
        if title is not None:
            self.ax.set_title(title, fontsize=9, y=1.0)
        self.shape = (Hp, Wp)

    def _stamp(self, padded, colours):
        """colours (Hp, Wp, 4) blown up to the pixels of a cell, each number written in its cell."""
        Hp, Wp = padded.shape
        self.ax.set_xlim(-0.5, Wp - 0.5)
        self.ax.set_ylim(Hp - 0.5, -0.5)
        self.ax.apply_aspect()  # the box as drawn: stamped cells then match the screen's pixels
        cell = max(int(cell_pixels(self.ax, Wp, Hp)), 4)
        big = np.repeat(np.repeat(colours[:, :, :3], cell, axis=0), cell, axis=1)
        texts = [["" if np.isnan(v) else _fmt(v) for v in row] for row in padded]
        longest = max(len(t) for row in texts for t in row)
        pixels = max(3, min(self.fontsize * self.ax.figure.dpi / 72, cell * 1.6 / max(longest, 1),
                            cell * 0.6))
        dark = colours[:, :, :3] @ np.array([0.299, 0.587, 0.114]) < 0.45
        for r in range(Hp):
            for c in range(Wp):
                if not texts[r][c]:
                    continue
                mask = text_mask(texts[r][c], round(pixels))
                h, w = min(mask.shape[0], cell), min(mask.shape[1], cell)
                y, x = r * cell + (cell - h) // 2, c * cell + (cell - w) // 2
                ink = 1.0 if dark[r, c] else 0.0
                patch = big[y:y + h, x:x + w]
                alpha = mask[:h, :w, None]
                patch *= 1 - alpha
                patch += alpha * ink
        return big


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
