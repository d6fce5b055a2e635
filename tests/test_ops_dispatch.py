"""convkit.ops picks the backend in use, and sends each cache back to the backend that made it."""
import importlib
import inspect
import types

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from convkit import backends, ops
from convkit.backends import registry
from convkit.backends import numpy as ref
from convkit.errors import BackendError


@pytest.fixture
def xwb(rng):
    return (rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((2, 3, 3, 2)),
            rng.standard_normal(2))


def test_set_and_get_backend():
    with backends.use_backend("numpy"):
        backends.set_backend("numpy")
        assert backends.get_backend() == "numpy"
        assert backends.module() is ref


def test_use_backend_restores_the_previous_one():
    with backends.use_backend("numpy"):
        with backends.use_backend("numpy") as name:
            assert name == "numpy"
        assert backends.get_backend() == "numpy"


def test_unknown_backend_lists_the_available_ones():
    with pytest.raises(BackendError) as info:
        backends.set_backend("tpu")
    message = str(info.value)
    assert "'tpu'" in message and "'numpy'" in message and "available here" in message
    assert "numpy" in backends.available()


def test_forward_returns_a_cache_naming_backend_and_output_shape(xwb):
    with backends.use_backend("numpy"):
        out, cache = ops.conv_forward(*xwb, stride=1, pad=1)
    assert isinstance(cache, tuple)
    assert cache.backend == "numpy" and cache.op == "conv_forward"
    assert cache.out_shape == out.shape == (2, 2, 5, 5)
    expected, _ = ref.conv_forward(*xwb, 1, 1, 1)
    assert_array_equal(out, expected)


def _fake_backend(calls):
    """A backend module whose conv ops only record that they ran."""
    def conv_forward(x, w, b, stride, pad, dilation):
        calls.append("forward")
        return np.zeros((x.shape[0], w.shape[0], 1, 1)), "fake cache"

    def conv_backward(dout, cache, need_dx=True):
        calls.append(("backward", cache))
        return "dx", "dw", "db"

    return types.SimpleNamespace(unavailable=lambda: None, conv_forward=conv_forward,
                                 conv_backward=conv_backward)


def test_backward_runs_on_the_backend_that_made_the_cache(monkeypatch, xwb):
    calls = []
    monkeypatch.setitem(backends._modules, "cpu", _fake_backend(calls))
    x, w, b = xwb
    with backends.use_backend("numpy"):
        out, numpy_cache = ops.conv_forward(x, w, b)
    with backends.use_backend("cpu"):
        fake_out, fake_cache = ops.conv_forward(x, w, b, stride=2)
        grads = ops.conv_backward(np.ones_like(out), numpy_cache)
    assert calls == ["forward"]
    assert fake_cache.backend == "cpu" and fake_cache.out_shape == (2, 2, 1, 1)
    expected = ref.conv_backward(np.ones_like(out), ref.conv_forward(x, w, b)[1])
    for grad, want in zip(grads, expected):
        assert_array_equal(grad, want)
    with backends.use_backend("numpy"):
        assert ops.conv_backward(np.zeros_like(fake_out), fake_cache) == ("dx", "dw", "db")
    assert calls == ["forward", ("backward", "fake cache")]


def test_numpy_scalar_hyperparameters_keep_float32(rng):
    x = rng.standard_normal((4, 5)).astype(np.float32)
    with backends.use_backend("numpy"):
        out, _ = ops.dropout_forward(x, np.float64(0.5), seed=np.int64(1))
        _, dscores = ops.svm_loss(x, np.array([0, 1, 2, 3]), delta=np.float64(1.0))
        w = x.copy()
        ops.adam_update(w, x, np.zeros_like(x), np.zeros_like(x), np.int64(1), np.float64(0.1))
    assert out.dtype == dscores.dtype == w.dtype == np.float32


