"""Fabric CA: one server per organisation, and users registered and enrolled through it.

Each organisation's ``fabric-ca-server`` (v1.5.13, built by _binaries) runs under the
supervisor as node ``ca.<org>``.  Its signing CA is the organisation's cryptogen CA (the
MSP root), so the certificates it issues chain to the root the channel already trusts; its
TLS pair is issued by the organisation's TLS CA, so clients reach it with the same TLS root
as the peer.  The bootstrap identity (the registrar, allowed to register, revoke and
generate CRLs) gets a random password kept in ``<run>/ca/<org>/registrar.json`` (mode
0600); it reaches ``fabric-ca-server init`` through the environment, never the command
line, and init writes it into the server's configuration (0600, in a 0700 home) and
database, so the supervised ``start`` command carries no secret.

Users are registered and enrolled with the ``fabric-ca-client`` binary rather than the
REST API by hand: the enrolment request is a CSR plus a token signed in Fabric CA's own
format, which the client implements and we would otherwise re-implement.  Attributes are
registered with ``:ecert`` so they land in every enrolment certificate's 1.2.3.4.5.6.7.8.1
extension, where Fabric's client identity library (and our contract) read them.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ._configs import peer_tls_ca, write_json
from ._crypto import ca_server_tls_dir, org_dir
from ._errors import NetworkError
from ._layout import PeerOrg
from ._process import ProcSpec
from ._run import CommandError, run

REGISTRAR = "registrar"


class EnrolmentError(NetworkError):
    """The organisation's CA refused to register, enrol or revoke an identity."""


def ca_home(run_dir: Path, org: PeerOrg) -> Path:
    return run_dir / "ca" / org.key


def _server_args(crypto: Path, run_dir: Path, org: PeerOrg) -> list[str]:
    ca = org_dir(crypto, org) / "ca"
    tls = ca_server_tls_dir(crypto, org)
    return ["--home", str(ca_home(run_dir, org)), "--address", org.ca_host,
            "--port", str(org.ca_port), "--tls.enabled",
            "--tls.certfile", str(tls / "server.crt"), "--tls.keyfile", str(tls / "server.key"),
            "--ca.certfile", str(next(ca.glob("*-cert.pem"))),
            "--ca.keyfile", str(ca / "priv_sk")]


def _server_env() -> dict[str, str]:
    # the operations endpoint (9443 by default) would clash between servers and with the
    # orderers' admin endpoints; readiness is judged on /cainfo, so any free port will do
    return {"FABRIC_CA_SERVER_OPERATIONS_LISTENADDRESS": "127.0.0.1:0"}


def init_server(ca_bin: Path, crypto: Path, run_dir: Path, org: PeerOrg) -> None:
    """Create the server's home: configuration, database and the registrar identity."""
    home = ca_home(run_dir, org)
    home.mkdir(parents=True, exist_ok=True)
    home.chmod(0o700)
    password = secrets.token_urlsafe(24)
    creds = home / "registrar.json"
    write_json(creds, {"name": REGISTRAR, "password": password})
    creds.chmod(0o600)
    run([str(ca_bin / "fabric-ca-server"), "init", *_server_args(crypto, run_dir, org)],
        env={**_server_env(), "FABRIC_CA_SERVER_BOOT": f"{REGISTRAR}:{password}"},
        what=f"fabric-ca-server init for {org.mspid}")
    (home / "fabric-ca-server-config.yaml").chmod(0o600)


def server_spec(ca_bin: Path, crypto: Path, run_dir: Path, org: PeerOrg) -> ProcSpec:
    return ProcSpec(f"ca.{org.key}", [str(ca_bin / "fabric-ca-server"), "start",
                                      *_server_args(crypto, run_dir, org)],
                    _server_env(), cwd=str(ca_home(run_dir, org)),
                    ready={"tcp": [org.ca_host, org.ca_port]})


def cainfo(crypto: Path, org: PeerOrg) -> str | None:
    """None when the CA answers /cainfo over TLS (checked against the org's TLS root)."""
    ctx = ssl.create_default_context(cafile=str(peer_tls_ca(crypto, org)))
    try:
        with urllib.request.urlopen(f"https://{org.ca_address}/cainfo", timeout=2,  # noqa: S310
                                    context=ctx) as resp:
            body = json.loads(resp.read())
    except (OSError, ValueError) as exc:
        return f"/cainfo: {exc}"
    return None if body.get("success") else f"/cainfo answered {body.get('errors')}"


@dataclass(frozen=True)
class Enrolled:
    """An enrolled identity laid out like a cryptogen user MSP (signcerts, keystore/priv_sk)."""

    name: str
    mspid: str
    msp_dir: Path

    @property
    def cert_path(self) -> Path:
        return next((self.msp_dir / "signcerts").glob("*.pem"))

    @property
    def key_path(self) -> Path:
        return self.msp_dir / "keystore" / "priv_sk"

    @property
    def cert_pem(self) -> bytes:
        return self.cert_path.read_bytes()

    @property
    def key_pem(self) -> bytes:
        return self.key_path.read_bytes()


