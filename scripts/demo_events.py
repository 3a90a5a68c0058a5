"""Demo step: the bank listens, through its own peer, for the contract's audit events.

One `carbon.audit` chaincode event per transaction (the `gateway` client's event stream as the
bank's client identity); the demo prints how many of each kind the bank heard while it ran.
Private figures are never in an event: the bank hears that a batch or a result was written,
not what it holds.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import grpc
from demo_common import say, section

from gateway import aio, profile_identity


async def listen(info: dict[str, Any], heard: list[dict[str, Any]]) -> None:
    org = info["orgs"]["BankMSP"]
    channel = aio.dial(org["peer_endpoint"], tls_root_certificates=Path(org["tls_ca"]).read_bytes())
    try:
        async with aio.connect(channel, *profile_identity(info, "BankMSP", "User1")) as bank:
            events = await bank.get_network(info["channel"]).chaincode_events(info["chaincode"])
            async with events:
                async for ev in events:
                    heard.append({"block": ev.block_number, **json.loads(ev.payload)})
    except (grpc.RpcError, asyncio.CancelledError):
        return
    finally:
        await channel.close()


def show(heard: list[dict[str, Any]]) -> None:
    section(f"bank: the {len(heard)} audit events it heard through its own peer")
    if not heard:
        say("(nothing new was written: every record was there from an earlier run)")
        return
    kinds = Counter(str(ev.get("entry")) for ev in heard)
    say(", ".join(f"{k} x{n}" for k, n in sorted(kinds.items())))
    by = Counter(str(ev.get("actor", {}).get("mspid")) for ev in heard)
    say("by " + ", ".join(f"{k} x{n}" for k, n in sorted(by.items()))
        + f"; blocks {heard[0]['block']}..{heard[-1]['block']}")
