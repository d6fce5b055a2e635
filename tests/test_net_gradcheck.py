"""Numerical gradient checks of whole small nets, every layer type, float64 on NumPy.

Centered differences (h = 1e-5) are exact to rounding, about 1e-11 on these
losses, except next to a kink (ReLU, max, hinge). The fixed seeds below give
inputs where no element of any gradient sits at a kink or below 1e-5, so
every element must agree to TOL. No bias feeds a batchnorm directly, as its
gradient would be exactly zero (batchnorm removes the mean).
"""
import numpy as np
import pytest

from convkit.backends import use_backend
from convkit.gradcheck import numerical_gradient, rel_error
from convkit.net import Net

TOL = 1e-6

NETS = {
    "conv-bn-lc-avgpool-dropout": (
        "INPUT -> CONV(K=3) -> RELU -> BN -> POOL -> LC(K=2, F=3, P=1) -> RELU -> AVGPOOL"
        " -> FC(6) -> DROPOUT(p=0.7) -> RELU -> FC", (2, 8, 8), 2, 0),
    "floor-conv-l2pool-flatten-svm": (
        "INPUT -> CONV(K=3, F=3, S=2, P=1, mode=floor) -> RELU -> L2POOL(F=3, S=1)"
        " -> FLATTEN -> FC(5) -> RELU -> FC -> SVM", (2, 8, 8), 2, 2),
    "dilated-conv-floor-pool": (
        "INPUT -> CONV(K=2, F=3, P=2, dilation=2) -> RELU -> POOL(F=3, S=2, mode=floor)"
        " -> FC -> SOFTMAX", (1, 6, 6), 4, 0),
    "features-bn-fc": ("INPUT -> BN -> FC(5) -> RELU -> BN -> FC", (6,), 8, 2),
}


@pytest.mark.parametrize("pattern, input_shape, N, seed", NETS.values(), ids=NETS.keys())
def test_whole_net_gradients(pattern, input_shape, N, seed):
    rng = np.random.default_rng(seed)
    with use_backend("numpy"):
        net = Net.from_pattern(pattern, input_shape=input_shape, num_classes=4, seed=seed + 1,
                               dtype=np.float64)
        X = rng.standard_normal((N,) + input_shape)
        y = rng.integers(0, 4, size=N)
        net.loss(X, y, seed=5)
        grads = {name: g.copy() for name, g in net.grads.items()}
        dX = net.backward(net.loss_layer(net.forward(X, seed=5), y)[1])

        def f(_):
            return net.loss_layer(net.forward(X, seed=5), y)[0]

        assert set(grads) == set(net.params)
        for name, w in net.params.items():
            assert rel_error(grads[name], numerical_gradient(f, w)) < TOL, name
        assert rel_error(dX, numerical_gradient(f, X)) < TOL
