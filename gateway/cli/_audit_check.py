"""``audit check FILE --trust DIR``: an audit export checked offline (``verifier``).

Nothing is dialled and no profile is read: the file and the MSP roots directory are all
that is trusted. Exit 0 and a JSON summary on stdout when the export holds; exit 1 when it
does not, with the reason on stderr as ``CODE detail`` (the code first, one of
``verifier.CODES``, so a script can branch on the first word); exit 2 when the file or the
roots directory cannot be read.
"""

from __future__ import annotations

from pathlib import Path

from gateway.cli._app import App
from gateway.cli._exit import OK, REFUSED, InputError

__all__ = ["check_file"]


def check_file(app: App, file: Path, trust: Path) -> int:
    from verifier import AuditCheckError, RootsError, check_export, load_msp_roots

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {file}: {exc.strerror or exc}") from None
    try:
        roots = load_msp_roots(trust)
    except RootsError as exc:
        raise InputError(f"--trust: {exc}") from None
    try:
        summary = check_export(data, roots)
    except AuditCheckError as exc:
        line = f"{exc.code} {exc.detail}".encode("utf-8", "backslashreplace").decode("utf-8")
        app.terminal.stderr.write(line + "\n")
        app.terminal.stderr.flush()
        return REFUSED
    app.terminal.json(summary.to_json())
    app.terminal.success(
        f"{file}: valid: entries {summary.first_index}..{summary.last_index} under the "
        f"checkpoint of size {summary.size} cosigned by {', '.join(summary.cosigners)}")
    return OK
