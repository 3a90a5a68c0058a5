"""Decode the rich gRPC status (``grpc-status-details-bin``) without googleapis-common-protos.

``google.rpc.status_pb2`` is not importable from the pinned packages (neither
``fabric_protos`` nor ``grpcio`` ship it, and ``grpcio-status`` is not a dependency). So the
``google.rpc.Status`` message (``code = 1; message = 2; repeated google.protobuf.Any details
= 3``) is declared here with the protobuf runtime: a ``FileDescriptorProto`` added to a
*private* descriptor pool, so it can never clash with a real ``google/rpc/status.proto``
registered by another package in the default pool.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import grpc
from fabric_protos.gateway import gateway_pb2
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory

__all__ = ["STATUS_DETAILS_KEY", "decode_status_details", "encode_status_details"]

STATUS_DETAILS_KEY = "grpc-status-details-bin"
_ERROR_DETAIL_URL = "type.googleapis.com/" + gateway_pb2.ErrorDetail.DESCRIPTOR.full_name


def _status_class() -> Any:
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    fdp = descriptor_pb2.FileDescriptorProto(
        name="carbontrust/gateway/google_rpc_status.proto",
        package="google.rpc",
        dependency=["google/protobuf/any.proto"],
        syntax="proto3",
    )
    msg = fdp.message_type.add(name="Status")
    f = descriptor_pb2.FieldDescriptorProto
    msg.field.add(name="code", number=1, type=f.TYPE_INT32, label=f.LABEL_OPTIONAL)
    msg.field.add(name="message", number=2, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
    msg.field.add(
        name="details",
        number=3,
        type=f.TYPE_MESSAGE,
        label=f.LABEL_REPEATED,
        type_name=".google.protobuf.Any",
    )
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


Status = _status_class()


def _metadata_value(metadata: Iterable[Any] | None) -> bytes | None:
    for item in metadata or ():
        key, value = (item.key, item.value) if hasattr(item, "key") else item
        if key == STATUS_DETAILS_KEY:
            return value if isinstance(value, bytes) else str(value).encode("latin-1")
    return None


def decode_status_details(
    metadata: Iterable[Any] | None,
) -> list[gateway_pb2.ErrorDetail]:
    """The ``gateway.ErrorDetail`` entries of a call's trailing metadata (empty when none).

    Undecodable or foreign details are skipped: errors must still surface without them.
    """
    raw = _metadata_value(metadata)
    if not raw:
        return []
    try:
        status = Status.FromString(raw)
    except Exception:  # noqa: BLE001 - a malformed trailer must not mask the real error
        return []
    details = []
    for any_msg in status.details:
        if any_msg.type_url != _ERROR_DETAIL_URL:
            continue
        try:
            details.append(gateway_pb2.ErrorDetail.FromString(any_msg.value))
        except Exception:  # noqa: BLE001
            continue
    return details


def encode_status_details(
    code: grpc.StatusCode, message: str, details: Iterable[gateway_pb2.ErrorDetail]
) -> bytes:
    """The inverse of :func:`decode_status_details` (used by fakes and tests)."""
    status = Status(code=code.value[0], message=message)
    for d in details:
        entry = status.details.add()
        entry.type_url = _ERROR_DETAIL_URL
        entry.value = d.SerializeToString()
    return bytes(status.SerializeToString())
