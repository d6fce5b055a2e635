"""The architecture builder: preset numbers, errors marked where they happen, the view."""
import pytest

from convkit.widgets.architecture import NOTES_PATTERNS, PRESETS, ArchitectureModel

CONV = 3 * 3 * 3 * 32 + 32                      # a 3x3 CONV(32) on 3 channels


def conv(C, K, F=3):
    return F * F * C * K + K


def fc(n, k):
    return n * k + k


EXPECTED = {
    "VGG-16": 138_357_544,
    "AlexNet": 62_378_344,
    NOTES_PATTERNS[0]: fc(32 * 32 * 3, 10),
    NOTES_PATTERNS[1]: conv(3, 32) + fc(32 * 32 * 32, 10),
    NOTES_PATTERNS[2]: conv(3, 32) + conv(32, 64) + fc(8 * 8 * 64, 100) + fc(100, 10),
    NOTES_PATTERNS[3]: (conv(3, 32) + conv(32, 32) + conv(32, 64) + conv(64, 64)
                        + conv(64, 128) + conv(128, 128) + fc(4 * 4 * 128, 100)
                        + fc(100, 100) + fc(100, 10)),
    "three_layer_convnet": conv(3, 32, 7) + fc(16 * 16 * 32, 100) + fc(100, 10),
}


@pytest.mark.parametrize("name", list(EXPECTED))
def test_preset_parameters(name):
    key = name if name in PRESETS else next(n for n in PRESETS if n.endswith(name))
    model = ArchitectureModel(preset=key)
    assert model.valid
    assert model.summary.params == EXPECTED[name]
    assert sum(model.bars()[1]) == EXPECTED[name]


def test_vgg16_table():
    model = ArchitectureModel(preset="VGG-16")
    assert model.summary.activations == 15_237_608
    rows = model.rows()
    assert rows[0][:2] == ("INPUT", "224x224x3")
    assert rows[1][1:3] == ("224x224x64", "1,792")
    names, params, acts = model.bars()
    assert max(zip(params, names))[1] == "fc1"            # the parameters: the first FC
    assert acts.index(max(acts)) <= 2                      # the memory: the early convs
    assert any("138,357,544" in line for line in model.totals())


def test_syntax_error_keeps_the_last_table_and_marks_the_caret():
    model = ArchitectureModel(preset="small_cifar_net")
    before = model.summary
    model.set_pattern("INPUT -> CONV(K=8 -> FC")
    assert not model.valid and model.summary is before
    assert model.error.position == model.pattern.index("->", 10) and model.error.row is None
    caret_line = model.error.message.splitlines()[-1]
    assert caret_line.index("^") - 4 == model.error.position


def test_size_error_marks_the_layers_row_and_arithmetic():
    model = ArchitectureModel()
    model.set_pattern("INPUT -> CONV -> POOL -> CONV(K=8, F=4, S=5, P=0) -> FC")
    e = model.error
    assert e.row == 3                                       # INPUT is row 0
    assert e.position == model.pattern.index("CONV(K=8")
    assert "(16 - 4 + 2*0)/5 + 1 = 3.4" in e.arithmetic
    model.set_pattern("INPUT -> CONV -> FC")
    assert model.valid and model.summary.params == EXPECTED[NOTES_PATTERNS[1]]


def test_input_size_changes_the_net():
    model = ArchitectureModel(preset="small_cifar_net")
    model.set_input(64)
    assert model.net.input_shape == (3, 64, 64) and not model.trainable()
    assert model.summary.rows[-1].weights == 4 * 4 * 256 * 10
    model.set_input(32)
    assert model.trainable()


def test_unknown_preset_is_refused():
    with pytest.raises(ValueError, match="preset"):
        ArchitectureModel().load_preset("ResNet")


def test_view_follows_controls_and_greys_invalid_tables():
    from convkit.widgets import ArchitectureBuilder
    view = ArchitectureBuilder()
    png = view.chart.widget.value
    view.preset.value = "VGG-16"
    assert view.model.summary.params == 138_357_544 and "138,357,544" in view.totals.value
    assert view.chart.widget.value != png
    assert view.train_button.disabled                        # 224x224x3, 1000 classes
    view.pattern.value = "INPUT -> CONV(F=2, S=2, P=0) -> CONV(F=2, S=2, P=0) -> FC"
    view.width.value = view.height.value = 6
    assert "opacity" in view.table.value and "row 2" in view.error.value
    view.width.value = view.height.value = 8
    assert view.model.valid and "opacity" not in view.table.value and view.error.value == ""
    assert view.status.value == ""
