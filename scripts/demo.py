"""The main job, today: a visible round trip through the real four-organisation network.

1. bring the network up (or reuse the one running in .run/network);
2. the bank listens for chaincode events through its own peer;
3. the power company submits a reading through its peer (endorsed by 3 of 4 orgs, ordered
   by Raft, committed on every peer);
4. the bank reads it back through the bank's peer, and receives the event with its payload.

    make demo        (or: .venv/bin/python scripts/demo.py)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402

from gateway import aio, profile_identity  # noqa: E402
from network import Network  # noqa: E402


def ensure_up(net: Network) -> dict:
    st = net.status()
    if (net.run_dir / "connection.json").is_file() and all(s["pid"] for s in st.values()):
        print(f"network already up in {net.run_dir}")
        for name in net.refresh_chaincode():  # servers running older contract sources
            print(f"{name} restarted: the chaincode sources changed since it started")
    else:
        net.down(keep_data=True, quiet=True)
        print("bringing the network up (3 Raft orderers, 4 peers, 4 chaincode servers) ...")
        secs = net.up()
        print(f"network up in {secs:.1f} s")
    return json.loads((net.run_dir / "connection.json").read_text())


def _channel(info: dict, msp: str) -> grpc.aio.Channel:
    org = info["orgs"][msp]
    return aio.dial(org["peer_endpoint"], tls_root_certificates=Path(org["tls_ca"]).read_bytes())


async def round_trip(info: dict) -> None:
    chan, cc = info["channel"], info["chaincode"]
    power_ch, bank_ch = _channel(info, "PowerMSP"), _channel(info, "BankMSP")
    try:
        async with aio.connect(power_ch, *profile_identity(info, "PowerMSP", "User1")) as power, \
                aio.connect(bank_ch, *profile_identity(info, "BankMSP", "User1")) as bank:
            key = f"meter-0042/{time.strftime('%Y%m%dT%H%M%S')}"
            reading = "1250.5 kWh"
            events = await bank.get_network(chan).chaincode_events(cc)
            async with events:
                print(f"\n[PowerMSP]  submit put({key!r}, {reading!r}) through "
                      f"{info['orgs']['PowerMSP']['peer_endpoint']}")
                t0 = time.perf_counter()
                sub = await power.get_network(chan).get_contract(cc).submit_async(
                    "put", [key, reading])
                status = await sub.status()
                print(f"            tx {sub.transaction_id[:16]}... {status.code_name} in block "
                      f"{status.block_number} ({(time.perf_counter() - t0) * 1000:.0f} ms)")
                status.raise_for_status()
                got = await bank.get_network(chan).get_contract(cc).evaluate("get", [key])
                print(f"[BankMSP]   evaluate get({key!r}) on "
                      f"{info['orgs']['BankMSP']['peer_endpoint']} -> {got.decode()!r}")
                async for ev in events:
                    if ev.transaction_id == sub.transaction_id:
                        print(f"[BankMSP]   event {ev.event_name!r} from block {ev.block_number}: "
                              f"{ev.payload.decode()}")
                        break
            if got.decode() != reading:
                raise SystemExit(f"round trip failed: wrote {reading!r}, read {got.decode()!r}")
            print("\nround trip complete: submitted by the power company, read and heard by the "
                  "bank.")
    finally:
        await power_ch.close()
        await bank_ch.close()


def main() -> None:
    info = ensure_up(Network())
    asyncio.run(asyncio.wait_for(round_trip(info), 60))
    print("the network stays up; `make down` stops it.")


if __name__ == "__main__":
    main()
