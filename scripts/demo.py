"""The main job, today: the enterprise registry of the carbon account, end to end.

1. bring the network up (or reuse the one running in .run/network; stale chaincode servers
   are restarted);
2. the bank listens, through its own peer, for the contract's audit events;
3. the regulator registers two enterprises and their meters with the `carbontrust` command
   line (`enterprise register`, `meter add`: the commands other tools call), endorsed by
   3 of the 4 organisations and ordered by Raft;
4. the power company is refused when it tries to write the registry (the refusal names the
   rule, exit status 1);
5. an enterprise identity is enrolled through the regulator's Fabric CA (role=enterprise,
   uscc), its certificate bound to its record, and it reads its own record, but not
   another's;
6. the registry is shown from two organisations' views (regulator and bank);
7. a day of 15-minute electricity readings (96 intervals of each demo meter, a fixed past
   day) goes in through `carbontrust readings submit` as the power company's meter gateway
   (Meter1), and the day's totals are shown from the regulator's view and from the
   enterprise's own identity; the bank is refused them (exit 1, naming the rule); then the
   audit events the bank heard are printed.

Run twice on one network it says "already registered" and goes on: the registry is a ledger,
nothing is overwritten. The readings are the same day each run, sent again with an empty
journal: the ledger answers the identical batches as no-ops ("already on the ledger") and
the totals count every reading once.

    make demo        (or: .venv/bin/python scripts/demo.py)
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import grpc  # noqa: E402

from gateway import aio, profile_identity  # noqa: E402
from network import Enrolled, Network, enrol_enterprise  # noqa: E402
from network._ca import user_dir  # noqa: E402

#: the day of readings the demo ingests: fixed and past, so a re-run is a replay
READINGS_DAY = datetime.date(2025, 6, 1)
CHINA = datetime.timezone(datetime.timedelta(hours=8))

#: two demo enterprises (USCC stems completed with both check characters; GB/T 4754 classes)
ENTERPRISES: list[dict[str, Any]] = [
    {"uscc": "91330800MA2DEM01", "name": "Quzhou Demo Cement Co.", "industry": "C3011",
     "region": "east", "meters": ["QZ-DEMO-M1", "QZ-DEMO-M2"]},
    {"uscc": "91440101MA5DEM02", "name": "Guangzhou Demo Textiles Co.", "industry": "C1713",
     "region": "guangdong", "meters": ["GZ-DEMO-M1"]},
]


def _uscc(stem: str) -> str:
    """Complete a 16-character stem (8 + 8 of the organisation code) into a valid USCC."""
    from chaincode.carbon._uscc import check_char, org_check_char
    body = stem[:16]
    first17 = body + org_check_char(body[8:16])
    return first17 + check_char(first17)


def ensure_up(net: Network) -> dict:
    st = net.status()
    if (net.run_dir / "connection.json").is_file() and all(s["pid"] for s in st.values()):
        print(f"network already up in {net.run_dir}")
        for name in net.refresh_chaincode():  # servers running older contract sources
            print(f"{name} restarted: the chaincode sources changed since it started")
    else:
        net.down(keep_data=True, quiet=True)
        print("bringing the network up (3 Raft orderers, 4 peers, 4 chaincode servers, "
              "4 Fabric CAs) ...")
        secs = net.up()
        print(f"network up in {secs:.1f} s")
    return json.loads((net.run_dir / "connection.json").read_text())


def cli(*args: str, expect: tuple[int, ...] = (0,),
        quiet: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `carbontrust ARGS` (the command-line contract), show it, check its exit status."""
    cmd = [sys.executable, "-m", "gateway.cli", *(["-q"] if quiet else []), *args]
    shown = [a.replace(f"{REPO}/", "") for a in args]
    print(f"$ carbontrust {' '.join(shown)}")
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "CARBONTRUST_RUN_DIR": str(Network().run_dir)})
    if res.returncode not in expect:
        sys.stderr.write(res.stderr)
        raise SystemExit(f"carbontrust {args[0]} {args[1]} exited {res.returncode}, "
                         f"expected {expect}")
    for line in res.stderr.strip().splitlines():
        print(f"    {line}")
    return res


def register(ent: dict) -> None:
    res = cli("enterprise", "register", "--uscc", ent["uscc"], "--name", ent["name"],
              "--industry", ent["industry"], "--region", ent["region"], expect=(0, 1))
    if res.returncode == 1 and "already" not in res.stderr and "409" not in res.stderr:
        raise SystemExit(f"register {ent['uscc']} refused: {res.stderr.strip()}")
    for meter in ent["meters"]:
        res = cli("meter", "add", "--uscc", ent["uscc"], "--meter", meter, expect=(0, 1))
        if res.returncode == 1 and "already" not in res.stderr and "409" not in res.stderr:
            raise SystemExit(f"meter add {meter} refused: {res.stderr.strip()}")


