"""Chinese first, English on request: pages, domain refusals, API errors, and a complete catalogue."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from sqlalchemy import select

from bidding import tenders
from core.identity import issue_api_token
from tests.app.helpers import login, post
from tests.world import tender_data

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "app" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%%")
CJK = re.compile(r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef]")


def _catalogue():
    with CATALOGUE.open("rb") as f:
        return read_po(f)


def _placeholders(text: str) -> Counter:
    return Counter(m.group(0) for m in PLACEHOLDER.finditer(text))


def _flashes(html: str) -> list[str]:
    return re.findall(r'<div class="flash [^"]*" role="alert">(.*?)</div>', html, re.S)


def _english(client) -> None:
    response = client.get("/lang/en")
    assert response.status_code == 302


# --- the language choice ---------------------------------------------------------------------------


def test_chinese_is_the_default(client, world):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "招标公告" in html
    assert "Tender notices" not in html


def test_lang_en_switches_to_english_and_back(client, world):
    response = client.get("/lang/en?next=/plans")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/plans")
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Tender notices" in html
    assert "招标公告" not in html
    assert ">中文</a>" in html
    client.get("/lang/zh")
    assert "招标公告" in client.get("/").get_data(as_text=True)


def test_language_choice_survives_sign_in(client, world):
    _english(client)
    login(client, "agent")
    html = client.get("/agency/").get_data(as_text=True)
    assert "My tenders" in html or "Sign out" in html
    assert "退出" not in html


def test_unknown_language_is_not_found_and_keeps_chinese(client, world):
    assert client.get("/lang/fr").status_code == 404
    assert "招标公告" in client.get("/").get_data(as_text=True)


def test_next_never_leaves_the_site(client, world):
    response = client.get("/lang/en?next=//evil.example/")
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


ENGLISH_PAGES = {
    None: ("/", "/plans", "/tenders/{t}", "/login", "/register", "/records/verify"),
    "agent": ("/agency/", "/agency/tenders/{t}", "/agency/tenders/{d}", "/agency/tenders/{d}/edit",
              "/agency/tenders/new", "/agency/plans/new", "/tenders/{t}", "/account/signing"),
    "admin": ("/admin/organisations", "/admin/users", "/admin/certificates", "/account/signing"),
    "bidder1": ("/bidder/", "/tenders/{t}", "/account/signing"),
    "supervisor": ("/supervisor/", "/supervisor/tenders/{t}"),
}


def _untranslated(response, data: list[str]) -> list[str]:
    """Chinese left on a page once what people typed is taken out."""
    # The link back to Chinese is written in Chinese on purpose.
    html = re.sub(r"<script.*?</script>", "", response.get_data(as_text=True).replace(">中文</a>", ""), flags=re.S)
    for value in data:
        html = html.replace(value, "")
    return sorted(set(re.findall(CJK.pattern + "+", html)))


def _data_strings(session) -> list[str]:
    """What people typed (names, titles, regions): it stays in the language it was typed in."""
    from bidding.models import Section, Tender, TenderDocument
    from core.identity import Organisation, User

    values: set[str] = set()
    for column in (Organisation.name, Organisation.legal_representative, Organisation.contact_name,
                   Organisation.region, User.display_name, Tender.title, Tender.region, Tender.description,
                   Section.name, TenderDocument.title):
        values.update(v for v in session.scalars(select(column)) if v)
    return sorted(values, key=len, reverse=True)


def test_every_page_in_english_has_no_untranslated_chinese(client, app, world, session, clock):
    """With a sealed bid in: bidder1's page lists it; the draft's page offers the escrow holders."""
    from bidding import participation
    from tests.app.helpers import logout
    from tests.bidding.sealing import sealed, submit
    from tests.world import encryption_key, ensure_signing, published_tender, tender_input

    store = app.extensions["sealbid"].store
    tender = published_tender(session, clock, store, world)
    draft = tenders.create_tender(session, clock, world.agent, tender_input(world, clock, code="BJ-2026-EN"))
    clock.advance(timedelta(hours=2))
    participation.obtain_documents(session, clock, world.bidders[0], tender.id)
    ensure_signing(session, clock, world, "bidder1")
    encryption_key(session, clock, world, "bidder1")
    submit(session, clock, store, world, tender, sealed(session, world, tender))
    data = _data_strings(session)
    _english(client)
    problems = []
    for username, paths in ENGLISH_PAGES.items():
        if username:
            login(client, username)
        for path in paths:
            path = path.format(t=tender.id, d=draft.id)
            response = client.get(path)
            assert response.status_code == 200, path
            leftover = _untranslated(response, data)
            if leftover:
                problems.append(f"{username or 'anonymous'} {path}: untranslated {leftover}")
            title = re.search(r"<title>(.*?)</title>", response.get_data(as_text=True), re.S).group(1)
            if "<" in title:  # page content put into the title block is never shown
                problems.append(f"{username or 'anonymous'} {path}: markup in <title>: {title[:80]!r}")
        if username:
            logout(client)
    assert not problems, "\n".join(problems)


def test_signature_check_in_english(client, app, world, session, clock):
    from bidding import notices
    from signing import signed_records
    from tests.world import pdf_bytes, published_tender

    store = app.extensions["sealbid"].store
    tender = published_tender(session, clock, store, world)
    notice = signed_records.for_tender(session, tender.id, notices.KIND)[0]
    with store.open(notice.pdf_sha256) as f:
        signed = f.read()
    data = _data_strings(session)
    _english(client)
    response = post(client, "/records/verify", {"file": (io.BytesIO(signed), "notice.pdf")})
    assert response.status_code == 200
    assert "Verified: 1 valid signature(s)." in response.get_data(as_text=True)
    assert not _untranslated(response, data)
    response = post(client, "/records/verify", {"file": (io.BytesIO(pdf_bytes()), "plain.pdf")})
    assert response.status_code == 422
    assert "Verification failed." in response.get_data(as_text=True)
    assert not _untranslated(response, data)


def test_sealed_bid_refusals_in_english(client, app, world, session, clock):
    """Publishing without escrow, a bad public key, a bid that is not the caller's: refused in English."""
    from tests.world import ensure_signing, pdf_bytes, tender_input

    ensure_signing(session, clock, world)
    draft = tenders.create_tender(session, clock, world.agent, tender_input(world, clock, code="BJ-2026-EN"))
    tenders.add_document(session, clock, world.agent, app.extensions["sealbid"].store, draft.id,
                         tenders.Upload("招标文件", "doc.pdf", "application/pdf", io.BytesIO(pdf_bytes())), 10**6)
    token = issue_api_token(session, world.users["bidder1"], "test", clock)
    session.commit()
    _english(client)
    login(client, "agent")
    response = post(client, f"/agency/tenders/{draft.id}/publish", {"pin": "135790"},
                    form_page=f"/agency/tenders/{draft.id}")
    assert response.status_code == 409
    assert _flashes(response.get_data(as_text=True)) == ["This tender has no opening key holders yet."]
    response = post(client, "/account/encryption-key", {"public_key": "not base64!"}, form_page="/account/signing")
    assert response.status_code == 400
    assert _flashes(response.get_data(as_text=True)) == ["Please provide the public key in base64."]
    headers = {"Authorization": f"Bearer {token}"}
    response = client.get("/api/v1/bids/999999?lang=en", headers=headers)
    assert response.get_json() == {"error": {"code": "not_found", "message": "Bid not found."}}
    response = client.post("/api/v1/keys/encryption?lang=en", json={"public_key": "AAAA"}, headers=headers)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message == "The encryption public key is malformed (expected a 32-byte X25519 public key)."


