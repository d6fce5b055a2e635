"""Classifier losses on class scores (N, C): softmax cross-entropy and multiclass SVM.

One thread per row computes the row's loss and its row of dscores; the loss
values are then added up on the device and only the total comes to the host.
"""
import math

import numpy as np
from numba import cuda

from .support.device import THREADS, blocks, empty, is_device, numpy_boundary, to_device
from .support.reduce import total


@cuda.jit(cache=True)
def softmax_rows_kernel(scores, y, inv_n, losses, dscores):
    """Row i: losses[i] = -log softmax(scores[i])[y[i]] / N, dscores[i] = (softmax - onehot) / N.

    Matches convkit.backends.numpy.softmax_loss.
    """
    i = cuda.grid(1)
    N, C = scores.shape
    if i >= N:
        return
    top = scores[i, 0]
    for j in range(1, C):
        top = max(top, scores[i, j])
    norm = scores.dtype.type(0)
    for j in range(C):
        norm += math.exp(scores[i, j] - top)
    for j in range(C):
        dscores[i, j] = math.exp(scores[i, j] - top) / norm * inv_n
    dscores[i, y[i]] -= inv_n
    losses[i] = (math.log(norm) - (scores[i, y[i]] - top)) * inv_n


@cuda.jit(cache=True)
def svm_rows_kernel(scores, y, delta, inv_n, losses, dscores):
    """Row i: losses[i] = sum over j != y of max(0, s_j - s_y + delta) / N, and its dscores row.

    A NaN margin (j != y) makes the row loss NaN, as np.maximum does in the
    reference, and adds nothing to dscores.
    Matches convkit.backends.numpy.svm_loss.
    """
    i = cuda.grid(1)
    N, C = scores.shape
    if i >= N:
        return
    correct = scores[i, y[i]]
    loss = scores.dtype.type(0)
    one = scores.dtype.type(1)
    positive = scores.dtype.type(0)  # count of positive margins, as a float
    for j in range(C):
        margin = scores[i, j] - correct + delta
        dscores[i, j] = 0
        if j != y[i] and margin > 0:
            loss += margin
            positive += one
            dscores[i, j] = inv_n
        elif j != y[i] and math.isnan(margin):
            loss += margin
    dscores[i, y[i]] = -positive * inv_n
    losses[i] = loss * inv_n


def _labels(y):
    """Labels as a device array of int64 (NumPy labels are copied over)."""
    return y if is_device(y) else to_device(y, np.int64)


@numpy_boundary()
def softmax_loss(scores, y):
    """Softmax loss averaged over the batch: scores (N, C), y (N,) ints -> loss (float), dscores (N, C).

    Matches convkit.backends.numpy.softmax_loss.
    """
    N = scores.shape[0]
    losses = empty(N, scores.dtype)
    dscores = empty(scores.shape, scores.dtype)
    softmax_rows_kernel[blocks(N), THREADS](scores, _labels(y), scores.dtype.type(1 / N), losses, dscores)
    return total(losses), dscores


@numpy_boundary()
def svm_loss(scores, y, delta=1.0):
    """Multiclass SVM loss averaged over the batch: scores (N, C), y (N,) -> loss (float), dscores (N, C).

    Matches convkit.backends.numpy.svm_loss.
    """
    N = scores.shape[0]
    losses = empty(N, scores.dtype)
    dscores = empty(scores.shape, scores.dtype)
    svm_rows_kernel[blocks(N), THREADS](scores, _labels(y), scores.dtype.type(delta),
                                        scores.dtype.type(1 / N), losses, dscores)
    return total(losses), dscores
