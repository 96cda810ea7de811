"""Explicit, verified, atomic downloads (standard-library ``urllib`` only).

The core is :func:`download_file`: the response is streamed into a temporary file in the
destination's directory while its SHA-256 (and MD5 where the registry only knows that) is
computed; the size and checksum are checked, and only then is the temporary file moved over the
destination with ``os.replace`` (atomic on one file system). On any failure, a checksum
mismatch, a short read, a connection error or Ctrl-C, the temporary file is removed, so the
destination either holds a verified file or is untouched.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from . import cache, registry
from .errors import DataMissingError, DownloadError
from .h5write import replace_as_created

CHUNK = 1 << 20
USER_AGENT = "dlcourse-autograder-data/1"


def sha256_file(path: str | os.PathLike, chunk: int = CHUNK) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _progress(total: int | None, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                disable=not enabled, leave=False)


def download_file(url: str, dest: str | os.PathLike, sha256: str | None = None,
                  size: int | None = None, *, md5: str | None = None, progress: bool = True,
                  timeout: float = 60.0) -> Path:
    """Download ``url`` to ``dest`` atomically; verify ``size``, ``sha256`` and ``md5`` if given.

    Returns ``Path(dest)``. Raises :class:`DownloadError` (one-line message) on an HTTP or
    connection error, a response shorter or longer than expected, or a checksum mismatch;
    ``KeyboardInterrupt`` propagates. In every failure case nothing is left at ``dest`` or
    beside it.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        h_sha, h_md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
        received = 0
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        try:
            with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as resp:
                header_len = resp.headers.get("Content-Length")
                announced = int(header_len) if header_len and header_len.isdigit() else None
                if size is not None and announced is not None and announced != size:
                    raise DownloadError(f"{url}: server announces {announced} bytes, expected {size}")
                with _progress(size or announced, dest.name, progress) as bar:
                    while block := resp.read(CHUNK):
                        out.write(block)
                        h_sha.update(block)
                        h_md5.update(block)
                        received += len(block)
                        bar.update(len(block))
                        if size is not None and received > size:
                            raise DownloadError(f"{url}: more than the expected {size} bytes")
        except urllib.error.HTTPError as e:
            raise DownloadError(f"{url}: HTTP {e.code} {e.reason}") from None
        except (urllib.error.URLError, OSError) as e:
            reason = getattr(e, "reason", None) or e
            raise DownloadError(f"{url}: connection failed ({reason})") from None
        expected = size if size is not None else announced
        if expected is not None and received != expected:
            raise DownloadError(f"{url}: truncated download, got {received} of {expected} bytes")
        if sha256 is not None and h_sha.hexdigest() != sha256.lower():
            raise DownloadError(f"{url}: SHA-256 mismatch (got {h_sha.hexdigest()}, expected {sha256})")
        if md5 is not None and h_md5.hexdigest() != md5.lower():
            raise DownloadError(f"{url}: MD5 mismatch (got {h_md5.hexdigest()}, expected {md5})")
        replace_as_created(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest


def _gunzip_atomic(src: Path, dest: Path, size: int | None) -> None:
    fd, tmp_name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, gzip.open(src, "rb") as z:
            shutil.copyfileobj(z, out, CHUNK)
        if size is not None and tmp.stat().st_size != size:
            raise DownloadError(f"{src.name}: decompressed to {tmp.stat().st_size} bytes, expected {size}")
        replace_as_created(tmp, dest)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        tmp.unlink(missing_ok=True)
        raise DownloadError(f"{src.name}: not a valid gzip file ({e})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def fetch_file(spec: registry.FileSpec, directory: Path, *, progress: bool = True,
               timeout: float = 60.0, log=print) -> Path:
    """Fetch one registry file into ``directory``, trying its URLs in order. Returns its path."""
    dest = directory / spec.name
    if not spec.urls:
        raise DataMissingError(f"{spec.name} has no download URL; put it at {dest}")
    errors = []
    for url in spec.urls:
        try:
            if not spec.gzip:
                return download_file(url, dest, spec.sha256, spec.size, progress=progress, timeout=timeout)
            gz = dest.with_name(dest.name + ".gz")
            download_file(url, gz, spec.download_sha256, None, md5=spec.download_md5,
                          progress=progress, timeout=timeout)
            try:
                _gunzip_atomic(gz, dest, spec.size)
            finally:
                gz.unlink(missing_ok=True)
            return dest
        except DownloadError as e:
            errors.append(str(e))
            log(f"failed: {e}")
    raise DownloadError(f"could not download {spec.name} from any source: " + "; ".join(errors))


def download_dataset(name: str, directory: str | os.PathLike | None = None, *, force: bool = False,
             progress: bool = True, timeout: float = 60.0, log=print) -> Path:
    """Download the real data set ``name`` into ``directory`` (default ``cache.real_dir(name)``).

    Files that are already present with the registered size (and checksum, for files the
    registry has one for) are kept unless ``force``. Returns the directory. Data sets without a
    download URL (SIGNS) raise :class:`DataMissingError` saying where to put the files.
    """
    ds = registry.get(name)
    directory = Path(directory) if directory is not None else cache.real_dir(ds.name)
    if not ds.downloadable:
        raise DataMissingError(f"{ds.title}: " + (ds.manual or "no download URL").format(dir=directory)
                               + f"; or build an offline stand-in with `{ds.synth_command()}`")
    for spec in ds.files:
        dest = directory / spec.name
        if not force and dest.is_file() and _looks_complete(spec, dest, log):
            log(f"{dest} already present and verified")
            continue
        log(f"downloading {spec.name} -> {dest}")
        fetch_file(spec, directory, progress=progress, timeout=timeout, log=log)
    return directory


def _looks_complete(spec: registry.FileSpec, path: Path, log) -> bool:
    if spec.size is not None and path.stat().st_size != spec.size:
        return False
    if spec.sha256 is not None:
        log(f"verifying {path.name} (SHA-256)")
        return sha256_file(path) == spec.sha256
    return True
