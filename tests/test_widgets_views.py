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


def test_filter_slider():
    from convkit.widgets import ConvDemoModel, FilterSlider
    view = FilterSlider()
    assert isinstance(view.model, ConvDemoModel)
    assert view.cell.max == 17 and view.play.max == 17
    png = view.image.widget.value
    view.cell.value = 5
    assert view.model.cell == 5 and view.image.widget.value != png
    k, i, j = view.model.position
    assert f"ops.conv_forward {view.model.out[k, i, j]:g}" in view.readout.value
    view.step_button.click()
    assert view.model.cell == 6 and view.cell.value == 6
    view.controls["S"].value = 3
    assert not view.model.valid and "invalid" in view.readout.value and "2.333" in view.readout.value
    view.controls["S"].value = 1
    assert view.model.valid and view.model.n_cells == 50 and view.cell.max == 49
    before = view.model.x.copy()
    view.random_button.click()
    assert (view.model.x != before).any() and view.status.value == ""
    picture = view.picture.widget.value
    view.filter.value = "blur"
    assert view.model.filter_name == "blur" and view.picture.widget.value != picture
    view.image_index.value = 3
    assert view.model.image_index == 3 and view.status.value == ""


def test_filter_slider_sweeps():
    from convkit.widgets import FilterSlider
    view = FilterSlider()
    sweep(view, [view.cell, *view.controls.values()])
    for name in view.filter.options:
        view.filter.value = name
        assert view.status.value == ""
    sweep(view, [view.image_index])


def test_pooling_explorer():
    from convkit.widgets import PoolingExplorer, PoolModel
    view = PoolingExplorer()
    assert isinstance(view.model, PoolModel)
    assert "75%" in view.readout.value and "output size:</b> 2" in view.readout.value
    png = view.image.widget.value
    view.controls["W"].value = 5
    assert not view.model.valid and "invalid" in view.readout.value and "2.5" in view.readout.value
    assert view.image.widget.value != png
    view.mode.value = "floor"
    assert view.model.valid and "unread" in view.readout.value
    view.mode.value = "strict"
    view.controls["F"].value = 3
    assert view.model.valid and view.model.output_size == 2          # F=3, S=2 overlapping
    view.kind.value = "avg"
    assert view.model.kind == "avg" and "mean(" in view.readout.value
    view.source.value = "image"
    assert view.model.W == 32 and view.controls["W"].value == 32 and view.status.value == ""


def test_pooling_explorer_sweeps():
    from convkit.widgets import PoolingExplorer
    view = PoolingExplorer(W=8)
    for mode in ("strict", "floor"):
        view.mode.value = mode
        sweep(view, [*view.controls.values(), view.cell])
    for kind in view.kind.options:
        view.kind.value = kind
        assert view.status.value == ""
    view.source.value = "image"
    sweep(view, [view.image_index, view.cell])


def test_backprop_viewer():
    from convkit.widgets import BackpropModel, BackpropViewer
    view = BackpropViewer()
    assert isinstance(view.model, BackpropModel)
    assert "dx True, dw True, db True" in view.readout.value
    png = view.image.widget.value
    view.cell.value = 11
    assert view.model.cell == 11 and "ops.conv_backward dx[0, 0, 3] = " in view.readout.value
    assert view.image.widget.value != png
    view.target.value = "dw"
    assert view.model.target == "dw" and view.cell.max == 8 and "dw[0, 0, 0, 0]" in view.readout.value
    view.controls["S"].value = 3
    assert not view.model.valid and "invalid" in view.readout.value
    view.controls["S"].value = 1
    assert view.model.valid and view.status.value == ""


def test_backprop_viewer_sweeps():
    from convkit.widgets import BackpropViewer
    view = BackpropViewer()
    for target in ("dx", "dw"):
        view.target.value = target
        sweep(view, [*view.controls.values(), view.cell])


def test_receptive_field_explorer():
    from convkit.widgets import ReceptiveFieldExplorer, ReceptiveFieldModel
    view = ReceptiveFieldExplorer()
    assert isinstance(view.model, ReceptiveFieldModel)
    assert "receptive field:</b> 7x7" in view.readout.value and "27C^2 = 110592" in view.readout.value
    png = view.image.widget.value
    view.col.value = 5
    assert view.model.neuron == (0, 5) and view.image.widget.value != png
    view.C.value = 3
    assert "27C^2 = 243" in view.readout.value and "49C^2 = 441" in view.readout.value
    view.layer.value = 1
    view.controls["F"].value = 2
    view.controls["P"].value = 0
    view.controls["S"].value = 2
    assert view.model.layers[1] == (2, 2, 0, 1) and view.model.size == 8
    view.layer.value = 0
    view.controls["S"].value = 3
    assert not view.model.valid and "invalid" in view.readout.value
    view.controls["S"].value = 1
    assert view.model.valid
    view.preset.value = "AlexNet conv1 + pool"
    assert view.W.value == 227 and view.model.sizes == [55, 27] and view.status.value == ""
    view.add_button.click()
    assert len(view.model.layers) == 3 and view.layer.value == 2
    view.remove_button.click()
    assert len(view.model.layers) == 2 and view.status.value == ""


def test_receptive_field_explorer_sweeps():
    from convkit.widgets import ReceptiveFieldExplorer
    view = ReceptiveFieldExplorer()
    for index in range(3):
        view.layer.value = index
        sweep(view, list(view.controls.values()))
    sweep(view, [view.W, view.row, view.col, view.C])


def test_an_invalid_setting_lists_the_settings_that_fit_once():
    from convkit.widgets import FilterSlider, ShapeExplorer
    for view in (ShapeExplorer(W=5, F=3, S=3, P=1), FilterSlider(W=5, F=3, S=3, P=1)):
        assert not view.model.valid
        assert view.readout.value.count("Settings that fit") == 1
        assert "S=2, P=1 -&gt; output 3" in view.readout.value
