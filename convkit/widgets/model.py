"""What the widget models share: settings changed by name, and a conv layer's output size."""
from ..errors import ShapeError
from ..shapes import conv_output_size


def check_settings(names, allowed):
    """Raise ShapeError naming every one of names that is not in the tuple allowed."""
    unknown = set(names) - set(allowed)
    if unknown:
        raise ShapeError(f"unknown setting(s) {sorted(unknown)}; the settings are {allowed}")


def apply_settings(model, settings, allowed):
    """Set each name=value of the dict settings on model, once every name is checked against allowed."""
    check_settings(settings, allowed)
    for name, value in settings.items():
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
