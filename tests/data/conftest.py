"""Fixtures for the data-layer tests: private cache directory, network guard, small stand-ins."""

from __future__ import annotations

import dataclasses
import ipaddress
import socket

import pytest

from autograder.data import registry


class NetworkBlocked(OSError):
    """Raised by the guard when code tries to reach a non-loopback address."""


def _is_loopback(host) -> bool:
    if host in (None, "", "localhost"):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Every test gets its own empty cache directory via $DLCOURSE_DATA_DIR."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("DLCOURSE_DATA_DIR", str(cache))
    return cache


@pytest.fixture(autouse=True)
def network_guard(monkeypatch):
    """Refuse every connection and name lookup that is not loopback; record the attempts."""
    attempts: list = []
    real_connect, real_connect_ex, real_getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def check(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            attempts.append(address)
            raise NetworkBlocked(f"network access blocked in tests: {address!r}")

    def connect(self, address):
        check(self, address)
        return real_connect(self, address)

    def connect_ex(self, address):
        check(self, address)
        return real_connect_ex(self, address)

    def getaddrinfo(host, *args, **kwargs):
        if not _is_loopback(host):
            attempts.append(host)
            raise NetworkBlocked(f"name lookup blocked in tests: {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts


@pytest.fixture
def small_defaults(monkeypatch):
    """Shrink the default stand-in sizes so that ``locate``/``gallery`` tests stay fast."""
    small = {"galaxy10": 60, "signs": 36, "mnist": 100}
    for name, n in small.items():
        monkeypatch.setitem(registry.DATASETS, name, dataclasses.replace(registry.DATASETS[name], default_synth_n=n))
    return small


@pytest.fixture(scope="session")
def galaxy_standin(tmp_path_factory):
    from autograder.data import synthesize

    return synthesize("galaxy10", tmp_path_factory.mktemp("galaxy"), n=200, seed=0)


@pytest.fixture(scope="session")
def signs_standin(tmp_path_factory):
    from autograder.data import synthesize

    return synthesize("signs", tmp_path_factory.mktemp("signs"), n=60, seed=0)


@pytest.fixture(scope="session")
def mnist_standin(tmp_path_factory):
    from autograder.data import synthesize

    return synthesize("mnist", tmp_path_factory.mktemp("mnist"), n=120, seed=0)
