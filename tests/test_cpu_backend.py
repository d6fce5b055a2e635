"""The Numba CPU backend against the NumPy reference: every op, forward and backward.

Random shapes and hyperparameters, odd ones included (non-square inputs,
rectangular filters, stride 2 and 3, padding up to 3, F = 1 and 7, C = 1,
dilation 2, batch 1), at least 50 cases per op, in float32 (to 1e-4
relative) and float64 (to 1e-10); NaN inputs give NaN where the reference
does; gradient checks in float64.
"""
import sys

import numba
import numpy as np
import pytest
from numba.core.dispatcher import Dispatcher

from convkit import ops
from convkit.backends import cpu, use_backend
from convkit.backends import numpy as ref
from convkit.backends.cpu import conv as cpu_conv
from convkit.gradcheck import check_op, numerical_gradient, numerical_gradient_array, rel_error
from every_backend import NAN_OPS, POOLS, nan_outputs, tied_max_pool

TOLERANCE = {np.float32: 1e-4, np.float64: 1e-10}
DTYPES = [np.float32, np.float64]


def assert_close(actual, expected, dtype, scale=1e-30):
    """max |actual - expected| <= tolerance * max |expected| (relative to the array's scale).

    Where the true values cancel to about 0, pass the size of the terms that
    cancel as scale: errors are then measured against it instead.
    """
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape
    assert actual.dtype == expected.dtype == dtype
    scale = max(np.abs(expected).max(initial=0.0), scale)
    assert np.abs(actual - expected).max(initial=0.0) <= TOLERANCE[dtype] * scale


def assert_all_close(actual, expected, dtype):
    """assert_close on each pair of two lists of arrays (e.g. dx, dw, db) that must be equally long."""
    for a, e in zip(actual, expected, strict=True):
        assert_close(a, e, dtype)


def random_array(rng, shape, dtype):
    return rng.standard_normal(shape).astype(dtype)


