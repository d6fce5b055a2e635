"""Bad inputs to convkit.ops raise ShapeError or TypeError saying what does not fit."""
import types

import numpy as np
import pytest

from convkit import checks, ops
from convkit.backends import use_backend
from convkit.errors import SettingsError, ShapeError


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def z(*shape, dtype=np.float64):
    return np.zeros(shape, dtype)


def conv_cache():
    return ops.conv_forward(z(2, 3, 7, 7), z(5, 3, 3, 3), z(5))[1]


y5 = np.array([1, 2, 3, 4, 0])

BAD_INPUTS = {
    "conv x rank": (lambda: ops.conv_forward(z(3, 4), z(2, 3, 3, 3), z(2)), ShapeError,
                    ["expected x of shape (N, C, H, W), got (3, 4)"]),
    "conv empty batch": (lambda: ops.conv_forward(z(0, 3, 8, 8), z(2, 3, 3, 3), z(2)), ShapeError,
                         ["x has shape (0, 3, 8, 8)", "(N, C, H, W) must be at least 1"]),
    "conv no filters": (lambda: ops.conv_forward(z(2, 3, 8, 8), z(0, 3, 3, 3), z(0)), ShapeError,
                        ["w has shape (0, 3, 3, 3)", "(K, C, HH, WW) must be at least 1"]),
    "affine empty batch": (lambda: ops.affine_forward(z(0, 4), z(4, 2), z(2)), ShapeError,
                           ["x has shape (0, 4)", "must be at least 1"]),
    "batchnorm empty batch": (lambda: ops.batchnorm_forward(z(0, 3), z(3), z(3), z(3), z(3)),
                              ShapeError, ["x has shape (0, 3)", "must be at least 1"]),
    "softmax empty batch": (lambda: ops.softmax_loss(z(0, 3), np.zeros(0, int)), ShapeError,
                            ["scores has shape (0, 3)", "(N, C) must be at least 1"]),
    "conv w rank": (lambda: ops.conv_forward(z(2, 3, 8, 8), z(3, 3, 3), z(3)), ShapeError,
                    ["expected w of shape (K, C, HH, WW), got (3, 3, 3)"]),
    "conv channels": (lambda: ops.conv_forward(z(2, 3, 8, 8), z(5, 4, 3, 3), z(5)), ShapeError,
                      ["C = 3", "w has 4", "(2, 3, 8, 8)", "(5, 4, 3, 3)"]),
    "conv b size": (lambda: ops.conv_forward(z(2, 3, 8, 8), z(5, 3, 3, 3), z(4)), ShapeError,
                    ["expected b of shape (5,)", "(5, 3, 3, 3)", "got (4,)"]),
    "conv b not broadcast": (lambda: ops.conv_forward(z(2, 3, 8, 8), z(5, 3, 3, 3), z(1, 5)),
                             ShapeError, ["expected b of shape (K,), got (1, 5)"]),
    "conv stride height": (
        lambda: ops.conv_forward(z(2, 3, 8, 9), z(5, 3, 3, 3), z(5), stride=2), ShapeError,
        ["(2, 3, 8, 9)", "(5, 3, 3, 3)", "height", "(8 - 3 + 2*0)/2 + 1 = 3.5"]),
    "conv rectangular filter width": (
        lambda: ops.conv_forward(z(2, 3, 7, 8), z(5, 3, 3, 2), z(5), stride=2, dilation=2),
        ShapeError, ["width", "F_eff = D*(F-1)+1 = 2*(2-1)+1 = 3", "(8 - 3 + 2*0)/2 + 1 = 3.5"]),
    "conv filter too big": (lambda: ops.conv_forward(z(2, 3, 2, 7), z(5, 3, 3, 3), z(5)),
                            ShapeError, ["height", "(2, 3, 2, 7)", "larger than the padded input"]),
    "conv float stride": (lambda: ops.conv_forward(z(2, 3, 7, 7), z(5, 3, 3, 3), z(5), stride=1.0),
                          ShapeError, ["S must be an int, got 1.0"]),
    "conv negative pad": (lambda: ops.conv_forward(z(2, 3, 7, 7), z(5, 3, 3, 3), z(5), pad=-1),
                          ShapeError, ["P must be an int >= 0, got -1"]),
    "conv mixed dtypes": (
        lambda: ops.conv_forward(z(2, 3, 7, 7), z(5, 3, 3, 3, dtype=np.float32), z(5)),
        TypeError, ["x is float64 but w is float32"]),
    "conv int input": (lambda: ops.conv_forward(z(2, 3, 7, 7, dtype=np.int64), z(5, 3, 3, 3), z(5)),
                       TypeError, ["x has dtype int64", "float32 or float64"]),
    "conv list input": (lambda: ops.conv_forward([[1.0]], z(5, 3, 3, 3), z(5)), TypeError,
                        ["x must be an array, got list"]),
    "local output size": (
        lambda: ops.local_forward(z(2, 3, 7, 7), z(4, 4, 5, 3, 3, 3), z(4, 4, 5)), ShapeError,
        ["(2, 3, 7, 7)", "5 x 5 output", "expected w of shape (5, 5, 5, 3, 3, 3)",
         "got (4, 4, 5, 3, 3, 3)"]),
    "local non-square output": (
        lambda: ops.local_forward(z(1, 2, 6, 4), z(3, 4, 3, 2, 3, 2), z(3, 4, 3)), ShapeError,
        ["4 x 3 output", "expected w of shape (4, 3, 3, 2, 3, 2)", "got (3, 4, 3, 2, 3, 2)"]),
    "local b": (lambda: ops.local_forward(z(2, 3, 7, 7), z(5, 5, 5, 3, 3, 3), z(5, 5, 4)),
                ShapeError, ["expected b of shape (5, 5, 5)", "(5, 5, 5, 3, 3, 3)", "got (5, 5, 4)"]),
    "local channels": (lambda: ops.local_forward(z(2, 2, 7, 7), z(5, 5, 5, 3, 3, 3), z(5, 5, 5)),
                       ShapeError, ["C = 2", "w has 3", "(2, 2, 7, 7)", "(5, 5, 5, 3, 3, 3)"]),
    "local w rank": (lambda: ops.local_forward(z(2, 3, 7, 7), z(5, 3, 3, 3), z(5)), ShapeError,
                     ["expected w of shape (Ho, Wo, K, C, HH, WW), got (5, 3, 3, 3)"]),
    "max pool width": (lambda: ops.max_pool_forward(z(2, 3, 8, 7)), ShapeError,
                       ["(2, 3, 8, 7)", "size=2, stride=2", "width", "(7 - 2)/2 + 1 = 3.5"]),
    "avg pool window too big": (lambda: ops.avg_pool_forward(z(1, 1, 2, 2), size=3, stride=1),
                                ShapeError, ["(1, 1, 2, 2)", "larger than the input"]),
    "l2 pool rank": (lambda: ops.l2_pool_forward(z(3, 4, 4)), ShapeError,
                     ["expected x of shape (N, C, H, W), got (3, 4, 4)"]),
    "affine rows": (lambda: ops.affine_forward(z(2, 3, 4), z(10, 5), z(5)), ShapeError,
                    ["x (2, 3, 4)", "D = 3 * 4 = 12", "w (10, 5) has 10 rows"]),
    "affine b": (lambda: ops.affine_forward(z(2, 12), z(12, 5), z(4)), ShapeError,
                 ["expected b of shape (5,) for w (12, 5), got (4,)"]),
    "affine x rank": (lambda: ops.affine_forward(z(12), z(12, 5), z(5)), ShapeError,
                      ["expected x of shape (N, d1, ..., dk), got (12,)"]),
    "relu int": (lambda: ops.relu_forward(np.arange(3)), TypeError, ["dtype int64"]),
    "labels length": (lambda: ops.softmax_loss(z(5, 10), np.array([1, 2, 3, 4])), ShapeError,
                      ["expected y of shape (N,) = (5,) for scores (5, 10), got (4,)"]),
    "labels range": (lambda: ops.svm_loss(z(5, 10), np.array([1, 2, 3, 10, 0])), ShapeError,
                     ["[0, 10)", "(5, 10)", "y[3] = 10"]),
    "labels negative": (lambda: ops.softmax_loss(z(5, 10), np.array([1, -1, 3, 4, 0])),
                        ShapeError, ["y[1] = -1"]),
    "labels float": (lambda: ops.softmax_loss(z(5, 10), y5.astype(float)), TypeError,
                     ["integer labels", "float64"]),
    "labels list": (lambda: ops.softmax_loss(z(5, 10), [1, 2, 3, 4, 0]), TypeError,
                    ["NumPy array", "list"]),
    "scores rank": (lambda: ops.softmax_loss(z(5), y5), ShapeError,
                    ["expected scores of shape (N, C), got (5,)"]),
    "svm delta nan": (lambda: ops.svm_loss(z(5, 10), y5, delta=float("nan")), SettingsError,
                      ["delta must be finite, got nan"]),
    "batchnorm gamma": (lambda: ops.batchnorm_forward(z(2, 3, 4, 4), z(4), z(3), z(3), z(3)),
                        ShapeError, ["expected gamma of shape (C,) = (3,) for x (2, 3, 4, 4), got (4,)"]),
    "batchnorm running var": (lambda: ops.batchnorm_forward(z(6, 5), z(5), z(5), z(5), z(6)),
                              ShapeError, ["expected running_var of shape (D,) = (5,)", "(6, 5)",
                                           "got (6,)"]),
    "batchnorm rank": (lambda: ops.batchnorm_forward(z(2, 3, 4), z(3), z(3), z(3), z(3)),
                       ShapeError, ["expected x of shape (N, D) or (N, C, H, W), got (2, 3, 4)"]),
    "batchnorm mixed dtypes": (
        lambda: ops.batchnorm_forward(z(6, 5), z(5), z(5), z(5, dtype=np.float32), z(5)),
        TypeError, ["x is float64 but running_mean is float32"]),
    "batchnorm eps": (lambda: ops.batchnorm_forward(z(6, 5), z(5), z(5), z(5), z(5), eps=0.0),
                      SettingsError, ["eps must be > 0, got 0.0"]),
    "batchnorm momentum inf": (
        lambda: ops.batchnorm_forward(z(6, 5), z(5), z(5), z(5), z(5), momentum=float("inf")),
        SettingsError, ["momentum must be finite, got inf"]),
    "dropout p 0": (lambda: ops.dropout_forward(z(2, 3), 0), SettingsError,
                    ["probability of keeping", "(0, 1]", "got 0"]),
    "dropout p 1.5": (lambda: ops.dropout_forward(z(2, 3), 1.5), SettingsError, ["(0, 1]", "got 1.5"]),
    "dropout p string": (lambda: ops.dropout_forward(z(2, 3), "0.5"), TypeError,
                         ["must be a number, got '0.5'"]),
    "sgd shapes": (lambda: ops.sgd_update(z(3, 4), z(4, 3), 0.1), ShapeError,
                   ["dw has shape (4, 3) but w has shape (3, 4)"]),
    "sgd lr negative": (lambda: ops.sgd_update(z(3), z(3), -0.1), SettingsError,
                        ["lr must be >= 0, got -0.1"]),
    "sgd lr nan": (lambda: ops.sgd_update(z(3), z(3), float("nan")), SettingsError,
                   ["lr must be finite, got nan"]),
    "momentum v shape": (lambda: ops.momentum_update(z(3), z(3), z(1), 0.1), ShapeError,
                         ["v has shape (1,) but w has shape (3,)"]),
    "adagrad cache shape": (lambda: ops.adagrad_update(z(3), z(3), z(3, 1), 0.1), ShapeError,
                            ["cache has shape (3, 1) but w has shape (3,)"]),
    "rmsprop decay": (lambda: ops.rmsprop_update(z(3), z(3), z(3), 0.1, decay=1.0), SettingsError,
                      ["decay must be in [0, 1)", "got 1.0"]),
    "adam mixed dtypes": (
        lambda: ops.adam_update(z(3), z(3), z(3), z(3, dtype=np.float32), 1, 0.1), TypeError,
        ["w is float64 but v is float32"]),
    "adam t": (lambda: ops.adam_update(z(3), z(3), z(3), z(3), 0, 0.1), ShapeError,
               ["t must be an int >= 1, got 0"]),
    "dout shape": (lambda: ops.conv_backward(z(2, 5, 3, 3), conv_cache()), ShapeError,
                   ["dout has shape (2, 5, 3, 3)", "forward output had shape (2, 5, 5, 5)"]),
    "dout dtype": (lambda: ops.conv_backward(z(2, 5, 5, 5, dtype=np.float32), conv_cache()),
                   TypeError, ["dout is float32 but the forward output is float64"]),
    "not a cache": (lambda: ops.conv_backward(z(2, 5, 5, 5), (z(1), z(1))), TypeError,
                    ["conv_backward needs the cache returned by conv_forward, got tuple"]),
    "cache of another op": (
        lambda: ops.conv_backward(z(2, 5, 5, 5), ops.relu_forward(z(2, 5, 5, 5))[1]), TypeError,
        ["needs the cache returned by conv_forward, got one from relu_forward"]),
}


