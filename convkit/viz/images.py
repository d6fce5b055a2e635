"""Images and curves for the training dashboard: filter and activation mosaics, a loss curve.

Each draw_* function makes its artists once and returns them; the matching
update_* changes them in place (no new axes, no flicker), then the view
re-renders the figure to PNG.
"""
import math

import numpy as np


def normalise_each(images):
    """Scale each image (the first axis) to [0, 1] on its own min..max; constant ones are 0.5."""
    x = np.asarray(images, dtype=np.float64)
    axes = tuple(range(1, x.ndim))
    low = x.min(axis=axes, keepdims=True)
    span = x.max(axis=axes, keepdims=True) - low
    return np.where(span > 0, (x - low) / np.where(span > 0, span, 1), 0.5)


def mosaic(images, cols=None, pad=1, fill=1.0):
    """Tile images (N, h, w) or (N, h, w, 3) into one (rows*(h+pad)-pad, cols*(w+pad)-pad[, 3])
    array, row by row; cols defaults to about sqrt(N); gaps are fill."""
    images = np.asarray(images, dtype=np.float64)
    n, h, w = images.shape[:3]
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    out = np.full((rows * (h + pad) - pad, cols * (w + pad) - pad) + images.shape[3:], fill)
    for k in range(n):
        r, c = divmod(k, cols)
        out[r * (h + pad):r * (h + pad) + h, c * (w + pad):c * (w + pad) + w] = images[k]
    return out


def draw_mosaic(ax, images, title="", cmap=None, fill=1.0):
    """Show mosaic(images) on ax without ticks; returns the AxesImage. fill: the gaps'
    value (NaN leaves them blank under a colour map)."""
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return ax.imshow(mosaic(images, fill=fill), cmap=cmap, vmin=0, vmax=1,
                     interpolation="nearest")


def update_mosaic(artist, images, title=None, fill=1.0):
    """Put mosaic(images) in the AxesImage of draw_mosaic (its size may change)."""
    tiles = mosaic(images, fill=fill)
    artist.set_data(tiles)
    h, w = tiles.shape[:2]
    artist.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
    if title is not None:
        artist.axes.set_title(title, fontsize=9)


def filter_mosaic(ax, filters, title="first-layer filters"):
    """Filters (K, F, F, 3) as RGB tiles, each scaled to its own range."""
    return draw_mosaic(ax, normalise_each(filters), title)


def activation_mosaic(ax, maps, title="activations", cmap="viridis"):
    """Activation maps (D, H, W) as grey-scale tiles, each scaled to its own range."""
    return draw_mosaic(ax, normalise_each(maps), title, cmap, fill=np.nan)


def draw_loss_curve(ax):
    """Two lines on ax, the loss per step (light) and its smoothed line; returns both."""
    raw, = ax.plot([], [], color="#9ab", linewidth=0.8, label="loss per step")
    smooth, = ax.plot([], [], color="#c44e52", linewidth=1.6, label="smoothed")
    ax.set_xlabel("step", fontsize=8)
    ax.set_ylabel("loss", fontsize=8)
    ax.legend(fontsize=7, loc="upper right")
    return raw, smooth


def update_loss_curve(lines, steps, loss, smoothed):
    """Set the data of draw_loss_curve's lines and rescale their axes."""
    raw, smooth = lines
    raw.set_data(steps, loss)
    smooth.set_data(steps, smoothed)
    ax = raw.axes
    ax.relim()
    ax.autoscale_view()