def conv_cases(n, seed):
    """n random conv settings that fit exactly: dicts of x_shape, w_shape, stride, pad, dilation."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        N, C, K = rng.integers(1, 4), rng.choice([1, 2, 3, 5]), rng.integers(1, 6)
        HH, WW = rng.choice([1, 2, 3, 5, 7], size=2)
        S, P, D = rng.integers(1, 4), rng.integers(0, 4), rng.choice([1, 1, 2])
        Ho, Wo = rng.integers(1, 6, size=2)
        H = (Ho - 1) * S + D * (HH - 1) + 1 - 2 * P
        W = (Wo - 1) * S + D * (WW - 1) + 1 - 2 * P
        if H >= 1 and W >= 1:
            cases.append(dict(x_shape=(N, C, H, W), w_shape=(K, C, HH, WW),
                              stride=S, pad=P, dilation=D))
    return [{key: tuple(map(int, v)) if isinstance(v, tuple) else int(v) for key, v in c.items()}
            for c in cases]


CONV_CASES = conv_cases(56, seed=1) + [
    dict(x_shape=(1, 1, 7, 7), w_shape=(1, 1, 7, 7), stride=1, pad=3, dilation=1),
    dict(x_shape=(2, 3, 11, 8), w_shape=(4, 3, 1, 1), stride=3, pad=0, dilation=1),
    dict(x_shape=(1, 2, 9, 13), w_shape=(3, 2, 3, 3), stride=2, pad=1, dilation=2),
    dict(x_shape=(2, 1, 5, 6), w_shape=(2, 1, 2, 3), stride=1, pad=3, dilation=1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
def test_conv_matches_reference(case, dtype):
    rng = np.random.default_rng(7)
    x = random_array(rng, case["x_shape"], dtype)
    w = random_array(rng, case["w_shape"], dtype)
    b = random_array(rng, case["w_shape"][:1], dtype)
    settings = case["stride"], case["pad"], case["dilation"]
    out, cache = cpu.conv_forward(x, w, b, *settings)
    expected, ref_cache = ref.conv_forward(x, w, b, *settings)
    assert_close(out, expected, dtype)
    dout = random_array(rng, out.shape, dtype)
    assert_all_close(cpu.conv_backward(dout, cache), ref.conv_backward(dout, ref_cache), dtype)


def winograd_cases(n, seed):
    """n random 3x3 stride-1 settings for the Winograd path: odd and even H, W, padding 0 to 3, batch 1 to 5."""
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        N, C, K, P = rng.integers(1, 6), rng.integers(1, 20), rng.integers(1, 9), rng.integers(0, 4)
        H, W = rng.integers(1, 12, size=2)
        if H + 2 * P >= 3 and W + 2 * P >= 3:
            cases.append(dict(x_shape=(int(N), int(C), int(H), int(W)), w_shape=(int(K), int(C), 3, 3),
                              stride=1, pad=int(P), dilation=1))
    return cases


WINOGRAD_CASES = winograd_cases(40, seed=5) + [
    c for c in CONV_CASES if c["w_shape"][2:] == (3, 3) and c["stride"] == c["dilation"] == 1]


@pytest.fixture(params=["winograd", "winograd4"])
def winograd_for_any_channels(request, monkeypatch):
    """Send every 3x3 stride-1 conv down the Winograd path, however few its input channels.

    Each test runs twice: with F(2x2, 3x3) (support/winograd.py), then F(4x4, 3x3) (support/winograd4.py).
    """
    kernels = getattr(cpu_conv, request.param)
    monkeypatch.setattr(cpu_conv, "WINOGRAD_MIN_CHANNELS", 1)
    monkeypatch.setattr(cpu_conv, "_winograd_kernels", lambda N, Ho, Wo: kernels)
    return kernels


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", WINOGRAD_CASES, ids=str)
def test_winograd_conv_matches_reference(case, dtype, winograd_for_any_channels):
    rng = np.random.default_rng(17)
    x = random_array(rng, case["x_shape"], dtype)
    w = random_array(rng, case["w_shape"], dtype)
    b = random_array(rng, case["w_shape"][:1], dtype)
    out, cache = cpu.conv_forward(x, w, b, 1, case["pad"])
    assert cache[2].winograd and cache[2].kernels is winograd_for_any_channels
    expected, ref_cache = ref.conv_forward(x, w, b, 1, case["pad"])
    assert_close(out, expected, dtype)
    dout = random_array(rng, out.shape, dtype)
    assert_all_close(cpu.conv_backward(dout, cache), ref.conv_backward(dout, ref_cache), dtype)


def test_winograd_path_is_taken_by_channel_heavy_3x3_convs_only():
    def path(C, F=3, S=1, D=1):
        x, w = np.zeros((2, C, 8, 8), np.float32), np.zeros((4, C, F, F), np.float32)
        return cpu.conv_forward(x, w, np.zeros(4, np.float32), S, 1, D)[1][2].winograd

    assert path(16) and path(24) and path(32) and path(64)
    assert not path(3) and not path(15)
    assert not path(32, S=2) and not path(32, D=2) and not path(32, F=5)


def test_winograd_4x4_tiles_where_a_batch_has_many_tiles():
    def kernels(N, H, W):
        x, w = np.zeros((N, 32, H, W), np.float32), np.zeros((4, 32, 3, 3), np.float32)
        return cpu.conv_forward(x, w, np.zeros(4, np.float32), 1, 1)[1][2].kernels

    assert kernels(64, 16, 16) is kernels(64, 8, 8) is kernels(256, 4, 4) is cpu_conv.winograd4
    assert kernels(64, 4, 4) is kernels(2, 8, 8) is kernels(256, 2, 2) is cpu_conv.winograd


@pytest.mark.parametrize("pad", [0, 1, 2])
def test_winograd_conv_passes_gradient_checks(pad, winograd_for_any_channels):
    rng = np.random.default_rng(18 + pad)
    x, w, b = rng.standard_normal((2, 3, 5, 6)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    out, cache = cpu.conv_forward(x, w, b, 1, pad)
    assert cache[2].winograd and cache[2].kernels is winograd_for_any_channels
    dout = rng.standard_normal(out.shape)
    dx, dw, db = cpu.conv_backward(dout, cache)
    # The output is linear in each of x, w and b, so central differences are
    # exact but for rounding, whatever the step; a step of 1e-3 instead of
    # 1e-5 divides that rounding (larger in Winograd's sums than in a direct
    # one, the matrices' entries reaching 8) by 100 less.
    for value, grad in ((x, dx), (w, dw), (b, db)):
        numeric = numerical_gradient_array(lambda _: cpu.conv_forward(x, w, b, 1, pad)[0], value, dout, h=1e-3)
        assert rel_error(grad, numeric) < 1e-7


def local_cases(n, seed):
    """n random locally-connected settings: F from 1 to 7, stride 1 to 3, padding 0 to 3."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        N, C, K = rng.integers(1, 3), rng.integers(1, 4), rng.integers(1, 4)
        HH, WW = rng.choice([1, 2, 3, 5, 7], size=2)
        S, P = rng.integers(1, 4), rng.integers(0, 4)
        Ho, Wo = rng.integers(1, 4, size=2)
        H = max((Ho - 1) * S + HH - 2 * P, 1)
        W = max((Wo - 1) * S + WW - 2 * P, 1)
        Ho, Wo = (H + 2 * P - HH) // S + 1, (W + 2 * P - WW) // S + 1
        cases.append(dict(x_shape=(int(N), int(C), int(H), int(W)),
                          w_shape=(int(Ho), int(Wo), int(K), int(C), int(HH), int(WW)),
                          stride=int(S), pad=int(P)))
    return cases


