"""``python -m verifier REPORT.json BUNDLE.json --trust DIR [--pdf PDF]`` (see _verify_cli)."""

import sys

from ._verify_cli import main

sys.exit(main())
