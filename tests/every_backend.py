"""Checks written once for any backend module: NaN inputs, tied maxima, caches that outlive out.

test_cpu_backend.py runs them on the CPU backend, test_ops_caches.py on every
backend here, and tests/cudasim on the CUDA backend under the simulator,
each time against the NumPy reference (``from every_backend import ...``).
"""
import numpy as np

POOLS = ["max_pool", "avg_pool", "l2_pool"]
NAN_OPS = ["relu", *POOLS, "softmax_loss", "svm_loss", "conv", "affine"]


def with_nans(rng, shape, dtype):
    """A random array with about one NaN in eight numbers."""
    a = rng.standard_normal(shape).astype(dtype)
    a[rng.random(shape) < 0.125] = np.nan
    return a


def nans_in_rows(x, rows):
    """x (N, ...) with its NaNs kept in the given rows only (0 elsewhere)."""
    finite = np.nan_to_num(x)
    finite[rows] = x[rows]
    return finite


def nan_outputs(backend, op, dtype):
    """Every output of op (forward and backward), as NumPy arrays, computed by backend on inputs with NaNs."""
    rng = np.random.default_rng(22)
    x = with_nans(rng, (3, 2, 7, 7), dtype)

    def normal(shape):
        return rng.standard_normal(shape).astype(dtype)

    if op == "relu":
        out, cache = backend.relu_forward(x)
        outputs = [out, backend.relu_backward(with_nans(rng, x.shape, dtype), cache)]
    elif op in POOLS:
        outputs = []
        for size, stride in [(2, 2), (3, 2), (2, 3), (1, 1)]:
            out, cache = getattr(backend, op + "_forward")(x, size, stride)
            outputs += [out, getattr(backend, op + "_backward")(normal(out.shape), cache)]
    elif op in ("softmax_loss", "svm_loss"):
        scores = nans_in_rows(x.reshape(14, 21), [0, 5, 6])
        loss, dscores = getattr(backend, op)(scores, rng.integers(0, 21, 14))
        outputs = [np.array(loss, dtype), dscores]
    elif op == "conv":
        w, b = normal((4, 2, 3, 3)), normal((4,))
        out, cache = backend.conv_forward(x, w, b, 2, 1, 1)
        outputs = [out, *backend.conv_backward(normal(out.shape), cache)]
    else:
        w, b = normal((98, 5)), normal((5,))
        out, cache = backend.affine_forward(nans_in_rows(x, [1]), w, b)
        outputs = [out, *backend.affine_backward(normal(out.shape), cache)]
    return [backend.to_numpy(a) for a in outputs]


def tied_max_pool(backend, x_shape, size, stride, seed=10):
    """out and dx of max pooling on 0/1 values (ties in most windows), as NumPy arrays."""
    x = np.random.default_rng(seed).integers(0, 2, x_shape).astype(np.float64)
    out, cache = backend.max_pool_forward(x, size, stride)
    dout = np.arange(1.0, out.size + 1).reshape(out.shape)
    return backend.to_numpy(out), backend.to_numpy(backend.max_pool_backward(dout, cache))


def _batchnorm(train):
    def forward(backend, x, gamma, beta):
        running = [backend.asarray(np.linspace(0.5, 2, 3), x.dtype) for _ in range(2)]
        return backend.batchnorm_forward(x, gamma, beta, *running, train, 0.9, 1e-5)
    return forward


LAYERS = {  # forward(backend, *inputs) -> (out, cache), backward name, input shapes
    "conv": (lambda m, x, w, b: m.conv_forward(x, w, b, 2, 1, 1), "conv_backward",
             [(2, 2, 5, 7), (3, 2, 3, 3), (3,)]),
    "local": (lambda m, x, w, b: m.local_forward(x, w, b, 1, 0), "local_backward",
              [(2, 2, 4, 4), (2, 2, 3, 2, 3, 3), (2, 2, 3)]),
    "max_pool": (lambda m, x: m.max_pool_forward(x, 2, 2), "max_pool_backward", [(2, 3, 4, 6)]),
    "avg_pool": (lambda m, x: m.avg_pool_forward(x, 3, 1), "avg_pool_backward", [(2, 3, 5, 4)]),
    "l2_pool": (lambda m, x: m.l2_pool_forward(x, 2, 1), "l2_pool_backward", [(2, 3, 4, 5)]),
    "relu": (lambda m, x: m.relu_forward(x), "relu_backward", [(3, 2, 5)]),
    "affine": (lambda m, x, w, b: m.affine_forward(x, w, b), "affine_backward",
               [(3, 2, 2, 2), (8, 5), (5,)]),
    "batchnorm train": (_batchnorm(True), "batchnorm_backward", [(4, 3, 2, 2), (3,), (3,)]),
    "batchnorm eval": (_batchnorm(False), "batchnorm_backward", [(5, 3), (3,), (3,)]),
    "dropout": (lambda m, x: m.dropout_forward(x, 0.5, True, 3), "dropout_backward", [(4, 6)]),
}


def overwrite(out, value):
    """Fill out in place, a NumPy or a device array, as a caller may do."""
    if isinstance(out, np.ndarray):
        out[...] = value
    else:
        out.copy_to_device(np.full(out.shape, value, out.dtype))


def backward_before_and_after_changing_out(backend, layer, dtype=np.float64):
    """The gradients of one backward, then of the same backward after out was overwritten in place.

    The arrays are the backend's own (device arrays for "cuda"); the gradients
    come back as lists of NumPy arrays, which must be equal.
    """
    forward, backward, shapes = LAYERS[layer]
    rng = np.random.default_rng(5)
    inputs = [backend.asarray(rng.standard_normal(shape).astype(dtype)) for shape in shapes]
    out, cache = forward(backend, *inputs)
    dout = backend.asarray(rng.standard_normal(out.shape).astype(dtype))

    def gradients():
        grads = getattr(backend, backward)(dout, cache)
        return [backend.to_numpy(g).copy() for g in (grads if isinstance(grads, tuple) else (grads,))]

    before = gradients()
    overwrite(out, -2.5)
    return before, gradients()
