"""Net: building from the notes' patterns, errors with carets, named parameters, modes,
checkpoints, and the CS231n sanity checks."""
import math
import time

import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.checkpoint import CheckpointError
from convkit.errors import SettingsError, ShapeError
from convkit.layers import FC, Conv, Dropout, Flatten, ReLU, SVMLoss
from convkit.net import Net
from convkit.pattern import PatternError, parse
from convkit.shapes import format_bytes


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def layers_of(net):
    return [(layer.describe(), layer.out_shape) for layer in net.layers]


def caret_column(message):
    """Where the caret points in the pattern line above it."""
    pattern_line, caret_line = message.splitlines()[-2:]
    assert pattern_line.startswith("    ")
    return caret_line.index("^") - 4


def test_linear_classifier_pattern():
    net = Net.from_pattern("INPUT -> FC")
    assert layers_of(net) == [("FC K=10", (10,))]
    assert net.params["fc1.w"].shape == (3072, 10)


def test_one_conv_pattern():
    net = Net.from_pattern("INPUT -> CONV -> RELU -> FC")
    assert layers_of(net) == [("CONV K=32 F=3 S=1 P=1", (32, 32, 32)), ("RELU", (32, 32, 32)),
                              ("FC K=10", (10,))]


def test_two_conv_blocks_pattern():
    net = Net.from_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC")
    assert layers_of(net) == [
        ("CONV K=32 F=3 S=1 P=1", (32, 32, 32)), ("RELU", (32, 32, 32)),
        ("POOL F=2 S=2", (32, 16, 16)),
        ("CONV K=64 F=3 S=1 P=1", (64, 16, 16)), ("RELU", (64, 16, 16)),
        ("POOL F=2 S=2", (64, 8, 8)),
        ("FC K=100", (100,)), ("RELU", (100,)), ("FC K=10", (10,))]
    assert [layer.name for layer in net.layers] == [
        "conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "fc1", "relu3", "fc2"]
    assert net.params["fc1.w"].shape == (64 * 8 * 8, 100)


def test_deep_pattern():
    net = Net.from_pattern(
        "INPUT -> [CONV -> RELU -> CONV -> RELU -> POOL]*3 -> [FC -> RELU]*2 -> FC")
    convs = [(layer.K, layer.out_shape) for layer in net.layers if layer.kind == "CONV"]
    assert convs == [(32, (32, 32, 32)), (32, (32, 32, 32)), (64, (64, 16, 16)),
                     (64, (64, 16, 16)), (128, (128, 8, 8)), (128, (128, 8, 8))]
    assert [layer.kind for layer in net.layers[-5:]] == ["FC", "RELU", "FC", "RELU", "FC"]
    assert [layer.K for layer in net.layers if layer.kind == "FC"] == [100, 100, 10]
    assert net.layers[-6].out_shape == (128, 4, 4)
    assert net.output_shape == (10,)


def test_explicit_sizes_and_other_tokens():
    net = Net.from_pattern(
        "INPUT -> CONV(K=64, F=5, S=1, P=2) -> BN -> RELU -> POOL(F=3, S=2, mode=floor)"
        " -> LOCAL(8, 3) -> AVGPOOL(3, 3) -> L2POOL(F=1, S=1) -> DROPOUT(p=0.5) -> FLATTEN"
        " -> FC(50) -> FC(K=20) -> FC -> SVM(delta=2)", num_classes=7)
    assert layers_of(net) == [
        ("CONV K=64 F=5 S=1 P=2", (64, 32, 32)), ("BN", (64, 32, 32)), ("RELU", (64, 32, 32)),
        ("POOL F=3 S=2 mode=floor", (64, 15, 15)), ("LC K=8 F=3 S=1 P=1", (8, 15, 15)),
        ("AVGPOOL F=3 S=3", (8, 5, 5)), ("L2POOL F=1 S=1", (8, 5, 5)),
        ("DROPOUT p=0.5", (8, 5, 5)), ("FLATTEN", (200,)),
        ("FC K=50", (50,)), ("FC K=20", (20,)), ("FC K=7", (7,))]
    assert isinstance(net.loss_layer, SVMLoss) and net.loss_layer.delta == 2.0
    assert net.params["lc1.w"].shape == (15, 15, 8, 64, 3, 3)


def test_default_sizes_can_be_changed():
    net = Net.from_pattern("INPUT -> [CONV -> POOL]*2 -> FC -> FC", input_shape=(1, 8, 8),
                           num_classes=3, filters=4, hidden=6)
    assert [layer.out_shape for layer in net.layers] == [(4, 8, 8), (4, 4, 4), (8, 4, 4),
                                                         (8, 2, 2), (6,), (3,)]


def test_layer_names_are_case_insensitive():
    assert [s.kind for s in parse("input -> conv -> Relu -> maxpool -> batchnorm -> fc")] == [
        "CONV", "RELU", "POOL", "BN", "FC"]


@pytest.mark.parametrize("pattern, column, message", [
    ("INPUT -> CONVV -> FC", 9, "unknown layer 'CONVV'"),
    ("CONV -> RELU -> FC", 0, "starts with INPUT"),
    ("", 0, "starts with INPUT"),
    ("INPUT -> [CONV -> RELU -> FC", 9, "never closed"),
    ("INPUT -> CONV] -> FC", 13, "without a matching"),
    ("INPUT -> [CONV -> RELU]*0 -> FC", 24, "repeat count"),
    ("INPUT -> [CONV -> RELU]*1.5 -> FC", 24, "repeat count"),
    ("INPUT -> [CONV -> RELU]* -> FC", 25, "repeat count"),
    ("INPUT -> CONV(F=2.5) -> FC", 16, "F must be an int >= 1"),
    ("INPUT -> CONV(Q=3) -> FC", 14, "no argument 'Q'"),
    ("INPUT -> POOL(mode=ceil) -> FC", 19, "strict or floor"),
    ("INPUT -> DROPOUT(p=0) -> FC", 19, "in (0, 1]"),
    ("INPUT -> CONV(K=4, K=5) -> FC", 19, "K twice"),
    ("INPUT -> FC(10 -> FC", 15, "expected ',' or ')'"),
    ("INPUT -> CONV ->", 16, "expected a layer"),
    ("INPUT CONV -> FC", 6, "expected '->'"),
    ("INPUT -> CONV*2 -> FC", 13, "brackets"),
    ("INPUT -> FC -> INPUT", 15, "INPUT may only come first"),
    ("INPUT -> SVM -> FC", 9, "only be the last"),
    ("INPUT -> CONV & FC", 14, "unexpected character '&'"),
    ("INPUT -> CONV -> RELU", 21, "ends with FC"),
    ("INPUT -> FC(12)", 9, "num_classes=10"),
])
def test_syntax_errors_point_at_the_spot(pattern, column, message):
    with pytest.raises(PatternError) as info:
        Net.from_pattern(pattern)
    assert message in str(info.value)
    assert info.value.position == column
    assert caret_column(str(info.value)) == column
    assert isinstance(info.value, ValueError)


def test_shape_errors_name_the_layer_and_point_at_it():
    pattern = "INPUT -> CONV(K=16) -> RELU -> CONV(F=5, S=2, P=0) -> FC"
    with pytest.raises(ShapeError) as info:
        Net.from_pattern(pattern)
    text = str(info.value)
    assert text.startswith("layer 3 (CONV K=32 F=5 S=2 P=0) on 32x32x16: "
                           "(32 - 5 + 2*0)/2 + 1 = 14.5 is not an integer")
    assert caret_column(text) == pattern.index("CONV(F=5")
    with pytest.raises(ShapeError, match=r"layer 2 \(POOL F=2 S=2\) on 1x1x100: .*needs an image"):
        Net.from_pattern("INPUT -> FC(100) -> POOL -> FC")


def test_named_parameters_gradients_and_dtype(rng):
    net = Net.from_pattern("INPUT -> CONV(4) -> BN -> RELU -> POOL -> FC", input_shape=(2, 6, 6),
                           num_classes=3, dtype=np.float64)
    assert list(net.params) == ["conv1.w", "conv1.b", "bn1.gamma", "bn1.beta", "fc1.w", "fc1.b"]
    assert list(net.buffers) == ["bn1.running_mean", "bn1.running_var"]
    assert net.params["conv1.w"].dtype == np.float64
    X, y = rng.standard_normal((5, 2, 6, 6)), np.array([0, 1, 2, 0, 1])
    loss, scores = net.loss(X, y)
    assert scores.shape == (5, 3) and scores.dtype == np.float64
    assert loss == pytest.approx(ops.softmax_loss(scores, y)[0])
    assert {name: g.shape for name, g in net.grads.items()} == {
        name: w.shape for name, w in net.params.items()}
    assert net.num_params() == sum(w.size for w in net.params.values())
    assert net.num_params() == (4 * 2 * 9 + 4) + (4 + 4) + (36 * 3 + 3)


@pytest.mark.parametrize("pattern", ["INPUT -> CONV(4) -> BN -> RELU -> POOL -> FC",
                                     "INPUT -> RELU -> CONV(4) -> FC", "INPUT -> FC"])
def test_loss_skips_the_input_gradient_and_leaves_the_same_parameter_gradients(rng, pattern):
    net = Net.from_pattern(pattern, input_shape=(2, 6, 6), num_classes=3, dtype=np.float64)
    X, y = rng.standard_normal((5, 2, 6, 6)), np.array([0, 1, 2, 0, 1])
    net.loss(X, y)
    grads = {name: ops.to_numpy(g).copy() for name, g in net.grads.items()}
    dscores = net.loss_layer(net.forward(X), y)[1]
    assert net.backward(dscores, input_gradient=False) is None
    assert net.backward(dscores).shape == X.shape
    for name, g in net.grads.items():
        np.testing.assert_array_equal(ops.to_numpy(g), grads[name])


def test_seeded_initialization():
    def weights(seed):
        return Net.from_pattern("INPUT -> CONV -> FC", seed=seed).params["conv1.w"]
    np.testing.assert_array_equal(weights(3), weights(3))
    assert not np.array_equal(weights(3), weights(4))


def test_train_and_eval_modes(rng):
    net = Net.from_pattern("INPUT -> FC(50) -> DROPOUT(p=0.5) -> BN -> FC", input_shape=(8,))
    X = rng.standard_normal((20, 8)).astype(np.float32)
    train_a, train_b = net.train().forward(X), net.forward(X)
    assert not np.array_equal(train_a, train_b)
    np.testing.assert_array_equal(net.forward(X, seed=1), net.forward(X, seed=1))
    net.eval()
    np.testing.assert_array_equal(net.forward(X), net.forward(X))
    np.testing.assert_array_equal(net.predict(X, batch_size=7), np.argmax(net.forward(X), axis=1))
    assert not net.training
    net.train()
    net.predict(X)
    assert net.training


def test_initial_softmax_loss_is_log_of_the_class_count(rng):
    net = Net.from_pattern("INPUT -> [CONV -> RELU -> POOL]*2 -> FC -> RELU -> FC",
                           input_shape=(3, 16, 16), weight_scale=1e-3, filters=8)
    X = rng.standard_normal((50, 3, 16, 16)).astype(np.float32)
    loss, _ = net.loss(X, rng.integers(0, 10, size=50))
    assert loss == pytest.approx(math.log(10), abs=1e-3)


def test_summary_is_shape_arithmetic():
    net = Net.from_pattern("INPUT -> CONV(8) -> RELU -> POOL -> FC", input_shape=(3, 8, 8),
                           num_classes=5)
    table = net.summary()
    assert [(row.name, row.volume, row.params, row.activations) for row in table.rows] == [
        ("input", (3, 8, 8), 0, 192), ("conv1", (8, 8, 8), 224, 512), ("relu1", (8, 8, 8), 0, 0),
        ("pool1", (8, 4, 4), 0, 128), ("fc1", (5,), 645, 5)]
    assert (table.params, table.weights, table.biases, table.activations) == (869, 856, 13, 837)
    assert table.forward_memory.activation_bytes == 837 * 4
    assert table.training_memory.total_bytes == 2 * 837 * 4 + 3 * 869 * 4
    text = str(table)
    assert "8x8x8" in text and "4x4x8" in text and "1x1x5" in text and "869" in text
    per_image, params = format_bytes(2 * 837 * 4), format_bytes(3 * 869 * 4)
    assert (f"training memory: activations {per_image} per image; parameters {params} "
            f"whatever the batch size") in text
    assert "<table>" in table._repr_html_()
    assert not net.built
    bigger = net.summary((3, 16, 16))
    assert bigger.rows[3].volume == (8, 8, 8)
    assert net.layers[2].out_shape == (8, 4, 4)


def test_checkpoint_round_trip(tmp_path, rng):
    pattern = "INPUT -> CONV(4) -> BN -> RELU -> POOL -> FC"
    net = Net.from_pattern(pattern, input_shape=(2, 4, 4), num_classes=3, seed=1)
    X = rng.standard_normal((6, 2, 4, 4)).astype(np.float32)
    net.loss(X, np.array([0, 1, 2, 0, 1, 2]))
    net.save(tmp_path / "net.npz")
    other = Net.from_pattern(pattern, input_shape=(2, 4, 4), num_classes=3, seed=2)
    assert not np.array_equal(other.params["conv1.w"], net.params["conv1.w"])
    other.load(tmp_path / "net.npz")
    for name in list(net.params) + list(net.buffers):
        np.testing.assert_array_equal({**other.params, **other.buffers}[name],
                                      {**net.params, **net.buffers}[name])
    np.testing.assert_array_equal(other.eval().forward(X), net.eval().forward(X))


def test_checkpoint_mismatch_lists_every_difference(tmp_path):
    Net.from_pattern("INPUT -> CONV(4) -> RELU -> FC", input_shape=(2, 4, 4)).save(
        tmp_path / "a.npz")
    other = Net.from_pattern("INPUT -> CONV(5) -> BN -> FC", input_shape=(2, 4, 4))
    before = other.params["conv1.w"].copy()
    with pytest.raises(CheckpointError) as info:
        other.load(tmp_path / "a.npz")
    text = str(info.value)
    assert "shape of conv1.w: net (5, 2, 3, 3), checkpoint (4, 2, 3, 3)" in text
    assert "shape of fc1.w: net (80, 10), checkpoint (64, 10)" in text
    assert "missing from the checkpoint: bn1.gamma (5,)" in text
    assert "missing from the checkpoint: bn1.running_var (5,)" in text
    np.testing.assert_array_equal(other.params["conv1.w"], before)


def test_a_file_that_is_no_checkpoint_gives_a_checkpoint_error(tmp_path):
    net = Net.from_pattern("INPUT -> FC", input_shape=(4,))
    (tmp_path / "junk.npz").write_bytes(b"not a zip file")
    with pytest.raises(CheckpointError, match="junk.npz is not a checkpoint"):
        net.load(tmp_path / "junk.npz")
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(CheckpointError, match="one.npy is not a checkpoint: it holds one array"):
        net.load(tmp_path / "one.npy")
    with pytest.raises(FileNotFoundError):
        net.load(tmp_path / "missing.npz")


def test_inputs_are_checked_against_the_input_shape(rng):
    net = Net.from_pattern("INPUT -> CONV(4) -> RELU -> FC", input_shape=(3, 8, 8))
    nhwc = rng.standard_normal((2, 8, 8, 3)).astype(np.float32)
    for run in (net.forward, net.predict, lambda X: net.loss(X, np.array([0, 1]))):
        with pytest.raises(ShapeError, match=r"takes batches \(N, 3, 8, 8\) .* got X of shape "
                                             r"\(2, 8, 8, 3\); it looks like NHWC .* "
                                             r"X.transpose\(0, 3, 1, 2\)"):
            run(nhwc)
    with pytest.raises(ShapeError, match=r"got X of shape \(2, 3, 9, 9\)$"):
        net.forward(np.zeros((2, 3, 9, 9)))
    with pytest.raises(ShapeError, match=r"X holds no inputs: shape \(0, 3, 8, 8\)"):
        net.predict(np.zeros((0, 3, 8, 8)))


def test_a_channels_last_input_shape_is_a_hint_not_a_refusal(rng):
    hint = r"\(32, 32, 3\) looks like \(H, W, C\): if so, use input_shape=\(3, 32, 32\)"
    net = Net.from_pattern("INPUT -> CONV -> FC", input_shape=(32, 32, 3))
    with pytest.raises(ShapeError, match=hint):
        net.forward(rng.standard_normal((2, 3, 32, 32)).astype(np.float32))
    with pytest.raises(ShapeError, match=r"(?s)\(3 - 2\)/2 \+ 1 = 1.5.*" + hint):
        Net.from_pattern("INPUT -> CONV -> POOL -> FC", input_shape=(32, 32, 3))
    for shape in ((16, 8, 4), (8, 64, 3), (1, 28, 28)):
        assert Net.from_pattern("INPUT -> CONV -> FC", input_shape=shape).input_shape == shape


def test_nets_from_layer_objects():
    net = Net([Conv(4, F=5, P=0), ReLU(), FC(3)], input_shape=(1, 9, 9))
    assert [layer.name for layer in net.layers] == ["conv1", "relu1", "fc1"]
    assert net.output_shape == (3,)
    assert "conv1: CONV K=4 F=5 S=1 P=0 -> 5x5x4" in repr(net)
    with pytest.raises(ShapeError, match=r"layer 2 \(CONV K=8 F=3 S=1 P=1\) on 1x1x10"):
        Net([FC(10), Conv(8)])


@pytest.mark.parametrize("layers, error, words", [
    (lambda: [Conv(0), FC(10)], ShapeError,
     ["layer 1 (CONV K=0", "K (the number of filters) must be an int >= 1"]),
    (lambda: [Conv("8"), FC(10)], TypeError,
     ["layer 1", "K (the number of filters) must be an int, got '8'"]),
    (lambda: [Flatten(), FC(0)], ShapeError, ["layer 2 (FC K=0)", "must be an int >= 1, got 0"]),
    (lambda: [Flatten(), Dropout(p=0), FC(10)], SettingsError, ["layer 2 (DROPOUT", "in (0, 1], got 0"]),
    (lambda: [Flatten(), Dropout(p=1.5), FC(10)], SettingsError, ["layer 2 (DROPOUT", "got 1.5"]),
])
def test_bad_layer_settings_are_refused_when_the_net_is_built(layers, error, words):
    with pytest.raises(error) as caught:
        Net(layers())
    for word in words:
        assert word in str(caught.value)


def test_a_negative_size_in_a_pattern_says_sizes_are_whole_numbers():
    with pytest.raises(PatternError, match=r"unexpected character '-'; sizes are whole numbers") as caught:
        Net.from_pattern("INPUT -> CONV(K=-1) -> FC")
    assert str(caught.value).splitlines()[-1] == " " * 20 + "^"


@pytest.mark.parametrize("pattern, column, message", [
    ("INPUT -> CONV(K=3,) -> FC", 17, "a ',' must be followed by an argument of CONV: remove "
                                      "the ',' before ')'"),
    ("INPUT -> [] -> FC", 9, "empty brackets: a group holds at least one layer"),
    ("INPUT -> [RELU]*10000000 -> FC", 16, "10000000 repeats of 1 layer make more than 1000 "
                                           "layers, the limit of a pattern"),
    ("INPUT -> [RELU]*" + "9" * 5000 + " -> FC", 16, "99999999999999999... repeats"),
    ("INPUT -> " + "[" * 30 + "RELU" + "]*2" * 30 + " -> FC", 9 + 30 + 4 + 3 * 9 + 2,
     "2 repeats of 512 layers make more than 1000"),
    ("INPUT -> " + "[" * 1000 + "RELU" + "]" * 1000 + " -> FC", 41,
     "brackets nested more than 32 deep"),
    ("INPUT -> CONV(S=100000000) -> FC", 16, "CONV argument S must be an int >= 1 (sizes in a "
                                             "pattern go up to 65536), got '100000000'"),
    ("INPUT -> FC(" + "9" * 5000 + ")", 12, "got '99999999999999999...'"),
    ("INPUT -> BN(eps=1e999) -> FC", 16, "eps must be a number > 0, got '1e999'"),
    ("INPUT -> " + " -> ".join(["RELU"] * 1001) + " -> FC", 9 + 8 * 1000,
     "the pattern has more than 1000 layers, the limit"),
])
def test_patterns_beyond_the_limits_or_misformed_are_refused_at_once(pattern, column, message):
    start = time.perf_counter()
    with pytest.raises(PatternError) as info:
        Net.from_pattern(pattern)
    assert time.perf_counter() - start < 1
    assert message in str(info.value)
    assert info.value.position == column


def test_a_number_may_start_with_its_decimal_point():
    net = Net.from_pattern("INPUT -> FLATTEN -> DROPOUT(.5) -> FC")
    assert net.layers[1].p == 0.5
    with pytest.raises(PatternError, match="CONV argument K must be an int >= 1"):
        Net.from_pattern("INPUT -> CONV(K=.5) -> FC")


@pytest.mark.parametrize("input_shape, error, words", [
    ((3, 32.7, 32), ShapeError, "input_shape[1] must be an int, got 32.7 (float)"),
    ((3, 32.0, 32), ShapeError, "input_shape[1] must be an int, got 32.0 (float); write 32"),
    ("332", TypeError, "input_shape must be a tuple (C, H, W) or (D,), got '332'"),
    ((3, True, 32), ShapeError, "input_shape[1] must be an int, got True (bool)"),
    ((3, 0, 32), ShapeError, "input_shape[1] must be an int >= 1, got 0"),
    ((3, 32), ShapeError, "input_shape must be (C, H, W) or (D,), got (3, 32)"),
])
def test_input_shapes_are_refused_not_truncated(input_shape, error, words):
    with pytest.raises(error) as caught:
        Net.from_pattern("INPUT -> FC", input_shape=input_shape)
    assert words in str(caught.value)
    if not isinstance(input_shape, str):
        with pytest.raises(error):
            Net.from_pattern("INPUT -> FC", input_shape=(3, 8, 8)).summary(input_shape)


def test_complex_inputs_are_refused_not_cast():
    net = Net.from_pattern("INPUT -> FC", input_shape=(2, 2, 2))
    X = np.zeros((1, 2, 2, 2), dtype=np.complex64)
    for run in (net.forward, net.predict):
        with pytest.raises(TypeError, match="X must hold real numbers, got dtype complex64"):
            run(X)
