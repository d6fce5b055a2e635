"""Classifier losses on class scores: softmax (cross-entropy) and multiclass SVM.

One row of scores per image; each kernel walks the rows in parallel and
writes that row of dscores, and the loss is the mean of the row losses.
"""
import numpy as np
from numba import njit, prange

from .arrays import for_kernel
from .support.threads import one_caller_at_a_time


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def softmax_rows_kernel(scores, y, dscores, row_loss):
    """Row losses and dscores of the softmax loss. Matches convkit.backends.numpy.softmax_loss."""
    N, C = scores.shape
    for i in prange(N):
        top = scores[i].max()
        total = 0.0
        for j in range(C):
            total += np.exp(scores[i, j] - top)
        for j in range(C):
            dscores[i, j] = np.exp(scores[i, j] - top) / total / N
        dscores[i, y[i]] -= 1.0 / N
        row_loss[i] = np.log(total) - (scores[i, y[i]] - top)


@one_caller_at_a_time
@njit(parallel=True, cache=True)
def svm_rows_kernel(scores, y, delta, dscores, row_loss):
    """Row losses and dscores of the SVM loss. Matches convkit.backends.numpy.svm_loss.

    A NaN margin (j != y_i) makes the row loss NaN, as np.maximum does in the
    reference, and adds nothing to dscores.
    """
    N, C = scores.shape
    for i in prange(N):
        correct = scores[i, y[i]]
        loss = 0.0
        wrong = 0
        has_nan = False
        for j in range(C):
            margin = scores[i, j] - correct + delta
            if j != y[i] and margin > 0:
                loss += margin
                wrong += 1
                dscores[i, j] = 1.0 / N
            else:
                dscores[i, j] = 0
            has_nan |= (j != y[i]) & (margin != margin)  # NaN != NaN; & keeps the loop branch-free
        dscores[i, y[i]] = -wrong / N
        row_loss[i] = np.nan if has_nan else loss


def softmax_loss(scores, y):
    """Softmax cross-entropy loss, averaged over the batch.

    scores: (N, C) class scores; y: (N,) integer labels in [0, C).
    Returns loss (a Python float) and dscores (N, C).
    Matches convkit.backends.numpy.softmax_loss.
    """
    scores = for_kernel(scores)
    dscores = np.empty_like(scores)
    row_loss = np.empty(scores.shape[0])
    softmax_rows_kernel(scores, for_kernel(y, np.int64), dscores, row_loss)
    return float(row_loss.mean()), dscores


def svm_loss(scores, y, delta=1.0):
    """Multiclass SVM (hinge) loss, sum over j != y_i of max(0, s_j - s_{y_i} + delta), averaged.

    scores: (N, C); y: (N,) integer labels in [0, C).
    Returns loss (a Python float) and dscores (N, C).
    Matches convkit.backends.numpy.svm_loss.
    """
    scores = for_kernel(scores)
    dscores = np.empty_like(scores)
    row_loss = np.empty(scores.shape[0])
    svm_rows_kernel(scores, for_kernel(y, np.int64), float(delta), dscores, row_loss)
    return float(row_loss.mean()), dscores
