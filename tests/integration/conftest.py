"""Integration fixtures: the real Fabric network brought up by network/ (once per session).

If a network is already running in the run directory (``make up``), the tests
use it (after restarting chaincode servers that run older contract sources) and leave it
running; otherwise they bring one up and take it down at
the end.  Tests that stop nodes or restart the network use their own network
(``isolated_network``), on other ports, so they never disturb the shared one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from network import Network, load_layout

REPO = Path(__file__).resolve().parents[2]
# The integration networks serve the probe contract (unprefixed "put", "get", ...) beside
# the carbon contract: chaincode servers get CARBONTRUST_CC_TEST_CONTRACTS=1 from the command
# that starts them, and a running network started without it (`make up`) counts as stale
# and has its chaincode servers restarted with it (Network.cc_digest).
os.environ["CARBONTRUST_CC_TEST_CONTRACTS"] = "1"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.integration)


def _running(net: Network) -> bool:
    st = net.status()
    return (net.run_dir / "connection.json").is_file() and all(s["pid"] for s in st.values())


def reuse_running(net: Network) -> bool:
    """If the network is running, make it serve the current chaincode sources and say True.

    A running network's chaincode servers run the contract as it was when they started;
    those started from other sources (digest recorded at their start) are restarted.
    """
    if not _running(net):
        return False
    for name in net.refresh_chaincode():
        print(f"{name}: chaincode sources changed since it started; restarted")
    return True


@pytest.fixture(scope="session")
def shared_network() -> Iterator[Network]:
    net = Network()
    if reuse_running(net):
        yield net
        return
    net.down(quiet=True)
    net.up()
    try:
        yield net
    finally:
        if os.environ.get("CARBONTRUST_KEEP_NETWORK") != "1":
            net.down()


@pytest.fixture(scope="session")
def network_info(shared_network: Network) -> dict:
    return json.loads((shared_network.run_dir / "connection.json").read_text())


def make_isolated(name: str, port_base: int) -> Network:
    env = {**os.environ, "CARBONTRUST_PORT_BASE": str(port_base)}
    return Network(run_dir=REPO / ".run" / name, layout=load_layout(env=env))


@pytest.fixture(scope="module")
def isolated_network(request: pytest.FixtureRequest) -> Iterator[Network]:
    """A network of the test module's own (port base from the module's PORT_BASE)."""
    base = getattr(request.module, "PORT_BASE", 27000)
    net = make_isolated(f"it-{request.module.__name__.rsplit('.', 1)[-1]}", base)
    net.down(quiet=True)
    net.up()
    try:
        yield net
    finally:
        net.down()