LOCAL_CASES = local_cases(50, seed=2) + [
    dict(x_shape=(1, 1, 7, 7), w_shape=(7, 7, 2, 1, 7, 7), stride=1, pad=3),
    dict(x_shape=(2, 2, 4, 2), w_shape=(2, 2, 1, 2, 7, 5), stride=3, pad=3),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", LOCAL_CASES, ids=str)
def test_local_matches_reference(case, dtype):
    rng = np.random.default_rng(8)
    x = random_array(rng, case["x_shape"], dtype)
    w = random_array(rng, case["w_shape"], dtype)
    b = random_array(rng, case["w_shape"][:3], dtype)
    out, cache = cpu.local_forward(x, w, b, case["stride"], case["pad"])
    expected, ref_cache = ref.local_forward(x, w, b, case["stride"], case["pad"])
    assert_close(out, expected, dtype)
    dout = random_array(rng, out.shape, dtype)
    assert_all_close(cpu.local_backward(dout, cache), ref.local_backward(dout, ref_cache), dtype)


def pool_cases(n, seed):
    """Window F and stride S from 1 to 4: overlapping (S < F), tiling and gapped (S > F) windows."""
    rng = np.random.default_rng(seed)
    cases = []
    for _ in range(n):
        F, S = rng.integers(1, 5, size=2)
        Ho, Wo = rng.integers(1, 6, size=2)
        x_shape = (rng.integers(1, 4), rng.integers(1, 4), (Ho - 1) * S + F, (Wo - 1) * S + F)
        cases.append(dict(x_shape=tuple(map(int, x_shape)), size=int(F), stride=int(S)))
    return cases



@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pool", POOLS)
@pytest.mark.parametrize("case", pool_cases(50, seed=3), ids=str)
def test_pool_matches_reference(case, pool, dtype):
    rng = np.random.default_rng(9)
    x = random_array(rng, case["x_shape"], dtype)
    out, cache = getattr(cpu, pool + "_forward")(x, case["size"], case["stride"])
    expected, ref_cache = getattr(ref, pool + "_forward")(x, case["size"], case["stride"])
    assert_close(out, expected, dtype)
    dout = random_array(rng, out.shape, dtype)
    dx = getattr(cpu, pool + "_backward")(dout, cache)
    assert_close(dx, getattr(ref, pool + "_backward")(dout, ref_cache), dtype)


@pytest.mark.parametrize("case", pool_cases(20, seed=4), ids=str)
def test_max_pool_ties_go_to_the_first_max(case):
    for got, expected in zip(tied_max_pool(cpu, **case), tied_max_pool(ref, **case), strict=True):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("x_shape", [(2, 3, 8, 8), (1, 2, 9, 7), (3, 1, 2, 2), (2, 2, 5, 6)])
def test_max_pool_2x2_fast_path_matches_reference_on_ties_and_nans(x_shape):
    rng = np.random.default_rng(12)
    for x in (rng.standard_normal(x_shape), rng.integers(0, 2, x_shape).astype(np.float64)):
        x[0, 0, 0, 1] = np.nan                      # one plane with a NaN: the batch is redone
        for batch in (x[1:], x):
            if not len(batch):
                continue
            out, cache = cpu.max_pool_forward(batch, 2, 2)
            expected, ref_cache = ref.max_pool_forward(batch, 2, 2)
            np.testing.assert_array_equal(out, expected)
            dout = np.arange(1.0, out.size + 1).reshape(out.shape)
            np.testing.assert_array_equal(cpu.max_pool_backward(dout, cache),
                                          ref.max_pool_backward(dout, ref_cache))


def test_l2_pool_of_a_zero_window_has_zero_gradient():
    x = np.zeros((1, 1, 4, 4))
    x[0, 0, :2, :2] = [[3.0, 0.0], [0.0, 4.0]]
    out, cache = cpu.l2_pool_forward(x, 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[5.0, 0.0], [0.0, 0.0]])
    dx = cpu.l2_pool_backward(np.ones_like(out), cache)
    np.testing.assert_allclose(dx[0, 0, :2, :2], [[0.6, 0.0], [0.0, 0.8]])
    assert not dx[0, 0, 2:].any() and not dx[0, 0, :, 2:].any()


