"""Download a file with a progress bar, a timeout and an MD5 check, atomically.

The bytes go to a temporary file next to the target; only after the MD5
matches is it renamed to the target (os.replace). On any failure, Ctrl-C
included, the temporary file is removed: the target is complete or absent.
CONVKIT_OFFLINE=1 in the environment turns downloads off: they fail at once.
"""

import hashlib
import os
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from ..errors import DatasetError
from ..notebook import in_notebook

CHUNK = 1 << 20
STALL_BYTES = 1 << 16  # a download that gets fewer bytes than this in `timeout` seconds stalled


def md5sum(path):
    """The MD5 of a file as a hex string, read in chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def download_file(url, path, md5, timeout=30.0):
    """Download url to path and check its MD5 (hex string).

    timeout: seconds to wait for the connection and for each read; the
    download also fails as stalled when fewer than STALL_BYTES (64 KB) arrive
    in any span of timeout seconds (a server that trickles a byte now and
    then), instead of hanging.
    Shows a progress bar (a widget in a notebook, text on stderr elsewhere).
    Raises DatasetError saying what failed; path is then left untouched.
    """
    path = Path(path)
    if os.environ.get("CONVKIT_OFFLINE", "") not in ("", "0"):
        raise DatasetError(f"not downloading {url}: downloads are turned off (CONVKIT_OFFLINE="
                           f"{os.environ['CONVKIT_OFFLINE']})")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    except OSError as e:
        raise DatasetError(f"cannot write the download into {path.parent} ({e.strerror}); "
                           f"choose a writable folder with load_cifar10(root=...) or the "
                           f"CONVKIT_DATA environment variable") from None
    try:
        with os.fdopen(fd, "wb") as out:
            digest = _copy(url, out, timeout, path.name)
        if digest != md5:
            raise DatasetError(
                f"downloading {url} failed: the file received has MD5 {digest}, "
                f"expected {md5} (an incomplete or changed file)")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _copy(url, out, timeout, name):
    """Stream url into the open file out; return the MD5 of the bytes."""
    digest = hashlib.md5()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            bar = progress_bar(name, total)
            read = getattr(response, "read1", response.read)   # what has come, not CHUNK
            span_start, span_bytes = time.monotonic(), 0
            try:
                for chunk in iter(lambda: read(CHUNK), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    bar.update(len(chunk))
                    span_bytes += len(chunk)
                    if time.monotonic() - span_start >= timeout:
                        if span_bytes < STALL_BYTES:
                            raise DatasetError(_trickled(url, span_bytes, timeout))
                        span_start, span_bytes = time.monotonic(), 0
            finally:
                bar.close()
    except urllib.error.HTTPError as e:
        e.close()
        raise DatasetError(f"downloading {url} failed: HTTP {e.code} {e.reason}") from e
    except urllib.error.URLError as e:
        if isinstance(e.reason, TimeoutError):
            raise DatasetError(_stalled(url, timeout)) from e
        raise DatasetError(f"downloading {url} failed: {e.reason}") from e
    except TimeoutError as e:
        raise DatasetError(_stalled(url, timeout)) from e
    except OSError as e:
        raise DatasetError(f"downloading {url} failed: {e}") from e
    return digest.hexdigest()


def _trickled(url, received, timeout):
    return (f"downloading {url} failed: the download stalled, only {received} bytes came in "
            f"{timeout} s (at least {STALL_BYTES} bytes every timeout={timeout} s are needed)")


def _stalled(url, timeout):
    return f"downloading {url} failed: no answer from the server for {timeout} s (timeout)"


def progress_bar(name, total):
    """A widget bar in a Jupyter notebook when ipywidgets is there, else a text bar."""
    if in_notebook():
        try:
            return WidgetBar(name, total)
        except ImportError:
            pass
    return TextBar(name, total)


class TextBar:
    """`name  45% [#########           ]  73.5/170.5 MB` (decimal MB) on stderr, redrawn in place."""

    WIDTH = 30

    def __init__(self, name, total):
        self.name, self.total, self.done, self.shown = name, total, 0, None

    def update(self, n):
        self.done += n
        mb = f"{self.done / 1e6:.1f}"
        if self.total:
            filled = self.done * self.WIDTH // self.total
            line = (f"{self.name} {100 * self.done // self.total:3d}% "
                    f"[{'#' * filled:{self.WIDTH}}] {mb}/{self.total / 1e6:.1f} MB")
        else:
            line = f"{self.name} {mb} MB"
        if line != self.shown:
            sys.stderr.write("\r" + line)
            sys.stderr.flush()
            self.shown = line

    def close(self):
        sys.stderr.write("\n")
        sys.stderr.flush()


class WidgetBar:
    """An ipywidgets IntProgress bar counting bytes."""

    def __init__(self, name, total):
        import ipywidgets
        from IPython.display import display
        self.bar = ipywidgets.IntProgress(value=0, max=max(total, 1), description=name)
        display(self.bar)

    def update(self, n):
        self.bar.value += n

    def close(self):
        self.bar.bar_style = "success" if self.bar.value >= self.bar.max else "danger"
