"""Framing on the socket between the trusted grader and a sandboxed child.

grader -> child  (trusted data; the child unpickles it), one frame (``framing``)::

    u32 length | pickle bytes of a request dict

child -> grader  (untrusted; never unpickled), one frame and the blobs it announces::

    u32 header length | UTF-8 JSON header | blob 0 | blob 1 | ...

The header is a JSON object whose ``"blobs"`` entry lists the byte length of each blob
(array data, file contents, raw bytes) that follows. The grader reads with a deadline and bounds every
read *before* it reads or decodes: a header over :data:`MAX_HEADER` bytes, or with more than
:data:`MAX_HEADER_VALUES` JSON values (counted on the raw bytes, before ``json.loads`` builds
them), or blobs adding up to more than the reply limit (``Limits.reply_mb``) is a
:class:`ProtocolError` charged to the submission, raised before the rest is read. Each blob is
received straight into one buffer of its declared size (no intermediate copies), so the grader
holds at most the reply limit plus the header's bounded JSON per reply, whatever the child sends.
The header then goes to ``values.decode``, which accepts only the tagged plain-data forms listed there.
"""
from __future__ import annotations

from .pristine import BUILTINS as __builtins__  # noqa: F401 - see pristine.py

import json
import os
import select
import socket
import time
from json import dumps as _dumps
from pickle import HIGHEST_PROTOCOL

from .. import framing

MAX_HEADER = 8 * 1024 * 1024  # JSON header bytes (values travel as blobs; the header is their layout)
MAX_HEADER_VALUES = 1_000_000  # '{', '[' and ',' in the header: bounds what json.loads allocates


class ProtocolError(Exception):
    """The child sent something that is not a well-formed reply."""


class ChannelClosed(framing.Closed):
    """The other end closed the socket (the child exited or was killed)."""


class Deadline(Exception):
    """The deadline passed before the child answered."""


# --- child side (blocking) ----------------------------------------------------------------------
def child_recv(sock: socket.socket) -> bytes:
    """One request's pickle bytes (the child unpickles them: they come from the grader)."""
    try:
        return framing.recv_frame(sock)
    except framing.Closed:
        raise ChannelClosed() from None


def child_send(sock: socket.socket, header: dict, blobs: list[bytes]) -> None:
    header["blobs"] = [len(b) for b in blobs]
    sock.sendall(b"".join([framing.frame(_dumps(header, allow_nan=True, separators=(",", ":")).encode()), *blobs]))


# --- grader side (deadlines, limits) -------------------------------------------------------------
def _wait(sock: socket.socket, events: int, deadline: float) -> None:
    poller = select.poll()
    poller.register(sock.fileno(), events)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise Deadline()
        if poller.poll(min(left, 3600) * 1000):
            return


class Reader:
    """Exact-size reads with a deadline from one child's socket (non-blocking)."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def read(self, n: int, deadline: float) -> bytearray:
        """``n`` bytes, received into one buffer of that size (the caller has bounded ``n``)."""
        out = bytearray(n)
        view = memoryview(out)
        got = 0
        while got < n:
            try:
                k = self.sock.recv_into(view[got:], min(n - got, 1 << 24))
            except BlockingIOError:
                _wait(self.sock, select.POLLIN, deadline)
                continue
            except ConnectionResetError:
                raise ChannelClosed() from None
            if not k:
                raise ChannelClosed()
            got += k
        view.release()
        return out


def grader_send(sock: socket.socket, data: bytes, deadline: float) -> None:
    """Send one request (already pickled)."""
    view = memoryview(framing.frame(data))
    while view:
        try:
            sent = sock.send(view)
        except BlockingIOError:
            _wait(sock, select.POLLOUT, deadline)
            continue
        except (BrokenPipeError, ConnectionResetError):
            raise ChannelClosed() from None
        view = view[sent:]


def grader_recv(reader: Reader, deadline: float, max_bytes: int) -> tuple[dict, list[bytes]]:
    """Read one reply: (header dict, blobs). Raises Deadline, ChannelClosed or ProtocolError."""
    n = framing.length(reader.read(framing.LENGTH.size, deadline))
    if n > min(MAX_HEADER, max_bytes):
        raise ProtocolError(f"reply header of {n} bytes is over the limit")
    raw = reader.read(n, deadline)
    if raw.count(b"{") + raw.count(b"[") + raw.count(b",") > MAX_HEADER_VALUES:
        raise ProtocolError(f"reply header holds more than {MAX_HEADER_VALUES} values")
    try:
        header = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"reply header is not JSON ({type(exc).__name__})") from None
    if type(header) is not dict:
        raise ProtocolError("reply header is not a JSON object")
    sizes = header.get("blobs", [])
    if type(sizes) is not list or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("reply header has malformed blob sizes")
    if sum(sizes) > max_bytes:
        raise ProtocolError(f"reply of {sum(sizes)} bytes is over the {max_bytes}-byte limit")
    del raw
    blobs = [reader.read(s, deadline) for s in sizes]
    return header, blobs


PICKLE_PROTOCOL = HIGHEST_PROTOCOL


def socketpair() -> tuple[socket.socket, socket.socket]:
    """(grader end, child end); the grader end is non-blocking, both close on exec."""
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.setblocking(False)
    os.set_inheritable(b.fileno(), False)
    return a, b
