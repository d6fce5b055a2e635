"""ShapeModel: the notes' numbers, invalid settings and their recovery; ShapeExplorer headless."""
import pytest

from convkit.errors import ShapeError
from convkit.shapes import conv_output_size
from convkit.widgets import ShapeModel


@pytest.mark.parametrize("preset, size, formula", [
    ("notes_s1", 5, "(5 - 3 + 2*1)/1 + 1 = 5"),
    ("notes_s2", 3, "(5 - 3 + 2*1)/2 + 1 = 3"),
    ("notes_s3", None, "(5 - 3 + 2*1)/3 + 1 = 2.333"),
    ("notes_4_5", None, "(10 - 3 + 2*0)/2 + 1 = 4.5"),
    ("alexnet_conv1", 55, "(227 - 11 + 2*0)/4 + 1 = 55"),
])
def test_the_notes_numbers(preset, size, formula):
    model = ShapeModel()
    model.preset(preset)
    assert model.output_size == size and model.valid is (size is not None)
    assert model.formula == formula


def test_invalid_setting_gives_reason_suggestions_and_floor_side_by_side():
    model = ShapeModel(W=5, F=3, S=3, P=1)
    assert not model.valid and model.output_size is None
    assert "2.333 is not an integer" in model.reason
    assert model.suggestions[0].S == 2 and model.suggestions[0].output == 3
    for s in model.suggestions:
        assert conv_output_size(5, 3, s.S, s.P) == s.output
    assert model.strict_size is None and model.floor_size == 2
    assert model.floor_windows == [(0, 3), (3, 6)]
    assert model.unused == [6] and model.is_padding(6)       # the right padding is never read
    assert model.windows == []
    model.mode = "floor"
    assert model.valid and model.output_size == 2 and model.windows == [(0, 3), (3, 6)]
    model.set(mode="strict", S=2)                             # moving back recovers
    assert model.valid and model.output_size == 3 and model.reason == "" and model.suggestions == []


def test_notes_4_5_floor_leaves_an_input_unused():
    model = ShapeModel()
    model.preset("notes_4_5")
    assert "4.5" in model.reason
    assert model.floor_size == 4 and model.unused == [9] and not model.is_padding(9)


def test_windows_and_the_1d_example_of_the_notes():
    model = ShapeModel(W=5, F=3, S=1, P=1, inputs=[1, 2, -1, 1, -3])
    assert model.weights == [1, 0, -1] and model.bias == 0
    assert model.padded_inputs == [0, 1, 2, -1, 1, -3, 0]
    # each output: x[start] - x[start + 2]
    assert model.outputs == [0 - 2, 1 - (-1), 2 - 1, -1 - (-3), 1 - 0]
    model.S = 2
    assert model.windows == [(0, 3), (2, 5), (4, 7)] and model.outputs == [-2, 1, 1]
    model.inputs = [3, 1, 4, 1, 5]                 # padded [0, 3, 1, 4, 1, 5, 0]
    assert model.outputs == [0 - 1, 1 - 1, 1 - 0]


def test_dilation_uses_every_dth_input():
    model = ShapeModel(W=7, F=3, S=1, P=0, D=2)
    assert model.F_eff == 5 and model.output_size == 3
    assert model.taps(model.windows[0]) == [0, 2, 4]
    assert model.formula == "(7 - 5 + 2*0)/1 + 1 = 3"


def test_volume_and_parameters():
    model = ShapeModel()
    model.preset("alexnet_conv1")
    assert model.volume == ((227, 227, 3), 96, (55, 55, 96))
    assert model.params == 11 * 11 * 3 * 96 + 96 == 34944
    model.S = 5                                     # 216/5 is not an integer
    assert model.volume[2] is None and model.params == 34944


def test_filter_larger_than_input_and_bad_values():
    model = ShapeModel(W=3, F=7, P=0)
    assert not model.valid and model.floor_size is None and "larger than the padded input" in model.reason
    assert model.unused == [] and model.windows == []
    model.P = 2
    assert model.valid and model.output_size == 1
    model.W = 0
    assert not model.valid and "W must be an int >= 1" in model.reason and model.formula == ""
    model.W = 5
    assert model.valid and model.output_size == 3
    with pytest.raises(ShapeError, match="mode"):
        model.mode = "round"
    assert model.mode == "strict"
    with pytest.raises(ShapeError, match="unknown preset"):
        model.preset("nope")


def test_every_small_setting_agrees_with_shapes():
    model = ShapeModel()
    for W in range(1, 12):
        for F in range(1, 6):
            for S in range(1, 4):
                for P in range(3):
                    model.set(W=W, F=F, S=S, P=P)
                    try:
                        expected = conv_output_size(W, F, S, P)
                    except ShapeError:
                        expected = None
                    assert model.output_size == expected
                    assert len(model.outputs) == (expected or 0)
                    assert len(model.floor_windows) == len(range(0, W + 2 * P - F + 1, S))