def show(uscc: str, who: str, *extra: str, expect: tuple[int, ...] = (0,)) -> dict | None:
    res = cli("enterprise", "show", uscc, "--as", who, *extra, expect=expect)
    return json.loads(res.stdout) if res.returncode == 0 else None


def enterprise_identity(net: Network, uscc: str) -> Enrolled:
    """Enrol the enterprise at the regulator's CA, or reuse the identity an earlier run got."""
    name = f"ent-{uscc}"
    msp = user_dir(net.crypto, net.layout.org("regulator"), name) / "msp"
    if (msp / "keystore" / "priv_sk").is_file():
        print(f"    reusing {name}, enrolled by an earlier run")
        return Enrolled(name, "RegulatorMSP", msp)
    enrolled = enrol_enterprise(net, uscc, name)
    print(f"    enrolled {name} at the regulator's Fabric CA (role=enterprise, uscc={uscc})")
    return enrolled


async def listen(info: dict, heard: list[dict], stop: asyncio.Event) -> None:
    org = info["orgs"]["BankMSP"]
    channel = aio.dial(org["peer_endpoint"], tls_root_certificates=Path(org["tls_ca"]).read_bytes())
    try:
        async with aio.connect(channel, *profile_identity(info, "BankMSP", "User1")) as bank:
            events = await bank.get_network(info["channel"]).chaincode_events(info["chaincode"])
            async with events:
                async for ev in events:
                    heard.append({"block": ev.block_number, "tx": ev.transaction_id[:12],
                                  **json.loads(ev.payload)})
                    if stop.is_set():
                        return
    except (grpc.RpcError, asyncio.CancelledError):
        return
    finally:
        await channel.close()


async def flow(net: Network, info: dict) -> None:
    heard: list[dict] = []
    stop = asyncio.Event()
    listener = asyncio.create_task(listen(info, heard, stop))
    try:
        await steps(net, heard, stop)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    print(f"\n== the bank heard {len(heard)} audit events through its own peer ==")
    if not heard:
        print("    (nothing new was written: every record was there from an earlier run)")
    for ev in heard[-8:]:
        print(f"    block {ev['block']:>4} tx {ev['tx']}  {ev.get('entry')}  keys {ev.get('keys')}"
              f"  by {ev.get('actor', {}).get('mspid')}")


async def steps(net: Network, heard: list[dict], stop: asyncio.Event) -> None:
    await asyncio.sleep(0.5)
    loop = asyncio.get_running_loop()

    print("\n== the regulator registers enterprises and meters ==")
    for ent in ENTERPRISES:
        await loop.run_in_executor(None, register, ent)

    print("\n== the power company may not write the registry ==")
    res = await loop.run_in_executor(None, lambda: cli(
        "enterprise", "register", "--uscc", _uscc("91330800MA2DEM99"), "--name", "Nope",
        "--industry", "C3011", "--region", "east", "--as", "PowerMSP", expect=(1,)))
    assert "refused by rule" in res.stderr, res.stderr

    print("\n== an enterprise signs with its own certificate, from the regulator's CA ==")
    first, second = ENTERPRISES
    enrolled = await loop.run_in_executor(None, enterprise_identity, net, first["uscc"])
    res = await loop.run_in_executor(None, lambda: cli(
        "enterprise", "bind-certificate", first["uscc"], str(enrolled.cert_path), expect=(0, 1)))
    if res.returncode == 1 and "already" not in res.stderr:
        raise SystemExit(f"bind-certificate refused: {res.stderr.strip()}")
    sign = ("--sign-cert", str(enrolled.cert_path), "--sign-key", str(enrolled.key_path))
    own = await loop.run_in_executor(None, lambda: show(first["uscc"], "RegulatorMSP", *sign))
    assert own is not None and own["uscc"] == first["uscc"]
    print(f"    the enterprise reads its own record: {own['name']}, status {own['status']}")
    await loop.run_in_executor(None, lambda: show(second["uscc"], "RegulatorMSP", *sign,
                                                  expect=(1,)))
    print("    ... and is refused another enterprise's record (exit 1)")

    print("\n== the registry from two organisations' views ==")
    for ent in ENTERPRISES:
        views = {who: await loop.run_in_executor(None, show, ent["uscc"], who)
                 for who in ("RegulatorMSP", "BankMSP")}
        reg, bank = views["RegulatorMSP"], views["BankMSP"]
        assert reg is not None and bank is not None
        assert reg == bank, f"views differ: {reg} vs {bank}"
        print(f"    {ent['uscc']}  {reg['name']:<30} industry {reg['industry']} region "
              f"{reg['region']} grid {reg['grid']} meters {reg['meters']} status {reg['status']}"
              f"  (regulator and bank see the same record)")

    await loop.run_in_executor(None, readings_day, net, sign)

    await asyncio.sleep(1.0)
    stop.set()


