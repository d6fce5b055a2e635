"""The CIFAR-10 loader on miniature files in the official format, and its downloader.

The miniature files are written like the official ones: pickles of protocol 2
with byte-string keys, 5 training batches, a test batch and batches.meta, in
the folder cifar-10-batches-py/ or inside a .tar.gz. Downloads come from a
server on 127.0.0.1 or a file:// URL, never from the web.
"""

import collections
import hashlib
import http.server
import io
import pickle
import socket
import tarfile
import threading
import time

import numpy as np
import pytest

from convkit.data import cifar10, download, load_cifar10, read_archive
from convkit.errors import DatasetError

NAMES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
N = 6  # images per miniature batch


def batch_files(seed=0):
    """{file name: pickled bytes} of a miniature CIFAR-10, and its data and labels."""
    rng = np.random.default_rng(seed)
    files, data, labels = {}, {}, {}
    for i, name in enumerate([*cifar10.TRAIN_FILES, cifar10.TEST_FILE]):
        data[name] = rng.integers(0, 256, size=(N, 3072), dtype=np.uint8)
        labels[name] = [int(k) for k in rng.integers(0, 10, size=N)]
        files[name] = pickle.dumps({
            b"batch_label": f"batch {i}".encode(),
            b"labels": labels[name],
            b"data": data[name],
            b"filenames": [f"{j:05d}.png".encode() for j in range(N)],
        }, protocol=2)
    files[cifar10.META_FILE] = pickle.dumps({
        b"label_names": [n.encode() for n in NAMES],
        b"num_cases_per_batch": N, b"num_vis": 3072}, protocol=2)
    return files, data, labels


def write_folder(root, files):
    folder = root / cifar10.FOLDER
    folder.mkdir(parents=True)
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return folder


