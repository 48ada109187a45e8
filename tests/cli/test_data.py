import functools
import gzip
import hashlib
import http.server
import io
import tarfile
import threading

import pytest

from lstmlab.cli.main import main
from lstmlab.data import registry
from lstmlab.data.registry import DataFile, DataSet


@pytest.fixture
def serve():
    """``serve(folder)`` → base URL of a local HTTP server for that folder (127.0.0.1, any port)."""
    servers = []

    def start(folder):
        handler = functools.partial(QuietHandler, directory=str(folder))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(httpd)
        return f"http://127.0.0.1:{httpd.server_address[1]}"

    yield start
    for httpd in servers:
        httpd.shutdown()
        httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def write_small_data(root):
    """A tiny IMDb archive and CoNLL-2000 files in the official layout; no Brown."""
    with tarfile.open(root / "aclImdb_v1.tar.gz", "w:gz") as archive:
        for name in ("train/pos/1_9", "train/neg/2_1", "test/pos/3_8", "train/unsup/4_0"):
            info = tarfile.TarInfo(f"aclImdb/{name}.txt")
            info.size = 4
            archive.addfile(info, io.BytesIO(b"text"))
    (root / "conll2000").mkdir()
    for split in ("train", "test"):
        (root / "conll2000" / f"{split}.txt.gz").write_bytes(gzip.compress(b"A DT B\nb NN I\n\n"))


SMALL_COMPLETE = {  # what write_small_data's copies hold, complete
    "imdb": {"train pos": 1, "train neg": 1, "test pos": 1, "test neg": 0, "unsup": 1},
    "conll2000": {"train sentences": 1, "test sentences": 1},
}


def test_list_shows_present_and_missing(tmp_path, capsys, monkeypatch):
    write_small_data(tmp_path)
    monkeypatch.setattr("lstmlab.cli.data.COMPLETE", SMALL_COMPLETE)
    assert main(["data", "list", "--data-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines()[1:]}
    assert "present" in lines["imdb"] and "train 2, test 1, unsup 1" in lines["imdb"]
    assert "train 1 sentences / 2 tokens" in lines["conll2000"]
    assert "missing" in lines["brown"] and str(tmp_path / "nltk" / "brown.zip") in lines["brown"]
    assert "lstmlab data fetch brown" in lines["brown"]


def test_fetch_from_a_local_mirror(tmp_path, serve, monkeypatch, capsys):
    mirror = tmp_path / "mirror"
    (mirror / "tiny").mkdir(parents=True)
    body = b"tiny data set\n"
    (mirror / "tiny" / "file.txt").write_bytes(body)
    files = (DataFile("tiny/file.txt", "https://example.invalid/file.txt", _sha(body)),)
    monkeypatch.setitem(registry.DATASETS, "tiny", DataSet("tiny", "test", files, "tiny"))
    monkeypatch.setenv(registry.MIRROR_ENV_VAR, serve(mirror))
    data_dir = tmp_path / "data"
    assert main(["data", "fetch", "tiny", "--data-dir", str(data_dir), "--no-progress"]) == 0
    assert (data_dir / "tiny" / "file.txt").read_bytes() == body
    assert "verified" in capsys.readouterr().out


def test_fetch_failure_is_one_line_and_exit_2(tmp_path, serve, monkeypatch, capsys):
    files = (DataFile("tiny/absent.txt", "https://example.invalid/absent.txt", None),)
    monkeypatch.setitem(registry.DATASETS, "tiny", DataSet("tiny", "test", files, "tiny"))
    mirror = serve(tmp_path)
    code = main(["data", "fetch", "tiny", "--data-dir", str(tmp_path / "d"), "--mirror", mirror])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "HTTP 404" in err and "absent.txt" in err


def test_fetch_unknown_name_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["data", "fetch", "mnist"])
    assert exit_info.value.code == 2


@pytest.mark.realdata
def test_fetch_real_files_through_a_mirror_verifies_checksums(real_data_root, tmp_path, serve):
    """The real CoNLL-2000 and Brown files pass their official checksums end to end."""
    mirror = serve(real_data_root)
    for name in ("conll2000", "brown"):
        args = ["data", "fetch", name, "--data-dir", str(tmp_path), "--mirror", mirror]
        assert main([*args, "--no-progress"]) == 0
    assert registry.locate("brown", tmp_path) == tmp_path / "nltk" / "brown.zip"
    assert registry.locate("conll2000", tmp_path) == tmp_path / "conll2000"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _small_imdb_tar(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for name in names:
            info = tarfile.TarInfo(f"aclImdb/{name}.txt")
            info.size = 600
            archive.addfile(info, io.BytesIO(b"x" * 600))
    return buffer.getvalue()


@pytest.mark.parametrize("damage", ["garbage", "renamed", "incomplete"])
def test_list_says_a_damaged_archive_is_damaged(tmp_path, capsys, monkeypatch, damage):
    write_small_data(tmp_path)
    monkeypatch.setattr("lstmlab.cli.data.COMPLETE", SMALL_COMPLETE)
    names = ["train/pos/1_9", "train/neg/2_1", "test/pos/3_8", "train/unsup/4_0"]
    if damage == "renamed":
        names[2] = "test/pos/3_8.bak"
    raw = _small_imdb_tar(names)
    if damage == "garbage":  # 4 KiB of garbage from the middle on: tar stops there, silently
        raw = raw[:1536] + bytes(range(256)) * 16 + raw[1536:]
    if damage == "incomplete":
        monkeypatch.setitem(SMALL_COMPLETE, "imdb", {**SMALL_COMPLETE["imdb"], "test neg": 1})
    (tmp_path / "aclImdb_v1.tar.gz").write_bytes(gzip.compress(raw))
    assert main(["data", "list", "--data-dir", str(tmp_path)]) == 2
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("imdb"))
    assert line.split()[1] == "damaged" and "DAMAGED" in line, line
    assert "a complete copy holds " in line and "lstmlab data fetch imdb" in line, line
    conll = next(x for x in out.splitlines() if x.startswith("conll2000"))
    assert conll.split()[1] == "present"  # the others are listed as ever
