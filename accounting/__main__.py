"""``python -m accounting``: see :mod:`accounting._cli`."""

import sys

from ._cli import main

sys.exit(main())
