"""Interactive widgets for the lessons: a plain-Python model plus a thin view.

Each widget is a model (all logic and every number shown; no ipywidgets)
and a view (an ipywidgets box whose .model is the model). One call shows a
widget in a notebook: ``convkit.widgets.ShapeExplorer()``.

Names are imported on first use, so ``import convkit.widgets`` stays cheap
and the models import without ipywidgets or matplotlib.
"""
import importlib

_WHERE = {
    "ShapeModel": "shape",
    "ShapeExplorer": "shape_view",
    "ConvDemoModel": "conv_demo",
    "FilterSlider": "conv_demo_view",
    "PoolModel": "pool",
    "PoolingExplorer": "pool_view",
    "ReceptiveFieldModel": "receptive",
    "ReceptiveFieldExplorer": "receptive_view",
    "BackpropModel": "backprop",
    "BackpropViewer": "backprop_view",
    "TrainingModel": "training", "TrainingDashboard": "training_view",
    "ArchitectureModel": "architecture", "ArchitectureBuilder": "architecture_view",
    "MemoryModel": "memory", "MemoryCalculator": "memory_view",
}

__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'convkit.widgets' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