def test_losses_updates_and_array_functions_pass_through():
    with backends.use_backend("numpy"):
        loss, dscores = ops.softmax_loss(np.zeros((2, 4)), np.array([0, 3]))
        w = np.array([1.0, -2.0])
        assert ops.sgd_update(w, np.array([0.5, 0.25]), lr=0.1) is None
        a = ops.asarray([1, 2], dtype=np.float32)
        assert ops.zeros((2,), np.float32).dtype == np.float32
        assert ops.sum_squares(a) == 5.0
        assert_array_equal(ops.to_numpy(a), [1, 2])
        assert_array_equal(ops.argmax_rows(np.array([[0.0, 1.0], [2.0, 1.0]])), [1, 0])
    assert loss == pytest.approx(np.log(4))
    assert dscores.shape == (2, 4)
    assert_array_equal(w, [0.95, -2.025])


def backend_modules():
    """Every backend module that imports here (cuda needs numba-cuda, not a GPU, to import)."""
    modules = {"numpy": ref, "cpu": importlib.import_module("convkit.backends.cpu")}
    cuda = importlib.import_module("convkit.backends.cuda")
    if cuda.HAVE_NUMBA_CUDA:
        modules["cuda"] = cuda
    return modules


OP_SUFFIXES = ("_forward", "_backward", "_loss", "_update")


@pytest.mark.parametrize("name", ["numpy", "cpu", "cuda"])
def test_every_backend_defines_the_declared_ops_and_no_other(name):
    module = backend_modules().get(name)
    if module is None:
        pytest.skip("numba-cuda is not installed")
    assert registry.missing(module) == []
    ops_like = {key for key, value in vars(module).items()
                if callable(value) and key.endswith(OP_SUFFIXES)}
    assert ops_like <= set(registry.OPS)


@pytest.mark.parametrize("op", registry.OPS)
def test_each_op_takes_the_same_arguments_on_every_backend(op):
    expected = inspect.signature(getattr(ref, op))
    for name, module in backend_modules().items():
        assert inspect.signature(getattr(module, op)) == expected, name


def test_ops_has_a_public_function_for_every_declared_op():
    assert registry.missing(ops) == []
    layers = {name for layer in registry.LAYERS for name in layer}
    assert {op for op in registry.OPS if op.endswith(("_forward", "_backward"))} == layers
    assert len(registry.OPS) == len(set(registry.OPS))


def test_a_backend_that_lacks_an_op_is_refused_by_name():
    complete = {op: (lambda *args: None) for op in registry.OPS}
    backends.check("fake", types.SimpleNamespace(**complete))
    del complete["l2_pool_backward"], complete["zeros"]
    with pytest.raises(BackendError, match="backend 'fake' lacks the ops l2_pool_backward, zeros"):
        backends.check("fake", types.SimpleNamespace(**complete))


def test_a_backward_given_another_layers_cache_names_both_ops(xwb):
    with backends.use_backend("numpy"):
        out, cache = ops.max_pool_forward(np.zeros((1, 1, 4, 4)))
        with pytest.raises(TypeError, match="conv_backward needs the cache returned by conv_forward, "
                                            "got one from max_pool_forward"):
            ops.conv_backward(out, cache)
        with pytest.raises(TypeError, match="relu_backward needs the cache returned by relu_forward, "
                                            "got tuple"):
            ops.relu_backward(out, cache.raw)


@pytest.mark.parametrize("backend", ["numpy", "cpu"])
@pytest.mark.parametrize("C, stride", [(3, 1), (3, 2), (32, 1)])  # im2col, strided, Winograd on cpu
def test_conv_backward_without_dx_gives_the_same_dw_and_db(rng, backend, C, stride):
    x, w, b = rng.standard_normal((3, C, 7, 5)), rng.standard_normal((4, C, 3, 3)), rng.standard_normal(4)
    with backends.use_backend(backend):
        out, cache = ops.conv_forward(x, w, b, stride, 1)
        dout = rng.standard_normal(out.shape)
        dx, dw, db = ops.conv_backward(dout, cache, need_dx=False)
        _, full_dw, full_db = ops.conv_backward(dout, cache)
    assert dx is None
    assert_array_equal(ops.to_numpy(dw), ops.to_numpy(full_dw))
    assert_array_equal(ops.to_numpy(db), ops.to_numpy(full_db))


def test_need_dx_must_be_a_bool(xwb):
    with backends.use_backend("numpy"):
        out, cache = ops.conv_forward(*xwb)
        with pytest.raises(TypeError, match="need_dx must be True or False"):
            ops.conv_backward(np.ones(out.shape), cache, need_dx="no")