def relu_shapes(n, seed):
    """n random shapes of 1 to 4 axes, sizes 1 to 7 (batch 1 and C = 1 among them)."""
    rng = np.random.default_rng(seed)
    return [tuple(int(d) for d in rng.integers(1, 8, size=rng.integers(1, 5))) for _ in range(n)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", relu_shapes(50, seed=11) + [(), (1, 1, 1, 1)], ids=str)
def test_relu_matches_reference(shape, dtype):
    rng = np.random.default_rng(11)
    x = random_array(rng, shape, dtype)
    out, cache = cpu.relu_forward(x)
    expected, ref_cache = ref.relu_forward(x)
    assert_close(out, expected, dtype)
    dout = random_array(rng, shape, dtype)
    dx = cpu.relu_backward(dout, cache)
    assert out.shape == dx.shape == shape
    assert_close(dx, ref.relu_backward(dout, ref_cache), dtype)


def affine_cases(n, seed):
    """n random (x_shape, M): x of 2 to 4 axes, sizes 1 to 5, M from 1 to 7."""
    rng = np.random.default_rng(seed)
    return [(tuple(int(d) for d in rng.integers(1, 6, size=rng.integers(2, 5))), int(rng.integers(1, 8)))
            for _ in range(n)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, M", affine_cases(50, seed=12) + [((1, 5), 1)], ids=str)
def test_affine_matches_reference(x_shape, M, dtype):
    rng = np.random.default_rng(12)
    x = random_array(rng, x_shape, dtype)
    w = random_array(rng, (int(np.prod(x_shape[1:])), M), dtype)
    b = random_array(rng, (M,), dtype)
    out, cache = cpu.affine_forward(x, w, b)
    expected, ref_cache = ref.affine_forward(x, w, b)
    assert_close(out, expected, dtype)
    dout = random_array(rng, out.shape, dtype)
    assert_all_close(cpu.affine_backward(dout, cache), ref.affine_backward(dout, ref_cache), dtype)


def loss_cases(n, seed):
    """n random (N, C, delta): batch 1 to 16, 1 to 12 classes, SVM margin delta 0.1 to 2."""
    rng = np.random.default_rng(seed)
    return [(int(rng.integers(1, 17)), int(rng.integers(1, 13)), round(float(rng.uniform(0.1, 2)), 2))
            for _ in range(n)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("loss", ["softmax_loss", "svm_loss"])
@pytest.mark.parametrize("N, C, delta", loss_cases(50, seed=13) + [(1, 1, 1.0), (1, 10, 1.0)], ids=str)
def test_losses_match_reference(N, C, delta, loss, dtype):
    rng = np.random.default_rng(13)
    scores = (3 * rng.standard_normal((N, C))).astype(dtype)
    y = rng.integers(0, C, N)
    settings = dict(delta=delta) if loss == "svm_loss" else {}
    value, dscores = getattr(cpu, loss)(scores, y, **settings)
    ref_value, ref_dscores = getattr(ref, loss)(scores, y, **settings)
    assert isinstance(value, float)
    assert value == pytest.approx(ref_value, rel=TOLERANCE[dtype], abs=TOLERANCE[dtype])
    assert_close(dscores, ref_dscores, dtype, scale=1 / N)  # C = 1: dscores = 1/N - 1/N


def test_svm_loss_delta():
    scores = np.array([[1.0, 2.0, 0.5]])
    loss, dscores = cpu.svm_loss(scores, np.array([0]), delta=0.6)
    assert loss == pytest.approx(1.6 + 0.1)
    np.testing.assert_allclose(dscores, [[-2.0, 1.0, 1.0]])


def batchnorm_cases(n, seed):
    """n random (shape, train, momentum, eps): (N, D) and (N, C, H, W) in turn, train and eval in turn."""
    rng = np.random.default_rng(seed)
    cases = []
    for i in range(n):
        N, C, H, W = (int(d) for d in rng.integers(1, 7, size=4))
        shape = (N, C) if i % 2 else (N, C, H, W)
        momentum, eps = round(float(rng.uniform(0, 1)), 2), float(rng.choice([1e-5, 1e-3, 0.1]))
        cases.append((shape, i % 4 < 2, momentum, eps))
    return cases


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, train, momentum, eps", batchnorm_cases(50, seed=14), ids=str)
def test_batchnorm_matches_reference(shape, train, momentum, eps, dtype):
    rng = np.random.default_rng(14)
    x = (2 + 3 * rng.standard_normal(shape)).astype(dtype)
    gamma, beta = random_array(rng, (2, shape[1]), dtype)
    running = [random_array(rng, (shape[1],), dtype) ** 2 for _ in range(2)]
    ref_running = [r.copy() for r in running]
    out, cache = cpu.batchnorm_forward(x, gamma, beta, *running, train, momentum, eps)
    expected, ref_cache = ref.batchnorm_forward(x, gamma, beta, *ref_running, train, momentum, eps)
    assert_close(out, expected, dtype)
    assert_all_close(running, ref_running, dtype)
    dout = random_array(rng, shape, dtype)
    dx, dgamma, dbeta = cpu.batchnorm_backward(dout, cache)
    ref_dx, ref_dgamma, ref_dbeta = ref.batchnorm_backward(dout, ref_cache)
    # dx cancels to about 0 where a channel has two values (they normalize to -1 and 1)
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    var = x.astype(np.float64).var(axis=axes) if train else ref_running[1]
    terms = np.abs(dout).max() * np.abs(gamma).max() / np.sqrt(var.min() + eps)
    assert_close(dx, ref_dx, dtype, scale=terms)
    assert_all_close([dgamma, dbeta], [ref_dgamma, ref_dbeta], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.3, 0.5, 1.0])
def test_dropout_matches_reference_with_the_same_seed(p, dtype):
    rng = np.random.default_rng(15)
    x = random_array(rng, (4, 3, 5, 5), dtype)
    out, cache = cpu.dropout_forward(x, p, True, 42)
    expected, ref_cache = ref.dropout_forward(x, p, True, 42)
    assert_close(out, expected, dtype)
    dout = random_array(rng, x.shape, dtype)
    assert_close(cpu.dropout_backward(dout, cache), ref.dropout_backward(dout, ref_cache), dtype)
    kept = (out != 0).mean()
    assert kept == 1.0 if p == 1.0 else abs(kept - p) < 0.1


def test_dropout_in_eval_mode_is_the_identity():
    x = np.arange(6.0).reshape(2, 3)
    out, cache = cpu.dropout_forward(x, 0.5, False, 1)
    np.testing.assert_array_equal(out, x)
    np.testing.assert_array_equal(cpu.dropout_backward(x + 1, cache), x + 1)


UPDATES = [
    ("sgd_update", [], dict(weight_decay=0.1)),
    ("momentum_update", ["v"], dict(mu=0.8, weight_decay=0.1)),
    ("momentum_update", ["v"], dict(mu=0.9, nesterov=True)),
    ("adagrad_update", ["cache"], dict(eps=1e-6, weight_decay=0.01)),
    ("rmsprop_update", ["cache"], dict(decay=0.9)),
    ("adam_update", ["m", "v"], dict(beta1=0.8, beta2=0.99, weight_decay=0.05)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rule, state, settings", UPDATES, ids=lambda v: str(v))
def test_updates_match_reference(rule, state, settings, dtype):
    rng = np.random.default_rng(16)
    w, dw = random_array(rng, (2, 3, 4, 4), dtype), random_array(rng, (2, 3, 4, 4), dtype)
    states = [np.abs(random_array(rng, w.shape, dtype)) for _ in state]
    ref_w, ref_states = w.copy(), [s.copy() for s in states]
    step = [3] if rule == "adam_update" else []
    for _ in range(2):
        getattr(cpu, rule)(w, dw, *states, *step, 0.01, **settings)
        getattr(ref, rule)(ref_w, dw, *ref_states, *step, 0.01, **settings)
    assert_close(w, ref_w, dtype)
    assert_all_close(states, ref_states, dtype)


def test_array_functions():
    a = cpu.asarray(np.arange(12.0).reshape(3, 4).T, np.float32)
    assert a.dtype == np.float32 and a.flags.c_contiguous and a[1, 2] == 9.0
    assert cpu.to_numpy(a) is a
    z = cpu.zeros((2, 3), np.float64)
    assert z.shape == (2, 3) and z.dtype == np.float64 and not z.any()
    assert cpu.sum_squares(np.array([[1.0, -2.0], [3.0, 0.5]])) == pytest.approx(14.25)
    np.testing.assert_array_equal(cpu.argmax_rows(np.array([[0.1, 3, 2], [5, 1, 5]])), [1, 0])


def test_non_contiguous_inputs():
    rng = np.random.default_rng(17)
    x = rng.standard_normal((2, 3, 9, 8)).transpose(0, 1, 3, 2)
    w = rng.standard_normal((3, 4, 3, 3)).transpose(1, 0, 2, 3)
    b = rng.standard_normal(4)
    out, cache = cpu.conv_forward(x, w, b, 2, 1)
    expected, ref_cache = ref.conv_forward(x, w, b, 2, 1)
    assert_close(out, expected, np.float64)
    dout = rng.standard_normal(out.shape[::-1]).T
    assert_all_close(cpu.conv_backward(dout, cache), ref.conv_backward(dout, ref_cache), np.float64)


def test_a_later_forward_leaves_earlier_outputs_and_caches_intact():
    rng = np.random.default_rng(18)
    x1, x2 = rng.standard_normal((2, 3, 4, 6, 6))
    w, b = rng.standard_normal((5, 4, 3, 3)), rng.standard_normal(5)
    out1, cache1 = cpu.conv_forward(x1, w, b, 1, 1)
    kept = out1.copy()
    out2, cache2 = cpu.conv_forward(x2, w, b, 1, 1)
    dout = rng.standard_normal(out1.shape)
    cpu.conv_backward(dout, cache2)
    np.testing.assert_array_equal(out1, kept)
    expected, ref_cache1 = ref.conv_forward(x1, w, b, 1, 1)
    assert_close(out1, expected, np.float64)
    assert_all_close(cpu.conv_backward(dout, cache1), ref.conv_backward(dout, ref_cache1), np.float64)


def run_every_kernel(dtype, readonly):
    """Every op that runs a compiled kernel, forward and backward, on inputs of dtype (readonly if asked)."""
    rng = np.random.default_rng(19)

    def arrays(*shapes):
        made = [rng.standard_normal(shape).astype(dtype) for shape in shapes]
        for a in made:
            a.flags.writeable = not readonly
        return made

    channels = cpu_conv.WINOGRAD_MIN_CHANNELS
    winograd = [dict(x_shape=(n, channels, h, w), w_shape=(3, channels, 3, 3), stride=1, pad=1, dilation=1)
                for n, h, w in ((2, 5, 4), (8, 16, 16))]  # F(2x2, 3x3), F(4x4, 3x3)
    for case in CONV_CASES[:4] + winograd:
        x, w, b = arrays(case["x_shape"], case["w_shape"], case["w_shape"][:1])
        out, cache = cpu.conv_forward(x, w, b, case["stride"], case["pad"], case["dilation"])
        cpu.conv_backward(*arrays(out.shape), cache)
    case = LOCAL_CASES[-1]
    x, w, b = arrays(case["x_shape"], case["w_shape"], case["w_shape"][:3])
    out, cache = cpu.local_forward(x, w, b, case["stride"], case["pad"])
    cpu.local_backward(*arrays(out.shape), cache)
    for pool in POOLS:
        for size, stride in ((2, 2), (3, 2)):                 # max pool: its 2x2 kernel, the other
            out, cache = getattr(cpu, pool + "_forward")(*arrays((2, 3, 6, 5)), size, stride)
            getattr(cpu, pool + "_backward")(*arrays(out.shape), cache)
    for shape in [(), (3, 4)]:
        out, cache = cpu.relu_forward(*arrays(shape))
        cpu.relu_backward(*arrays(shape), cache)
    out, cache = cpu.dropout_forward(*arrays((4, 5)), 0.5, True, 1)
    cpu.dropout_backward(*arrays(out.shape), cache)
    y = np.array([0, 2, 1, 0])
    y.flags.writeable = not readonly
    for loss in (cpu.softmax_loss, cpu.svm_loss):
        loss(*arrays((4, 3)), y)
    for shape in [(4, 3), (2, 3, 2, 2)]:
        for train in (True, False):
            x, gamma, beta = arrays(shape, (3,), (3,))
            out, cache = cpu.batchnorm_forward(x, gamma, beta, np.zeros(3, dtype), np.ones(3, dtype), train)
            cpu.batchnorm_backward(*arrays(shape), cache)


def test_one_compiled_kernel_per_dtype_for_all_shapes_and_readonly_inputs():
    for dtype in DTYPES:
        for readonly in (False, True):
            run_every_kernel(dtype, readonly)
    kernels = {f"{module_name}.{name}": getattr(obj, "kernel", obj)  # parallel ones: one_caller_at_a_time
               for module_name, module in list(sys.modules.items())
               if module_name.startswith("convkit.backends.cpu.")
               for name, obj in vars(module).items()
               if isinstance(getattr(obj, "kernel", obj), Dispatcher)
               and getattr(obj, "kernel", obj).targetoptions.get("inline") != "always"}
    assert len(kernels) == 31
    for name, kernel in kernels.items():
        dtypes = sorted(str(signature[0].dtype) for signature in kernel.signatures)
        assert dtypes == ["float32", "float64"], (name, kernel.signatures)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", NAN_OPS)
def test_nan_inputs_give_nan_where_the_reference_does(op, dtype):
    actual, expected = nan_outputs(cpu, op, dtype), nan_outputs(ref, op, dtype)
    assert np.isnan(expected[0]).any()
    for a, e in zip(actual, expected, strict=True):
        nan = np.isnan(e)
        np.testing.assert_array_equal(np.isnan(a), nan)
        assert_close(np.where(nan, 0, a), np.where(nan, 0, e), dtype)


def distinct(rng, shape):
    """Values at least 0.1 apart: no ties, so a max is differentiable."""
    return 0.1 * rng.permutation(int(np.prod(shape))).reshape(shape) - 1.0


def off_the_kink(rng, shape):
    """Values at least 0.1 away from 0, where ReLU bends."""
    return rng.uniform(0.1, 1.0, shape) * rng.choice([-1.0, 1.0], shape)


def batchnorm(train, D):
    """batchnorm_forward(x, gamma, beta) with fixed running statistics of D features."""
    running_mean, running_var = np.linspace(-1, 1, D), np.linspace(0.5, 2, D)
    return lambda x, g, b: cpu.batchnorm_forward(x, g, b, running_mean, running_var, train)


GRADCHECKS = {  # forward, backward, input shapes, settings, input maker
    "conv dilated": (cpu.conv_forward, cpu.conv_backward,
                     [(2, 2, 7, 6), (3, 2, 3, 2), (3,)], (2, 1, 2), None),
    "conv stride 3": (cpu.conv_forward, cpu.conv_backward,
                      [(1, 3, 8, 8), (2, 3, 2, 2), (2,)], (3, 0, 1), None),
    "local": (cpu.local_forward, cpu.local_backward,
              [(2, 2, 5, 5), (2, 2, 3, 2, 3, 3), (2, 2, 3)], (2, 1), None),
    "max pool": (cpu.max_pool_forward, cpu.max_pool_backward, [(2, 2, 6, 6)], (3, 3), distinct),
    "max pool overlapping": (cpu.max_pool_forward, cpu.max_pool_backward, [(1, 2, 7, 5)], (3, 2), distinct),
    "avg pool": (cpu.avg_pool_forward, cpu.avg_pool_backward, [(2, 2, 6, 6)], (2, 2), None),
    "avg pool overlapping": (cpu.avg_pool_forward, cpu.avg_pool_backward, [(1, 2, 7, 5)], (3, 2), None),
    "l2 pool": (cpu.l2_pool_forward, cpu.l2_pool_backward, [(2, 2, 5, 5)], (3, 2), None),
    "relu": (cpu.relu_forward, cpu.relu_backward, [(2, 3, 4, 3)], (), off_the_kink),
    "affine": (cpu.affine_forward, cpu.affine_backward, [(3, 2, 4), (8, 5), (5,)], (), None),
    "dropout": (lambda x: cpu.dropout_forward(x, 0.6, True, 3), cpu.dropout_backward, [(4, 3, 5)], (), None),
    "dropout eval": (lambda x: cpu.dropout_forward(x, 0.6, False), cpu.dropout_backward, [(4, 3)], (), None),
    "batchnorm spatial": (batchnorm(True, 3), cpu.batchnorm_backward, [(4, 3, 2, 2), (3,), (3,)], (), None),
    "batchnorm features": (batchnorm(True, 4), cpu.batchnorm_backward, [(6, 4), (4,), (4,)], (), None),
    "batchnorm eval spatial": (batchnorm(False, 3), cpu.batchnorm_backward,
                               [(2, 3, 2, 2), (3,), (3,)], (), None),
    "batchnorm eval features": (batchnorm(False, 4), cpu.batchnorm_backward, [(6, 4), (4,), (4,)], (), None),
}


@pytest.mark.parametrize("name", GRADCHECKS)
def test_gradcheck(name):
    forward, backward, shapes, settings, make = GRADCHECKS[name]
    rng = np.random.default_rng(20)
    inputs = [(make or np.random.Generator.standard_normal)(rng, shape) for shape in shapes]
    errors = check_op(lambda *a: forward(*a, *settings), backward, inputs)
    assert max(errors) < 1e-7, errors


@pytest.mark.parametrize("loss", ["softmax_loss", "svm_loss"])
@pytest.mark.parametrize("N, C", [(5, 4), (3, 10), (1, 2)])
def test_loss_gradcheck(loss, N, C):
    rng = np.random.default_rng(23)
    scores, y = rng.standard_normal((N, C)), rng.integers(0, C, N)
    f = getattr(cpu, loss)
    _, dscores = f(scores, y)
    assert rel_error(dscores, numerical_gradient(lambda s: f(s, y)[0], scores)) < 1e-7


def z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


BAD_CALLS = {
    "conv channels": lambda: ops.conv_forward(z(2, 3, 8, 8), z(5, 4, 3, 3), z(5)),
    "conv stride": lambda: ops.conv_forward(z(2, 3, 8, 9), z(5, 3, 3, 3), z(5), stride=2),
    "conv dtype": lambda: ops.conv_forward(z(2, 3, 8, 8, dtype=np.float16), z(5, 3, 3, 3), z(5)),
    "conv mixed dtypes": lambda: ops.conv_forward(z(2, 3, 8, 8, dtype=np.float32), z(5, 3, 3, 3), z(5)),
    "conv dout": lambda: ops.conv_backward(z(2, 5, 5, 5),
                                           ops.conv_forward(z(2, 3, 8, 8), z(5, 3, 3, 3), z(5))[1]),
    "pool window": lambda: ops.max_pool_forward(z(1, 2, 7, 7), 2, 2),
    "local w": lambda: ops.local_forward(z(1, 2, 5, 5), z(2, 2, 4, 2, 3, 3), z(2, 2, 4)),
    "affine w": lambda: ops.affine_forward(z(4, 2, 3), z(5, 2), z(2)),
    "labels": lambda: ops.softmax_loss(z(4, 3), np.array([0, 1, 3, 2])),
    "batchnorm gamma": lambda: ops.batchnorm_forward(z(4, 3), z(2), z(3), z(3), z(3)),
    "dropout p": lambda: ops.dropout_forward(z(4, 3), 0.0),
    "update shapes": lambda: ops.sgd_update(z(3, 2), z(2, 3), 0.1),
}


@pytest.mark.parametrize("name", BAD_CALLS)
def test_bad_inputs_raise_the_reference_errors(name):
    def error_on(backend):
        with use_backend(backend), pytest.raises((ValueError, TypeError)) as info:
            BAD_CALLS[name]()
        return type(info.value), str(info.value)

    assert error_on("cpu") == error_on("numpy")


def test_set_num_threads():
    limit = cpu.get_num_threads()
    rng = np.random.default_rng(21)
    x = rng.standard_normal((3, 2, 9, 9))
    expected, _ = cpu.max_pool_forward(x, 3, 2)
    try:
        cpu.set_num_threads(1)
        assert cpu.get_num_threads() == 1
        np.testing.assert_array_equal(cpu.max_pool_forward(x, 3, 2)[0], expected)
    finally:
        cpu.set_num_threads(limit)
    try:
        cpu.set_num_threads(np.int64(1))
        assert cpu.get_num_threads() == 1 and type(cpu.get_num_threads()) is int
    finally:
        cpu.set_num_threads(limit)
    for bad in (0, True, 1.0, np.float64(1.0), numba.config.NUMBA_NUM_THREADS + 1):
        with pytest.raises(ValueError, match="from 1 to"):
            cpu.set_num_threads(bad)
