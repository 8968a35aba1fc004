"""The pages, end to end through the test client: what a clerk does and what a bad form gets back."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from bidding.models import DocumentObtained, Tender
from core.clock import to_shanghai
from core.identity import Organisation
from tests.app.helpers import login, post
from tests.world import ESCROW_HOLDERS, SIGNING_PIN, build_world, encryption_key, ensure_signing, published_tender


@pytest.fixture
def people(app, session, clock):
    w = build_world(session, clock)
    session.commit()
    return w


def _local(value) -> str:
    return to_shanghai(value).strftime("%Y-%m-%dT%H:%M")


def _tender_form(people, clock, **overrides) -> dict:
    start = clock.now() + timedelta(hours=1)
    form = {
        "code": "WEB-2026-001", "title": "城市绿道工程", "tenderee_org_id": str(people.tenderee_org_id),
        "category": "works", "method": "open", "is_compulsory": "on", "is_state_funded": "on", "region": "北京市",
        "description": "绿道。", "sale_start": _local(start), "sale_end": _local(start + timedelta(days=7)),
        "clarification_deadline": _local(start + timedelta(days=10)),
        "bid_deadline": _local(start + timedelta(days=25)), "bid_validity_days": "90",
        "sections-0-name": "一标段", "sections-0-estimated_price": "5000000", "sections-0-bond_amount": "100000",
        "sections-0-bond_forms": ["cash", "bank_guarantee"],
        "sections-0-evaluation_method": "comprehensive",
        "sections-1-name": "二标段", "sections-1-estimated_price": "3000000", "sections-1-bond_policy": "waived",
        "sections-1-bond_waiver_basis": "政府投资项目免收",
        "sections-1-evaluation_method": "lowest_evaluated_price",
    }
    form.update(overrides)
    return form


def test_agent_creates_uploads_and_publishes_through_the_pages(client, people, clock, session):
    ensure_signing(session, clock, people)
    session.commit()
    login(client, "agent")
    response = post(client, "/agency/tenders/new", _tender_form(people, clock))
    assert response.status_code == 302
    tender = session.scalars(select(Tender)).one()
    assert [s.name for s in tender.sections] == ["一标段", "二标段"]
    assert tender.sections[1].bond_waived
    response = post(client, f"/agency/tenders/{tender.id}/documents",
                    {"title": "招标文件", "file": (io.BytesIO(b"%PDF-1.4 doc"), "doc.pdf")})
    assert response.status_code == 302
    for name in ESCROW_HOLDERS:
        encryption_key(session, clock, people, name)
    session.commit()
    holders = [str(people.users[n].id) for n in ESCROW_HOLDERS]
    response = post(client, f"/agency/tenders/{tender.id}/escrow", {"holders": holders, "k": "2"},
                    form_page=f"/agency/tenders/{tender.id}")
    assert response.status_code == 302
    response = post(client, f"/agency/tenders/{tender.id}/publish", {"pin": "wrong-pin"},
                    form_page=f"/agency/tenders/{tender.id}")
    assert response.status_code == 401 and "签名口令不正确" in response.get_data(as_text=True)
    session.refresh(tender)
    assert tender.status == "draft"
    response = post(client, f"/agency/tenders/{tender.id}/publish", {"pin": SIGNING_PIN},
                    form_page=f"/agency/tenders/{tender.id}")
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "城市绿道工程" in page
    notice = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "招标公告（电子签名 PDF）" in notice


def test_short_deadline_comes_back_on_the_form_with_the_rule(client, people, clock, session):
    login(client, "agent")
    form = _tender_form(people, clock, bid_deadline=_local(clock.now() + timedelta(days=15)),
                        clarification_deadline=_local(clock.now() + timedelta(days=9)))
    response = post(client, "/agency/tenders/new", form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "法第24条" in html
    assert 'value="城市绿道工程"' in html  # what the clerk typed is still there
    assert session.scalars(select(Tender)).all() == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("sections-0-estimated_price", "-100"), ("sale_start", "not-a-date"), ("code", "x"),
     ("bid_validity_days", "0"), ("tenderee_org_id", "999999")],
)
def test_bad_tender_forms_get_a_clear_message_and_change_nothing(client, people, clock, session, field, value):
    login(client, "agent")
    response = post(client, "/agency/tenders/new", _tender_form(people, clock, **{field: value}))
    assert response.status_code == 400
    assert 'class="flash error"' in response.get_data(as_text=True)
    assert session.scalars(select(Tender)).all() == []


def test_the_tender_form_fixes_a_separated_award_and_the_notice_page_shows_it(client, people, clock, session):
    login(client, "agent")
    response = post(client, "/agency/tenders/new", _tender_form(
        people, clock, rule_set="shenzhen", award_mode="separated", award_method="vote_lottery",
        award_committee_size="5", award_shortlist="3", award_tie="lottery"))
    assert response.status_code == 302
    tender = session.scalars(select(Tender)).one()
    assert (tender.award_mode, tender.award_method, tender.award_committee_size) == ("separated", "vote_lottery", 5)
    assert '"shortlist": 3' in tender.award_params
    page = client.get(f"/tenders/{tender.id}").get_data(as_text=True)
    assert "票决抽签法" in page and "深圳市评定分离规则" in page


@pytest.mark.parametrize(("overrides", "message"), [
    ({"award_mode": "separated", "award_method": "vote", "award_committee_size": "5"}, "条例第55条"),
    ({"rule_set": "shenzhen", "award_mode": "separated", "award_method": "vote", "award_committee_size": "6"},
     "单数"),
    ({"rule_set": "shenzhen", "award_mode": "separated", "award_method": "vote", "award_committee_size": "x"},
     "定标委员会人数"),
    ({"rule_set": "shenzhen", "award_mode": "separated", "award_method": "vote", "award_committee_size": "5",
      "award_max_rounds": "two"}, "整数"),
])
def test_bad_award_plans_on_the_form_are_refused_and_nothing_is_saved(client, people, clock, session, overrides,
                                                                       message):
    login(client, "agent")
    response = post(client, "/agency/tenders/new", _tender_form(people, clock, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert session.scalars(select(Tender)).all() == []


def test_script_in_a_title_is_escaped_everywhere(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people,
                              title="<script>alert(1)</script>道路")
    for path in ("/", f"/tenders/{tender.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;道路" in html


def test_bidder_obtains_documents_and_downloads(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people)
    clock.advance(timedelta(hours=2))
    login(client, "bidder1")
    doc_url = f"/tenders/{tender.id}/documents/{tender.documents[0].id}"
    assert client.get(doc_url).status_code == 403
    response = post(client, f"/bidder/tenders/{tender.id}/obtain", form_page=f"/tenders/{tender.id}")
    assert response.status_code == 302
    download = client.get(doc_url)
    assert download.status_code == 200
    assert download.data.startswith(b"%PDF")
    assert session.scalars(select(DocumentObtained)).one().bidder_org_id == people.bidders[0].org_id


def test_anonymous_download_asks_to_sign_in(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people)
    response = client.get(f"/tenders/{tender.id}/documents/{tender.documents[0].id}")
    assert response.status_code == 302 and "/login" in response.location


def test_company_registers_through_the_page_and_admin_approves(client, people, session):
    from app.demo import demo_code

    response = post(client, "/register", {
        "name": "新锐建设有限公司", "credit_code": demo_code(77), "legal_representative": "王五",
        "contact_name": "赵六", "contact_phone": "13800000000", "username": "xinrui", "display_name": "投标员",
        "password": "long-enough-password", "certificates": (io.BytesIO(b"%PDF cert"), "cert.pdf"),
    })
    assert response.status_code == 302
    org = session.scalars(select(Organisation).where(Organisation.name == "新锐建设有限公司")).one()
    assert org.status == "pending"
    login(client, "admin")
    response = post(client, f"/admin/organisations/{org.id}/review", {"decision": "approve"},
                    form_page="/admin/organisations")
    assert response.status_code == 302
    session.refresh(org)
    assert org.status == "approved"


def test_registration_with_a_wrong_credit_code_is_refused(client, people, session):
    response = post(client, "/register", {
        "name": "新锐建设有限公司", "credit_code": "91350100M000100Y44", "legal_representative": "王五",
        "contact_name": "赵六", "contact_phone": "13800000000", "username": "xinrui", "display_name": "投标员",
        "password": "long-enough-password", "certificates": (io.BytesIO(b"%PDF cert"), "cert.pdf"),
    })
    assert response.status_code == 400
    assert "GB 32100-2015" in response.get_data(as_text=True)
    assert session.scalars(select(Organisation).where(Organisation.name == "新锐建设有限公司")).all() == []


def test_wrong_password_is_refused_and_then_slowed_down(client, people):
    for _ in range(5):
        response = post(client, "/login", {"username": "agent", "password": "wrong"})
        assert response.status_code == 401
    response = post(client, "/login", {"username": "agent", "password": "correct-horse-battery"})
    assert response.status_code == 429


def test_session_cookie_is_http_only(client, people):
    response = login(client, "agent")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_unknown_ids_are_404_not_500(client, people):
    login(client, "agent")
    for path in ("/tenders/999999", "/agency/tenders/999999", "/tenders/999999/documents/1"):
        assert client.get(path).status_code == 404


def test_late_amendment_page_says_the_deadline_must_move(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people)
    clock.set(tender.bid_deadline - timedelta(days=10))
    login(client, "agent")
    html = client.get(f"/agency/tenders/{tender.id}").get_data(as_text=True)
    assert "必须顺延投标截止时间" in html
    response = post(client, f"/agency/tenders/{tender.id}/amendments",
                    {"kind": "amendment", "title": "修改一", "body": "修改清单。"},
                    form_page=f"/agency/tenders/{tender.id}")
    assert response.status_code == 422
    assert "法第23条" in response.get_data(as_text=True)


def test_supervisor_sees_the_trail_of_a_tender(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people)
    login(client, "supervisor")
    html = client.get(f"/supervisor/tenders/{tender.id}").get_data(as_text=True)
    assert "tender.publish" in html and "tender.create" in html


def test_the_supervisors_workspace_validates_every_signed_record_of_the_tender(client, people, clock, session, app):
    store = app.extensions["sealbid"].store
    tender = published_tender(session, clock, store, people)
    session.commit()
    login(client, "supervisor")
    html = client.get(f"/supervisor/tenders/{tender.id}").get_data(as_text=True)
    assert "共 1 份记录，0 份验证未通过。" in html
    assert "招标公告" in html and "tender.publish" in html
    assert "投标保证金在开标后显示" in html


def test_a_tampered_record_shows_as_invalid_in_the_workspace(client, people, clock, session, app):
    from signing import signed_records

    store = app.extensions["sealbid"].store
    tender = published_tender(session, clock, store, people)
    record = signed_records.for_tender(session, tender.id)[0]
    with store.open(record.pdf_sha256) as stream:
        data = bytearray(stream.read())
    data[data.index(b"/Type /Page") + 1] ^= 0x01  # one flipped bit inside the signed range
    record.pdf_sha256 = store.put(io.BytesIO(bytes(data)), len(data)).sha256
    session.commit()
    login(client, "supervisor")
    html = client.get(f"/supervisor/tenders/{tender.id}").get_data(as_text=True)
    assert "共 1 份记录，1 份验证未通过。" in html


def test_only_supervisors_open_the_workspace(client, people, clock, session, app):
    tender = published_tender(session, clock, app.extensions["sealbid"].store, people)
    session.commit()
    login(client, "agent")
    assert client.get(f"/supervisor/tenders/{tender.id}").status_code == 403
