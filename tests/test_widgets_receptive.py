"""ReceptiveFieldModel: the notes' 7 and 27C^2 vs 49C^2, the Distill closed forms, a Net's layers."""
import pytest

import convkit
from convkit.errors import ShapeError
from convkit.widgets import ReceptiveFieldModel


def test_three_3x3_layers_see_7x7_with_fewer_parameters():
    model = ReceptiveFieldModel()
    assert [t.size for t in model.trace] == [3, 5, 7] and model.size == 7
    for C in (1, 3, 64, 512):
        model.set(C=C)
        cmp = model.comparison
        assert cmp["field_3x3_stack"] == cmp["field_7x7"] == 7
        assert cmp["params_3x3_stack"] == 27 * C * C and cmp["params_7x7"] == 49 * C * C
        assert cmp["params_3x3_stack_with_bias"] == 27 * C * C + 3 * C
    model.preset("one 7x7 (the notes)")
    assert model.size == 7 and model.output_size == 32


def test_region_of_a_neuron():
    model = ReceptiveFieldModel(W=32, neuron=(0, 5))
    assert model.region == ((-3, 3), (2, 8))                 # the first rows are zero padding
    assert model.region_inside == ((0, 3), (2, 8))
    model.preset("[CONV-POOL] x 2")
    assert [(t.size, t.jump, t.start) for t in model.trace] == [(3, 1, -1), (4, 2, -1), (8, 2, -3),
                                                                (10, 4, -3)]
    model.set(neuron=(2, 7))
    assert model.output_size == 8
    assert model.region == ((-3 + 2 * 4, -3 + 2 * 4 + 9), (-3 + 7 * 4, -3 + 7 * 4 + 9))
    model.set(neuron=(100, 100))                              # clamped to the output
    assert model.neuron == (7, 7)


def test_alexnet_preset():
    model = ReceptiveFieldModel()
    model.preset("AlexNet conv1 + pool")
    assert model.W == 227 and model.sizes == [55, 27]
    assert [(t.size, t.jump) for t in model.trace] == [(11, 4), (19, 8)]


def test_edit_layers_invalid_and_recovery():
    model = ReceptiveFieldModel()
    model.set_layer(1, F=2, S=2, P=0)                         # a 2x2 pool in the middle
    assert model.valid and model.sizes == [32, 16, 16] and model.size == 3 + 1 + 2 * 2
    model.set_layer(0, S=3)                                   # (32 - 3 + 2)/3 + 1 = 11.33
    assert not model.valid and model.output_size is None
    assert model.reason.startswith("layer 0 (F=3, S=3, P=1, D=1) on 32 inputs") and "11.33" in model.reason
    model.set_layer(0, S=1)
    assert model.valid
    model.add_layer(5, 1, 2, 1)
    assert model.size == 8 + 4 * 2
    model.remove_layer(0)
    assert len(model.layers) == 3
    with pytest.raises(ShapeError, match="at least one layer"):
        ReceptiveFieldModel(layers=[(3, 1, 1, 1)]).remove_layer()


def test_from_a_net():
    net = convkit.Net.from_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC")
    model = ReceptiveFieldModel.from_net(net)
    assert model.W == 32 and model.size == 10 and model.output_size == 8
    assert len(model.layers) == 6
