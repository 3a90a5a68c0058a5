"""The drill names what it killed by node kind (the recovery bench prints one row per kind)."""

from network._drill import Recovery


def test_each_node_kind_is_named() -> None:
    kinds = {n: Recovery(n, 0.0, 0.0, 0.0).kind
             for n in ("ccserver.power", "peer0.bank", "orderer2", "ca.regulator", "supervisor")}
    assert kinds == {"ccserver.power": "chaincode server", "peer0.bank": "peer",
                     "orderer2": "orderer", "ca.regulator": "certificate authority",
                     "supervisor": "supervisor"}
