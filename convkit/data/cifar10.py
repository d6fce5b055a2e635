"""CIFAR-10 in the official python layout: find it, download it, read it.

load_cifar10(root) looks in root for, in this order:
1. the extracted folder root/cifar-10-batches-py/ (data_batch_1 ... data_batch_5,
   test_batch, batches.meta), read as it is;
2. the official archive root/cifar-10-python.tar.gz, whose MD5 is checked and
   whose members are read straight from the archive (nothing is extracted);
3. nothing: the archive is downloaded to root/cifar-10-python.tar.gz (when
   download=True), then read as in 2.
root defaults to the environment variable CONVKIT_DATA if set, else ~/.convkit/data.

Each file is a pickled dict with Python 2 byte-string keys: 'data' a uint8
array (n, 3072), a row being 1024 red, 1024 green and 1024 blue values (32 x 32,
row-major); 'labels' a list of n ints; batches.meta has 'label_names'.
"""

import io
import os
import pickle
import tarfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import DatasetError
from ..values import number
from .dataset import Dataset
from .download import download_file, md5sum

URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
MD5 = "c58f30108f718f92721af3b95e74349a"
ARCHIVE = "cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
META_FILE = "batches.meta"
FILES = (*TRAIN_FILES, TEST_FILE, META_FILE)


def default_root():
    """$CONVKIT_DATA if set, else ~/.convkit/data."""
    return Path(os.environ.get("CONVKIT_DATA") or "~/.convkit/data").expanduser()


def load_cifar10(root=None, download=True, timeout=30.0):
    """Load CIFAR-10 from root (see the module docstring for where it looks).

    download: fetch the official archive (170.5 MB, i.e. 162.6 MiB) when neither the folder nor
    the archive is in root; timeout: seconds the download waits for the server
    (a download that gets less than 64 KB in that time fails as stalled).
    Returns a Dataset: X_train (50000, 32, 32, 3) uint8, y_train (50000,) int64,
    X_test (10000, 32, 32, 3), y_test (10000,), class_names, source.
    Raises DatasetError when the data is missing, truncated or corrupt.
    """
    timeout = number("timeout (seconds the download waits)", timeout, 0, low_open=True)
    root = (default_root() if root is None else Path(root).expanduser()).absolute()
    folder, archive = root / FOLDER, root / ARCHIVE
    if folder.is_dir():
        return read_folder(folder)
    if archive.is_file():
        return read_archive(archive)
    if root.name == FOLDER:
        raise DatasetError(
            f"CIFAR-10 not found in {root}: root should be the folder that holds {FOLDER}/, "
            f"here {root.parent}. Call load_cifar10(root={str(root.parent)!r}).")
    if not download:
        raise DatasetError(
            f"CIFAR-10 not found: looked for the folder {folder} and the archive "
            f"{archive}. Call load_cifar10(download=True) to download it, "
            f"or place it by hand. {how_to_place(root)}")
    try:
        download_file(URL, archive, MD5, timeout=timeout)
    except DatasetError as e:
        raise DatasetError(f"{e}. {how_to_place(root)}") from e
    return read_archive(archive)


def how_to_place(root):
    """Where the files go when placed by hand."""
    return (f"To place CIFAR-10 by hand, download {URL} and either put it as is at "
            f"{root / ARCHIVE}, or extract it in {root} so that the folder "
            f"{root / FOLDER} holds {', '.join(FILES)}.")


def read_folder(folder):
    """Read the extracted folder cifar-10-batches-py/ into a Dataset."""
    folder = Path(folder)
    fix = (f"Delete the folder {folder} and call load_cifar10() to download the data "
           f"again, or extract {ARCHIVE} again in {folder.parent}.")
    files = {}
    for name in FILES:
        path = folder / name
        try:
            with open(path, "rb") as f:
                files[name] = unpickle(f, path, fix)
        except FileNotFoundError:
            raise DatasetError(
                f"{path} is missing: {folder} should hold {', '.join(FILES)}. {fix}") from None
        except OSError as e:
            raise DatasetError(f"{path} cannot be read ({e.strerror}): it should be a file, "
                               f"one of {', '.join(FILES)}. {fix}") from None
    return assemble(files, lambda name: folder / name, fix, source=str(folder))


def read_archive(path):
    """Read the official cifar-10-python.tar.gz into a Dataset without extracting it.

    A file named exactly cifar-10-python.tar.gz must be the official archive:
    its MD5 is checked first. Archives of other names are read unchecked.
    """
    path = Path(path)
    fix = f"Delete {path} and call load_cifar10() to download it again."
    if path.name == ARCHIVE:
        digest = md5sum(path)
        if digest != MD5:
            raise DatasetError(
                f"{path} has MD5 {digest}, but a file named {ARCHIVE} must be the official "
                f"CIFAR-10 archive, MD5 {MD5}: it is truncated, corrupt or another file. {fix}")
    members = {f"{FOLDER}/{name}": name for name in FILES}
    files = {}
    try:
        with tarfile.open(path, "r|gz") as tar:
            for member in tar:
                name = members.get(member.name)
                if name and member.isfile():
                    files[name] = tar.extractfile(member).read()
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DatasetError(
            f"{path} is not a readable .tar.gz archive ({e}): it is truncated or corrupt. {fix}") from e
    missing = [f"{FOLDER}/{name}" for name in FILES if name not in files]
    if missing:
        raise DatasetError(f"{path} lacks {', '.join(missing)}: it is not the CIFAR-10 archive. {fix}")
    for name, content in files.items():
        files[name] = unpickle(io.BytesIO(content), f"{path}: {FOLDER}/{name}", fix)
    return assemble(files, lambda name: f"{path}: {FOLDER}/{name}", fix, source=str(path))


