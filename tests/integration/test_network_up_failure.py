"""A failed `up` names the node and leaves nothing running."""

from __future__ import annotations

import socket

import pytest

from network import NetworkError, NodeStartError

from .conftest import make_isolated


def test_busy_port_is_named_before_anything_starts() -> None:
    net = make_isolated("it-busy", 29000)
    net.down(quiet=True)
    port = net.layout.orgs[2].peer.port
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))
        s.listen()
        with pytest.raises(NetworkError, match=str(port)):
            net.up()
    assert all(st["pid"] is None for st in net.status().values())
    net.down(quiet=True)


def test_node_that_cannot_start_is_named_with_its_log_and_all_is_stopped(monkeypatch) -> None:
    net = make_isolated("it-broken", 29500)
    net.down(quiet=True)
    monkeypatch.setenv("CARBONTRUST_READY_TIMEOUT", "20")
    real_spec = net.spec

    def broken_spec(name: str):
        spec = real_spec(name)
        if name == "peer0.certifier":
            spec.env["CORE_PEER_TLS_CERT_FILE"] = "/nonexistent/server.crt"
        return spec

    monkeypatch.setattr(net, "spec", broken_spec)
    with pytest.raises(NodeStartError) as err:
        net.up()
    assert err.value.name == "peer0.certifier"
    assert "/nonexistent/server.crt" in err.value.log_tail
    assert all(st["pid"] is None for st in net.status().values())
    net.down(quiet=True)
