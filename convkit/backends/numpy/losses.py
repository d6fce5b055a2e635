"""Classifier losses on class scores: softmax (cross-entropy) and multiclass SVM."""
import numpy as np


def softmax_loss(scores, y):
    """Softmax cross-entropy loss, averaged over the batch.

    scores: (N, C) class scores; y: (N,) integer labels in [0, C).
    Returns loss (a Python float) and dscores (N, C).
    """
    N = scores.shape[0]
    rows = np.arange(N)
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean()
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1
    return float(loss), dscores / N


def svm_loss(scores, y, delta=1.0):
    """Multiclass SVM (hinge) loss, averaged over the batch.

    L_i = sum over j != y_i of max(0, s_j - s_{y_i} + delta).
    scores: (N, C); y: (N,) integer labels in [0, C).
    Returns loss (a Python float) and dscores (N, C).
    """
    N = scores.shape[0]
    rows = np.arange(N)
    margins = np.maximum(0, scores - scores[rows, y][:, None] + delta)
    margins[rows, y] = 0
    loss = margins.sum() / N
    dscores = (margins > 0).astype(scores.dtype)
    dscores[rows, y] = -dscores.sum(axis=1)
    return float(loss), dscores / N
