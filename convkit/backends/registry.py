"""The ops every backend defines, declared once.

A layer op is a pair: the forward returns ``(out, cache)`` and the backward
takes ``(dout, cache)`` from that forward (CS231n ``layers.py`` style).
The other ops are plain functions: losses, parameter updates and the array
functions that keep nets and training code free of a backend's array type.

``convkit.ops`` runs these on the backend in use, and ``convkit.backends``
checks each backend against ``OPS`` when it is first used.  To add an op:
declare it here, write it in numpy/, cpu/ and cuda/ (in the file of the
same name in each, imported by the backend's ``__init__.py``; a CUDA kernel
also goes in cuda/support/kernels.py), then give it a public, checked
function in convkit/ops.py.
"""
from typing import NamedTuple


class Layer(NamedTuple):
    """The names of a layer's forward op and of the backward op that takes its cache."""
    forward: str
    backward: str


CONV = Layer("conv_forward", "conv_backward")
LOCAL = Layer("local_forward", "local_backward")
MAX_POOL = Layer("max_pool_forward", "max_pool_backward")
AVG_POOL = Layer("avg_pool_forward", "avg_pool_backward")
L2_POOL = Layer("l2_pool_forward", "l2_pool_backward")
RELU = Layer("relu_forward", "relu_backward")
AFFINE = Layer("affine_forward", "affine_backward")
BATCHNORM = Layer("batchnorm_forward", "batchnorm_backward")
DROPOUT = Layer("dropout_forward", "dropout_backward")
LAYERS = (CONV, LOCAL, MAX_POOL, AVG_POOL, L2_POOL, RELU, AFFINE, BATCHNORM, DROPOUT)

LOSSES = ("softmax_loss", "svm_loss")
UPDATES = ("sgd_update", "momentum_update", "adagrad_update", "rmsprop_update", "adam_update")
ARRAYS = ("asarray", "to_numpy", "zeros", "sum_squares", "argmax_rows")

OPS = tuple(name for layer in LAYERS for name in layer) + LOSSES + UPDATES + ARRAYS


def missing(module):
    """The names of OPS that module (a backend) does not define as functions, in OPS order."""
    return [name for name in OPS if not callable(getattr(module, name, None))]
