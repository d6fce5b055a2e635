"""Checkpoints: a net's parameters and buffers in one .npz file, by name.

The file holds one array per name ("conv1.w", "bn1.running_mean", ...) and
can be read with np.load alone. Loading checks every name and shape first
and lists all the mismatches, so a checkpoint of another net cannot be
loaded by accident. A checkpoint saved on one backend loads on any other.
A Trainer's checkpoint adds arrays named "optim.*" and "trainer.*"; a Net
loads its parameters from it and ignores them.
"""
import zipfile

import numpy as np

from . import ops


TRAINING_PREFIXES = ("optim.", "trainer.")


class CheckpointError(ValueError):
    """A checkpoint that does not match the net it is loaded into, or a file that is none."""


def arrays_of(net):
    """The net's parameters and buffers as NumPy arrays, by name."""
    named = {**net.params, **net.buffers}
    return {name: np.array(ops.to_numpy(a)) for name, a in named.items()}


def save(net, path, extra=None):
    """Write the net's parameters and buffers (and the NumPy arrays of extra) to path.

    NumPy adds ".npz" to a path without it.
    """
    np.savez(path, **arrays_of(net), **(extra or {}))


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
    """All arrays of the .npz file at path, by name; CheckpointError if it is not one."""
    try:
        data = np.load(path, allow_pickle=False)
        if not isinstance(data, np.lib.npyio.NpzFile):
            raise CheckpointError(f"{path} is not a checkpoint: it holds one array, not the "
                                  f"named arrays of an .npz file written by save()")
        with data:
            return {name: data[name] for name in data.files}
    except (CheckpointError, FileNotFoundError):
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as e:
        raise CheckpointError(f"{path} is not a checkpoint (an .npz file written by save()): "
                              f"{e}") from None


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
    expected = {name: tuple(a.shape) for name, a in {**net.params, **net.buffers}.items()}
    problems = mismatches(expected, {name: a.shape for name, a in found.items()})
    if problems:
        raise CheckpointError(f"the checkpoint {path} does not match this net:\n  "
                              + "\n  ".join(problems))
    for layer in net.layers:
        for store in (layer.params, layer.buffers):
            for key in store:
                store[key] = ops.asarray(found[f"{layer.name}.{key}"], dtype=net.dtype)
    return extra
