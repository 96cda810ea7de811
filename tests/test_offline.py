"""`make test` runs the whole suite in a network namespace of its own, with only loopback up.

Every grading run in the suite (references, skeletons, mutants, hostile submissions, notebooks
executed by nbgrader, the data stand-ins they build) therefore proves that grading needs no
network. This test checks that the namespace is really offline.
"""
import errno
import os
import socket

import pytest

OFFLINE = os.environ.get("DLCOURSE_SUITE_OFFLINE") == "1"


@pytest.mark.skipif(not OFFLINE, reason="run through `make test`, which starts the suite in a network namespace")
def test_suite_runs_without_network_but_with_loopback():
    with pytest.raises(OSError) as info:
        socket.create_connection(("192.0.2.1", 80), timeout=3)  # TEST-NET-1: routable only with a network
    assert info.value.errno == errno.ENETUNREACH
    assert [name for _, name in socket.if_nameindex()] == ["lo"]
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname(), timeout=3):
            pass
