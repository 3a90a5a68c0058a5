"""Identities of the carbon account: enterprises and meter gateways, enrolled and revoked.

Enterprises are enrolled by the regulator's Fabric CA (client, attributes role=enterprise
and uscc=<USCC>), meter gateways by the power company's (role=meter-gateway); the
attributes are ecert attributes, so they are in the certificate's 1.2.3.4.5.6.7.8.1
extension.  Each lands as an MSP directory in the organisation's ``users/`` of the run
directory, so connection.json (rewritten after each enrolment) lists it like a cryptogen
user, for gateway.profile_identity and the ``carbontrust`` CLI.

Revocation goes all the way to the MSP: the CA revokes and issues a CRL, the CRL is put into
the organisation's MSP in the channel configuration (see _channel_config.py), and the call
returns once every running peer has committed that config block, from when the peers refuse
the certificate ("creator org [...]" in the error; "The certificate has been revoked" in
the peer's log).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ._ca import Enrolled, EnrolmentError, enrol
from ._channel_config import put_crl
from ._errors import NetworkError

if TYPE_CHECKING:
    from ._network import Network

ENTERPRISE_CA = "RegulatorMSP"
METER_GATEWAY_CA = "PowerMSP"
_USCC = re.compile(r"[0-9A-Z]{18}")
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class Revocation:
    mspid: str
    name: str
    crl_pem: bytes
    config_block: int  #: the config block that carries the CRL


def _checked_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise EnrolmentError(f"identity name {name!r}: want 1-64 of A-Z a-z 0-9 . _ - "
                             f"(starting with a letter or digit)")
    return name


def enrol_identity(net: Network, mspid: str, name: str, attrs: dict[str, str]) -> Enrolled:
    """Register and enrol a client identity with attributes at mspid's CA."""
    enrolled = enrol(net.ca(mspid), _checked_name(name), attrs)
    net.write_connection_info()
    return enrolled


def enrol_enterprise(net: Network, uscc: str, name: str | None = None) -> Enrolled:
    """An enterprise's signing identity: RegulatorMSP client, role=enterprise, uscc=USCC."""
    if not _USCC.fullmatch(uscc):
        raise EnrolmentError(f"uscc {uscc!r}: want 18 characters 0-9 A-Z")
    return enrol_identity(net, ENTERPRISE_CA, name or f"ent-{uscc}",
                          {"role": "enterprise", "uscc": uscc})


def enrol_meter_gateway(net: Network, name: str) -> Enrolled:
    """A meter gateway's identity: PowerMSP client, role=meter-gateway."""
    return enrol_identity(net, METER_GATEWAY_CA, name, {"role": "meter-gateway"})


def revoke_identity(net: Network, mspid: str, name: str, reason: str = "keycompromise",
                    timeout: float = 60.0) -> Revocation:
    """Revoke name's certificates at mspid's CA and make the channel's MSP refuse them."""
    ca = net.ca(mspid)
    crl = ca.revoke(_checked_name(name), reason)
    block = put_crl(net.bins, net.layout, net.crypto, ca.org, crl,
                    net.run_dir / "config-updates")
    deadline = time.monotonic() + timeout
    for g in net.layout.orgs:
        if net.sup.pid(f"peer0.{g.key}") is None:
            continue
        while (height := net.ledger_height(g.key)) <= block:
            if time.monotonic() > deadline:
                raise NetworkError(f"peer0.{g.key} is at height {height}; the CRL is in config "
                                   f"block {block}, not committed within {timeout:.0f} s")
            time.sleep(0.1)
    return Revocation(ca.org.mspid, name, crl, block)
