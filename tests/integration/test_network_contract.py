"""What the network promises the contract and its clients, on the shared real network."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from pathlib import Path

import pytest

import gateway as g
from gateway import aio
from network import Network

COLL = "privateReadings"


def _contract(gw, info: dict):
    return gw.get_network(info["channel"]).get_contract(info["chaincode"])


def _key(p: str) -> str:
    return f"net-{p}-{uuid.uuid4().hex[:10]}"


def _committed_everywhere(net: Network, block_number: int, timeout: float = 15) -> None:
    """Commit status comes from the client's own peer; wait until every peer has the block."""
    deadline = time.monotonic() + timeout
    for org in net.layout.orgs:
        while net.ledger_height(org.key) <= block_number:
            assert time.monotonic() < deadline, f"peer0.{org.key} lacks block {block_number}"
            time.sleep(0.05)


def test_each_org_runs_and_installs_its_own_chaincode_server(shared_network: Network) -> None:
    state = json.loads(shared_network.state_path.read_text())
    ids = state["package_ids"]
    assert len(set(ids.values())) == 4
    for org in shared_network.layout.orgs:
        assert ids[org.mspid].startswith(f"carbon_1.0_{org.key}:")
        pkg = shared_network.run_dir / "packages" / f"carbon_1.0_{org.key}.tar.gz"
        import io
        import tarfile
        with tarfile.open(pkg) as outer:
            code = outer.extractfile("code.tar.gz").read()  # type: ignore[union-attr]
        with tarfile.open(fileobj=io.BytesIO(code)) as inner:
            conn = json.load(inner.extractfile("connection.json"))  # type: ignore[arg-type]
        assert conn["address"] == org.cc_address
        assert conn["tls_required"] and conn["client_auth_required"]
        assert shared_network.sup.pid(f"ccserver.{org.key}")


def test_failure_message_reaches_the_client_at_once(network_info: dict) -> None:
    with g.connect_with_profile(network_info, "CertifierMSP") as gw:
        contract = _contract(gw, network_info)
        t0 = time.monotonic()
        with pytest.raises(g.EndorseError) as err:
            contract.submit("fail", ["meter 42 reported a negative reading"])
        elapsed = time.monotonic() - t0
    assert "meter 42 reported a negative reading" in str(err.value)
    assert elapsed < 1.0, f"the failure took {elapsed:.2f} s to arrive (a timeout?)"


def test_private_data_member_reads_non_member_is_refused(
        network_info: dict, shared_network: Network) -> None:
    key = _key("pd")
    with g.connect_with_profile(network_info, "PowerMSP") as power:
        # no explicit endorsers: the Gateway must pick collection members itself
        sub = _contract(power, network_info).submit_async(
            "put_private", [COLL, key], transient={"value": b"96 intervals, 1234.5 kWh"})
        sub.status().raise_for_status()
    assert sub.block_number is not None  # known once status() returned
    _committed_everywhere(shared_network, sub.block_number)
    with g.connect_with_profile(network_info, "RegulatorMSP") as reg:
        got = _contract(reg, network_info).evaluate("get_private", [COLL, key])
        assert got == b"96 intervals, 1234.5 kWh"
    with g.connect_with_profile(network_info, "BankMSP") as bank:
        contract = _contract(bank, network_info)
        with pytest.raises(g.EvaluateError) as err:
            contract.evaluate("get_private", [COLL, key])
        assert "does not have read access" in str(err.value) or "access" in str(err.value)
        assert "96 intervals" not in str(err.value)
        # the hash is public: the bank can check a value it is shown against the ledger
        digest = contract.evaluate("get_private_hash", [COLL, key])
        assert digest.decode() == g.sha256(b"96 intervals, 1234.5 kWh").hex()
    with g.connect_with_profile(network_info, "CertifierMSP") as cert:
        sub = _contract(cert, network_info).submit_async("delete_private", [COLL, key])
        sub.status().raise_for_status()
        with pytest.raises(g.EvaluateError, match="private key not found"):
            _contract(cert, network_info).evaluate("get_private", [COLL, key])


def test_caller_identity_and_attributes_reach_the_contract(network_info: dict) -> None:
    with g.connect_with_profile(network_info, "PowerMSP", user="Meter1") as gw:
        who = json.loads(_contract(gw, network_info).evaluate("whoami"))
    assert who["mspid"] == "PowerMSP"
    # Meter1 is enrolled by the power company's Fabric CA at `up` (network._ca)
    assert who["attributes"]["role"] == "meter-gateway"
    assert who["attributes"]["hf.EnrollmentID"] == "Meter1"
    assert who["ous"] == ["client"] and "CN=Meter1" in who["subject"]


def test_range_query_sees_committed_keys_in_order(network_info: dict) -> None:
    prefix = _key("range")
    with g.connect_with_profile(network_info, "RegulatorMSP") as gw:
        contract = _contract(gw, network_info)
        for i in (3, 1, 2):
            contract.submit("put", [f"{prefix}-{i}", str(i)])
        rows = json.loads(contract.evaluate("range", [f"{prefix}-", f"{prefix}."]))
    assert rows == [[f"{prefix}-1", "1"], [f"{prefix}-2", "2"], [f"{prefix}-3", "3"]]


def test_500_transactions_50_at_a_time_all_valid(network_info: dict) -> None:
    from gateway._profile import profile_identity

    async def run() -> list[str]:
        identity, signer = profile_identity(network_info, "PowerMSP", "User1")
        org = network_info["orgs"]["PowerMSP"]
        channel = aio.dial(org["peer_endpoint"],
                           tls_root_certificates=Path(org["tls_ca"]).read_bytes())
        codes: list[str] = []
        sem = asyncio.Semaphore(50)
        prefix = _key("load")
        try:
            async with aio.connect(channel, identity, signer) as gw:
                contract = gw.get_network(network_info["channel"]).get_contract(
                    network_info["chaincode"])

                async def one(i: int) -> None:
                    async with sem:
                        sub = await contract.submit_async("put", [f"{prefix}-{i:03d}", str(i)])
                        codes.append((await sub.status()).code_name)

                await asyncio.gather(*(one(i) for i in range(500)))
        finally:
            await channel.close()
        return codes

    codes = asyncio.run(run())
    assert len(codes) == 500
    assert set(codes) == {"VALID"}, {c: codes.count(c) for c in set(codes)}
