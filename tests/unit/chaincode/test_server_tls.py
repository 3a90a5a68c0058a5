"""The chaincode server accepts only peers whose client certificate chains to its org's TLS CA."""

from __future__ import annotations

import asyncio
import datetime
import socket
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fabric_protos.peer import chaincode_shim_pb2_grpc
from fabric_protos.peer.chaincode_shim_pb2 import ChaincodeMessage as Msg

from chaincode.probe import CONTRACTS
from chaincode.shim import Dispatcher, serve


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(k: ec.EllipticCurvePrivateKey) -> bytes:
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def _cert(subject_cn: str, key, issuer_cn: str, issuer_key, ca: bool, sans=()) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    b = (x509.CertificateBuilder()
         .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject_cn)]))
         .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(now - datetime.timedelta(minutes=1))
         .not_valid_after(now + datetime.timedelta(days=1))
         .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if sans:
        import ipaddress
        b = b.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address(s)) for s in sans]), critical=False)
    return b.sign(issuer_key, hashes.SHA256())


def _pem(c: x509.Certificate) -> bytes:
    return c.public_bytes(serialization.Encoding.PEM)


@pytest.fixture
def pki(tmp_path: Path) -> dict[str, bytes]:
    ca_key, other_key = _key(), _key()
    ca = _cert("tlsca.power", ca_key, "tlsca.power", ca_key, True)
    srv_key, peer_key, intruder_key = _key(), _key(), _key()
    out = {
        "ca": _pem(ca),
        "srv_cert": _pem(_cert("ccserver.power", srv_key, "tlsca.power", ca_key, False,
                               ("127.0.0.1",))),
        "srv_key": _pem_key(srv_key),
        "peer_cert": _pem(_cert("peer0.power", peer_key, "tlsca.power", ca_key, False)),
        "peer_key": _pem_key(peer_key),
        "intruder_cert": _pem(_cert("peer0.bank", intruder_key, "tlsca.bank", other_key, False)),
        "intruder_key": _pem_key(intruder_key),
    }
    for name, data in out.items():
        (tmp_path / name).write_bytes(data)
    return out


async def _register(addr: str, root: bytes, key: bytes | None, cert: bytes | None) -> str:
    creds = grpc.ssl_channel_credentials(root_certificates=root, private_key=key,
                                         certificate_chain=cert)
    async with grpc.aio.secure_channel(addr, creds) as ch:
        stub = chaincode_shim_pb2_grpc.ChaincodeStub(ch)
        call = stub.Connect(iter(()))
        async for msg in call:
            return Msg.Type.Name(msg.type)
    return "nothing"


def _run(tmp_path: Path, pki: dict[str, bytes], who: str | None) -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        addr = f"127.0.0.1:{s.getsockname()[1]}"

    async def main() -> str:
        ready, stop = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(serve(
            addr, "cc:1", Dispatcher(*CONTRACTS), tls_cert=tmp_path / "srv_cert",
            tls_key=tmp_path / "srv_key", client_ca=tmp_path / "ca", ready=ready, stop=stop))
        await ready.wait()
        try:
            key = pki[f"{who}_key"] if who else None
            cert = pki[f"{who}_cert"] if who else None
            # generous: a refused handshake reaches the client as UNAVAILABLE, but on a
            # loaded CI machine once only after more than 5 s (the wait then cancelled it)
            return await asyncio.wait_for(_register(addr, pki["ca"], key, cert), 30)
        finally:
            stop.set()
            await task

    return asyncio.run(main())


def test_own_peer_is_served(tmp_path: Path, pki: dict[str, bytes]) -> None:
    assert _run(tmp_path, pki, "peer") == "REGISTER"


def test_client_of_another_ca_is_refused(tmp_path: Path, pki: dict[str, bytes]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        _run(tmp_path, pki, "intruder")
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def test_client_without_certificate_is_refused(tmp_path: Path, pki: dict[str, bytes]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        _run(tmp_path, pki, None)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE
