from __future__ import annotations

import grpc
from fabric_protos.gateway import gateway_pb2

from gateway import EndorseError, ErrorDetail
from gateway._rpc_status import STATUS_DETAILS_KEY, decode_status_details, encode_status_details


def _details() -> list[gateway_pb2.ErrorDetail]:
    return [
        gateway_pb2.ErrorDetail(address="p0:7051", msp_id="PowerMSP", message="boom"),
        gateway_pb2.ErrorDetail(address="p1:7051", msp_id="BankMSP", message="bang"),
    ]


def test_round_trip():
    raw = encode_status_details(grpc.StatusCode.ABORTED, "failed", _details())
    assert decode_status_details([(STATUS_DETAILS_KEY, raw)]) == _details()


def test_absent_malformed_and_foreign_details_are_ignored():
    assert decode_status_details(None) == []
    assert decode_status_details([("other", b"x")]) == []
    assert decode_status_details([(STATUS_DETAILS_KEY, b"\xff\xff\xff")]) == []
    from gateway._rpc_status import Status

    st = Status(code=10, message="m")
    foreign = st.details.add()
    foreign.type_url = "type.googleapis.com/google.rpc.DebugInfo"
    foreign.value = b"\x0a\x01x"
    assert decode_status_details([(STATUS_DETAILS_KEY, st.SerializeToString())]) == []


class _FakeRpcError(grpc.RpcError):
    def __init__(self, trailing: list) -> None:
        self._trailing = trailing

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.ABORTED

    def details(self) -> str:
        return "failed to endorse transaction"

    def trailing_metadata(self) -> list:
        return self._trailing


def test_typed_error_carries_evidence():
    raw = encode_status_details(grpc.StatusCode.ABORTED, "failed", _details())
    err = EndorseError.from_rpc_error(_FakeRpcError([(STATUS_DETAILS_KEY, raw)]), "tx42")
    assert err.code == grpc.StatusCode.ABORTED and err.transaction_id == "tx42"
    assert err.details == (
        ErrorDetail("p0:7051", "PowerMSP", "boom"),
        ErrorDetail("p1:7051", "BankMSP", "bang"),
    )
    text = str(err)
    assert "endorse failed for transaction tx42: ABORTED" in text
    assert "p0:7051 (PowerMSP): boom" in text and "p1:7051 (BankMSP): bang" in text
    assert err.messages == ["boom", "bang"]


class _Cancelled(_FakeRpcError):
    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.CANCELLED

    def details(self) -> str:
        return "Stream removed"


def test_cancelled_after_the_callers_deadline_is_a_deadline_exceeded():
    from gateway._errors import CommitStatusError

    late = CommitStatusError.from_rpc_error(_Cancelled([]), "tx7", deadline_expired=True)
    assert late.code == grpc.StatusCode.DEADLINE_EXCEEDED and "Stream removed" in str(late)
    early = CommitStatusError.from_rpc_error(_Cancelled([]), "tx7")
    assert early.code == grpc.StatusCode.CANCELLED  # before the deadline: what it was
    other = CommitStatusError.from_rpc_error(_FakeRpcError([]), "tx7", deadline_expired=True)
    assert other.code == grpc.StatusCode.ABORTED  # only CANCELLED is re-read
