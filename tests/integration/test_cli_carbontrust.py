"""``carbontrust`` on the real network: the command-line contract of issue 10.

Runs the installed console script (``.venv/bin/carbontrust``, what ``make install`` puts
there; ``python -m gateway.cli`` where it is absent) as a user would, against the shared
network's ``connection.json`` (CARBONTRUST_RUN_DIR), and checks stdout, stderr and the exit
status: 0 success, 1 the ledger refused (naming the rule), 2 bad usage, 3 no answer.
"""

from __future__ import annotations

import datetime
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from chaincode.carbon._uscc import check_char, org_check_char
from network import Network

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "carbontrust"
ATTRS_OID = x509.ObjectIdentifier("1.2.3.4.5.6.7.8.1")  # Fabric CA's attribute extension
COMMAND = [str(SCRIPT)] if SCRIPT.is_file() else [sys.executable, "-m", "gateway.cli"]


def new_uscc(rng: random.Random) -> str:
    """A valid USCC (GB 32100-2015) no earlier run has used: random organisation code."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = "91350100" + body + org_check_char(body)
    return first17 + check_char(first17)


def cli(net: Network, *argv: str, profile: Path | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "CARBONTRUST_RUN_DIR": str(net.run_dir)}
    env.pop("CARBONTRUST_PROFILE", None)
    if profile is not None:
        env["CARBONTRUST_PROFILE"] = str(profile)
    proc = subprocess.run([*COMMAND, *argv], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture(scope="module")
def net(shared_network: Network) -> Network:
    info = json.loads((shared_network.run_dir / "connection.json").read_text())
    assert set(info["orgs"]) == {"PowerMSP", "CertifierMSP", "BankMSP", "RegulatorMSP"}
    r = cli(shared_network, "identity", "whoami")  # answered by the carbon contract only
    assert r.returncode == 0, f"the network does not serve the carbon contract: {r.stderr}"
    return shared_network


@pytest.fixture(scope="module")
def rng() -> random.Random:
    return random.Random()  # unique codes per run: the shared ledger keeps old ones


def test_register_show_from_two_orgs_and_add_a_meter(net: Network, rng: random.Random):
    uscc = new_uscc(rng)
    r = cli(net, "enterprise", "register", "--uscc", uscc, "--name", "Fuzhou Steel Works",
            "--industry", "C3110", "--region", "east")
    assert r.returncode == 0, r.stderr
    assert r.stdout == "" and f"registered enterprise {uscc} as RegulatorMSP" in r.stderr

    views = {}
    for org in ("RegulatorMSP", "BankMSP"):
        r = cli(net, "enterprise", "show", uscc, "--as", org)
        assert r.returncode == 0, r.stderr
        views[org] = json.loads(r.stdout)
    assert views["RegulatorMSP"] == views["BankMSP"]
    record = views["BankMSP"]
    assert (record["uscc"], record["name"], record["industry"], record["region"]) == (
        uscc, "Fuzhou Steel Works", "C3110", "east")
    assert (record["status"], record["meters"], record["version"]) == ("active", [], 1)

    meter = f"M-{uscc[-8:]}"
    r = cli(net, "meter", "add", "--uscc", uscc, "--meter", meter, "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["meters"] == [meter] and f"added meter {meter}" in r.stderr
    r = cli(net, "enterprise", "show", uscc, "--as", "PowerMSP")
    assert json.loads(r.stdout)["meters"] == [meter]
    r = cli(net, "meter", "show", meter, "--as", "CertifierMSP")
    assert r.returncode == 0 and json.loads(r.stdout)["uscc"] == uscc

    r = cli(net, "enterprise", "history", uscc, "--as", "RegulatorMSP")
    assert r.returncode == 0, r.stderr
    assert sorted(h["value"]["version"] for h in json.loads(r.stdout)) == [1, 2]
    r = cli(net, "enterprise", "list", "--as", "BankMSP")
    assert r.returncode == 0 and uscc in {e["uscc"] for e in json.loads(r.stdout)}
    r = cli(net, "identity", "whoami", "--as", "BankMSP")
    assert r.returncode == 0 and json.loads(r.stdout)["mspid"] == "BankMSP"


def test_refusals_exit_1_naming_the_rule(net: Network, rng: random.Random):
    uscc = new_uscc(rng)
    reg = ["enterprise", "register", "--uscc", uscc, "--name", "Xiamen Cement",
           "--industry", "C3011", "--region", "east"]
    r = cli(net, *reg, "--as", "PowerMSP")
    assert r.returncode == 1 and r.stdout == ""
    assert "refused by rule registry.write" in r.stderr and "PowerMSP" in r.stderr

    assert cli(net, *reg).returncode == 0
    r = cli(net, *reg)  # twice: the contract's 409
    assert r.returncode == 1 and "already registered" in r.stderr

    r = cli(net, "meter", "add", "--uscc", uscc, "--meter", f"B-{uscc[-8:]}", "--as", "BankMSP")
    assert r.returncode == 1 and "refused by rule registry.write" in r.stderr

    other = new_uscc(rng)
    r = cli(net, "enterprise", "show", other, "--as", "BankMSP")
    assert r.returncode == 1 and "not found" in r.stderr

    bad_check = uscc[:17] + ("0" if uscc[17] != "0" else "1")  # right shape, wrong check
    r = cli(net, "enterprise", "show", bad_check)
    assert r.returncode == 1 and "uscc" in r.stderr and "check character" in r.stderr

    r = cli(net, "enterprise", "register", "--uscc", other, "--name", "x", "--industry",
            "C3011", "--region", "atlantis")
    assert r.returncode == 1 and "region" in r.stderr


def test_bad_usage_exits_2_without_asking_the_ledger(net: Network, rng: random.Random):
    uscc = new_uscc(rng)
    r = cli(net, "enterprise", "show", uscc, "--as", "AcmeMSP")
    assert r.returncode == 2 and "unknown organisation 'AcmeMSP'" in r.stderr
    assert "BankMSP, CertifierMSP, PowerMSP, RegulatorMSP" in r.stderr
    r = cli(net, "enterprise", "show", uscc[:8] + "m" + uscc[9:])  # lower case
    assert r.returncode == 2 and "character 9 of the USCC is 'm'" in r.stderr
    r = cli(net, "meter", "add", "--uscc", uscc)
    assert r.returncode == 2 and "--meter" in r.stderr
    r = cli(net, "enterprise", "show", uscc, profile=net.run_dir / "nope.json")
    assert r.returncode == 2 and "no connection profile" in r.stderr


def test_no_answer_exits_3(net: Network, rng: random.Random, tmp_path: Path):
    """The profile names a peer endpoint where nothing listens."""
    info = json.loads((net.run_dir / "connection.json").read_text())
    info["orgs"]["RegulatorMSP"]["peer_endpoint"] = "127.0.0.1:1"
    profile = tmp_path / "connection.json"
    profile.write_text(json.dumps(info))
    r = cli(net, "enterprise", "show", new_uscc(rng), "--timeout", "5", profile=profile)
    assert r.returncode == 3 and "UNAVAILABLE" in r.stderr


def test_the_console_script_is_installed():
    """`make install` installs the project, so `carbontrust` is on the venv's PATH."""
    assert SCRIPT.is_file() and shutil.which("carbontrust", path=str(SCRIPT.parent))


