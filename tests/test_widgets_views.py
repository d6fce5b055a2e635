"""Each view builds headless; controls change the model and the picture; no callback raises."""
import pytest

ipywidgets = pytest.importorskip("ipywidgets")


def sweep(view, sliders):
    """Move each slider over its range (every value of small ranges, 12 steps of large ones, the ends)."""
    for slider in sliders:
        start = slider.value
        for value in range(slider.min, slider.max + 1, max(1, (slider.max - slider.min) // 12)):
            slider.value = value
            assert view.status.value == "", (slider.description, value, view.status.value)
        slider.value = slider.max
        assert view.status.value == "", (slider.description, slider.max, view.status.value)
        slider.value = start


def test_shape_explorer():
    from convkit.widgets import ShapeExplorer, ShapeModel
    view = ShapeExplorer()
    assert isinstance(view, ipywidgets.Box) and isinstance(view.model, ShapeModel)
    png = view.image.widget.value
    assert "valid" in view.readout.value and "(5 - 3 + 2*1)/1 + 1 = 5" in view.readout.value
    view.controls["S"].value = 3
    assert view.model.S == 3 and not view.model.valid
    assert "invalid" in view.readout.value and "color:#c00" in view.readout.value
    assert "2.333" in view.readout.value and "S=2, P=1 -&gt; output 3" in view.readout.value
    assert view.image.widget.value != png
    view.mode.value = "floor"
    assert view.model.valid and view.model.output_size == 2 and "output size:</b> 2" in view.readout.value
    view.mode.value = "strict"
    view.controls["S"].value = 2
    assert view.model.valid and view.model.output_size == 3
    view.preset.value = "alexnet_conv1"
    assert view.controls["W"].value == 227 and view.model.output_size == 55
    assert "55x55x96" in view.readout.value and "34944" in view.readout.value
    view.inputs.value = "1, 2, 3"
    assert view.status.value == ""
    view.inputs.value = "1, x"
    assert "input values must be numbers" in view.status.value
    view.inputs.value = "4 5 6"
    assert view.status.value == ""


def test_shape_explorer_sweeps():
    from convkit.widgets import ShapeExplorer
    view = ShapeExplorer(W=12)
    sweep(view, [view.controls[name] for name in ("F", "S", "P", "D")])
    view.controls["W"].value = 40
    sweep(view, [view.controls["W"], view.controls["depth"], view.controls["K"], view.neuron])
    view.mode.value = "floor"
    sweep(view, [view.controls[name] for name in ("F", "S", "P", "D")])
