"""Every number of the CS231n notes on ConvNets, recomputed with convkit.shapes."""

import re

import numpy as np
import pytest

from convkit.errors import ShapeError
from convkit.shapes import (
    conv_output_size,
    conv_params,
    fc_params,
    format_bytes,
    memory_estimate,
    pool_output_size,
    receptive_field,
    unused_input,
)


def windows(W, F_eff, S, P):
    """Count filter placements by walking the padded input: the floor size."""
    starts = range(0, W + 2 * P - F_eff + 1, S)
    return len(starts)


def test_fc_neuron_weights():
    assert fc_params(32 * 32 * 3, 1).weights == 3072
    assert fc_params(200 * 200 * 3, 1).weights == 120_000
    layer = fc_params(3072, 10)
    assert (layer.weights, layer.biases, layer.total) == (30_720, 10, 30_730)


def test_local_connectivity_counts():
    assert conv_params(5, 3, 1).weights == 5 * 5 * 3 == 75
    assert conv_params(3, 20, 1).weights == 3 * 3 * 20 == 180


@pytest.mark.parametrize("S, out", [(1, 5), (2, 3)])
def test_notes_example_w5_f3_p1(S, out):
    assert conv_output_size(5, 3, S=S, P=1) == out


def test_notes_example_w5_f3_p1_s3_invalid():
    with pytest.raises(ShapeError, match=re.escape("(5 - 3 + 2*1)/3 + 1 = 2.333")):
        conv_output_size(5, 3, S=3, P=1)


def test_w10_f3_s2_message():
    with pytest.raises(ShapeError) as err:
        conv_output_size(10, 3, S=2, P=0)
    message = str(err.value)
    assert "(10 - 3 + 2*0)/2 + 1 = 4.5 is not an integer" in message
    assert "stepping 2 from the first position leaves 1 column over" in message
    assert "S=1, P=0 -> output 8" in message
    assert "mode='floor'" in message


def test_alexnet_conv1():
    size = conv_output_size(227, 11, S=4, P=0)
    assert size == 55
    neurons = size * size * 96
    assert neurons == 290_400
    per_neuron = conv_params(11, 3, 1)
    assert (per_neuron.weights, per_neuron.biases) == (363, 1)
    unshared = conv_params(11, 3, 96, shared=False, out_size=(55, 55))
    assert unshared.total == neurons * (363 + 1) == 105_705_600
    assert conv_params(11, 3, 96, shared=False, out_size=55) == unshared
    shared = conv_params(11, 3, 96)
    assert (shared.weights, shared.biases, shared.total) == (34_848, 96, 34_944)


def test_numpy_example_x_11_11_4():
    assert conv_output_size(11, 5, S=2, P=0) == 4


def test_pooling_224():
    size = pool_output_size(224, 2, 2)
    assert size == 112
    kept = (size * size * 64) / (224 * 224 * 64)
    assert 1 - kept == 0.75


def test_pooling_overlapping_and_invalid():
    assert pool_output_size(224, 3, 2, mode="floor") == 111
    with pytest.raises(ShapeError, match=re.escape("(224 - 3)/2 + 1 = 111.5 is not an integer")):
        pool_output_size(224, 3, 2)