def archive_bytes(files):
    """A .tar.gz holding cifar-10-batches-py/<name> for each file, as the official one."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo(f"{cifar10.FOLDER}/{name}")
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def md5(content):
    return hashlib.md5(content).hexdigest()


@pytest.fixture(scope="module")
def mini():
    """The miniature files, their archive, and the expected arrays."""
    files, data, labels = batch_files()
    train = np.concatenate([data[name] for name in cifar10.TRAIN_FILES])
    return dict(
        files=files,
        archive=archive_bytes(files),
        X_train=train.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1),
        y_train=np.concatenate([labels[name] for name in cifar10.TRAIN_FILES]),
        X_test=data[cifar10.TEST_FILE].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1),
        y_test=np.array(labels[cifar10.TEST_FILE]),
    )


def assert_is_mini(data, mini):
    assert data.X_train.shape == (5 * N, 32, 32, 3) and data.X_train.dtype == np.uint8
    assert data.X_test.shape == (N, 32, 32, 3) and data.X_test.dtype == np.uint8
    assert data.y_train.dtype == np.int64 and data.y_test.dtype == np.int64
    np.testing.assert_array_equal(data.X_train, mini["X_train"])
    np.testing.assert_array_equal(data.y_train, mini["y_train"])
    np.testing.assert_array_equal(data.X_test, mini["X_test"])
    np.testing.assert_array_equal(data.y_test, mini["y_test"])
    assert data.class_names == tuple(NAMES)
    assert data.synthetic is False


def test_reads_the_folder_layout(tmp_path, mini):
    folder = write_folder(tmp_path, mini["files"])
    data = load_cifar10(tmp_path, download=False)
    assert_is_mini(data, mini)
    assert data.source == str(folder)
    assert f"read from {folder}" in repr(data)


def test_a_row_is_1024_red_then_green_then_blue_values(tmp_path, mini):
    write_folder(tmp_path, mini["files"])
    data = load_cifar10(tmp_path, download=False)
    row = pickle.loads(mini["files"]["data_batch_2"], encoding="bytes")[b"data"][1]
    y, x = 5, 17
    image = data.X_train[N + 1]
    assert tuple(image[y, x]) == (row[32 * y + x], row[1024 + 32 * y + x], row[2048 + 32 * y + x])


def test_reads_the_archive_without_extracting(tmp_path, mini, monkeypatch):
    archive = tmp_path / cifar10.ARCHIVE
    archive.write_bytes(mini["archive"])
    monkeypatch.setattr(cifar10, "MD5", md5(mini["archive"]))
    data = load_cifar10(tmp_path, download=False)
    assert_is_mini(data, mini)
    assert data.source == str(archive)
    assert sorted(p.name for p in tmp_path.iterdir()) == [cifar10.ARCHIVE]


def test_the_folder_comes_before_the_archive(tmp_path, mini):
    write_folder(tmp_path, mini["files"])
    (tmp_path / cifar10.ARCHIVE).write_bytes(b"not read")
    assert load_cifar10(tmp_path, download=False).source == str(tmp_path / cifar10.FOLDER)


def test_root_defaults_to_convkit_data_then_home(tmp_path, mini, monkeypatch):
    write_folder(tmp_path / "somewhere", mini["files"])
    monkeypatch.setenv("CONVKIT_DATA", str(tmp_path / "somewhere"))
    assert_is_mini(load_cifar10(download=False), mini)
    monkeypatch.delenv("CONVKIT_DATA")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cifar10.default_root() == tmp_path / "home" / ".convkit" / "data"


def test_nothing_there_and_no_download_says_where_it_looked(tmp_path):
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path, download=False)
    message = str(error.value)
    assert str(tmp_path / cifar10.FOLDER) in message
    assert str(tmp_path / cifar10.ARCHIVE) in message
    assert "download=True" in message
    assert cifar10.URL in message and "data_batch_5, test_batch, batches.meta" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("download", [False, True])
def test_pointing_at_the_batches_folder_itself_gets_a_hint(tmp_path, mini, monkeypatch, download):
    folder = write_folder(tmp_path, mini["files"])
    monkeypatch.setattr(cifar10, "URL", "http://127.0.0.1:9/never-asked")
    with pytest.raises(DatasetError, match=f"root should be the folder that holds {cifar10.FOLDER}/"):
        load_cifar10(folder, download=download)
    assert sorted(p.name for p in folder.iterdir()) == sorted(mini["files"])


def test_an_unwritable_data_folder_says_how_to_choose_another(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(cifar10, "URL", "http://127.0.0.1:9/never-asked")
    with pytest.raises(DatasetError, match="cannot write the download into .*CONVKIT_DATA"):
        load_cifar10(blocker / "data")


def test_missing_batch_is_named(tmp_path, mini):
    folder = write_folder(tmp_path, mini["files"])
    (folder / "data_batch_3").unlink()
    with pytest.raises(DatasetError, match=r"data_batch_3 is missing") as error:
        load_cifar10(tmp_path, download=False)
    assert str(folder / "data_batch_3") in str(error.value)
    assert "Delete the folder" in str(error.value)


@pytest.mark.parametrize("name, content, expected", [
    ("data_batch_2", lambda f: f["data_batch_2"][:len(f["data_batch_2"]) // 2], "truncated or corrupt"),
    ("test_batch", lambda f: b"\x80\x02garbage", "truncated or corrupt"),
    ("data_batch_4", lambda f: pickle.dumps(collections.OrderedDict(), protocol=2),
     "collections.OrderedDict"),
    ("data_batch_1", lambda f: pickle.dumps([1, 2], protocol=2), "holds a list, not a dict"),
    ("data_batch_5", lambda f: pickle.dumps({b"pixels": np.zeros((N, 3072), np.uint8),
                                             b"labels": [0] * N}, protocol=2),
     "lacks the key.s. 'data'"),
    ("data_batch_1", lambda f: pickle.dumps({b"data": np.zeros((N, 3000), np.uint8),
                                             b"labels": [0] * N}, protocol=2),
     r"uint8 array \(n, 3072\), got uint8 \(6, 3000\)"),
    ("data_batch_1", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.float64),
                                             b"labels": [0] * N}, protocol=2),
     r"got float64"),
    ("test_batch", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                           b"labels": [0] * (N - 1)}, protocol=2),
     r"6 images but 'labels' has shape \(5,\)"),
    ("test_batch", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                           b"labels": [0, 1, 2, 3, 4, 10]}, protocol=2),
     "outside 0..9"),
    ("batches.meta", lambda f: pickle.dumps({b"names": []}, protocol=2), "no list of 'label_names'"),
    ("data_batch_2", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                             b"labels": [0, 1.7, 2, 3, 4, 5]}, protocol=2),
     "'labels' should be a list of ints, got a list of float, int"),
    ("data_batch_2", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                             b"labels": [True] * N}, protocol=2),
     "'labels' should be a list of ints, got a list of bool"),
    ("data_batch_2", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                             b"labels": ["1"] * N}, protocol=2),
     "'labels' should be a list of ints, got a list of str"),
    ("data_batch_2", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                             b"labels": np.zeros(N) + 1.5}, protocol=2),
     "'labels' should be a list of ints, got an array of float64 \\(6,\\)"),
    ("data_batch_3", lambda f: pickle.dumps({b"data": np.zeros((N, 3072), np.uint8),
                                             b"labels": [0] * (N - 1) + [2 ** 70]}, protocol=2),
     "'labels' holds ints too large"),
])
def test_broken_file_is_named(tmp_path, mini, name, content, expected):
    files = dict(mini["files"], **{name: content(mini["files"])})
    folder = write_folder(tmp_path, files)
    with pytest.raises(DatasetError, match=expected) as error:
        load_cifar10(tmp_path, download=False)
    assert str(folder / name) in str(error.value)
    assert "Delete the folder" in str(error.value)


def test_archive_with_the_official_name_must_have_the_official_md5(tmp_path, mini):
    archive = tmp_path / cifar10.ARCHIVE
    archive.write_bytes(mini["archive"])
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path)
    message = str(error.value)
    assert f"has MD5 {md5(mini['archive'])}" in message
    assert f"named {cifar10.ARCHIVE} must be the official" in message and cifar10.MD5 in message
    assert f"Delete {archive}" in message


def test_truncated_archive_with_the_official_name_fails_its_md5(tmp_path, mini, monkeypatch):
    monkeypatch.setattr(cifar10, "MD5", md5(mini["archive"]))
    (tmp_path / cifar10.ARCHIVE).write_bytes(mini["archive"][:-100])
    with pytest.raises(DatasetError, match="truncated, corrupt or another file"):
        load_cifar10(tmp_path)


def test_truncated_archive_is_named(tmp_path, mini):
    archive = tmp_path / "mini.tar.gz"
    archive.write_bytes(mini["archive"][:len(mini["archive"]) * 2 // 3])
    with pytest.raises(DatasetError, match="not a readable .tar.gz archive .* truncated or corrupt") as error:
        read_archive(archive)
    assert str(archive) in str(error.value) and f"Delete {archive}" in str(error.value)


def test_archive_without_a_batch_is_named(tmp_path, mini):
    files = {k: v for k, v in mini["files"].items() if k != "test_batch"}
    archive = tmp_path / "mini.tar.gz"
    archive.write_bytes(archive_bytes(files))
    with pytest.raises(DatasetError, match=f"lacks {cifar10.FOLDER}/test_batch"):
        read_archive(archive)


def test_corrupt_member_of_the_archive_is_named(tmp_path, mini):
    files = dict(mini["files"], data_batch_3=b"\x80\x02not a pickle")
    archive = tmp_path / "mini.tar.gz"
    archive.write_bytes(archive_bytes(files))
    with pytest.raises(DatasetError, match=f"{cifar10.FOLDER}/data_batch_3 is not a readable pickle"):
        read_archive(archive)


# Downloads, from a server on 127.0.0.1.

class Handler(http.server.BaseHTTPRequestHandler):
    """/archive: the miniature archive; /stall: half of it, then silence; /trickle: a byte
    every 0.05 s; else 404."""

    archive = b""
    release = threading.Event()

    def do_GET(self):
        if self.path not in ("/archive", "/stall", "/trickle"):
            self.send_error(404, "Not Found")
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(self.archive)))
        self.end_headers()
        if self.path == "/archive":
            self.wfile.write(self.archive)
        elif self.path == "/trickle":
            for byte in self.archive[:100]:
                if self.release.wait(0.05):
                    break
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
        else:
            self.wfile.write(self.archive[:len(self.archive) // 2])
            self.wfile.flush()
            self.release.wait(10)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server(mini):
    Handler.archive = mini["archive"]
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Handler.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def from_server(server, mini, monkeypatch):
    """Point the loader at the local server; returns a function setting the URL path."""
    monkeypatch.setattr(cifar10, "MD5", md5(mini["archive"]))

    def point(path):
        monkeypatch.setattr(cifar10, "URL", server + path)
    return point


def test_download_from_a_local_server(tmp_path, mini, from_server, capsys):
    from_server("/archive")
    root = tmp_path / "new" / "data"
    data = load_cifar10(root)
    assert_is_mini(data, mini)
    assert sorted(p.name for p in root.iterdir()) == [cifar10.ARCHIVE]
    assert (root / cifar10.ARCHIVE).read_bytes() == mini["archive"]
    assert f"{cifar10.ARCHIVE} 100% [{'#' * 30}]" in capsys.readouterr().err
    assert load_cifar10(root, download=False).source == str(root / cifar10.ARCHIVE)


def assert_failed_cleanly(root, error, reason):
    message = str(error.value)
    assert f"downloading {cifar10.URL} failed" in message and reason in message
    assert f"put it as is at {root / cifar10.ARCHIVE}" in message
    assert f"the folder {root / cifar10.FOLDER} holds data_batch_1" in message
    assert list(root.iterdir()) == []


def test_download_404_leaves_nothing(tmp_path, from_server):
    from_server("/nothing-here")
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path)
    assert_failed_cleanly(tmp_path, error, "HTTP 404")


def test_download_connection_refused_leaves_nothing(tmp_path, monkeypatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setattr(cifar10, "URL", f"http://127.0.0.1:{port}/archive")
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path)
    assert_failed_cleanly(tmp_path, error, "refused")


def test_stalled_server_times_out_and_leaves_nothing(tmp_path, from_server):
    from_server("/stall")
    start = time.monotonic()
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path, timeout=0.3)
    assert time.monotonic() - start < 5
    assert_failed_cleanly(tmp_path, error, "no answer from the server for 0.3 s")


def test_wrong_md5_after_download_leaves_nothing(tmp_path, from_server, monkeypatch):
    from_server("/archive")
    monkeypatch.setattr(cifar10, "MD5", "0" * 32)
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path)
    assert_failed_cleanly(tmp_path, error, "expected " + "0" * 32)


def test_ctrl_c_during_download_leaves_nothing(tmp_path, from_server, monkeypatch):
    from_server("/archive")

    def interrupt(self, n):
        raise KeyboardInterrupt
    monkeypatch.setattr(download.TextBar, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        load_cifar10(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_file_from_a_file_url(tmp_path, mini):
    source = tmp_path / "source.tar.gz"
    source.write_bytes(mini["archive"])
    target = tmp_path / "sub" / "copy.tar.gz"
    download.download_file(source.as_uri(), target, md5(mini["archive"]))
    assert target.read_bytes() == mini["archive"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.tar.gz"]
    assert download.md5sum(target) == md5(mini["archive"])


def test_download_replaces_nothing_when_it_fails(tmp_path):
    target = tmp_path / "keep.tar.gz"
    target.write_bytes(b"old")
    with pytest.raises(DatasetError, match="failed"):
        download.download_file((tmp_path / "absent").as_uri(), target, "0" * 32)
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.tar.gz"]


def test_progress_is_a_widget_in_a_notebook(tmp_path, mini, monkeypatch, capsys):
    pytest.importorskip("ipywidgets")
    bars = []

    class Recorded(download.WidgetBar):
        def __init__(self, name, total):
            super().__init__(name, total)
            bars.append(self)
    monkeypatch.setattr(download, "in_notebook", lambda: True)
    monkeypatch.setattr(download, "WidgetBar", Recorded)
    source = tmp_path / "source.tar.gz"
    source.write_bytes(mini["archive"])
    download.download_file(source.as_uri(), tmp_path / "copy.tar.gz", md5(mini["archive"]))
    (bar,) = bars
    assert bar.bar.value == bar.bar.max == len(mini["archive"])
    assert bar.bar.bar_style == "success"
    assert "100%" not in capsys.readouterr().err


def test_a_batch_that_is_a_folder_is_named(tmp_path, mini):
    folder = write_folder(tmp_path, mini["files"])
    (folder / "data_batch_1").unlink()
    (folder / "data_batch_1").mkdir()
    with pytest.raises(DatasetError, match=r"data_batch_1 cannot be read .*it should be a file"):
        load_cifar10(tmp_path, download=False)


def test_deeply_nested_labels_fail_at_once(tmp_path, mini):
    labels = [0]
    for _ in range(60):
        labels = [labels, labels]  # 2**60 leaves in a few kilobytes
    content = pickle.dumps({b"data": np.zeros((N, 3072), np.uint8), b"labels": labels}, protocol=2)
    assert len(content) < 25_000  # 18 KB of them the images
    write_folder(tmp_path, dict(mini["files"], data_batch_1=content))
    start = time.monotonic()
    with pytest.raises(DatasetError, match="'labels' should be a list of ints, got a list of list"):
        load_cifar10(tmp_path, download=False)
    assert time.monotonic() - start < 5


class Evil:
    def __reduce__(self):
        return (print, ("this ran",))


class Huge:
    def __reduce__(self):
        return (np.ndarray, ((10 ** 6, 10 ** 6),))


@pytest.mark.parametrize("payload, words", [(Evil(), "print, not part of a CIFAR-10 batch"),
                                            (Huge(), "an array of 8000000000000 bytes")])
def test_a_malicious_pickle_is_refused_as_unsafe(tmp_path, mini, capsys, payload, words):
    content = pickle.dumps({b"data": payload, b"labels": [0] * N}, protocol=2)
    write_folder(tmp_path, dict(mini["files"], test_batch=content))
    with pytest.raises(DatasetError, match="test_batch was refused as unsafe: it asks") as error:
        load_cifar10(tmp_path, download=False)
    assert words in str(error.value) and "it was not run" in str(error.value)
    assert "this ran" not in capsys.readouterr().out


def test_a_trickling_download_fails_as_stalled(tmp_path, from_server):
    from_server("/trickle")
    start = time.monotonic()
    with pytest.raises(DatasetError) as error:
        load_cifar10(tmp_path, timeout=0.5)
    assert time.monotonic() - start < 5
    assert_failed_cleanly(tmp_path, error, "the download stalled, only")
    assert "bytes came in 0.5 s (at least 65536 bytes every timeout=0.5 s" in str(error.value)
