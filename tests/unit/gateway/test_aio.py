"""The asyncio API against the fake peer (the blocking API wraps exactly this code)."""

from __future__ import annotations

import asyncio

import pytest

from gateway import CommitError, EndorseError, InMemoryCheckpointer, aio, new_private_key_signer
from tests.unit.gateway.fake_gateway import FakePeer


def test_async_flow(fake_peer: FakePeer, identity, private_key):
    async def main() -> None:
        channel = aio.dial(fake_peer.endpoint, insecure=True)
        signer = new_private_key_signer(private_key)
        async with aio.connect(channel, identity, signer) as gw:
            network = gw.get_network("carbon")
            contract = network.get_contract("carbon")
            results = await asyncio.gather(
                *(contract.submit("put", [f"k{i}", "v"]) for i in range(8))
            )
            assert results == [b"v"] * 8
            assert await contract.evaluate("get", ["k3"]) == b"v"
            with pytest.raises(EndorseError):
                await contract.submit("fail", ["x"])
            fake_peer.next_codes = [11]
            with pytest.raises(CommitError, match="MVCC_READ_CONFLICT"):
                await contract.submit("put", ["k", "v"])
            checkpointer = InMemoryCheckpointer()
            async with network.chaincode_events("carbon", start_block=1) as events:
                async for event in events:
                    checkpointer.checkpoint_chaincode_event(event)
                    if event.block_number == 8:
                        break
            events = await network.chaincode_events("carbon", checkpoint=checkpointer)
            async with events:
                pending = asyncio.ensure_future(events.__anext__())
                await asyncio.sleep(0.1)
                assert not pending.done()  # block 9 failed to commit: no event for it yet
                await contract.submit("put", ["late", "L"])
                event = await asyncio.wait_for(pending, 5)
                assert event.block_number == 10
        await channel.close()

    asyncio.run(main())
