"""``carbontrust``: the command line for the people who run the carbon account ledger.

Commands are grouped by role (``enterprise``, ``meter``, ``identity``, ``governance``) and
are a contract other tools call: names, flags and exit statuses (0 success, 1 the ledger
refused, 2 bad usage or unreadable input, 3 no answer from the ledger) stay as they are.
See docs/cli.md.

Built on Click (lazily loaded command groups) and Rich (messages), as pypa/hatch is:
``carbontrust --help`` imports neither the Fabric client nor Rich. Only this subpackage
needs click and rich; ``gateway`` itself does not import it.
"""

from __future__ import annotations

from gateway.cli._main import main

__all__ = ["main"]
