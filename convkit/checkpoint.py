"""Checkpoints: a net's parameters and buffers in one .npz file, by name.

The file holds one array per name ("conv1.w", "bn1.running_mean", ...) and
can be read with np.load alone. Loading checks every name and shape first
and lists all the mismatches, so a checkpoint of another net cannot be
loaded by accident. A checkpoint saved on one backend loads on any other.
A Trainer's checkpoint adds arrays named "optim.*" and "trainer.*"; a Net
loads its parameters from it and ignores them.

Paths: save("run1") and load("run1") both mean the file run1.npz (".npz" is
added when missing, as NumPy does); a folder is refused. Saving is atomic:
the arrays go to a temporary file in the same folder, which replaces the
target only once complete, so a full disk or a Ctrl-C leaves the previous
checkpoint as it was.
"""
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from . import ops
from .errors import CheckpointError

TRAINING_PREFIXES = ("optim.", "trainer.")


def arrays_of(net):
    """The net's parameters and buffers as NumPy arrays, by name."""
    named = {**net.params, **net.buffers}
    return {name: np.array(ops.to_numpy(a)) for name, a in named.items()}


def file_path(path):
    """The .npz file that path names for save() and load(); CheckpointError for a folder."""
    try:
        path = Path(os.fspath(path))
    except TypeError:
        raise TypeError(f"a checkpoint path is a str or a pathlib.Path, got "
                        f"{type(path).__name__}") from None
    if path.is_dir() or str(path).endswith(("/", os.sep)):
        raise CheckpointError(f"{path} is a folder: give a file name in it, such as "
                              f"{path / 'run1.npz'}")
    return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")


def write(path, arrays):
    """Write the NumPy arrays (by name) to the .npz file of path, atomically; returns its Path."""
    path = file_path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    except OSError as e:
        raise CheckpointError(f"cannot save the checkpoint {path}: {e.strerror} "
                              f"({path.parent})") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError):
            kept = "the previous file is unchanged" if path.exists() else "nothing was written"
            raise CheckpointError(f"saving the checkpoint {path} failed ({e.strerror or e}); "
                                  f"{kept}") from e
        raise
    return path


def save(net, path, extra=None):
    """Write the net's parameters and buffers (and the NumPy arrays of extra) to path.

    ".npz" is added to a path without it; the file is replaced atomically.
    """
    return write(path, {**arrays_of(net), **(extra or {})})


def mismatches(expected, found):
    """Lines naming what differs between two {name: shape} dicts."""
    lines = [f"missing from the checkpoint: {name} {shape}"
             for name, shape in expected.items() if name not in found]
    lines += [f"not in the net: {name} {shape}"
              for name, shape in found.items() if name not in expected]
    lines += [f"shape of {name}: net {shape}, checkpoint {found[name]}"
              for name, shape in expected.items() if name in found and found[name] != shape]
    return lines


def read(path):
    """All arrays of the .npz file at path, by name; CheckpointError if it is not one.

    path as for save(); a file that exists under the exact name given is read as it is.
    """
    given, path = Path(os.fspath(path)), file_path(path)
    if not path.exists() and given.is_file():
        path = given
    if not path.exists():
        raise FileNotFoundError(2, "no checkpoint file", str(path))
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{path} is not a checkpoint: it holds one array, not the "
                                  f"named arrays of an .npz file written by save()")
        with data:
            return {name: data[name] for name in data.files}
    except CheckpointError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise CheckpointError(f"{path} is not a checkpoint (an .npz file written by save()): "
                              f"{e}") from None


def check_net(net, found, path):
    """Raise CheckpointError listing every name or shape of the net missing or other in found."""
    arrays = {name: a for name, a in found.items() if not name.startswith(TRAINING_PREFIXES)}
    expected = {name: tuple(a.shape) for name, a in {**net.params, **net.buffers}.items()}
    problems = mismatches(expected, {name: a.shape for name, a in arrays.items()})
    if problems:
        raise CheckpointError(f"the checkpoint {path} does not match this net:\n  "
                              + "\n  ".join(problems))


def set_net(net, found):
    """Put the arrays of found (checked by check_net) into the net, on the backend in use."""
    for layer in net.layers:
        for store in (layer.params, layer.buffers):
            for key in store:
                store[key] = ops.asarray(found[f"{layer.name}.{key}"], dtype=net.dtype)


