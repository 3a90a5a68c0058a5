"""Python chaincode run as a service (chaincode-as-a-service), one server per organisation.

``chaincode.shim`` implements the peer protocol; ``chaincode.carbon`` is the carbon
account contract (docs/contract.md); ``chaincode.probe`` is a test contract (state,
range, events, private data, identity and failure paths), served next to it only on test
networks (CARBONTRUST_CC_TEST_CONTRACTS=1).  Run a server with::

    python -m chaincode serve --address 127.0.0.1:17104 --id <package id> \\
        --module chaincode.carbon --tls-cert ... --tls-key ... --client-ca ...
"""