def test_signing_refusals_in_english(client, app, world, session, clock):
    from tests.world import ensure_signing

    ensure_signing(session, clock, world)
    session.commit()
    _english(client)
    login(client, "bidder1")
    response = post(client, "/account/signing", {"pin": "123456", "pin_again": "654321"})
    assert response.status_code == 400
    assert _flashes(response.get_data(as_text=True)) == ["The two signing PINs do not match."]
    response = post(client, "/account/signing", {"pin": "123", "pin_again": "123"})
    assert response.status_code == 400
    assert _flashes(response.get_data(as_text=True)) == ["The signing PIN must have at least 6 characters."]


# --- refusals in the chosen language ------------------------------------------------------------


def test_wrong_password_in_chinese_by_default(client, world):
    response = post(client, "/login", {"username": "agent", "password": "wrong-password"})
    assert response.status_code == 401
    assert "用户名或密码不正确，或账户已停用。" in _flashes(response.get_data(as_text=True))


def test_wrong_password_in_english(client, world):
    _english(client)
    response = post(client, "/login", {"username": "agent", "password": "wrong-password"})
    assert response.status_code == 401
    flashes = _flashes(response.get_data(as_text=True))
    assert flashes == ["Incorrect username or password, or the account is deactivated."]


def test_csrf_refusal_in_english(client, world):
    _english(client)
    response = client.post("/login", data={"username": "agent", "password": "x"})
    assert response.status_code == 400
    assert "The form has expired or lacks its security token." in response.get_data(as_text=True)


