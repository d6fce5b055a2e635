"""Loss layers: turn class scores (N, C) and labels (N,) into a loss and dscores."""
from .. import ops


class SoftmaxLoss:
    """SOFTMAX: cross-entropy of the softmax of the scores, averaged over the batch."""

    kind = "SOFTMAX"

    def __call__(self, scores, y):
        """scores (N, C) backend array, y (N,) NumPy ints -> (loss float, dscores (N, C))."""
        return ops.softmax_loss(scores, y)

    def __repr__(self):
        return "<SOFTMAX loss>"


class SVMLoss:
    """SVM: multiclass hinge loss with margin delta, averaged over the batch."""

    kind = "SVM"

    def __init__(self, delta=1.0):
        self.delta = delta

    def __call__(self, scores, y):
        """scores (N, C) backend array, y (N,) NumPy ints -> (loss float, dscores (N, C))."""
        return ops.svm_loss(scores, y, self.delta)

    def __repr__(self):
        return f"<SVM loss delta={self.delta}>"
