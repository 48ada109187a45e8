import gzip
import hashlib
import http.server
import threading
from typing import ClassVar

import pytest

from lstmlab.data import download, registry
from lstmlab.data.download import fetch, fetch_dataset
from lstmlab.data.registry import DataFile, DataSet, gunzipped_sha256_check
from lstmlab.errors import DataError

GOOD = b"hello data\n" * 1000
GOOD_SHA = hashlib.sha256(GOOD).hexdigest()


class Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``routes``: path → (status, body, announced Content-Length)."""

    routes: ClassVar[dict[str, tuple[int, bytes, int]]] = {}
    requests: ClassVar[list[str]] = []

    def do_GET(self):
        self.requests.append(self.path)
        if self.path == "/endless.bin":  # a mirror gone wrong: bytes without end or length
            self.send_response(200)
            self.end_headers()
            try:
                while True:
                    self.wfile.write(b"\0" * 65536)
            except OSError:  # the client hung up
                return
        status, body, length = self.routes.get(self.path, (404, b"not found", 9))
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    """A local HTTP server on an ephemeral port; yields its base URL."""
    Handler.routes = {
        "/good.bin": (200, GOOD, len(GOOD)),
        "/truncated.bin": (200, GOOD[:500], len(GOOD)),
        "/error.bin": (500, b"oops", 4),
    }
    Handler.requests = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_good_download_is_verified_and_cached(server, tmp_path):
    dest = tmp_path / "sub" / "good.bin"
    assert fetch(f"{server}/good.bin", dest, GOOD_SHA, progress=False) == dest
    assert dest.read_bytes() == GOOD
    fetch(f"{server}/good.bin", dest, GOOD_SHA, progress=False)
    assert Handler.requests == ["/good.bin"]  # the second call used the file in place
    assert leftovers(dest.parent) == []


def test_checksum_mismatch_leaves_nothing(server, tmp_path):
    dest = tmp_path / "good.bin"
    with pytest.raises(DataError, match="expected 0000"):
        fetch(f"{server}/good.bin", dest, "0000", progress=False)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_truncated_transfer_is_detected(server, tmp_path):
    dest = tmp_path / "t.bin"
    with pytest.raises(DataError, match=r"cut off: received 500 of 11,000 bytes"):
        fetch(f"{server}/truncated.bin", dest, None, progress=False)
    assert not dest.exists() and leftovers(tmp_path) == []


def test_http_error_says_where_to_put_the_file(server, tmp_path):
    dest = tmp_path / "e.bin"
    with pytest.raises(DataError, match=rf"HTTP 500.*put it at {dest}"):
        fetch(f"{server}/error.bin", dest, None, progress=False)
    with pytest.raises(DataError, match="HTTP 404"):
        fetch(f"{server}/missing.bin", dest, None, progress=False)
    assert not dest.exists()


def test_network_failure(tmp_path):
    dest = tmp_path / "x.bin"
    # Port 9 on localhost: nothing listens, the connection is refused at once.
    with pytest.raises(DataError, match=rf"cannot download .*put it at {dest}"):
        fetch("http://127.0.0.1:9/x.bin", dest, None, progress=False, timeout=5)


def test_an_invalid_file_in_place_is_replaced(server, tmp_path):
    dest = tmp_path / "good.bin"
    dest.write_bytes(b"corrupt")
    fetch(f"{server}/good.bin", dest, GOOD_SHA, progress=False)
    assert dest.read_bytes() == GOOD


def test_a_failing_check_rejects_the_download(server, tmp_path):
    def reject(path):
        raise DataError(f"{path} is no good")

    with pytest.raises(DataError, match="no good"):
        fetch(f"{server}/good.bin", tmp_path / "g.bin", GOOD_SHA, progress=False, check=reject)
    assert not (tmp_path / "g.bin").exists() and leftovers(tmp_path) == []


def test_a_file_in_place_passing_its_check_is_kept_despite_another_checksum(server, tmp_path):
    # The shared IMDb archive is a repack: accepted by its contents, never re-downloaded.
    dest = tmp_path / "repack.bin"
    dest.write_bytes(b"repack")
    fetch(f"{server}/good.bin", dest, GOOD_SHA, progress=False, check=lambda path: None)
    assert dest.read_bytes() == b"repack" and Handler.requests == []


def test_gunzipped_check(tmp_path):
    path = tmp_path / "t.txt.gz"
    path.write_bytes(gzip.compress(b"word NN O\n"))
    gunzipped_sha256_check(hashlib.sha256(b"word NN O\n").hexdigest())(path)
    with pytest.raises(DataError, match="content checksum"):
        gunzipped_sha256_check("00")(path)
    path.write_bytes(b"not gzip")
    with pytest.raises(DataError, match="gzip"):
        gunzipped_sha256_check("00")(path)


def test_fetch_dataset_from_a_mirror(server, tmp_path, monkeypatch):
    files = (DataFile("tiny/good.bin", "https://example.invalid/good.bin", GOOD_SHA),)
    monkeypatch.setitem(registry.DATASETS, "tiny", DataSet("tiny", "test", files, "tiny"))
    Handler.routes["/tiny/good.bin"] = Handler.routes["/good.bin"]
    monkeypatch.setenv(registry.MIRROR_ENV_VAR, server)
    (path,) = fetch_dataset("tiny", tmp_path, progress=False)
    assert path == tmp_path / "tiny" / "good.bin" and path.read_bytes() == GOOD
    assert registry.locate("tiny", tmp_path) == tmp_path / "tiny"


def test_registry_urls_and_mirror(monkeypatch):
    imdb = registry.get_dataset("imdb").files[0]
    monkeypatch.delenv(registry.MIRROR_ENV_VAR, raising=False)
    assert imdb.source_url() == "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    assert imdb.source_url("http://m/") == "http://m/aclImdb_v1.tar.gz"
    with pytest.raises(DataError, match="unknown data set"):
        registry.get_dataset("mnist")
    assert download.USER_AGENT


def test_a_corrupt_gzip_in_place_is_downloaded_again(server, tmp_path):
    text = b"word NN O\n"
    body = gzip.compress(text)
    Handler.routes["/c.txt.gz"] = (200, body, len(body))
    dest = tmp_path / "c.txt.gz"
    data = bytearray(gzip.compress(text * 500))
    data[20:40] = b"\x00" * 20  # zlib.error inside the stream, not a truncation
    dest.write_bytes(bytes(data))
    check = gunzipped_sha256_check(hashlib.sha256(text).hexdigest())
    with pytest.raises(DataError, match="not a valid gzip file"):
        check(dest)
    fetch(f"{server}/c.txt.gz", dest, None, progress=False, check=check)
    assert gzip.decompress(dest.read_bytes()) == text


def test_bad_mirror_and_data_root(tmp_path, monkeypatch):
    monkeypatch.delenv(registry.MIRROR_ENV_VAR, raising=False)
    with pytest.raises(DataError, match="neither a URL"):
        fetch_dataset("conll2000", tmp_path, mirror="not a url", progress=False)
    assert list(tmp_path.iterdir()) == []  # refused before anything was written
    assert registry.mirror_url(str(tmp_path)) == tmp_path.resolve().as_uri()  # a folder
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(DataError, match="is a file, not a folder"):
        fetch_dataset("conll2000", a_file, progress=False)
    with pytest.raises(DataError, match="cannot write into"):
        fetch(f"file://{a_file}", a_file / "below" / "x.bin", None, progress=False)


@pytest.mark.parametrize("path", ["/endless.bin", "/good.bin"])
def test_a_download_stops_at_its_size_limit(server, tmp_path, path):
    dest = tmp_path / "big.bin"
    with pytest.raises(DataError, match=r"stopped: it (sent|announces) .*1,000 at most"):
        fetch(f"{server}{path}", dest, None, progress=False, max_bytes=1000)
    assert not dest.exists() and list(tmp_path.iterdir()) == []