class OrgCA:
    """The fabric-ca-client side of one organisation's CA, acting as its registrar."""

    def __init__(self, ca_bin: Path, crypto: Path, run_dir: Path, org: PeerOrg) -> None:
        self.org, self.crypto = org, crypto
        self.client = str(ca_bin / "fabric-ca-client")
        self.home = ca_home(run_dir, org)
        self.tls_ca = peer_tls_ca(crypto, org)
        self.url = f"https://{org.ca_address}"
        self.registrar_home = self.home / "registrar-client"

    def _run(self, args: list[str], home: Path, what: str, secret: str = "",
             url: str | None = None) -> str:
        env = {"FABRIC_CA_CLIENT_HOME": str(home), "FABRIC_CA_CLIENT_URL": url or self.url,
               "FABRIC_CA_CLIENT_TLS_CERTFILES": str(self.tls_ca)}
        try:
            return run([self.client, *args], env=env, what=what)
        except CommandError as exc:
            msg = str(exc).replace(secret, "***") if secret else str(exc)
            raise EnrolmentError(f"{self.org.mspid} CA ({self.url}): {msg}") from None

    def _registrar(self) -> Path:
        """The registrar's client home, enrolled on first use."""
        if not (self.registrar_home / "msp" / "signcerts" / "cert.pem").is_file():
            creds = json.loads((self.home / "registrar.json").read_text())
            pw = creds["password"]
            self._run(["enroll"], self.registrar_home, "enrol the registrar", secret=pw,
                      url=f"https://{creds['name']}:{pw}@{self.org.ca_address}")
        return self.registrar_home

    def register(self, name: str, attrs: dict[str, str]) -> str:
        """Register a client; return the one-time enrolment secret the CA generated.

        The CA generates the secret (a secret chosen here would sit on the client's command
        line, readable in /proc); it allows one enrolment, so a leaked one is worth nothing
        once the identity is enrolled."""
        for k, v in attrs.items():
            if any(c in f"{k}{v}" for c in ",=:") or not k:
                raise EnrolmentError(f"attribute {k!r}={v!r}: names and values may not hold "
                                     f"',', '=' or ':' (fabric-ca-client's attribute syntax)")
        args = ["register", "--id.name", name, "--id.type", "client",
                "--id.maxenrollments", "1"]
        if attrs:
            args += ["--id.attrs", ",".join(f"{k}={v}:ecert" for k, v in attrs.items())]
        out = self._run(args, self._registrar(), f"register {name!r} with {self.org.mspid}'s CA")
        found = re.search(r"^Password: (\S+)\s*$", out, re.MULTILINE)
        if not found:
            raise EnrolmentError(f"register {name!r} at {self.org.mspid}'s CA: no generated "
                                 f"secret in the client's output ({len(out)} characters)")
        return found.group(1)

    def enroll(self, name: str, secret: str, msp_dir: Path) -> Path:
        """Enrol into a temporary directory, then put it in place as msp_dir (an MSP dir is
        either complete or absent; a failed enrolment leaves nothing behind)."""
        tmp = msp_dir.with_name(msp_dir.name + ".enrol")
        client_home = self.home / "clients" / name
        shutil.rmtree(tmp, ignore_errors=True)
        try:
            # subject O = the org's domain (the client's default CSR names are Hyperledger's)
            self._run(["enroll", "-M", str(tmp), "--csr.names", f"O={self.org.domain}"],
                      client_home, f"enrol {name!r} with {self.org.mspid}'s CA", secret=secret,
                      url=f"https://{name}:{secret}@{self.org.ca_address}")
            # the cryptogen user layout the connection profile names: keystore/priv_sk
            keys = list((tmp / "keystore").glob("*_sk"))
            if len(keys) != 1:
                raise EnrolmentError(f"enrolment of {name!r} left {len(keys)} keys in {tmp}")
            keys[0].rename(tmp / "keystore" / "priv_sk")
            (tmp / "keystore" / "priv_sk").chmod(0o600)
            cert = tmp / "signcerts" / "cert.pem"
            cert.rename(tmp / "signcerts" / f"{name}@{self.org.domain}-cert.pem")
            shutil.rmtree(msp_dir, ignore_errors=True)
            tmp.rename(msp_dir)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(client_home, ignore_errors=True)
            if tmp.parent.is_dir() and not any(tmp.parent.iterdir()):
                tmp.parent.rmdir()
        return msp_dir

    def revoke(self, name: str, reason: str = "keycompromise") -> bytes:
        """Revoke every certificate of ``name``; return the CA's new CRL (PEM)."""
        reg = self._registrar()
        crl = reg / "msp" / "crls" / "crl.pem"
        crl.unlink(missing_ok=True)
        self._run(["revoke", "-e", name, "-r", reason, "--gencrl"], reg,
                  f"revoke {name!r} at {self.org.mspid}'s CA")
        if not crl.is_file():
            raise EnrolmentError(f"revoke {name!r}: {self.org.mspid}'s CA wrote no CRL at {crl}")
        return crl.read_bytes()


def user_dir(crypto: Path, org: PeerOrg, name: str) -> Path:
    return org_dir(crypto, org) / "users" / f"{name}@{org.domain}"


def enrol(ca: OrgCA, name: str, attrs: dict[str, str]) -> Enrolled:
    """Register ``name`` (a client) with attributes and enrol it into the org's users/."""
    secret = ca.register(name, attrs)
    msp = ca.enroll(name, secret, user_dir(ca.crypto, ca.org, name) / "msp")
    return Enrolled(name, ca.org.mspid, msp)


__all__ = ["Enrolled", "EnrolmentError", "OrgCA", "cainfo", "enrol", "init_server",
           "server_spec", "user_dir"]