def day_csv(path: Path) -> dict[str, tuple[Decimal, int]]:
    """Write READINGS_DAY's 96 intervals of each demo meter (kWh, a day-time load shape);
    return each enterprise's expected (sum, count)."""
    start = datetime.datetime.combine(READINGS_DAY, datetime.time(), CHINA)
    expected: dict[str, tuple[Decimal, int]] = {}
    lines = ["meter_id,uscc,interval_start,source,quantity,unit,quality"]
    for k, (ent, meter) in enumerate((e, m) for e in ENTERPRISES for m in e["meters"]):
        total, count = expected.get(ent["uscc"], (Decimal(0), 0))
        for i in range(96):
            load = Decimal(40 + 15 * k) + (30 if 8 <= i // 4 < 18 else 0) + Decimal(i % 4) / 4
            at = start + datetime.timedelta(minutes=15 * i)
            lines.append(f"{meter},{ent['uscc']},{at.isoformat()},electricity,{load},kWh,"
                         "measured")
            total, count = total + load, count + 1
        expected[ent["uscc"]] = (total, count)
    path.write_text("\n".join(lines) + "\n")
    return expected


def totals(uscc: str, *extra: str, expect: tuple[int, ...] = (0,)) -> dict | None:
    day = READINGS_DAY.isoformat()
    res = cli("account", "totals", uscc, "--from", day, "--to", day, *extra, expect=expect)
    return json.loads(res.stdout) if res.returncode == 0 else None


def readings_day(net: Network, sign: tuple[str, ...]) -> None:
    first = ENTERPRISES[0]
    print(f"\n== the power company's meter gateway submits {READINGS_DAY}'s 15-minute "
          "electricity readings ==")
    work = net.run_dir / "demo"
    work.mkdir(exist_ok=True)
    csv = work / f"readings-{READINGS_DAY}.csv"
    expected = day_csv(csv)
    journal = work / "journal.sqlite"
    for stale in (journal, work / "journal.sqlite-wal", work / "journal.sqlite-shm"):
        stale.unlink(missing_ok=True)   # a fresh gateway each run: the batches go again
    n = sum(count for _, count in expected.values())
    print(f"    {n} readings (96 intervals x {n // 96} meters) in {csv.relative_to(REPO)}; "
          "one batch per meter")
    res = cli("readings", "submit", str(csv), "--batch-size", "96", "--as", "PowerMSP",
              "--user", "Meter1", "--journal", str(journal), quiet=False)
    if "already on the ledger" in res.stderr:
        print("    a replay: the ledger answered the identical batches as no-ops naming the "
              "batches an earlier run recorded; nothing is counted twice")

    print(f"\n== {READINGS_DAY}'s totals, from the regulator's view ==")
    seen: dict[str, dict] = {}
    for ent in ENTERPRISES:
        got = seen[ent["uscc"]] = totals(ent["uscc"]) or {}
        elec = got["totals"]["electricity"]
        want, count = expected[ent["uscc"]]
        assert (Decimal(elec["quantity"]), elec["readings"]) == (want, count), (elec, want)
        print(f"    {ent['uscc']}  electricity {elec['quantity']} {elec['unit']} from "
              f"{elec['readings']} readings (the sum of the file's rows, exactly)")

    print("\n== ... from the enterprise's own identity ==")
    own = totals(first["uscc"], "--as", "RegulatorMSP", *sign)
    assert own == seen[first["uscc"]], f"views differ: {own} vs {seen[first['uscc']]}"
    print(f"    {first['name']} reads its own totals: {json.dumps(own['totals'])} "
          "(the regulator's figures)")
    totals(ENTERPRISES[1]["uscc"], "--as", "RegulatorMSP", *sign, expect=(1,))
    print("    ... and is refused another enterprise's totals (exit 1)")

    print("\n== the bank may not read readings or totals ==")
    res = cli("account", "totals", first["uscc"], "--from", READINGS_DAY.isoformat(),
              "--to", READINGS_DAY.isoformat(), "--as", "BankMSP", expect=(1,))
    assert "refused by rule" in res.stderr, res.stderr


def main() -> None:
    for ent in ENTERPRISES:  # complete the stems with their check characters
        ent["uscc"] = _uscc(ent["uscc"])
    net = Network()
    info = ensure_up(net)
    asyncio.run(asyncio.wait_for(flow(net, info), 300))
    print("\nthe registry and readings flow is complete; the network stays up; `make down` "
          "stops it.")


if __name__ == "__main__":
    main()
