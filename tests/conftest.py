"""Shared test inputs: random conv settings of odd, valid shapes, their arrays, a small dataset.

Other test files import them: ``from conftest import random_conv_cases, conv_inputs, small_cifar``.
"""
import os
import warnings

import numpy as np
import pytest

from convkit.backends import use_backend
from convkit.data import prepare, synthetic_cifar

# tests/cudasim needs NUMBA_ENABLE_CUDASIM=1 before numba starts: kit.py runs it in a process of its own.
collect_ignore = [] if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" else ["cudasim"]


def random_conv_cases(n, seed=0):
    """n random conv settings that fit exactly (strict mode), as dicts.

    Keys: x_shape (N, C, H, W), w_shape (K, C, HH, WW), stride, pad, dilation.
    Inputs are often non-square, filters rectangular, C or K may be 1.
    """
    rng = np.random.default_rng(seed)
    cases = []
    while len(cases) < n:
        N, C, K = rng.integers(1, 4), rng.integers(1, 4), rng.integers(1, 5)
        HH, WW = rng.integers(1, 4, size=2)
        S, P, D = rng.integers(1, 3), rng.integers(0, 3), rng.integers(1, 3)
        Ho, Wo = rng.integers(1, 5, size=2)
        H = (Ho - 1) * S + D * (HH - 1) + 1 - 2 * P
        W = (Wo - 1) * S + D * (WW - 1) + 1 - 2 * P
        if H < 1 or W < 1:
            continue
        cases.append(dict(x_shape=(int(N), int(C), int(H), int(W)),
                          w_shape=(int(K), int(C), int(HH), int(WW)),
                          stride=int(S), pad=int(P), dilation=int(D)))
    return cases


def conv_inputs(case, dtype=np.float64, seed=0):
    """Random x, w, b for a case of random_conv_cases."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(case["x_shape"]).astype(dtype)
    w = rng.standard_normal(case["w_shape"]).astype(dtype)
    b = rng.standard_normal(case["w_shape"][0]).astype(dtype)
    return x, w, b


@pytest.fixture
def rng():
    """A NumPy generator with a fixed seed, fresh for each test."""
    return np.random.default_rng(231)


@pytest.fixture
def numpy_backend():
    """Run a test on the numpy reference backend (``pytestmark = pytest.mark.usefixtures(...)``)."""
    with use_backend("numpy"):
        yield


def small_cifar(n_train, n_test, num_val, seed):
    """prepare() of a small synthetic CIFAR-10 stand-in (its warnings silenced)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return prepare(synthetic_cifar(n_train=n_train, n_test=n_test, seed=seed), num_val=num_val)