@pytest.mark.parametrize("name", BAD_INPUTS)
def test_bad_input_says_what_is_wrong(name):
    call, error, phrases = BAD_INPUTS[name]
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for phrase in phrases:
        assert phrase in message, f"{phrase!r} not in {message!r}"


def test_good_non_square_inputs_pass():
    out, _ = ops.conv_forward(z(1, 2, 6, 4), z(3, 2, 3, 1), z(3), stride=1, pad=0)
    assert out.shape == (1, 3, 4, 4)
    out, _ = ops.local_forward(z(1, 2, 6, 4), z(4, 4, 3, 2, 3, 1), z(4, 4, 3))
    assert out.shape == (1, 3, 4, 4)
    out, _ = ops.max_pool_forward(z(1, 2, 6, 4), size=2, stride=2)
    assert out.shape == (1, 2, 3, 2)


def shape_only(*shape, dtype=np.float32):
    """An array stand-in with only .shape, .dtype and .ndim, like a GPU array."""
    return types.SimpleNamespace(shape=shape, dtype=np.dtype(dtype), ndim=len(shape))


def test_checks_read_only_shape_dtype_and_ndim():
    a = shape_only
    checks.conv(a(2, 3, 7, 6), a(4, 3, 3, 2), a(4), 1, 1, 2)
    checks.local(a(2, 3, 7, 6), a(5, 5, 4, 3, 3, 2), a(5, 5, 4), 1, 0)
    checks.pool(a(2, 3, 6, 4), 2, 2)
    checks.affine(a(2, 3, 4), a(12, 5), a(5))
    checks.labels(a(2, 5), np.array([0, 4]))
    checks.batchnorm(a(2, 3, 4, 4), a(3), a(3), a(3), a(3), 0.9, 1e-5)
    checks.dropout(a(2, 3), 0.5, None)
    checks.update(a(3, 2), a(3, 2), 0.1, 0.0, m=a(3, 2), v=a(3, 2))
    checks.dout(a(2, 4, 5, 4), (2, 4, 5, 4), np.dtype(np.float32))
    with pytest.raises(ShapeError, match=r"x \(2, 3, 7, 6\) with w \(4, 3, 3, 2\)"):
        checks.conv(a(2, 3, 7, 6), a(4, 3, 3, 2), a(4), 2, 1, 2)
