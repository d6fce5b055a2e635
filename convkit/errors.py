"""The kit's exceptions, all in one place: each says what is wrong and how to fix it.

ShapeError, SettingsError, CheckpointError and PatternError are ValueErrors
(a value the user gave does not fit); BackendError, DatasetError and
TrainingError are RuntimeErrors (the machine, the files or the run).
A wrong type (a string where a number goes) is a plain TypeError naming the setting.
"""


class ShapeError(ValueError):
    """A size, shape or hyperparameter that does not fit (shows the arithmetic)."""


class SettingsError(ValueError):
    """A setting that is not a shape out of its range: a learning rate, a momentum,
    a batch size, a timeout, a number of steps..."""


class CheckpointError(ValueError):
    """A checkpoint that does not match the net it is loaded into, or a file that is none."""


class PatternError(ValueError):
    """A pattern string that cannot be read; .position is where in the string."""

    def __init__(self, message, pattern, position):
        super().__init__(f"{message}\n{caret(pattern, position)}")
        self.pattern, self.position = pattern, position


class BackendError(RuntimeError):
    """A backend that is unknown or cannot run on this machine."""


class DatasetError(RuntimeError):
    """A dataset file that is missing, truncated or corrupt."""


class TrainingError(RuntimeError):
    """Training that cannot go on, such as a loss that became inf or NaN."""


def caret(pattern, position):
    """The pattern on one line and a caret under position, both indented."""
    return f"    {pattern}\n    {' ' * position}^"
