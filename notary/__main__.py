"""Entry point for ``python -m notary``."""

import sys

from ._cli import main

sys.exit(main())
