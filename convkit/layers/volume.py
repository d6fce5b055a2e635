"""Checks and names for the volumes that flow between layers."""
from ..errors import ShapeError


def image_volume(layer, in_shape):
    """in_shape as (C, H, W); ShapeError if the layer got a feature vector."""
    if len(in_shape) != 3:
        raise ShapeError(
            f"{layer} needs an image volume (D, H, W), got a vector of {in_shape[0]} "
            f"features; put it before the first FC or FLATTEN")
    return in_shape


def volume_str(shape):
    """A volume as the notes write it, W x H x D: (64, 224, 224) -> "224x224x64"."""
    if len(shape) == 3:
        D, H, W = shape
        return f"{W}x{H}x{D}"
    return f"1x1x{shape[0]}"
