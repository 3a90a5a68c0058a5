"""The port plan of the integration tests: every network below the kernel's ephemeral range,
and no two networks sharing a port.

A network listening inside the ephemeral range (Linux: 32768-60999 by default) can find one
of its ports held by an unrelated outgoing connection and fail to come up, now and then: it
happened here (a client connection held 33570 and a `network up` failed). The isolated
networks of tests/integration run side by side with the shared one, so their port ranges must
not overlap either.
"""

from __future__ import annotations

import ast
from pathlib import Path

from network import load_layout

REPO = Path(__file__).resolve().parents[3]
INTEGRATION = REPO / "tests" / "integration"
EPHEMERAL_START = 32768  # Linux default net.ipv4.ip_local_port_range start
DEFAULT_BASE = 17000


def _bases() -> dict[str, int]:
    """PORT_BASE constants and literal bases passed to make_isolated(...) / _network(...)."""
    found: dict[str, int] = {"shared network": DEFAULT_BASE}
    for path in sorted(INTEGRATION.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Assign) and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and node.targets[0].id == "PORT_BASE"
                    and isinstance(node.value, ast.Constant)):
                found[path.stem] = int(node.value.value)
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "make_isolated" and len(node.args) == 2
                    and isinstance(node.args[1], ast.Constant)):
                found[f"{path.stem}:{node.args[0].value}"] = int(node.args[1].value)
    return found


def _ports(base: int) -> list[int]:
    return load_layout(env={"CARBONTRUST_PORT_BASE": str(base)}).all_ports()


def test_the_plan_reads_the_modules() -> None:
    bases = _bases()
    # the scan must find the modules that do run networks of their own
    assert {"test_drill", "test_gateway_stopped_peer", "test_network_resilience",
            "test_audit_trail", "test_audit_cli", "test_results_ledger", "test_report_flow",
            "test_readings_privacy", "test_readings_scale", "test_consent",
            "test_services", "test_results_privacy"} <= set(bases)


def test_every_network_is_below_the_ephemeral_range() -> None:
    for name, base in _bases().items():
        top = max(_ports(base))
        assert top < EPHEMERAL_START, (
            f"{name}: PORT_BASE {base} puts a port at {top}, inside the ephemeral range "
            f"(from {EPHEMERAL_START}); pick a base below {EPHEMERAL_START - (top - base)}")


def test_no_two_networks_share_a_port() -> None:
    owner: dict[int, str] = {}
    for name, base in _bases().items():
        for port in _ports(base):
            # a module's "control" network sits at PORT_BASE + 500 (test_shim_idle)
            assert port not in owner, f"port {port}: both {owner[port]} and {name}"
            owner[port] = name
    for name, base in _bases().items():
        for port in _ports(base + 500) if name == "test_shim_idle" else []:
            assert port not in owner, f"port {port}: both {owner[port]} and {name} (control)"
