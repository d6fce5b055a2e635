"""The WHITEN layer: filters fitted to the data whiten its patches; they are kept, never learned."""
import numpy as np
import pytest

from convkit import Net, ops
from convkit.backends import available, use_backend
from convkit.errors import SettingsError, ShapeError
from convkit.layers import FC, Conv, Whiten
from convkit.layers.whiten import patch_covariance
from convkit.optim import SGD

PATTERN = "INPUT -> WHITEN(F=2) -> RELU -> CONV(K=4) -> POOL(mode=floor) -> BN -> RELU -> FC"


@pytest.fixture(autouse=True)
def numpy_backend():
    with use_backend("numpy"):
        yield


def correlated_images(rng, n=30, shape=(3, 9, 11)):
    """Images whose neighbouring pixels and channels are correlated, with a non-zero mean."""
    x = rng.standard_normal((n, *shape))
    x = x + 0.8 * np.roll(x, 1, axis=3) + 0.5 * np.roll(x, 1, axis=2)
    x[:, 1] += 0.7 * x[:, 0]
    return x + np.linspace(-1.0, 2.0, shape[0])[:, None, None]


def test_the_patch_covariance_is_that_of_every_patch(rng):
    x = correlated_images(rng, n=5, shape=(3, 5, 4))
    patches = [x[n, :, i:i + 3, j:j + 3].ravel() for n in range(5) for i in range(3)
               for j in range(2)]
    mean, cov = patch_covariance(x, 3)
    np.testing.assert_allclose(mean, np.mean(patches, 0), rtol=1e-12)
    np.testing.assert_allclose(cov, np.cov(np.array(patches).T, bias=True), atol=1e-12)


@pytest.mark.parametrize("F", [1, 2, 3])
def test_fitted_filters_whiten_the_patches_they_were_fitted_to(rng, F):
    layer = Whiten(F=F, eps=1e-9)
    assert layer.setup((3, 9, 11)) == (2 * 3 * F * F, 10 - F, 12 - F)
    layer.init_params(rng, np.float64)
    x = correlated_images(rng)
    eigenvalues = layer.fit(x)
    assert list(eigenvalues) == sorted(eigenvalues, reverse=True) and eigenvalues[-1] > 0
    out = layer.forward(x)
    half = 3 * F * F
    channels = out[:, :half].transpose(1, 0, 2, 3).reshape(half, -1)
    np.testing.assert_allclose(channels.mean(1), 0, atol=1e-9)
    np.testing.assert_allclose(np.cov(channels, bias=True), np.eye(half), atol=1e-6)
    np.testing.assert_allclose(out[:, half:], -out[:, :half], atol=1e-12)


def test_eps_damps_the_smallest_directions(rng):
    x = correlated_images(rng)
    layers = [Whiten(F=2, eps=eps) for eps in (1e-9, 1.0)]
    for layer in layers:
        layer.setup(x.shape[1:])
        layer.init_params(rng, np.float64)
        eigenvalues = layer.fit(x)
    variances = [layer.forward(x)[:, :12].var(axis=(0, 2, 3)) for layer in layers]
    np.testing.assert_allclose(variances[0], 1, rtol=1e-6)
    np.testing.assert_allclose(variances[1], eigenvalues / (eigenvalues + 1.0), rtol=1e-6)


def test_the_layer_is_a_fixed_conv_and_passes_gradients_to_its_input(rng):
    layer = Whiten(F=2)
    layer.setup((3, 9, 11))
    layer.init_params(rng, np.float64)
    x = correlated_images(rng, n=4)
    layer.fit(correlated_images(rng))
    conv = Conv(K=24, F=2, P=0)
    conv.setup((3, 9, 11))
    conv.params = dict(layer.buffers)
    np.testing.assert_array_equal(layer.forward(x), conv.forward(x))
    dout = rng.standard_normal((4, 24, 8, 10))
    np.testing.assert_array_equal(layer.backward(dout), conv.backward(dout))
    assert layer.params == {} and layer.grads == {}


def test_a_net_fits_its_whitening_layer_and_training_leaves_it_alone(rng):
    net = Net.from_pattern(PATTERN, input_shape=(3, 9, 11), seed=0, dtype=np.float64)
    assert [name for name in net.buffers if name.startswith("whiten1")] == ["whiten1.w", "whiten1.b"]
    assert not any(name.startswith("whiten1") for name in net.params)
    assert net.layers[0].count_params().total == 0
    x = correlated_images(rng)
    with pytest.raises(SettingsError, match=r"call net.fit_whitening\(images\)"):
        net.forward(x)
    eigenvalues = net.fit_whitening(x)
    assert list(eigenvalues) == ["whiten1"] and eigenvalues["whiten1"].shape == (12,)
    filters = np.array(net.buffers["whiten1.w"])
    optimizer = SGD(lr=0.1)
    for _ in range(3):
        net.loss(x[:8], np.arange(8) % 10)
        optimizer.step(net.params, net.grads)
    np.testing.assert_array_equal(net.buffers["whiten1.w"], filters)
    assert np.isfinite(ops.to_numpy(net.forward(x))).all()


