"""The Numba CPU backend against PyTorch's torch.nn.functional, on random cases.

PyTorch is an optional extra (pip install torch==2.13.0): without it these
tests are skipped. Comparisons run in float64, where both are exact to ~1e-12.
"""
import numpy as np
import pytest

from convkit.backends import cpu
from test_cpu_backend import conv_cases, pool_cases

torch = pytest.importorskip("torch")
F = torch.nn.functional


def close(a, b):
    """max |a - b| <= 1e-9 * max |b|."""
    a, b = np.asarray(a), b.detach().numpy()
    assert a.shape == b.shape
    assert np.abs(a - b).max() <= 1e-9 * max(np.abs(b).max(), 1e-30)


def tensors(*arrays):
    return [torch.tensor(a, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("case", conv_cases(30, seed=5), ids=str)
def test_conv_matches_torch_conv2d(case):
    rng = np.random.default_rng(30)
    x, w = rng.standard_normal(case["x_shape"]), rng.standard_normal(case["w_shape"])
    b = rng.standard_normal(case["w_shape"][0])
    S, P, D = case["stride"], case["pad"], case["dilation"]
    out, cache = cpu.conv_forward(x, w, b, S, P, D)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = cpu.conv_backward(dout, cache)
    tx, tw, tb = tensors(x, w, b)
    t_out = F.conv2d(tx, tw, tb, stride=S, padding=P, dilation=D)
    t_out.backward(torch.tensor(dout))
    close(out, t_out)
    close(dx, tx.grad)
    close(dw, tw.grad)
    close(db, tb.grad)


TORCH_POOLS = {
    "max_pool": lambda x, F_, S: F.max_pool2d(x, F_, S),
    "avg_pool": lambda x, F_, S: F.avg_pool2d(x, F_, S),
    "l2_pool": lambda x, F_, S: F.lp_pool2d(x, 2, F_, S),  # sum-based: sqrt(sum of squares)
}


@pytest.mark.parametrize("pool", TORCH_POOLS)
@pytest.mark.parametrize("case", pool_cases(20, seed=6), ids=str)
def test_pool_matches_torch(case, pool):
    rng = np.random.default_rng(31)
    x = rng.standard_normal(case["x_shape"])
    out, cache = getattr(cpu, pool + "_forward")(x, case["size"], case["stride"])
    dout = rng.standard_normal(out.shape)
    dx = getattr(cpu, pool + "_backward")(dout, cache)
    (tx,) = tensors(x)
    t_out = TORCH_POOLS[pool](tx, case["size"], case["stride"])
    t_out.backward(torch.tensor(dout))
    close(out, t_out)
    close(dx, tx.grad)


@pytest.mark.parametrize("N, C", [(1, 3), (16, 10), (7, 1)])
def test_softmax_loss_matches_torch_cross_entropy(N, C):
    rng = np.random.default_rng(32)
    scores, y = 4 * rng.standard_normal((N, C)), rng.integers(0, C, N)
    loss, dscores = cpu.softmax_loss(scores, y)
    (t_scores,) = tensors(scores)
    t_loss = F.cross_entropy(t_scores, torch.tensor(y))
    t_loss.backward()
    assert loss == pytest.approx(t_loss.item(), rel=1e-12, abs=1e-12)
    close(dscores, t_scores.grad)


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5, 2)])
def test_batchnorm_matches_torch_in_train_mode(shape):
    rng = np.random.default_rng(33)
    x = 2 + 3 * rng.standard_normal(shape)
    gamma, beta = rng.standard_normal((2, shape[1]))
    out, cache = cpu.batchnorm_forward(x, gamma, beta, np.zeros(shape[1]), np.ones(shape[1]),
                                       True, 0.9, 1e-5)
    dout = rng.standard_normal(shape)
    dx, dgamma, dbeta = cpu.batchnorm_backward(dout, cache)
    tx, tg, tb = tensors(x, gamma, beta)
    t_out = F.batch_norm(tx, None, None, tg, tb, training=True, eps=1e-5)
    t_out.backward(torch.tensor(dout))
    close(out, t_out)
    close(dx, tx.grad)
    close(dgamma, tg.grad)
    close(dbeta, tb.grad)
