"""import convkit stays light (no ipywidgets, no matplotlib); the shared canvas renders."""
import subprocess
import sys


def run(code):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_convkit_does_not_import_ipywidgets_or_matplotlib():
    out = run("import sys, convkit, convkit.widgets; "
              "print(sorted(m for m in ('ipywidgets', 'matplotlib') if m in sys.modules))")
    assert out.strip() == "[]"


def test_canvas_renders_png():
    from convkit.viz import Canvas
    canvas = Canvas(2, 1)
    ax = canvas.figure.add_subplot()
    ax.plot([0, 1], [0, 1])
    png = canvas.png()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 500


def test_models_import_without_ipywidgets_or_matplotlib():
    out = run("import sys, convkit.backprop\n"
              "from convkit.widgets import (ShapeModel, ConvDemoModel, PoolModel, BackpropModel,\n"
              "                             ReceptiveFieldModel)\n"
              "ShapeModel(); ConvDemoModel(); PoolModel(); BackpropModel(); ReceptiveFieldModel()\n"
              "print(sorted(m for m in ('ipywidgets', 'matplotlib') if m in sys.modules))")
    assert out.strip() == "[]"


def test_every_widget_name_resolves():
    import convkit.widgets as widgets
    for name in ("ShapeModel", "ShapeExplorer", "ConvDemoModel", "FilterSlider", "PoolModel",
                 "PoolingExplorer", "ReceptiveFieldModel", "ReceptiveFieldExplorer", "BackpropModel",
                 "BackpropViewer"):
        assert name in widgets.__all__ and getattr(widgets, name).__name__ == name
