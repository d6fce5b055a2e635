"""The same net on every other backend here gives the NumPy reference's loss, scores and
gradients: the layers only use convkit.ops, whatever arrays the backend keeps."""
import numpy as np
import pytest

from convkit import ops
from convkit.backends import available, use_backend
from convkit.net import Net
from convkit.optim import Adam

PATTERN = ("INPUT -> CONV(K=4, F=3, S=2, P=1, mode=floor) -> RELU -> BN -> POOL(F=3, S=2, "
           "mode=floor) -> LC(K=3, F=2, P=0) -> RELU -> AVGPOOL(F=1, S=1) -> L2POOL(F=1, S=1)"
           " -> FLATTEN -> FC(8) -> RELU -> FC")
OTHERS = [name for name in available() if name != "numpy"]


def run(backend, X, y):
    """Loss, scores and gradients of one step, then the weights after an Adam update."""
    with use_backend(backend):
        net = Net.from_pattern(PATTERN, input_shape=(3, 10, 10), num_classes=5, seed=3)
        loss, scores = net.loss(X, y)
        result = {"loss": loss, "scores": ops.to_numpy(scores)}
        result.update({f"d{name}": np.array(ops.to_numpy(g)) for name, g in net.grads.items()})
        Adam(lr=1e-2, weight_decay=1e-3).step(net.params, net.grads)
        result.update({name: np.array(ops.to_numpy(w)) for name, w in net.params.items()})
        result["predict"] = net.predict(X)
    return result


@pytest.mark.parametrize("backend", OTHERS)
def test_backend_matches_the_reference(backend):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((6, 3, 10, 10)).astype(np.float32)
    y = rng.integers(0, 5, size=6)
    expected, got = run("numpy", X, y), run(backend, X, y)
    assert got.keys() == expected.keys()
    assert got["loss"] == pytest.approx(expected["loss"], rel=1e-5)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-3, atol=1e-5, err_msg=key)
