"""The network's error type, shared by its modules."""


class NetworkError(RuntimeError):
    """A network operation was refused or failed; the message names what and why."""
