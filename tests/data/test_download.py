"""Downloads against a local HTTP server on 127.0.0.1: verified, atomic, nothing left on failure."""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import http.server
import socket
import threading

import pytest

from autograder.data import DownloadError, download_dataset, download_file, registry
from autograder.data import download as download_mod
from autograder.data.cli import main as cli_main

PAYLOAD = bytes(range(256)) * 2000  # 512,000 bytes: several read chunks
SHA = hashlib.sha256(PAYLOAD).hexdigest()
GZ = gzip.compress(PAYLOAD, mtime=0)


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        if self.path == "/good.bin":
            self._send(PAYLOAD, len(PAYLOAD))
        elif self.path == "/good.bin.gz":
            self._send(GZ, len(GZ))
        elif self.path == "/truncated.bin":  # announces everything, sends half, hangs up
            self._send(PAYLOAD[: len(PAYLOAD) // 2], len(PAYLOAD))
        elif self.path == "/unannounced-short.bin":  # no Content-Length, stops early
            self._send(PAYLOAD[: len(PAYLOAD) // 2], None)
        else:
            self.send_error(404)

    def _send(self, body, length):
        self.send_response(200)
        if length is not None:
            self.send_header("Content-Length", str(length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        self.close_connection = True


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def test_good_file_is_accepted(server, tmp_path):
    dest = download_file(f"{server}/good.bin", tmp_path / "f.bin", SHA, len(PAYLOAD), progress=False)
    assert dest.read_bytes() == PAYLOAD
    assert leftovers(tmp_path) == ["f.bin"]


def test_wrong_checksum_is_rejected_and_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="SHA-256 mismatch"):
        download_file(f"{server}/good.bin", tmp_path / "f.bin", "0" * 64, len(PAYLOAD), progress=False)
    assert leftovers(tmp_path) == []


def test_truncated_response_is_rejected_and_leaves_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="truncated"):
        download_file(f"{server}/truncated.bin", tmp_path / "f.bin", None, None, progress=False)
    assert leftovers(tmp_path) == []


def test_short_response_without_length_is_caught_by_registry_size(server, tmp_path):
    with pytest.raises(DownloadError, match="truncated"):
        download_file(f"{server}/unannounced-short.bin", tmp_path / "f.bin", None, len(PAYLOAD), progress=False)
    assert leftovers(tmp_path) == []


def test_failed_download_keeps_an_existing_file_untouched(server, tmp_path):
    dest = tmp_path / "f.bin"
    dest.write_bytes(b"old")
    with pytest.raises(DownloadError):
        download_file(f"{server}/truncated.bin", dest, SHA, len(PAYLOAD), progress=False)
    assert dest.read_bytes() == b"old"
    assert leftovers(tmp_path) == ["f.bin"]


def test_http_error_and_refused_connection_leave_no_file(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        download_file(f"{server}/nope", tmp_path / "f.bin", SHA, progress=False)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed_port = s.getsockname()[1]
    s.close()
    with pytest.raises(DownloadError, match="connection failed"):
        download_file(f"http://127.0.0.1:{closed_port}/x", tmp_path / "f.bin", SHA, timeout=5, progress=False)
    assert leftovers(tmp_path) == []


def test_ctrl_c_mid_download_leaves_no_file(server, tmp_path, monkeypatch):
    class Bar:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def update(self, n):
            raise KeyboardInterrupt

    monkeypatch.setattr(download_mod, "_progress", Bar)
    with pytest.raises(KeyboardInterrupt):
        download_file(f"{server}/good.bin", tmp_path / "f.bin", SHA, len(PAYLOAD))
    assert leftovers(tmp_path) == []


def test_next_url_is_tried_after_a_failure(server, tmp_path):
    spec = registry.FileSpec(name="f.bin", urls=(f"{server}/nope", f"{server}/good.bin"), size=len(PAYLOAD), sha256=SHA)
    path = download_mod.fetch_file(spec, tmp_path, progress=False, log=lambda *a: None)
    assert path.read_bytes() == PAYLOAD


def test_gzip_source_is_verified_by_md5_and_decompressed(server, tmp_path):
    good = registry.FileSpec(name="raw/f", urls=(f"{server}/good.bin.gz",), size=len(PAYLOAD), gzip=True,
                             download_md5=hashlib.md5(GZ).hexdigest())
    assert download_mod.fetch_file(good, tmp_path, progress=False).read_bytes() == PAYLOAD
    assert leftovers(tmp_path / "raw") == ["f"]
    bad = dataclasses.replace(good, name="raw/g", download_md5="0" * 32)
    with pytest.raises(DownloadError, match="MD5 mismatch"):
        download_mod.fetch_file(bad, tmp_path, progress=False, log=lambda *a: None)
    assert leftovers(tmp_path / "raw") == ["f"]


def test_download_command_fills_the_cache_from_the_registry(server, monkeypatch, private_cache, capsys):
    ds = registry.DATASETS["galaxy10"]
    spec = dataclasses.replace(ds.files[0], urls=(f"{server}/good.bin",), size=len(PAYLOAD), sha256=SHA)
    monkeypatch.setitem(registry.DATASETS, "galaxy10", dataclasses.replace(ds, files=(spec,)))
    assert cli_main(["download", "galaxy10"]) == 0
    assert (private_cache / "galaxy10" / "Galaxy10.h5").read_bytes() == PAYLOAD
    # a second run verifies the present file instead of fetching it again
    assert cli_main(["download", "galaxy10"]) == 0
    assert "already present and verified" in capsys.readouterr().out


def test_download_command_reports_a_corrupt_source_in_one_line(server, monkeypatch, private_cache, capsys):
    ds = registry.DATASETS["galaxy10"]
    spec = dataclasses.replace(ds.files[0], urls=(f"{server}/truncated.bin",), size=len(PAYLOAD), sha256=SHA)
    monkeypatch.setitem(registry.DATASETS, "galaxy10", dataclasses.replace(ds, files=(spec,)))
    assert cli_main(["download", "galaxy10"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "truncated" in err and "Traceback" not in err
    assert leftovers(private_cache / "galaxy10") == []


def test_download_refuses_signs_with_instructions(tmp_path):
    with pytest.raises(Exception, match="no official download.*synth signs"):
        download_dataset("signs", tmp_path)
