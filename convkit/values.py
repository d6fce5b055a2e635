"""The one validator of numbers for the whole kit: whole numbers and real numbers.

Every setting a user types (a size, a learning rate, a batch size, a timeout)
goes through integer() or number(). A wrong type raises TypeError (or the
error given as type_error); a value out of range raises error (SettingsError
unless the caller says ShapeError, for sizes). Messages name the setting.
"""
import math
import numbers

import numpy as np

from .errors import SettingsError

MAX_SIZE = 2 ** 31 - 1  # the largest size of an input or a layer (K, D, H, W) the kit takes


def integer(name, value, minimum=None, maximum=None, error=SettingsError, type_error=TypeError,
            hint=""):
    """value as an int in minimum..maximum (either may be None: no bound).

    bools, floats (even 3.0) and strings are refused; hint ends both messages.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        write = ""
        if isinstance(value, float) and value.is_integer():
            write = f"; write {int(value)}"
        raise type_error(f"{name} must be an int, got {value!r} ({type(value).__name__})"
                         f"{write}{hint}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        if minimum is not None and maximum is not None and maximum < MAX_SIZE:
            allowed = f"in {minimum}..{maximum}"
        elif minimum is not None and value < minimum:
            allowed = f">= {minimum}"
        else:
            allowed = f"<= {maximum}"
        raise error(f"{name} must be an int {allowed}, got {value}{hint}")
    return value


def float_dtype(dtype, error=TypeError):
    """np.dtype(dtype) if it is float32 or float64, else error."""
    try:
        found = np.dtype(dtype)
    except (TypeError, ValueError, SyntaxError):
        found = None
    if found not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise error(f"dtype must be float32 or float64, got {dtype!r}")
    return found


def number(name, value, low=-math.inf, high=math.inf, low_open=False, high_open=False,
           error=SettingsError, type_error=TypeError):
    """value as a finite float in the interval from low to high (open ends as told).

    bools, strings and complex numbers are refused.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise type_error(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise error(f"{name} must be finite, got {value}")
    if value < low or value > high or (low_open and value == low) or (high_open and value == high):
        if high == math.inf:
            allowed = f"{'>' if low_open else '>='} {low}"
        else:
            allowed = f"in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        raise error(f"{name} must be {allowed}, got {value}")
    return value
