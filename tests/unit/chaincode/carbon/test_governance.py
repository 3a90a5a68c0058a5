"""governance:* propose / approve / activate / in_force, with the issue's refusals."""

from __future__ import annotations

import json

import accounting

from .conftest import World

V = "cn-2023"
FS = str(accounting.load_factor_set(V).digest)
RS = str(accounting.load_rule_set("zj-ce-2023").digest)
POLICY = json.dumps({"orgs": ["CertifierMSP", "BankMSP"], "required": 2})


def propose(world: World, policy: str = POLICY) -> None:
    world.ok("regulator-admin", "governance:propose", "factor_set", V, FS, policy)


def test_version_is_usable_only_at_its_approvals(world: World) -> None:
    propose(world)
    res = world.call("regulator-admin", "governance:activate", "factor_set", V)
    assert res.status == 409 and "0 of the 2 approvals" in res.message
    assert world.call("bank-client", "governance:in_force", "factor_set").status == 404
    world.ok("certifier-admin", "governance:approve", "factor_set", V, FS)
    res = world.call("regulator-admin", "governance:activate", "factor_set", V)
    assert res.status == 409 and "1 of the 2" in res.message
    world.ok("bank-admin", "governance:approve", "factor_set", V, FS)
    assert world.ok("regulator-admin", "governance:activate", "factor_set", V)["status"] \
        == "active"
    assert world.ok("ent1", "governance:in_force", "factor_set")["digest"] == FS


def test_changed_version_is_refused(world: World) -> None:
    other = str(accounting.load_factor_set("cn-2022").digest)
    res = world.call("regulator-admin", "governance:propose", "factor_set", V, other, POLICY)
    assert res.status == 409 and "differs from the content this chaincode ships" in res.message
    propose(world)
    res = world.call("regulator-admin", "governance:propose", "factor_set", V, FS, POLICY)
    assert res.status == 409 and "never changes" in res.message


def test_approval_citing_another_digest_is_refused(world: World) -> None:
    propose(world)
    res = world.call("bank-admin", "governance:approve", "factor_set", V, "sha256:" + "0" * 64)
    assert res.status == 409 and "cites" in res.message


def test_non_member_approval_does_not_count(world: World) -> None:
    propose(world)
    res = world.call("power-admin", "governance:approve", "factor_set", V, FS)
    assert res.status == 403 and res.message.startswith(
        "refused by rule governance.approve.member:")
    assert world.ok("bank-client", "governance:get", "factor_set", V)["approvals"] == {}


def test_second_approval_by_one_org_does_not_count(world: World) -> None:
    propose(world)
    world.ok("bank-admin", "governance:approve", "factor_set", V, FS)
    res = world.call("bank-admin", "governance:approve", "factor_set", V, FS)
    assert res.status == 409 and "already approved" in res.message
    assert world.call("regulator-admin", "governance:activate", "factor_set", V).status == 409


def test_client_identities_cannot_approve(world: World) -> None:
    propose(world)
    res = world.call("bank-client", "governance:approve", "factor_set", V, FS)
    assert res.status == 403 and "governance.approve" in res.message


def test_activated_version_cannot_be_approved_or_activated_again(world: World) -> None:
    propose(world, json.dumps({"orgs": ["BankMSP"], "required": 1}))
    world.ok("bank-admin", "governance:approve", "factor_set", V, FS)
    world.ok("regulator-admin", "governance:activate", "factor_set", V)
    assert world.call("regulator-admin", "governance:activate", "factor_set", V).status == 409


def test_rule_sets_and_listing(world: World) -> None:
    world.ok("regulator-admin", "governance:propose", "rule_set", "zj-ce-2023", RS,
             json.dumps({"orgs": ["BankMSP"], "required": 1}))
    propose(world)
    assert [e["version"] for e in world.ok("gateway", "governance:list", "rule_set")] == \
        ["zj-ce-2023"]
    assert [e["kind"] for e in world.ok("gateway", "governance:list", "factor_set")] == \
        ["factor_set"]


def test_unshipped_version_is_404(world: World) -> None:
    res = world.call("regulator-admin", "governance:propose", "factor_set", "cn-1999", FS,
                     POLICY)
    assert res.status == 404 and res.message.startswith("version:")


def test_the_proposer_cannot_approve_its_own_version(world: World) -> None:
    """The other organisations approve: a policy naming the regulator (which proposes) would
    let it put a version in force alone, approvals by no one else."""
    for orgs in (["RegulatorMSP"], ["BankMSP", "RegulatorMSP"]):
        res = world.call("regulator-admin", "governance:propose", "factor_set", V, FS,
                         json.dumps({"orgs": orgs, "required": 1}))
        assert res.status == 400, (orgs, res.message)
        assert res.message.startswith(f"policy.orgs[{orgs.index('RegulatorMSP')}]: expected "
                                      "an organisation other than the proposer's"), res.message
    assert world.call("bank-client", "governance:get", "factor_set", V).status == 404
    propose(world)
    res = world.call("regulator-admin", "governance:approve", "factor_set", V, FS)
    assert res.status == 403 and res.message.startswith(
        "refused by rule governance.approve.member:")
