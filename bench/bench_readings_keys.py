"""What the replay index costs per transaction: 5,000 readings as one private key each
(an interval-major batch: 5,000 meters, one 15-minute interval) against the per-(meter,
day) slot keys the contract uses (a meter-major batch: 52 meters x 96 intervals, about 5,000
readings).  Both shapes run the real readings:submit_batch through the real shim against
the MemoryLedger seam (in-process, no peer), and print per transaction: the chaincode's
time, the shim round trips, private keys written, private bytes written and the public
hashed read/write set those keys put in every block (32-byte key hash + 32-byte value hash
per write, key hash + version per read).  The peer's own cost per key comes on top.

    .venv/bin/python bench/bench_readings_keys.py
"""

from __future__ import annotations

import datetime
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from accounting import readings as rd  # noqa: E402
from chaincode.carbon import contracts  # noqa: E402
from chaincode.carbon._records import enterprise_key, meter_key  # noqa: E402
from tests.unit.chaincode.carbon.conftest import E1, record  # noqa: E402
from tests.unit.chaincode.carbon.identities import meter_gateway, org_admin  # noqa: E402
from tests.unit.chaincode.carbon.ledger import MemoryLedger  # noqa: E402

DAY = datetime.datetime(2023, 11, 13, tzinfo=rd.CHINA)
Q = datetime.timedelta(minutes=15)


def world(meters: int) -> MemoryLedger:
    led = MemoryLedger(contracts(test_contracts=False))
    reg = org_admin("RegulatorMSP")
    assert led.invoke(reg, "registry:register_enterprise", record(E1)).status == 200
    # meter records and the enterprise's list of them written straight into state (the
    # seam), as registry:add_meter writes both
    names = [f"M-{i:05d}" for i in range(meters)]
    for m in names:
        led.state[("", meter_key(m))] = json.dumps(
            {"meter_id": m, "uscc": E1, "status": "active"}).encode()
    ent = json.loads(led.state[("", enterprise_key(E1))])
    led.state[("", enterprise_key(E1))] = json.dumps({**ent, "meters": names}).encode()
    return led


def run(name: str, meters: int, intervals: int, reps: int = 3) -> None:
    gw = meter_gateway()
    times, calls = [], 0
    for _rep in range(reps):
        led = world(meters)
        rs = [rd.Reading(f"M-{m:05d}", E1, DAY + i * Q, "electricity",
                         Decimal(m % 97 + i), "kWh")
              for m in range(meters) for i in range(intervals)]
        batch = rd.encode_batch(rs)
        t0 = time.perf_counter()
        res = led.invoke(gw, "readings:submit_batch", transient={"batch": batch,
                                                                  "salt": bytes(32)})
        times.append(time.perf_counter() - t0)
        assert res.status == 200, res.message
        priv = {k: v for (c, k), v in led.state.items() if c == "privateReadings"}
        calls = len(led.requests)
        led.close()
    n = len(rs)
    writes = len(priv)
    reads = sum(1 for k in priv if k.split("\x00")[1] == "rslot")
    print(f"{name:<34} {n:>6} readings  {min(times) * 1000:8.1f} ms/tx in the chaincode  "
          f"{calls:>6} shim round trips  {writes:>5} private keys  "
          f"{sum(len(v) for v in priv.values()) / 1024:7.1f} KiB private  "
          f"{(writes * 64 + reads * 40) / 1024:6.1f} KiB public hashed rwset")


if __name__ == "__main__":
    print("batch shape                          (best of 3, this machine)")
    run("a key per reading: 5,000 meters x 1", 5000, 1)
    run("a key per meter-day: 52 meters x 96", 52, 96)
