"""Python chaincode run as a service (chaincode-as-a-service), one server per organisation.

``chaincode.shim`` implements the peer protocol; ``chaincode.probe`` is the
contract deployed today (state, range, events, private data, identity and
failure paths the rest of the project relies on).  Run a server with::

    python -m chaincode serve --address 127.0.0.1:17104 --id <package id> \\
        --module chaincode.probe --tls-cert ... --tls-key ... --client-ca ...
"""
