"""The carbon contract served by the real shim server, driven by FakePeer over gRPC (the
shim's own seam): register, read back, and see the audit event on COMPLETED."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from fabric_protos.peer import proposal_response_pb2

from chaincode.carbon import contracts
from chaincode.shim import Dispatcher, serve

from ..fake_peer import FakePeer, signed_proposal
from ..test_shim import _free_port
from .conftest import E1, record
from .identities import org_admin, org_client


def test_register_and_read_through_the_shim_server() -> None:
    admin, bank = org_admin("RegulatorMSP"), org_client("BankMSP")

    async def body() -> None:
        addr = f"127.0.0.1:{_free_port()}"
        ready, stop = asyncio.Event(), asyncio.Event()
        server = asyncio.create_task(serve(addr, "carbon_1.0:x",
                                           Dispatcher(*contracts(test_contracts=False)),
                                           ready=ready, stop=stop))
        await asyncio.wait_for(ready.wait(), 5)
        peer = FakePeer(addr)
        await peer.run()
        try:
            done: Any = await peer.invoke_raw("t1", "registry:register_enterprise", record(E1),
                                         proposal=signed_proposal("RegulatorMSP", admin.pem))
            resp = proposal_response_pb2.Response.FromString(done.payload)
            assert resp.status == 200, resp.message
            event = json.loads(done.chaincode_event.payload)
            assert done.chaincode_event.event_name == "carbon.audit"
            assert event["entry"] == "registry.register_enterprise"
            assert event["timestamp"] == "2023-11-14T22:15:23.000000456Z"  # the proposal's
            resp, _ = await peer.invoke("t2", "registry:get_enterprise", E1,
                                        proposal=signed_proposal("BankMSP", bank.pem))
            assert resp.status == 200 and json.loads(resp.payload)["uscc"] == E1
            resp, _ = await peer.invoke("t3", "registry:add_meter", E1, "M-1",
                                        proposal=signed_proposal("BankMSP", bank.pem))
            assert resp.status == 403 and resp.message.startswith(
                "refused by rule registry.write:")
        finally:
            await peer.close()
            stop.set()
            await server

    asyncio.run(body())


def test_a_lone_surrogate_in_an_error_message_still_completes_the_transaction() -> None:
    """JSON escapes reach Python as lone surrogates (b'{"\\ud800":1}' is valid UTF-8 on the
    wire); an error message that quotes one must still be answered, not leave the peer
    waiting for its execute timeout."""
    bank = org_client("BankMSP")

    async def body() -> None:
        addr = f"127.0.0.1:{_free_port()}"
        ready, stop = asyncio.Event(), asyncio.Event()
        server = asyncio.create_task(serve(addr, "carbon_1.0:x",
                                           Dispatcher(*contracts(test_contracts=False)),
                                           ready=ready, stop=stop))
        await asyncio.wait_for(ready.wait(), 5)
        peer = FakePeer(addr)
        await peer.run()
        try:
            resp, _ = await peer.invoke("t1", "registry:register_enterprise", '{"\\ud800":1}',
                                        proposal=signed_proposal("BankMSP", bank.pem))
            assert resp.status == 400, resp.message
            assert resp.message.startswith("record.\\ud800: expected no such field")
            resp, _ = await peer.invoke("t2", "registry:get_enterprise", E1,
                                        proposal=signed_proposal("BankMSP", bank.pem))
            assert resp.status == 404   # the stream still serves
        finally:
            await peer.close()
            stop.set()
            await server

    asyncio.run(body())
