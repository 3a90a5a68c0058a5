"""The asyncio API of the Fabric Gateway client (the core; the blocking API wraps it).

Example::

    import asyncio
    from gateway import Identity, load_private_key_signer
    from gateway import aio

    async def main() -> None:
        identity = Identity("PowerMSP", open("cert.pem", "rb").read())
        signer = load_private_key_signer("priv_sk")
        channel = aio.dial("127.0.0.1:7051", tls_root_certificates=open("tlsca.pem", "rb").read())
        async with aio.connect(channel, identity, signer) as gw:
            contract = gw.get_network("carbon").get_contract("carbon")
            await contract.submit("put", ["k", "v"])
            print(await contract.evaluate("get", ["k"]))
            async with gw.get_network("carbon").chaincode_events("carbon") as events:
                async for event in events:
                    print(event.event_name, event.payload)
                    break
        await channel.close()

    asyncio.run(main())
"""

from __future__ import annotations

from gateway._blocks import BlockEvents, BlockEventsRequest
from gateway._client import dial
from gateway._commit import Commit, SubmittedTransaction
from gateway._contract import Contract
from gateway._events import ChaincodeEvents, ChaincodeEventsRequest
from gateway._gateway import Gateway, connect
from gateway._network import Network
from gateway._proposal import Proposal, Transaction
from gateway._status import Status
from gateway._transport import Timeouts, tls_certificate_hash

__all__ = [
    "BlockEvents",
    "BlockEventsRequest",
    "ChaincodeEvents",
    "ChaincodeEventsRequest",
    "Commit",
    "Contract",
    "Gateway",
    "Network",
    "Proposal",
    "Status",
    "SubmittedTransaction",
    "Timeouts",
    "Transaction",
    "connect",
    "dial",
    "tls_certificate_hash",
]
