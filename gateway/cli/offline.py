"""``carbontrust offline``: an enterprise sees and signs, on its own machine, what a service built.

A service (the regulator's) builds a request for the enterprise's identity and hands it over
as JSON (gateway.offline: docs/consent.md); the enterprise's private key never leaves here::

    carbontrust offline show < request.json
    carbontrust offline sign --key KEY.pem --expect consent:grant < request.json > signed.json

``show`` prints what the request would do, decoded from its bytes (never from what the
service says about it): channel, chaincode, function, arguments, creator, time; for an
endorsed transaction also the endorsers and the chaincode's answer; transient values only by
name, size and SHA-256. ``sign`` signs only a request whose creator is the key's own
certificate and, with ``--expect``, only that function; it prints the same summary on stderr.

Exit status: 0 signed (or shown); 1 refused to sign (another identity's request, not the
expected function); 2 unreadable request or key.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from gateway.cli._app import FILE, TEXT, App, pass_app
from gateway.cli._exit import REFUSED, CliFailure, InputError

__all__ = ["offline"]


class SigningRefused(CliFailure):
    """The request is readable but not one this key should sign (exit 1)."""

    exit_code = REFUSED


def _request(stream: IO[bytes]) -> Any:
    from gateway.offline import OfflineError, OfflineRequest

    try:
        return OfflineRequest.from_json(stream.read())
    except OfflineError as exc:
        raise InputError(f"the request cannot be read: {exc}") from None


def _summary(facts: dict[str, Any]) -> str:
    what = (f"{facts.get('function', 'commit status')} on "
            f"{facts['channel']}/{facts.get('chaincode', '-')}")
    return (f"{facts['kind']} {facts['transaction_id'][:16]}: {what} as "
            f"{facts['creator']['mspid']} {facts['creator']['subject']}")


@click.group()
def offline() -> None:
    """See and sign requests a service built for your identity (your key stays here)."""


@offline.command()
@click.argument("request", type=click.File("rb"), default="-")
@pass_app
def show(app: App, request: IO[bytes]) -> None:
    """Print what REQUEST (a file, or stdin) would do, decoded from its bytes, as JSON."""
    from gateway.offline import OfflineError, describe

    try:
        app.terminal.json(describe(_request(request)))
    except OfflineError as exc:
        raise InputError(f"the request cannot be read: {exc}") from None


@offline.command()
@click.option("--key", type=FILE, required=True,
              help="your private key (PEM); it must be the request creator's")
@click.option("--expect", "expect_function", type=TEXT, default=None,
              help="refuse unless the request calls this function, e.g. consent:grant")
@click.argument("request", type=click.File("rb"), default="-")
@pass_app
def sign(app: App, key: Path, expect_function: str | None, request: IO[bytes]) -> None:
    """Sign REQUEST (a file, or stdin); write the signed document to stdout."""
    from gateway.offline import (
        OfflineError,
        OfflineExpectationError,
        OfflineFormatError,
        describe,
        sign_request,
    )

    req = _request(request)
    try:
        key_pem = key.read_bytes()
    except OSError as exc:
        raise InputError(f"--key {key}: {exc.strerror}") from None
    expect = {"function": expect_function} if expect_function else None
    try:
        facts = describe(req)
        signed = sign_request(req, key_pem, expect=expect)
    except OfflineFormatError as exc:
        raise InputError(f"the request cannot be read: {exc}") from None
    except OfflineExpectationError as exc:
        raise SigningRefused(f"not signed: {exc}") from None
    except OfflineError as exc:
        if exc.field == "key" and "PEM" in exc.expected:
            raise InputError(f"--key {key}: {exc}") from None
        raise SigningRefused(f"not signed: {exc}") from None
    app.terminal.info("signing " + _summary(facts))
    click.echo(signed.to_json(), nl=False)
