"""Drawing helpers the widget views share: matplotlib figures rendered to PNG.

Figures are made with matplotlib's Agg canvas directly (no pyplot, so the
notebook's own backend is untouched), kept for the life of a view, and
their artists updated in place before each render.
"""
from .canvas import Canvas
from .images import (activation_mosaic, draw_loss_curve, draw_mosaic, filter_mosaic, mosaic,
                     normalise_each, update_loss_curve, update_mosaic)

__all__ = ["Canvas", "activation_mosaic", "draw_loss_curve", "draw_mosaic", "filter_mosaic",
           "mosaic", "normalise_each", "update_loss_curve", "update_mosaic"]