@pytest.mark.parametrize("F", [1, 3, 5, 7])
def test_same_padding_keeps_size(F):
    for W in (5, 32, 224):
        assert conv_output_size(W, F, S=1, P=(F - 1) // 2) == W


def test_stacked_3x3_against_7x7():
    C = 16
    stacked = 3 * conv_params(3, C, C).weights
    single = conv_params(7, C, C).weights
    assert stacked == 27 * C**2
    assert single == 49 * C**2


@pytest.mark.parametrize(
    "layers, field",
    [([(3, 1)] * 3, 7), ([(3, 1)] * 2, 5), ([(7, 1)], 7), ([(3, 2), (3, 2)], 7), ([], 1)],
)
def test_receptive_field(layers, field):
    assert receptive_field(layers) == field


def test_vgg_first_block_memory():
    size = conv_output_size(224, 3, S=1, P=1)
    assert size == 224
    activations = [size * size * 64] * 3
    assert sum(activations) == 9_633_792
    memory = memory_estimate(activations, 0)
    assert memory.activation_bytes == 9_633_792 * 4 * 2 == 77_070_336
    assert format_bytes(memory.total_bytes) == "73.5 MiB"


def test_memory_estimate_parts():
    memory = memory_estimate([100, 20], [10, 5], bytes_per_value=8)
    assert memory.activation_bytes == 120 * 8 * 2
    assert memory.param_bytes == 15 * 8 * 3
    assert memory.total_bytes == 1920 + 360
    inference = memory_estimate(120, 15, with_gradients=False)
    assert (inference.activation_bytes, inference.param_bytes) == (480, 60)
    assert str(inference) == "activations 480 B, parameters 60 B, total 540 B"


@pytest.mark.parametrize(
    "n, text",
    [(0, "0 B"), (1023, "1023 B"), (1024, "1.0 KiB"), (1536, "1.5 KiB"),
     (72 * 1024**2, "72.0 MiB"), (3 * 1024**3, "3.0 GiB")],
)
def test_format_bytes(n, text):
    assert format_bytes(n) == text


def test_dilation():
    assert conv_output_size(10, 3, S=1, P=0, D=2) == 6
    with pytest.raises(ShapeError) as err:
        conv_output_size(10, 3, S=2, P=0, D=2)
    message = str(err.value)
    assert "F_eff = D*(F-1)+1 = 2*(3-1)+1 = 5" in message
    assert "(10 - 5 + 2*0)/2 + 1 = 3.5 is not an integer" in message


def test_floor_mode():
    assert conv_output_size(10, 3, S=2, P=0, mode="floor") == 4
    assert unused_input(10, 3, S=2, P=0) == 1
    assert unused_input(5, 3, S=2, P=1) == 0
    assert pool_output_size(10, 3, 2, mode="floor") == 4


def torch_conv_size(H, K, S, P, D):
    """nn.Conv2d / nn.MaxPool2d docs: floor((H + 2P - D*(K-1) - 1)/S + 1)."""
    return int(np.floor((H + 2 * P - D * (K - 1) - 1) / S + 1))


def test_floor_mode_agrees_with_pytorch_on_a_grid():
    checked = 0
    for W in range(1, 14):
        for F in range(1, 6):
            for S in range(1, 5):
                for P in range(0, 3):
                    for D in (1, 2):
                        F_eff = D * (F - 1) + 1
                        if F_eff > W + 2 * P:
                            continue
                        size = conv_output_size(W, F, S, P, D, mode="floor")
                        assert size == torch_conv_size(W, F, S, P, D)
                        assert size == windows(W, F_eff, S, P)
                        assert (size - 1) * S + F_eff + unused_input(W, F, S, P, D) == W + 2 * P
                        checked += 1
                if F <= W:
                    assert pool_output_size(W, F, S, mode="floor") == torch_conv_size(W, F, S, 0, 1)
    assert checked > 500


CONV_SUGGESTION = re.compile(r"S=(\d+), P=(\d+) -> output (\d+)")
POOL_SUGGESTION = re.compile(r"F=(\d+), S=(\d+) -> output (\d+)")


def test_every_invalid_conv_setting_shows_arithmetic_and_valid_suggestions():
    suggested = 0
    for W in range(1, 16):
        for F in range(1, 6):
            for S in range(2, 5):
                for P in range(0, 3):
                    for D in (1, 2):
                        F_eff = D * (F - 1) + 1
                        if F_eff > W + 2 * P or (W - F_eff + 2 * P) % S == 0:
                            continue
                        with pytest.raises(ShapeError) as err:
                            conv_output_size(W, F, S, P, D)
                        message = str(err.value)
                        value = (W - F_eff + 2 * P) / S + 1
                        assert f"({W} - {F_eff} + 2*{P})/{S} + 1 = {value:.4g}" in message
                        for s, p, out in CONV_SUGGESTION.findall(message):
                            assert conv_output_size(W, F, int(s), int(p), D) == int(out)
                            suggested += 1
    assert suggested > 100


def test_every_invalid_pool_setting_shows_arithmetic_and_valid_suggestions():
    suggested = 0
    for W in range(1, 16):
        for F in range(1, 5):
            for S in range(2, 5):
                if F > W or (W - F) % S == 0:
                    continue
                with pytest.raises(ShapeError) as err:
                    pool_output_size(W, F, S)
                message = str(err.value)
                assert f"({W} - {F})/{S} + 1 = {(W - F) / S + 1:.4g} is not an integer" in message
                assert "pool window cannot be placed evenly" in message
                for f, s, out in POOL_SUGGESTION.findall(message):
                    assert pool_output_size(W, int(f), int(s)) == int(out)
                    suggested += 1
    assert suggested > 20


def test_filter_larger_than_padded_input():
    with pytest.raises(ShapeError) as err:
        conv_output_size(5, 7, S=1, P=0)
    message = str(err.value)
    assert "(5 - 7 + 2*0)/1 + 1 = -1" in message
    assert "larger than the padded input (W + 2P = 5 + 2*0 = 5)" in message
    assert "P >= 1" in message
    assert conv_output_size(5, 7, S=1, P=1) == 1
    with pytest.raises(ShapeError, match=re.escape("F_eff = D*(F-1)+1 = 3*(3-1)+1 = 7")):
        conv_output_size(5, 3, D=3)
    with pytest.raises(ShapeError, match=re.escape("(5 - 7)/1 + 1 = -1: the pool window (F=7)")):
        pool_output_size(5, 7, 1)
    with pytest.raises(ShapeError, match="larger than the padded input"):
        conv_output_size(5, 7, S=1, P=0, mode="floor")


@pytest.mark.parametrize(
    "kwargs, text",
    [
        (dict(W=0), "W must be an int >= 1, got 0"),
        (dict(F=0), "F must be an int >= 1, got 0"),
        (dict(S=0), "S must be an int >= 1, got 0"),
        (dict(P=-1), "P must be an int >= 0, got -1"),
        (dict(D=0), "D must be an int >= 1, got 0"),
        (dict(S=2.5), "S must be an int, got 2.5 (float)"),
        (dict(F="3"), "F must be an int, got '3' (str)"),
        (dict(P=True), "P must be an int, got True (bool)"),
        (dict(W=32.0), "W must be an int, got 32.0 (float); write 32"),
        (dict(mode="ceil"), "mode must be 'strict' or 'floor', got 'ceil'"),
    ],
)
def test_bad_parameters_are_named(kwargs, text):
    args = dict(W=32, F=3, S=1, P=1) | kwargs
    with pytest.raises(ShapeError) as err:
        conv_output_size(**args)
    assert str(err.value) == text
    assert isinstance(err.value, ValueError)


def test_bad_pool_and_count_parameters():
    with pytest.raises(ShapeError, match=re.escape("S must be an int, got 2.0 (float)")):
        pool_output_size(224, 2, 2.0)
    with pytest.raises(ShapeError, match="shared=False needs out_size"):
        conv_params(11, 3, 96, shared=False)
    with pytest.raises(ShapeError, match=re.escape("D_in must be an int >= 1, got 0")):
        conv_params(3, 0, 8)
    with pytest.raises(ShapeError, match=re.escape("layer 1 must be an (F, S) pair")):
        receptive_field([(3, 1), 3])


def test_numpy_integers_are_accepted():
    assert conv_output_size(np.int64(227), np.int32(11), np.int16(4)) == 55
    assert type(conv_output_size(np.int64(227), 11, 4)) is int
    assert pool_output_size(np.int64(224), 2, np.uint8(2)) == 112


def test_floor_mode_matches_torch_when_installed():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for W in (7, 10, 13):
        for K, S, P, D in [(3, 2, 0, 1), (3, 3, 1, 1), (5, 2, 2, 2), (2, 3, 0, 1), (4, 2, 1, 2)]:
            x = torch.zeros(1, 1, W, W)
            out = F.conv2d(x, torch.zeros(1, 1, K, K), stride=S, padding=P, dilation=D)
            assert out.shape[-1] == conv_output_size(W, K, S, P, D, mode="floor")
            pooled = F.max_pool2d(x, K, stride=S)
            assert pooled.shape[-1] == pool_output_size(W, K, S, mode="floor")


def test_three_3x3_conv_layers_on_224x224x3_activations_come_from_a_net_summary():
    from convkit import Net

    net = Net.from_pattern("INPUT -> [CONV(64) -> RELU]*3 -> FC", input_shape=(3, 224, 224))
    convs = [row for row in net.summary((3, 224, 224)).rows if row.layer.startswith("CONV")]
    activations = sum(row.activations for row in convs)
    assert activations == 9_633_792  # "about 10 million" in the notes
    memory = memory_estimate(activations, 0, bytes_per_value=4)
    assert memory.activation_bytes == 77_070_336  # the notes' "72MB" with gradients
    assert format_bytes(memory.activation_bytes) == "73.5 MiB"


@pytest.mark.parametrize("activations", [1.5, [1, 2.5], "12", None, [True]])
def test_memory_estimate_refuses_counts_that_are_not_ints(activations):
    with pytest.raises(ShapeError, match="activations"):
        memory_estimate(activations, 1)
