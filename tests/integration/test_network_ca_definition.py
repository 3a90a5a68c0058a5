"""A kept run directory whose chaincode definition changed (a collection added, as the
operatingData collection was) is committed again at the next sequence by `up`."""

from __future__ import annotations

import dataclasses
import json

from network import Network, peer_cli
from network._layout import Collection

PORT_BASE = 25000  # isolated_network (tests/integration/conftest.py) reads this


def _committed(net: Network) -> dict:
    res = peer_cli(net, "power", "lifecycle", "chaincode", "querycommitted", "--channelID",
                   net.layout.channel, "--name", net.layout.cc_name, "--output", "json")
    assert res.returncode == 0, res.stderr
    return dict(json.loads(res.stdout))


def test_a_changed_collection_config_is_committed_at_the_next_sequence(
        isolated_network: Network) -> None:
    net = isolated_network
    before = _committed(net)
    assert before["sequence"] == net.layout.cc_sequence
    extra = Collection(name="auditNotes", members=("RegulatorMSP", "CertifierMSP"),
                       required_peer_count=0, max_peer_count=1, block_to_live=0,
                       member_only_read=True, member_only_write=True,
                       endorsement_policy="OR('RegulatorMSP.peer')")
    net.down(keep_data=True)
    changed = Network(run_dir=net.run_dir, layout=dataclasses.replace(
        net.layout, collections=(*net.layout.collections, extra)), log=net.log)
    changed.up()
    after = _committed(changed)
    assert after["sequence"] == before["sequence"] + 1
    assert "auditNotes" in json.dumps(after["collections"])
    assert json.loads(changed.state_path.read_text())["definition"]["sequence"] == \
        after["sequence"]
    # the same definition again: nothing to commit
    changed.down(keep_data=True)
    changed.up()
    assert _committed(changed)["sequence"] == after["sequence"]
    # the fixture's own Network (the checked-in layout) takes it down at the end