MAX_ARRAY_BYTES = 1 << 28  # 256 MB: a CIFAR-10 batch's array is 30 MB


class Refused(pickle.UnpicklingError):
    """A pickle that asks for something a CIFAR-10 batch does not hold."""


class BoundedArray(np.ndarray):
    """numpy.ndarray as the unpickler sees it: no array above MAX_ARRAY_BYTES can be made."""

    def __new__(cls, shape, dtype=float, *args, **kwargs):
        size = np.prod(shape, dtype=object) * np.dtype(dtype).itemsize
        if size > MAX_ARRAY_BYTES:
            raise Refused(f"it asks for an array of {size} bytes")
        return np.ndarray(shape, dtype, *args, **kwargs)


class SafeUnpickler(pickle.Unpickler):
    """Unpickles dicts, lists, strings, numbers and numpy arrays, nothing else.

    A pickle may name any function to call; a CIFAR-10 batch needs only
    numpy's array rebuilders and, in Python 3 pickles of protocol 2,
    _codecs.encode. Arrays larger than MAX_ARRAY_BYTES are refused.
    """

    ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
               ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
               ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer")}

    def find_class(self, module, name):
        if (module, name) not in self.ALLOWED:
            raise Refused(f"it asks for {module}.{name}, not part of a CIFAR-10 batch")
        if (module, name) == ("numpy", "ndarray"):
            return BoundedArray
        return super().find_class(module, name)


def unpickle(f, where, fix):
    """Read one pickled dict from the open file f; keys as str."""
    try:
        content = SafeUnpickler(f, encoding="bytes").load()
    except Refused as e:
        raise DatasetError(
            f"{where} was refused as unsafe: {e}. A CIFAR-10 batch holds only dicts, lists, "
            f"strings, numbers and arrays, so this file is not one (or was tampered with); "
            f"it was not run. {fix}") from None
    except Exception as e:
        raise DatasetError(
            f"{where} is not a readable pickle ({type(e).__name__}: {e}): "
            f"it is truncated or corrupt. {fix}") from e
    if not isinstance(content, dict):
        raise DatasetError(f"{where} holds a {type(content).__name__}, not a dict. {fix}")
    return {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in content.items()}


def assemble(files, where, fix, source):
    """Check the unpickled files and stack them into a Dataset."""
    names = class_names(files[META_FILE], where(META_FILE), fix)
    train = [images_and_labels(files[name], where(name), fix, len(names)) for name in TRAIN_FILES]
    X_test, y_test = images_and_labels(files[TEST_FILE], where(TEST_FILE), fix, len(names))
    return Dataset(
        X_train=np.concatenate([X for X, _ in train]),
        y_train=np.concatenate([y for _, y in train]),
        X_test=X_test, y_test=y_test,
        class_names=names, source=source)


def class_names(meta, where, fix):
    """The 'label_names' of batches.meta as a tuple of str."""
    names = meta.get("label_names")
    if not isinstance(names, list) or not names or not all(isinstance(n, (bytes, str)) for n in names):
        raise DatasetError(f"{where} has no list of 'label_names'. {fix}")
    return tuple(n.decode() if isinstance(n, bytes) else n for n in names)


def images_and_labels(batch, where, fix, num_classes):
    """A batch dict -> images (n, 32, 32, 3) uint8 and labels (n,) int64, checked."""
    missing = [key for key in ("data", "labels") if key not in batch]
    if missing:
        raise DatasetError(
            f"{where} lacks the key(s) {', '.join(map(repr, missing))} "
            f"(it has {', '.join(map(repr, batch))}): not a CIFAR-10 batch. {fix}")
    data = batch["data"]
    if not (isinstance(data, np.ndarray) and data.dtype == np.uint8
            and data.ndim == 2 and data.shape[1] == 3 * 32 * 32):
        got = f"{data.dtype} {data.shape}" if isinstance(data, np.ndarray) else type(data).__name__
        raise DatasetError(f"{where}: 'data' should be a uint8 array (n, 3072), got {got}. {fix}")
    labels = batch["labels"]
    if isinstance(labels, np.ndarray):
        ints = labels.ndim == 1 and labels.dtype.kind in "iu"
    else:
        ints = isinstance(labels, list) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))
            for v in labels)
    if not ints:
        if isinstance(labels, np.ndarray):
            got = f"an array of {labels.dtype} {labels.shape}"
        elif isinstance(labels, list):
            got = f"a list of {', '.join(sorted({type(v).__name__ for v in labels}))}"
        else:
            got = f"a {type(labels).__name__}"
        raise DatasetError(f"{where}: 'labels' should be a list of ints, got {got}. {fix}")
    try:
        labels = np.asarray(labels, dtype=np.int64)
    except OverflowError as e:
        raise DatasetError(f"{where}: 'labels' holds ints too large for class numbers ({e}). "
                           f"{fix}") from None
    if labels.shape != (len(data),):
        raise DatasetError(
            f"{where}: {len(data)} images but 'labels' has shape {labels.shape}. {fix}")
    if len(labels) and (labels.min() < 0 or labels.max() >= num_classes):
        raise DatasetError(
            f"{where}: labels run from {labels.min()} to {labels.max()}, "
            f"outside 0..{num_classes - 1}. {fix}")
    return np.ascontiguousarray(data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)), labels
