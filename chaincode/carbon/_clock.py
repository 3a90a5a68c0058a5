"""The endorser's own clock, used for one check only: a proposal's time must be fresh where
time decides access (``consent:access``, ``loan:record``).

Everything the contract records is stamped with the transaction's time (the proposal's
timestamp, the same on every endorser), never an endorser's clock. But that timestamp is set
by the client and Fabric does not bound it, so a bank could stamp an access after a consent
expired with a time inside its lifetime. Each endorser therefore refuses to endorse such a
transaction when the proposal's time is more than ``CARBONTRUST_CC_MAX_CLOCK_SKEW`` seconds
(default 300, as Kerberos allows) from its own clock. Endorsers' clocks need only be that
close (NTP keeps them far closer); near the bound one endorser may refuse while another
accepts, and the client sees an endorsement failure and retries with a fresh proposal. The
answer of an endorsement that passes does not depend on the clock, so every endorser still
returns the same bytes.

:func:`endorser_time` is the seam the unit tests' in-memory ledger sets to its own clock.
"""

from __future__ import annotations

import os
import time

from chaincode.shim import Stub

from . import _args
from ._codec import iso_time
from ._consent_terms import Instant, show, tx_instant

__all__ = ["DEFAULT_MAX_SKEW", "MAX_SKEW_ENV", "endorser_time", "fresh_instant", "max_skew"]

MAX_SKEW_ENV = "CARBONTRUST_CC_MAX_CLOCK_SKEW"
DEFAULT_MAX_SKEW = 300


def endorser_time() -> float:
    """This endorser's clock, seconds since the epoch (the seam)."""
    return time.time()


def max_skew() -> int:
    raw = os.environ.get(MAX_SKEW_ENV, "")
    if not raw:
        return DEFAULT_MAX_SKEW
    try:
        value = int(raw)
    except ValueError:
        raise RuntimeError(f"{MAX_SKEW_ENV} must be a whole number of seconds, "
                           f"not {raw!r}") from None
    if value < 1:
        raise RuntimeError(f"{MAX_SKEW_ENV} must be at least 1 second, not {value}")
    return value


def fresh_instant(stub: Stub) -> Instant:
    """The transaction's time, refused (400, ``proposal.timestamp``) when it is more than the
    allowed skew away from this endorser's clock."""
    now = tx_instant(stub)
    skew = max_skew()
    clock = endorser_time()
    if abs(now[0] + now[1] / 1e9 - clock) > skew:
        seconds = int(clock)
        mine = iso_time(seconds, int((clock - seconds) * 1e9))
        raise _args.bad("proposal.timestamp", f"a time within {skew} s of this endorser's "
                        f"clock ({mine}): a stale or backdated proposal cannot decide "
                        "access", show(now))
    return now
