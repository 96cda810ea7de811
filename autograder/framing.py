"""Length-prefixed frames: ``u32 length (big-endian) | payload``, the one framing of the autograder's
byte streams. The grader and a sandboxed child (``sandbox.wire``: requests one frame, replies a
frame of JSON followed by blobs) and the batch pool and its workers (``batch.pool``: a job, an
answer) both use it. (The fork server's control socket is ``SOCK_SEQPACKET``, which keeps message
boundaries itself: it needs no length prefix.)

The readers here block; the grader's reads from a child, which need deadlines and bounds before
any allocation, are ``sandbox.wire.Reader``, which uses :data:`LENGTH` and :func:`length`.
"""
from __future__ import annotations

from .sandbox.pristine import BUILTINS as __builtins__  # noqa: F401 - runs next to student code: see pristine.py

import struct

LENGTH = struct.Struct("!I")


class Closed(EOFError):
    """The other end closed the stream before a whole frame arrived."""


def frame(payload: bytes) -> bytes:
    """``payload`` with its length in front."""
    return LENGTH.pack(len(payload)) + payload


def length(prefix: bytes) -> int:
    """The payload length announced by a frame's first :data:`LENGTH` ``.size`` bytes."""
    return LENGTH.unpack(prefix)[0]


def read_exact(stream, n: int) -> bytes:
    """``n`` bytes from a binary stream (a pipe, a file); :class:`Closed` at its end."""
    data = b""
    while len(data) < n:
        chunk = stream.read(n - len(data))
        if not chunk:
            raise Closed()
        data += chunk
    return data


def recv_exact(sock, n: int) -> bytes:
    """``n`` bytes from a blocking socket, received into one buffer; :class:`Closed` at its end."""
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = sock.recv_into(view[got:], n - got)
        if k == 0:
            raise Closed()
        got += k
    return bytes(buf)


def read_frame(stream) -> bytes:
    """One frame's payload from a binary stream."""
    return read_exact(stream, length(read_exact(stream, LENGTH.size)))


def recv_frame(sock) -> bytes:
    """One frame's payload from a blocking socket."""
    return recv_exact(sock, length(recv_exact(sock, LENGTH.size)))
