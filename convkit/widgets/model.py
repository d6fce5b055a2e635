"""What the widget models share: settings changed by name, and a conv layer's output size."""
from ..errors import ShapeError
from ..shapes import conv_output_size


def check_settings(names, settings):
    """Raise ShapeError naming every name not in settings (the tuple of allowed names)."""
    unknown = set(names) - set(settings)
    if unknown:
        raise ShapeError(f"unknown setting(s) {sorted(unknown)}; the settings are {settings}")


def apply_settings(model, values, settings):
    """Set each name=value of the dict values on model, after checking every name is in settings."""
    check_settings(values, settings)
    for name, value in values.items():
        setattr(model, name, value)


def conv_size(W, F, S, P):
    """(output_size, reason, legal) of a conv layer on a W x W input.

    output_size is None and reason says why when the settings do not fit;
    legal is False when a setting itself is wrong (no formula then).
    """
    try:
        output_size, reason = conv_output_size(W, F, S, P), ""
    except ShapeError as error:
        output_size, reason = None, str(error)
    legal = not reason.startswith(("W must", "F must", "S must", "P must"))
    return output_size, reason, legal
