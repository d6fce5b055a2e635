"""Drawing helpers the widget views share: matplotlib figures rendered to PNG.

Figures are made with matplotlib's Agg canvas directly (no pyplot, so the
notebook's own backend is untouched), kept for the life of a view, and
their artists updated in place before each render.

Canvas: a figure rendered to PNG. NumberGrid: a grid of numbers with
highlighted windows and zero padding. NeuronLine: the notes' 1-D neuron
diagram. TextPool: reusable text artists; NumberRows: rows of numbers
aligned with cells (render them inside exact_text()).
"""
from .canvas import Canvas
from .grid import NumberGrid, NumberRows, TextPool, exact_text, stack_slices
from .images import (activation_mosaic, draw_loss_curve, draw_mosaic, filter_mosaic, mosaic,
                     normalise_each, update_loss_curve, update_mosaic)
from .line import NeuronLine

__all__ = ["Canvas", "NeuronLine", "NumberGrid", "NumberRows", "TextPool", "exact_text",
           "stack_slices", "activation_mosaic", "draw_loss_curve", "draw_mosaic", "filter_mosaic",
           "mosaic", "normalise_each", "update_loss_curve", "update_mosaic"]
