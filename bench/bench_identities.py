"""Identity benchmark: enrolment through the organisations' Fabric CAs and revocation that
reaches the MSP (CA revoke, CRL, channel config update, every peer committed), on a running
network (CARBONTRUST_RUN_DIR / CARBONTRUST_PORT_BASE, as `python -m network`), plus the CA
servers' resident memory.

    python bench/bench_identities.py [--n 20] [--revocations 3]

Each enrolment is register + enrol (two fabric-ca-client runs); each revocation adds a config
block, so run it on a network of your own.  Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench._common import rss_mb, summary  # noqa: E402
from network import (  # noqa: E402
    Network,
    enrol_enterprise,
    enrol_meter_gateway,
    revoke_identity,
)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=20)
    ap.add_argument("--revocations", type=int, default=3)
    args = ap.parse_args()
    net = Network(log=lambda *_: None)
    if not (net.run_dir / "connection.json").is_file():
        print(f"no running network in {net.run_dir}; start one with `python -m network up`",
              file=sys.stderr)
        return 2
    tag = uuid.uuid4().hex[:6]
    ent_ms, gw_ms = [], []
    names = []
    for i in range(args.n):
        uscc = f"914403000000{i:04d}0X"  # 18 characters; the CA does not check digits
        t0 = time.perf_counter()
        names.append(enrol_enterprise(net, uscc, name=f"bench-{tag}-e{i}").name)
        ent_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        enrol_meter_gateway(net, f"bench-{tag}-g{i}")
        gw_ms.append((time.perf_counter() - t0) * 1000)
    print(f"enrol_enterprise    (regulator CA, n={args.n}): {summary(ent_ms)}")
    print(f"enrol_meter_gateway (power CA,     n={args.n}): {summary(gw_ms)}")
    rev_ms = []
    for name in names[:args.revocations]:
        t0 = time.perf_counter()
        rev = revoke_identity(net, "RegulatorMSP", name)
        rev_ms.append((time.perf_counter() - t0) * 1000)
        print(f"  revoked {name}: CRL in config block {rev.config_block}, "
              f"{len(rev.crl_pem)} bytes of CRL")
    if rev_ms:
        print(f"revoke_identity to all peers committed (n={len(rev_ms)}): {summary(rev_ms)}")
    for g in net.ca_orgs():
        pid = net.sup.pid(f"ca.{g.key}")
        if pid:
            print(f"ca.{g.key}: RSS {rss_mb(pid):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