def load(net, path, extra_prefixes=TRAINING_PREFIXES):
    """Read parameters and buffers written by save() into the net, on the backend in use.

    Arrays whose names start with one of extra_prefixes (by default a
    Trainer's "optim." and "trainer.") were saved as extra: they are returned
    as a dict of NumPy arrays. Raises CheckpointError listing every name or
    shape that differs; the net is left unchanged then.
    """
    found = read(path)
    extra = {name: found.pop(name) for name in list(found)
             if name.startswith(tuple(extra_prefixes))}
    check_net(net, found, path)
    set_net(net, found)
    return extra


def save_trainer(path, net, optimizer, state, order, train_subset):
    """A Trainer's checkpoint: the net's arrays, the optimizer's ("optim.<param>.<key>"),
    "trainer.state" (the JSON of state, with the optimizer's class, settings and t
    added), "trainer.order" and "trainer.train_subset"."""
    state = dict(state, optimizer={"class": type(optimizer).__name__,
                                   "settings": optimizer.settings(), "t": optimizer.t})
    extra = {"trainer.state": np.array(json.dumps(state, default=float)),
             "trainer.order": np.asarray(order), "trainer.train_subset": np.asarray(train_subset)}
    for name, arrays in optimizer.state.items():
        for key, a in arrays.items():
            extra[f"optim.{name}.{key}"] = np.array(ops.to_numpy(a))
    return save(net, path, extra)


TRAINER_STATE = {"step": int, "epoch": int, "position": int, "seconds": (int, float),
                 "rng": dict, "history": dict, "optimizer": dict}


def read_trainer(path, net, optimizer):
    """Read and check a Trainer's checkpoint for this net and optimizer, changing nothing.

    Returns (found, state, optimizer_state): all arrays by name, the decoded
    "trainer.state" and the optimizer's arrays {param: {key: array}}.
    Raises CheckpointError for anything missing, corrupt or of another net or optimizer.
    """
    found = read(path)
    if "trainer.state" not in found:
        raise CheckpointError(f"{path} holds a net but no trainer state (it was saved by "
                              f"Net.save); load it with trainer.net.load(path)")
    try:
        state = json.loads(str(found["trainer.state"]))
    except ValueError as e:
        raise CheckpointError(f"{path}: its trainer.state is corrupt ({e})") from None
    missing = [key for key in ("trainer.order", "trainer.train_subset") if key not in found]
    if not isinstance(state, dict):
        state, missing = {}, missing + ["trainer.state"]
    missing += [f"trainer.state[{key!r}]" for key, kind in TRAINER_STATE.items()
                if not isinstance(state.get(key), kind)]
    if missing:
        raise CheckpointError(f"{path} is an incomplete or corrupt trainer checkpoint: it lacks "
                              f"{', '.join(missing)}")
    saved = state["optimizer"]
    if not isinstance(saved.get("t"), int):
        raise CheckpointError(f"{path} is an incomplete or corrupt trainer checkpoint: it lacks "
                              f"the optimizer's step count t")
    mine = {"class": type(optimizer).__name__, "settings": optimizer.settings()}
    mine = json.loads(json.dumps(mine, default=float))  # as saved: tuples become lists
    if (saved.get("class"), saved.get("settings")) != (mine["class"], mine["settings"]):
        raise CheckpointError(
            f"{path} was saved by the optimizer {_describe(saved)}, but this trainer's is "
            f"{_describe(mine)}; make the trainer with the same optimizer and settings")
    check_net(net, found, path)
    params = {name: tuple(w.shape) for name, w in net.params.items()}
    optimizer_state = {}
    for name, a in found.items():
        if name.startswith("optim."):
            param, key = name[len("optim."):].rsplit(".", 1)
            if params.get(param) != a.shape or key not in optimizer.state_names:
                raise CheckpointError(f"{path}: the optimizer array {name} {a.shape} does not "
                                      f"fit this net's parameters")
            optimizer_state.setdefault(param, {})[key] = a
    lacking = [f"optim.{param}.{key}" for param in params for key in optimizer.state_names
               if saved["t"] > 0 and key not in optimizer_state.get(param, {})]
    if lacking:
        raise CheckpointError(f"{path} is an incomplete or corrupt trainer checkpoint: the "
                              f"optimizer's state lacks {', '.join(lacking)}")
    return found, state, optimizer_state


def _describe(optimizer):
    """"Adam(lr=0.001, ...)" from {"class": ..., "settings": {...}}."""
    settings = ", ".join(f"{k}={v}" for k, v in (optimizer.get("settings") or {}).items())
    return f"{optimizer.get('class')}({settings})"
