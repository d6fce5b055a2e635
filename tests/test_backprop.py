"""convkit.backprop: the conv gradients as convolutions and max-pool routing equal the ops' backward."""
import numpy as np
import pytest

from convkit import backprop, ops, use_backend


def reference_conv(x, w, b, S, P, D, dout, backend):
    with use_backend(backend):
        _, cache = ops.conv_forward(x, w, b, S, P, D)
        return [ops.to_numpy(g) for g in ops.conv_backward(dout, cache)]


def random_case(rng):
    """A random conv setting that fits (strict), with stride 2 and padding often."""
    while True:
        F, S, P, D = rng.integers(1, 4), rng.integers(1, 4), rng.integers(0, 3), rng.integers(1, 3)
        H = rng.integers(3, 9)
        span = H + 2 * P - D * (F - 1) - 1
        if span >= 0 and span % S == 0:
            return int(H), int(F), int(S), int(P), int(D)


@pytest.mark.parametrize("seed", range(12))
def test_conv_gradients_as_convolutions(seed):
    rng = np.random.default_rng(seed)
    H, F, S, P, D = random_case(rng)
    N, C, K = rng.integers(1, 3), rng.integers(1, 4), rng.integers(1, 4)
    x = rng.standard_normal((N, C, H, H))
    w = rng.standard_normal((K, C, F, F))
    b = rng.standard_normal(K)
    Ho = (H + 2 * P - D * (F - 1) - 1) // S + 1
    dout = rng.standard_normal((N, K, Ho, Ho))
    dx, dw, db = reference_conv(x, w, b, S, P, D, dout, "numpy")
    np.testing.assert_allclose(backprop.conv_dx(dout, w, x.shape, S, P, D), dx, atol=1e-12)
    np.testing.assert_allclose(backprop.conv_dw(dout, x, F, S, P, D), dw, atol=1e-12)
    np.testing.assert_allclose(backprop.conv_db(dout), db, atol=1e-12)


@pytest.mark.parametrize("S, P", [(2, 1), (2, 0), (1, 1), (3, 2)])
def test_conv_gradients_against_the_cpu_backend_with_stride_and_padding(S, P):
    rng = np.random.default_rng(S * 10 + P)
    F = 3
    H = S * 3 + F - 2 * P                                   # Ho = 4
    x = rng.standard_normal((2, 3, H, H))
    w = rng.standard_normal((4, 3, F, F))
    Ho = (H + 2 * P - F) // S + 1
    assert (H + 2 * P - F) % S == 0
    dout = rng.standard_normal((2, 4, Ho, Ho))
    dx, dw, db = reference_conv(x, w, np.zeros(4), S, P, 1, dout, "cpu")
    np.testing.assert_allclose(backprop.conv_dx(dout, w, x.shape, S, P), dx, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(backprop.conv_dw(dout, x, F, S, P), dw, rtol=1e-10, atol=1e-10)


def test_dilate_and_flip():
    a = np.arange(4.0).reshape(1, 1, 2, 2)
    assert backprop.dilate(a, 2)[0, 0].tolist() == [[0, 0, 1], [0, 0, 0], [2, 0, 3]]
    w = np.arange(2 * 3 * 2 * 2.0).reshape(2, 3, 2, 2)
    flipped = backprop.flip_filters(w)
    assert flipped.shape == (3, 2, 2, 2)
    assert flipped[1, 0].tolist() == w[0, 1, ::-1, ::-1].tolist()


@pytest.mark.parametrize("F, S, H, seed", [(2, 2, 8, 0), (3, 2, 7, 1), (2, 1, 5, 2), (3, 3, 9, 3)])
def test_max_pool_routing(F, S, H, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 4, size=(2, 3, H, H)).astype(np.float64)      # small ints: ties happen
    Ho = (H - F) // S + 1
    dout = rng.standard_normal((2, 3, Ho, Ho))
    with use_backend("numpy"):
        out, cache = ops.max_pool_forward(x, F, S)
        dx = ops.max_pool_backward(dout, cache)
    np.testing.assert_allclose(backprop.max_pool_dx(dout, x, F, S), dx, atol=1e-12)
    winners = backprop.max_pool_winners(x, F, S)
    rows, cols = winners[..., 0], winners[..., 1]
    n, c = np.meshgrid(np.arange(2), np.arange(3), indexing="ij")
    np.testing.assert_array_equal(x[n[..., None, None], c[..., None, None], rows, cols], out)