def _enterprise_identity(net: Network, uscc: str, tmp_path: Path) -> tuple[Path, Path]:
    """An enterprise certificate as the regulator's CA issues it: NodeOU client, Fabric CA
    attributes role=enterprise and uscc (extension 1.2.3.4.5.6.7.8.1), signed here with the
    regulator CA's key from the run directory's crypto material."""
    info = json.loads((net.run_dir / "connection.json").read_text())
    org = info["orgs"]["RegulatorMSP"]
    ca_dir = Path(org["users"]["User1"]["cert"]).parents[4] / "ca"
    ca_cert = x509.load_pem_x509_certificate(next(ca_dir.glob("*-cert.pem")).read_bytes())
    ca_key = serialization.load_pem_private_key((ca_dir / "priv_sk").read_bytes(), None)
    assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    attrs = json.dumps({"attrs": {"role": "enterprise", "uscc": uscc}}).encode()
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "client"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, f"ent-{uscc}")]))
        .issuer_name(ca_cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(max(now - datetime.timedelta(minutes=5), ca_cert.not_valid_before_utc))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                       critical=False)
        .add_extension(x509.UnrecognizedExtension(ATTRS_OID, attrs), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "enterprise.pem", tmp_path / "enterprise.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def test_an_enterprise_signs_with_its_own_certificate(net: Network, rng: random.Random,
                                                      tmp_path: Path):
    uscc, other = new_uscc(rng), new_uscc(rng)
    for code in (uscc, other):
        assert cli(net, "enterprise", "register", "--uscc", code, "--name", f"E {code}",
                   "--industry", "C3110", "--region", "north").returncode == 0
    cert, key = _enterprise_identity(net, uscc, tmp_path)
    me = ["--sign-cert", str(cert), "--sign-key", str(key)]  # --as RegulatorMSP by default

    r = cli(net, "enterprise", "show", uscc, *me)  # not bound yet: not the enterprise
    assert r.returncode == 1 and "refused by rule identity.enterprise_registered" in r.stderr
    r = cli(net, "enterprise", "bind-certificate", uscc, str(cert))
    assert r.returncode == 0, r.stderr

    r = cli(net, "identity", "whoami", *me)
    assert r.returncode == 0, r.stderr
    assert (json.loads(r.stdout)["role"], json.loads(r.stdout).get("uscc")) == ("enterprise", uscc)
    r = cli(net, "enterprise", "show", uscc, *me)
    assert r.returncode == 0 and json.loads(r.stdout)["certificate"] is not None
    r = cli(net, "enterprise", "show", other, *me)
    assert r.returncode == 1 and "refused by rule registry.read" in r.stderr
    r = cli(net, "meter", "add", "--uscc", uscc, "--meter", f"E-{uscc[-8:]}", *me)
    assert r.returncode == 1 and "refused by rule registry.write" in r.stderr


def test_a_meter_gateway_enrolled_by_the_power_ca_reads_meters_only(net: Network,
                                                                    rng: random.Random):
    """Meter1 (role=meter-gateway, enrolled through PowerMSP's Fabric CA by `network up`)."""
    uscc = new_uscc(rng)
    meter = f"G-{uscc[-8:]}"
    assert cli(net, "enterprise", "register", "--uscc", uscc, "--name", "Grid user",
               "--industry", "D4411", "--region", "north").returncode == 0
    assert cli(net, "meter", "add", "--uscc", uscc, "--meter", meter).returncode == 0
    gw = ["--as", "PowerMSP", "--user", "Meter1"]
    r = cli(net, "identity", "whoami", *gw)
    assert r.returncode == 0 and json.loads(r.stdout)["role"] == "meter-gateway"
    r = cli(net, "meter", "show", meter, *gw)
    assert r.returncode == 0 and json.loads(r.stdout) == {
        "meter_id": meter, "uscc": uscc, "status": "active"}
    r = cli(net, "enterprise", "show", uscc, *gw)
    assert r.returncode == 1 and "refused by rule registry.read" in r.stderr
    r = cli(net, "meter", "add", "--uscc", uscc, "--meter", meter + "b", *gw)
    assert r.returncode == 1 and "refused by rule registry.write" in r.stderr
