"""State keys: simple keys and composite keys, kept in separate namespaces.

Fabric stores composite keys as ``\\x00 objectType \\x00 attr1 \\x00 attr2 \\x00`` in
the same key space as simple keys.  Fabric's shims keep the two apart by
refusing simple keys that start with ``\\x00`` and by starting an open range at
``\\x01``; we do the same.  On top of that a composite key is a distinct type
(:class:`CompositeKey`, a ``str`` made only by :func:`create_composite_key` or
returned by a composite range), so a plain string from a client argument can
never address the composite namespace, even when the contract passes it on
unchecked.
"""

from __future__ import annotations

from ._errors import ContractError

NAMESPACE = "\x00"         # first character of every composite key
SEPARATOR = "\x00"         # ends the object type and each attribute
EMPTY_START = "\x01"       # an open range starts here: after every composite key
MAX_RUNE = "\U0010ffff"    # end of a partial composite key range


class InvalidKeyError(ContractError, ValueError):
    """A key or key part a contract may not use; says which and why (status 400: keys
    usually come from client arguments)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, 400)


def _check_utf8(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidKeyError(f"{what} {text!r} is not valid UTF-8 ({exc.reason} at "
                        f"position {exc.start})") from None


class CompositeKey(str):
    """A key in the composite namespace; made by create_composite_key, never from a client."""

    __slots__ = ()

    def parts(self) -> tuple[str, list[str]]:
        """(object type, attributes)."""
        return split_composite_key(self)


def _check_part(part: str, what: str) -> None:
    if not isinstance(part, str):
        raise InvalidKeyError(f"{what} must be a str, got {type(part).__name__}")
    _check_utf8(part, what)
    if "\x00" in part:
        raise InvalidKeyError(f"{what} {part!r} contains U+0000, which composite keys use "
                        f"as separator")
    if MAX_RUNE in part:
        raise InvalidKeyError(f"{what} {part!r} contains U+10FFFF, which ends composite key ranges")


def create_composite_key(object_type: str, attributes: list[str] | tuple[str, ...] = ()
                         ) -> CompositeKey:
    """The composite key of object_type and attributes (each free of U+0000 and U+10FFFF)."""
    _check_part(object_type, "composite key object type")
    if not object_type:
        raise InvalidKeyError("a composite key needs a non-empty object type")
    for i, attr in enumerate(attributes):
        _check_part(attr, f"composite key attribute {i}")
    return CompositeKey(NAMESPACE + object_type + SEPARATOR
                        + "".join(a + SEPARATOR for a in attributes))


def split_composite_key(key: str) -> tuple[str, list[str]]:
    """(object type, attributes) of a composite key."""
    if not key.startswith(NAMESPACE) or not key.endswith(SEPARATOR) or len(key) < 3:
        raise InvalidKeyError(f"{key!r} is not a composite key")
    parts = key[1:-1].split(SEPARATOR)
    return parts[0], parts[1:]


def check_key(key: str) -> str:
    """A key a state call may use: a CompositeKey, or a non-empty simple key."""
    if isinstance(key, CompositeKey):
        if not key.startswith(NAMESPACE):
            raise InvalidKeyError(f"{key!r} is not a composite key")
        return key
    if not isinstance(key, str) or not key:
        raise InvalidKeyError(f"a state key must be a non-empty string, got {key!r}")
    check_simple(key, "key")
    return key


def check_simple(key: str, what: str) -> None:
    _check_utf8(key, what)
    if key.startswith(NAMESPACE):
        raise InvalidKeyError(f"{what} {key[:40]!r} begins with U+0000, the composite key "
                        f"namespace; make composite keys with create_composite_key")


def range_bounds(start: str, end: str) -> tuple[str, str]:
    """A simple-key range: '' start becomes U+0001 (after the composite namespace)."""
    check_simple(start, "range start key")
    check_simple(end, "range end key")
    return (start or EMPTY_START), end


def partial_bounds(object_type: str, attributes: list[str] | tuple[str, ...]) -> tuple[str, str]:
    """The range of every composite key that begins with object_type and attributes."""
    prefix = create_composite_key(object_type, attributes)
    return str(prefix), prefix + MAX_RUNE


def key_from_peer(key: str) -> str:
    """Keys the peer returns: composite ones typed as such."""
    return CompositeKey(key) if key.startswith(NAMESPACE) else key
