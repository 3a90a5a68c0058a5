"""accounting imports nothing but the standard library (it runs inside the chaincode)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import accounting

from .util import REPO

# never loaded, even indirectly: other project packages and third-party code
FORBIDDEN = ("network", "gateway", "notary", "chaincode", "verifier", "grpc", "sqlalchemy",
             "fabric_protos", "google", "yaml", "cryptography", "fastapi", "requests",
             "hypothesis", "pytest")
# never imported by accounting's own code: clocks, randomness, I/O beyond its data files
NOT_IMPORTED = FORBIDDEN + ("time", "random", "secrets", "uuid", "socket", "ssl", "asyncio",
                            "os", "subprocess", "threading")

PROBE = """
import json, sys
import accounting
doc = {"enterprise": {"id": "x", "industry": "C38", "region": "southern"},
       "period": {"start": "2023-01-01", "end": "2023-12-31"}, "factor_set": "cn-2023",
       "activity": [{"source": "electricity", "quantity": "1", "unit": "MWh"}]}
accounting.rate(doc)
accounting.rate_personal({"a": {"baseline": "2", "actual": "1"}}, ["0"])
print(json.dumps(sorted(sys.modules)))
"""


def test_importing_and_running_loads_no_forbidden_module():
    out = subprocess.run([sys.executable, "-c", PROBE], cwd=REPO, capture_output=True,
                         text=True, check=True)
    loaded = json.loads(out.stdout)
    bad = [m for m in loaded if m.split(".")[0] in FORBIDDEN]
    assert bad == []
    assert "accounting" in loaded


def test_source_imports_only_stdlib_and_itself():
    package = Path(accounting.__file__).parent
    allowed = set(sys.stdlib_module_names) | {"__future__"}
    for path in package.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative: inside the package
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in allowed and top not in NOT_IMPORTED, f"{path.name} imports {name}"