def test_api_errors_are_json_in_chinese_by_default(client, world):
    response = client.get("/api/v1/tenders/999999")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "招标项目不存在。"}}


def test_api_errors_are_json_in_english(client, world):
    _english(client)
    response = client.get("/api/v1/tenders/999999")
    assert response.status_code == 404
    assert response.get_json() == {"error": {"code": "not_found", "message": "Tender not found."}}
    response = client.post("/api/v1/tenders", json={})
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "Missing or invalid access token."


def test_api_language_by_query_parameter(client, world):
    response = client.get("/api/v1/tenders/999999?lang=en")
    assert response.get_json()["error"]["message"] == "Tender not found."


def test_legal_rule_citation_is_translated(client, session, clock, world):
    token = issue_api_token(session, world.users["agent"], "test", clock)
    session.commit()
    data = tender_data(world, clock)
    data["bid_deadline"] = data["sale_start"] + timedelta(days=19)
    body = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
    response = client.post("/api/v1/tenders?lang=en", json=body, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "Tendering Law Art. 24" in message
    assert not CJK.search(message), message


def test_field_label_inside_a_message_is_translated(client, world):
    _english(client)
    login(client, "agent")
    response = post(client, "/agency/plans/new", {"title": "", "tenderee_org_id": str(world.tenderee_org_id),
                                                  "category": "works"})
    flashes = _flashes(response.get_data(as_text=True))
    assert flashes and not any(CJK.search(f) for f in flashes), flashes


def test_user_values_are_never_translated(client, world):
    _english(client)
    response = post(client, "/register", {
        "name": "某某建设有限公司", "credit_code": "", "legal_representative": "张三", "contact_name": "李四",
        "contact_phone": "010-12345678", "username": "newco", "display_name": "王五", "password": "long-password-1"})
    html = response.get_data(as_text=True)
    assert "Project-Id-Version" not in html


# --- the catalogue ------------------------------------------------------------------------------


def test_every_message_has_an_english_translation_with_the_same_placeholders():
    catalogue = _catalogue()
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id}")
        elif not message.string or not str(message.string).strip():
            problems.append(f"untranslated: {message.id}")
        elif _placeholders(message.id) != _placeholders(message.string):
            problems.append(f"placeholders differ: {message.id} -> {message.string}")
        elif CJK.search(message.string):
            problems.append(f"Chinese left in: {message.string}")
    assert not problems, "\n".join(problems)


def test_catalogue_covers_every_message_in_the_source():
    """New gettext()/_()/N_() ids must be extracted and translated (see babel.cfg for the commands)."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    extracted = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(str(ROOT), method_map, options_map, keywords={
            "_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "lazy_gettext": None})
    }
    translated = {m.id for m in _catalogue() if m.id and m.string and not m.fuzzy}
    missing = sorted(extracted - translated)
    assert not missing, "not in the English catalogue (re-extract and translate):\n" + "\n".join(missing)


def test_babel_cfg_reads_only_the_platform_packages():
    with (ROOT / "babel.cfg").open() as f:
        method_map, _ = parse_mapping_cfg(f)
    roots = {pattern.split("/", 1)[0] for pattern, _ in method_map}
    assert roots == {"app", "bidding", "core", "signing", "expert_pool"}
