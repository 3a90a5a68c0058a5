"""``python -m gateway``: see :mod:`gateway._cli`."""

from gateway._cli import main

raise SystemExit(main())
