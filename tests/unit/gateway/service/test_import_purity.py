"""The Gateway client and the command line stay importable without the services'
dependencies: nothing in gateway/*.py (nor the CLI's start-up) imports gateway.service,
FastAPI, Starlette, SQLAlchemy, Alembic, uvicorn or pydantic. Checked in a fresh
interpreter (this process has them all loaded)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
HEAVY = ("gateway.service", "fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn",
         "pydantic", "jwt")


def test_importing_the_client_and_the_cli_loads_no_service_dependency() -> None:
    code = ("import sys, gateway, gateway.aio, gateway.cli; gateway.connect; "
            f"print(sorted(m for m in sys.modules if m.startswith({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_client_module_names_the_service_package() -> None:
    for path in sorted((REPO / "gateway").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith("gateway.service"), path
            if isinstance(node, ast.Import):
                assert not any(a.name.startswith("gateway.service") for a in node.names), path
