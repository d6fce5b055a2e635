"""Backend registry: which implementation of the ops runs.

Backends:
- ``"numpy"``: the readable reference (``convkit.backends.numpy``), slow but easy to read;
- ``"cpu"``: Numba kernels for the CPU (``convkit.backends.cpu``);
- ``"cuda"``: numba.cuda kernels for NVIDIA GPUs (``convkit.backends.cuda``).

``"auto"`` (the default) picks ``"cuda"`` where a GPU answers, else ``"cpu"``.
Every backend module defines the ops declared in ``registry.OPS`` (checked
when it is first used), plus ``unavailable()``, which returns ``None`` when
it can run here and a sentence saying why not otherwise.
"""
import contextlib
import importlib
import os
import sys

from ..errors import BackendError
from . import registry

NAMES = ("numpy", "cpu", "cuda")
_modules = {}
_state = {"name": "auto"}


def _load(name):
    """Import the backend module ``name`` and check that it can run here."""
    if name not in NAMES:
        raise BackendError(
            f"unknown backend {name!r}; the kit has {', '.join(map(repr, NAMES))} "
            f"(available here: {', '.join(map(repr, available())) or 'none'})")
    if name not in _modules:
        module = importlib.import_module(f"{__name__}.{name}")
        reason = module.unavailable()
        if reason:
            raise BackendError(
                f"backend {name!r} cannot run here: {reason} "
                f"(available here: {', '.join(map(repr, available()))})")
        check(name, module)
        _modules[name] = module
    return _modules[name]


def check(name, module):
    """Raise BackendError unless module (backend name) defines every op of registry.OPS."""
    gaps = registry.missing(module)
    if gaps:
        raise BackendError(f"backend {name!r} lacks the ops {', '.join(gaps)} "
                           f"that convkit.backends.registry declares")


def available():
    """Names of the backends that can run on this machine."""
    names = []
    for name in NAMES:
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ImportError:
            continue
        if not module.unavailable():
            names.append(name)
    return names


def _no_nvidia_device():
    """True on Linux without NVIDIA device files: skips loading numba.cuda just to hear "no"."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1" or not sys.platform.startswith("linux"):
        return False
    return not any(os.path.exists(path) for path in ("/dev/nvidiactl", "/proc/driver/nvidia", "/dev/dxg"))


def _resolve(name):
    if name != "auto":
        return name
    for candidate in ("cpu",) if _no_nvidia_device() else ("cuda", "cpu"):
        try:
            _load(candidate)
            return candidate
        except (BackendError, ImportError):
            continue
    return "numpy"


def get_backend():
    """The name of the backend in use, e.g. ``"cpu"``."""
    _state["name"] = _resolve(_state["name"])
    return _state["name"]


def set_backend(name):
    """Use backend ``name`` ("numpy", "cpu", "cuda" or "auto", in any case) from now on."""
    name = _resolve(name.lower() if isinstance(name, str) else name)
    _load(name)
    _state["name"] = name


@contextlib.contextmanager
def use_backend(name):
    """Use backend ``name`` inside a ``with`` block, then restore the previous one."""
    previous = _state["name"]
    set_backend(name)
    try:
        yield get_backend()
    finally:
        _state["name"] = previous


def module(name=None):
    """The module implementing backend ``name`` (default: the one in use)."""
    return _load(name or get_backend())


def function(op, name=None):
    """Backend name's function (default: the backend in use) for op, a name of registry.OPS."""
    return getattr(module(name), op)
