"""The kit's exceptions: each says what is wrong and how to fix it."""


class ShapeError(ValueError):
    """A size, shape or hyperparameter that does not fit (shows the arithmetic)."""


class BackendError(RuntimeError):
    """A backend that is unknown or cannot run on this machine."""


class DatasetError(RuntimeError):
    """A dataset file that is missing, truncated or corrupt."""