def test_training_runs_no_backward_before_the_first_conv(rng, monkeypatch):
    net = Net.from_pattern(PATTERN, input_shape=(3, 9, 11), seed=0, dtype=np.float64)
    x, y = correlated_images(rng), np.arange(30) % 10
    net.fit_whitening(x)
    dscores = net.loss_layer(net.forward(x), y)[1]
    dx = net.backward(dscores)
    assert dx.shape == x.shape
    full = {name: np.array(g) for name, g in net.grads.items()}
    calls = []
    for layer in net.layers[:2]:
        monkeypatch.setattr(layer, "backward", lambda d, name=layer.name: calls.append(name))
    conv_backward = ops.conv_backward

    def recorded_conv_backward(dout, cache, need_dx=True):
        calls.append(need_dx)
        return conv_backward(dout, cache, need_dx)

    monkeypatch.setattr(ops, "conv_backward", recorded_conv_backward)
    net.loss(x, y)
    assert calls == [False]
    for name, g in net.grads.items():
        np.testing.assert_allclose(g, full[name], rtol=1e-12, atol=1e-15)


def test_fitting_checks_its_images_and_the_net(rng):
    net = Net.from_pattern(PATTERN, input_shape=(3, 9, 11))
    x = correlated_images(rng)
    with pytest.raises(ShapeError, match=r"got X of shape \(30, 2, 9, 11\)"):
        net.fit_whitening(x[:, :2])
    bad = x.copy()
    bad[3, 1, 2, 2] = np.nan
    with pytest.raises(SettingsError, match="NaN or inf"):
        net.fit_whitening(bad)
    with pytest.raises(SettingsError, match="no WHITEN layer"):
        Net.from_pattern("INPUT -> CONV(K=2) -> FC", input_shape=(3, 9, 11)).fit_whitening(x)
    with pytest.raises(ShapeError, match=r"fit takes images \(N, 3, 9, 11\)"):
        net.layers[0].fit(x[0])


def test_a_checkpoint_keeps_the_fitted_filters(rng, tmp_path):
    net = Net.from_pattern(PATTERN, input_shape=(3, 9, 11), seed=0)
    x = correlated_images(rng).astype(np.float32)
    net.fit_whitening(x)
    net.save(tmp_path / "net.npz")
    scores = ops.to_numpy(net.eval().forward(x))
    other = Net.from_pattern(PATTERN, input_shape=(3, 9, 11), seed=5).load(tmp_path / "net.npz")
    np.testing.assert_array_equal(ops.to_numpy(other.eval().forward(x)), scores)
    unfitted = Net.from_pattern(PATTERN, input_shape=(3, 9, 11), seed=0)
    unfitted.save(tmp_path / "unfitted.npz")
    net.load(tmp_path / "unfitted.npz")
    with pytest.raises(SettingsError, match="not set yet"):
        net.forward(x)


def test_patterns_take_whiten_with_its_settings():
    net = Net.from_pattern("INPUT -> WHITEN(F=3, eps=0.01) -> RELU -> FC")
    assert (net.layers[0].F, net.layers[0].eps) == (3, 0.01)
    assert net.layers[0].describe() == "WHITEN F=3 (K=54 fixed filters)"
    assert net.layers[0].out_shape == (54, 30, 30)
    with pytest.raises(ShapeError, match=r"32 - 33"):
        Net.from_pattern("INPUT -> WHITEN(F=33) -> FC")
    with pytest.raises(SettingsError, match="eps"):
        Net([Whiten(F=2, eps=-1.0), FC(3)], input_shape=(3, 4, 4))


@pytest.mark.parametrize("backend", [name for name in available() if name != "numpy"])
def test_every_backend_fits_and_runs_the_layer_as_the_reference(rng, backend):
    x = correlated_images(rng, n=6).astype(np.float32)
    y = np.arange(6) % 10
    results = []
    for name in ("numpy", backend):
        with use_backend(name):
            net = Net.from_pattern(PATTERN, input_shape=(3, 9, 11), seed=0)
            eigenvalues = net.fit_whitening(x)["whiten1"]
            loss, scores = net.loss(x, y)
            dx = net.backward(net.loss_layer(scores, y)[1])
            results.append([eigenvalues, ops.to_numpy(net.buffers["whiten1.w"]),
                            ops.to_numpy(scores), ops.to_numpy(dx), ops.to_numpy(net.grads["conv1.w"])])
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-5)
