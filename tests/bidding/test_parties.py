"""Company registration (企业入库), approval, and the administration of organisations and users."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from app.demo import demo_code
from bidding import parties
from bidding.tenders import Upload
from core.errors import AuthenticationFailed, Conflict, InvalidInput, NotPermitted, Throttled
from core.identity import authenticate


def _company(code: str = demo_code(99), **overrides) -> parties.OrganisationInput:
    values = dict(name="新锐建设有限公司", kind="bidder", credit_code=code, legal_representative="王五",
                  contact_name="赵六", contact_phone="13800000000")
    values.update(overrides)
    return parties.OrganisationInput(**values)


def _cert() -> list[Upload]:
    return [Upload("建筑业企业资质证书", "cert.pdf", "application/pdf", io.BytesIO(b"%PDF-1.4 cert"))]


def test_company_registers_once_and_waits_for_approval(session, clock, store, world):
    org = parties.register_company(session, clock, store, _company(),
                                   parties.UserInput("xinrui", "投标员", "long-enough-password"), _cert())
    session.commit()
    assert org.status == "pending"
    assert org.certificates[0].sha256
    user = authenticate(session, "xinrui", "long-enough-password", clock)
    assert user.organisation_id == org.id
    parties.review_company(session, clock, world.admin, org.id, approve=True)
    assert org.status == "approved"


def test_wrong_credit_code_is_refused(session, clock, store):
    with pytest.raises(InvalidInput) as refused:
        parties.register_company(session, clock, store, _company("91350100M000100Y44"),
                                 parties.UserInput("xinrui", "投标员", "long-enough-password"), _cert())
    assert refused.value.field == "credit_code"


def test_credit_code_registers_only_once(session, clock, store, world):
    with pytest.raises(Conflict):
        parties.register_company(session, clock, store, _company(demo_code(11)),
                                 parties.UserInput("xinrui", "投标员", "long-enough-password"), _cert())


def test_registration_needs_a_certificate_and_a_long_password(session, clock, store):
    with pytest.raises(InvalidInput):
        parties.register_company(session, clock, store, _company(),
                                 parties.UserInput("xinrui", "投标员", "long-enough-password"), [])
    with pytest.raises(InvalidInput):
        parties.register_company(session, clock, store, _company(),
                                 parties.UserInput("xinrui", "投标员", "short"), _cert())


def test_rejection_needs_a_reason(session, clock, store, world):
    org = parties.register_company(session, clock, store, _company(),
                                   parties.UserInput("xinrui", "投标员", "long-enough-password"), _cert())
    with pytest.raises(InvalidInput):
        parties.review_company(session, clock, world.admin, org.id, approve=False)
    parties.review_company(session, clock, world.admin, org.id, approve=False, note="资质证书过期")
    assert org.status == "rejected"


def test_only_an_admin_manages_organisations_and_users(session, clock, world):
    for actor in (world.agent, world.bidders[0], world.supervisor):
        with pytest.raises(NotPermitted):
            parties.create_organisation(session, clock, actor, _company())
        with pytest.raises(NotPermitted):
            parties.create_user(session, clock, actor, parties.UserInput("someone", "某人", "long-enough-password"))


def test_admin_changes_roles_and_deactivates(session, clock, world):
    user = world.users["expert"]
    parties.update_user(session, clock, world.admin, user.id, ["expert", "supervisor"], active=False)
    session.commit()
    assert {r.value for r in user.roles} == {"expert", "supervisor"}
    with pytest.raises(AuthenticationFailed):
        authenticate(session, "expert", "correct-horse-battery", clock)


def test_admin_cannot_lock_themselves_out(session, clock, world):
    with pytest.raises(Conflict):
        parties.update_user(session, clock, world.admin, world.admin.user_id, ["agent"], active=True)


def test_repeated_failed_sign_ins_are_slowed_down(session, clock, world):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate(session, "agent", "wrong", clock)
    with pytest.raises(Throttled):
        authenticate(session, "agent", "correct-horse-battery", clock)
    clock.advance(timedelta(seconds=31))
    assert authenticate(session, "agent", "correct-horse-battery", clock).username == "agent"


def test_unknown_names_are_slowed_down_too(session, clock, world):
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            authenticate(session, "nobody", "x", clock)
    with pytest.raises(Throttled):
        authenticate(session, "nobody", "x", clock)


def test_passwords_are_stored_with_argon2id(world):
    assert world.users["agent"].password_hash.startswith("$argon2id$")
