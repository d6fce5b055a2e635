"""A whole training step of a tiny net through convkit.ops, kept on the GPU."""
import numpy as np
import pytest

from convkit import ops
from convkit.backends import use_backend
from convkit.backends.cuda.support.device import is_device


def train_step(params, x, y):
    """conv - relu - 2x2 max pool - affine - softmax, backward, SGD; returns the loss."""
    w1, b1, w2, b2 = params
    h, conv_cache = ops.conv_forward(x, w1, b1, 1, 1)
    a, relu_cache = ops.relu_forward(h)
    p, pool_cache = ops.max_pool_forward(a, 2, 2)
    scores, affine_cache = ops.affine_forward(p, w2, b2)
    loss, dscores = ops.softmax_loss(scores, y)
    dp, dw2, db2 = ops.affine_backward(dscores, affine_cache)
    da = ops.max_pool_backward(dp, pool_cache)
    dh = ops.relu_backward(da, relu_cache)
    _, dw1, db1 = ops.conv_backward(dh, conv_cache)
    arrays = [h, a, p, scores, dscores, dp, da, dh, dw1, db1, dw2, db2]
    for param, grad in zip(params, (dw1, db1, dw2, db2)):
        ops.sgd_update(param, grad, lr=0.5)
    return loss, arrays


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_step_stays_on_the_device_and_matches_numpy(rng, dtype, monkeypatch):
    x = rng.standard_normal((2, 2, 4, 4)).astype(dtype)
    y = np.array([1, 2])
    params = [rng.standard_normal(shape).astype(dtype)
              for shape in ((3, 2, 3, 3), (3,), (12, 4), (4,))]
    with use_backend("numpy"):
        expected_params = [p.copy() for p in params]
        expected_loss, _ = train_step(expected_params, x, y)
    with use_backend("cuda"):
        on_gpu = [ops.asarray(p) for p in params]
        x_gpu = ops.asarray(x)
        copied = []
        copy_to_host = type(x_gpu).copy_to_host

        def counted_copy(array, *args, **kwargs):
            copied.append(array.shape)
            return copy_to_host(array, *args, **kwargs)

        monkeypatch.setattr(type(x_gpu), "copy_to_host", counted_copy)
        loss, arrays = train_step(on_gpu, x_gpu, y)
        monkeypatch.undo()
        assert copied == [(1,)]  # only the loss came back to the host
        assert all(is_device(a) for a in arrays)
        assert loss == pytest.approx(expected_loss, rel=1e-5)
        for param, expected in zip(on_gpu, expected_params):
            np.testing.assert_allclose(ops.to_numpy(param), expected, rtol=1e-4, atol=1e-5)
