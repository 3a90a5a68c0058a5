"""Run pytest; treat "no tests collected" (exit 5) as a failure with a clear message.

A test run that collected nothing proves nothing, so it must not pass.
"""

import subprocess
import sys

rc = subprocess.call([sys.executable, "-m", "pytest", *sys.argv[1:]])
if rc == 5:
    print("error: pytest collected no tests (exit 5); refusing to report success", file=sys.stderr)
    sys.exit(1)
sys.exit(rc)
