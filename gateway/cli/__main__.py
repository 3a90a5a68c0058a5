"""``python -m gateway.cli`` is ``carbontrust``."""

from gateway.cli._main import main

raise SystemExit(main())
