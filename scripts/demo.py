"""The main job: the whole carbon-account flow, on embedded defaults.

1. bring the network up (or reuse the one running in .run/network; stale chaincode servers
   are restarted); the notary followers anchor every 2 s when the demo starts them;
2. the bank listens, through its own peer, for the contract's audit events;
3. registry (demo_registry): the regulator registers two enterprises and their meters, the
   power company is refused, each enterprise gets its own certificate from the regulator's CA;
4. governance (demo_governance): the factor set and the rule set proposed, approved by the
   certifier and the bank, activated;
5. readings (demo_readings): a month of 15-minute readings of three meters (8,640) from the
   power company's meter gateway; the totals from the regulator's and the enterprise's view,
   the bank refused;
6. operating data (demo_declare): each enterprise declares its month, signed with its own key;
7. results, attestation, rating, report (demo_certify): computed on the ledger, attested by
   the certifier, rated, issued as report.json, report.pdf and bundle.json;
8. consent and the bank (demo_bank, demo_lending): the enterprise grants the bank access,
   signing offline, the regulator's relay submits; the enterprise hands report.json and
   bundle.json to the bank, whose service verifies them under the consent and records a
   green loan on the verified report (without services: the bank records its access and the
   loan step is skipped); the bank also verifies the report with `carbontrust verify` against
   the MSP roots from `carbontrust audit roots`;
9. audit (demo_audit): the regulator's history of the report, an export of the enterprise's
   trail (through the regulator's service when it runs, which also checks it against the
   MSP roots and its own log), checked offline with `carbontrust audit check`.

Where the organisations' services run (a network the demo brings up has them, as `make up`),
registration, ingestion, attestation, the bank's consents, reports and loans go through them
(demo_services); the rest has no route yet and goes through `carbontrust`.

Re-runnable: the registry, governance, readings, declarations, results, attestations and
ratings already on the ledger are answered "already" (no-ops); the report is issued again as
a new version superseding the previous one, with a new consent for it.

    make demo        (or: .venv/bin/python scripts/demo.py)
"""

from __future__ import annotations

import asyncio
import datetime
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import demo_audit  # noqa: E402
import demo_bank  # noqa: E402
import demo_certify  # noqa: E402
import demo_declare  # noqa: E402
import demo_events  # noqa: E402
import demo_governance  # noqa: E402
import demo_readings  # noqa: E402
import demo_registry  # noqa: E402
import demo_services  # noqa: E402
from demo_common import ENTERPRISES, ensure_up, section, state  # noqa: E402

from network import Network  # noqa: E402


def steps(net: Network, info: dict[str, Any], since: datetime.datetime) -> None:
    demo_registry.run(net)
    demo_governance.run()
    demo_readings.run(net)
    demo_declare.run(info)
    demo_certify.run(net)
    demo_bank.run(net, info)
    demo_audit.run(net, since)


async def flow(net: Network, info: dict[str, Any], since: datetime.datetime) -> None:
    heard: list[dict[str, Any]] = []
    listener = asyncio.create_task(demo_events.listen(info, heard))
    try:
        await asyncio.sleep(0.5)
        await asyncio.get_running_loop().run_in_executor(None, steps, net, info, since)
        await asyncio.sleep(1.0)
    finally:
        listener.cancel()
        await asyncio.gather(listener, return_exceptions=True)
    demo_events.show(heard)


def main() -> None:
    began = time.monotonic()
    since = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    net = Network()
    info = ensure_up(net)
    state.services = demo_services.Services.running(net)
    if state.services is not None:
        print("the organisations' services run: registration, meters, governance, "
              "ingestion, results, attestation, ratings, report issuance (a job), the "
              "bank's consents, reports and loans, the audit history, export and check go "
              "through them; the other "
              "steps through `carbontrust`")
    else:
        print("the organisations' services are not running on this network (brought up "
              "without them): every step goes through `carbontrust`, and the bank's loan "
              "step (it needs the services) is skipped")
    try:
        asyncio.run(flow(net, info, since))
    finally:
        if state.services is not None:
            state.services.close()
    section("where things are")
    for ent in ENTERPRISES:
        print(f"    {ent.name}: {ent.report['status']['id']} -> {ent.report['dir']}/report.pdf")
    print(f"\nthe whole flow took {time.monotonic() - began:.0f} s; the network stays up; "
          "`make down` stops it.")


if __name__ == "__main__":
    main()
