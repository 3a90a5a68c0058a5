"""``python -m gateway.service``: run a service with uvicorn, or hash a user's password.

    python -m gateway.service run ROLE [--env-file FILE] [--host H] [--port P]
    python -m gateway.service hash-password          (reads the password from stdin)
    python -m gateway.service openapi ROLE           (the OpenAPI document, JSON)

Logs go to stderr, one line per record with the request id
(``... [request_id] logger: message``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

from gateway.service._settings import ROLES

FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"


def _logging() -> None:
    from gateway.service._requestid import RequestIdFilter

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)


def _settings(args: argparse.Namespace) -> Any:
    from gateway.service._settings import load_settings

    overrides: dict[str, Any] = {"role": args.role}
    if args.command == "openapi":  # the document does not depend on the secrets
        overrides.setdefault("token_key", "openapi-document-only-" + "-" * 16)
        overrides["project_events"] = False
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    return load_settings(args.env_file, **overrides)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gateway.service")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="serve a role's service with uvicorn")
    run.add_argument("role", choices=ROLES)
    run.add_argument("--env-file", default=None)
    run.add_argument("--host", default=None)
    run.add_argument("--port", type=int, default=None)
    sub.add_parser("hash-password", help="an scrypt hash of the password on stdin")
    spec = sub.add_parser("openapi", help="print a role's OpenAPI document")
    spec.add_argument("role", choices=ROLES)
    spec.add_argument("--env-file", default=None)
    args = parser.parse_args(argv)

    if args.command == "hash-password":
        from gateway.service._passwords import hash_password

        password = sys.stdin.readline().rstrip("\n")
        if not password:
            print("no password on stdin", file=sys.stderr)
            return 2
        print(hash_password(password))
        return 0

    from pydantic import ValidationError

    try:
        settings = _settings(args)
    except ValidationError as exc:
        print(f"settings of the {args.role} service are not valid:\n{exc}", file=sys.stderr)
        return 2
    from gateway.service._app import create_app

    app = create_app(settings)
    if args.command == "openapi":
        print(json.dumps(app.openapi(), indent=2))
        return 0
    import uvicorn

    _logging()
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None,
                access_log=False, timeout_graceful_shutdown=5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
