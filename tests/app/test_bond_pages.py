"""投标保证金 through the pages: the bidder's bonds before the deadline, the agent's after it (contract, refund,
conversion, forfeiture, refunds due), and the platform operator's issuers and bank statements."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import serialization

from app.web import bonds as bond_pages
from bidding import bank_transfers, bids, bonds, opening, participation
from bidding.bond_models import Bond, BondPayment, GuaranteeIssuer
from bidding.models import Bid, Contract
from core.clock import to_shanghai
from core.errors import Unavailable
from signing import envelope
from tests.app.helpers import csrf, login, page_text, post
from tests.bidding.publicizing import open_and_notify
from tests.bidding.sealing import container, sealed, submit
from tests.bonding import (
    BASIC_ACCOUNTS,
    credit_code,
    guarantee_terms,
    issuer_keys,
    pem,
    register_issuer,
    set_basic_accounts,
    statement,
    statement_row,
)
from tests.world import SIGNING_PIN, encryption_key, ensure_signing, published_tender

AMOUNT = Decimal("200000.00")
# bidder 1 nearest the price benchmark of all three, bidder 2 when bidder 3 is not decrypted (equal other scores)
PRICES = {1: "9300000.00", 2: "9000000.00", 3: "9900000.00"}
CSRF_MESSAGE = "表单已过期或缺少安全令牌，请返回刷新页面后重试。"
HUGE = "99999999999999999999"


def _prepare(session, clock, world, tender) -> None:
    """The sale period has begun; the three bidders obtained the documents and hold keys and certificates."""
    clock.advance(timedelta(hours=2))
    for i, bidder in enumerate(world.bidders, start=1):
        participation.obtain_documents(session, clock, bidder, tender.id)
        ensure_signing(session, clock, world, f"bidder{i}")
        encryption_key(session, clock, world, f"bidder{i}")
    session.commit()


@pytest.fixture
def store(app):
    return app.extensions["sealbid"].store


@pytest.fixture
def tender(app, session, clock, world, store):
    t = published_tender(session, clock, store, world)
    _prepare(session, clock, world, t)
    return t


@pytest.fixture
def bank(session, clock, world):
    return register_issuer(session, clock, world)


def _page(tender) -> str:
    return f"/bidder/tenders/{tender.id}/bonds"


def _bond(session, tender, bidder: int, world) -> Bond | None:
    session.expire_all()
    return bonds.bond_for(session, tender.sections[0].id, world.bidders[bidder - 1].org_id)


# --- the bidder ----------------------------------------------------------------------------------------------


def test_bidder_page_shows_the_requirement_and_is_linked(client, tender):
    login(client, "bidder1")
    page = page_text(client.get(_page(tender)))
    assert "收取投标保证金" in page and "200,000.00" in page and "现金转账" in page and "银行保函" in page
    assert "尚未提交" in page and "尚未登记" in page
    assert _page(tender) in page_text(client.get(f"/tenders/{tender.id}"))
    dashboard = page_text(client.get("/bidder/"))
    assert _page(tender) in dashboard and "/bidder/basic-account" in dashboard


def test_cash_needs_the_basic_account_then_shows_the_sub_account(client, session, world, tender):
    login(client, "bidder1")
    refused = post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/cash", form_page=_page(tender))
    assert refused.status_code == 400 and "请先登记贵单位的基本账户" in page_text(refused) and "条例第26条" in page_text(refused)
    bad = post(client, "/bidder/basic-account", {"bank_name": "工商银行", "account_no": "12ab", "tender_id": tender.id},
               form_page=_page(tender))
    assert bad.status_code == 400 and "银行账号应为 6 到 32 位数字" in page_text(bad) and "收取投标保证金" in page_text(bad)
    saved = post(client, "/bidder/basic-account", {"bank_name": "中国工商银行杭州分行", "account_no": BASIC_ACCOUNTS[1],
                                                    "tender_id": str(tender.id)}, form_page=_page(tender))
    assert saved.status_code == 302 and saved.headers["Location"].endswith(_page(tender))
    chosen = post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/cash", form_page=_page(tender))
    assert chosen.status_code == 302
    bond = _bond(session, tender, 1, world)
    assert (bond.form, bond.status) == ("cash", "awaiting_payment")
    page = page_text(client.get(_page(tender)))
    assert bond.virtual_account in page and "收款子账号" in page and BASIC_ACCOUNTS[1] in page
    assert "待缴纳" in page and "200,000.00" in page and "投标截止时间" in page


def test_basic_account_page_from_the_dashboard(client, session, world):
    login(client, "bidder2")
    assert "尚未登记基本账户" in page_text(client.get("/bidder/basic-account"))
    response = post(client, "/bidder/basic-account", {"bank_name": "中国银行", "account_no": "6217 0000 1234 5678"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/bidder/basic-account")
    assert "6217000012345678" in page_text(client.get("/bidder/basic-account"))
    assert post(client, "/bidder/basic-account", {"bank_name": "", "account_no": "6217000012345678"}).status_code == 400


def test_guarantee_upload_is_verified_and_shown(client, session, world, tender, bank):
    login(client, "bidder1")
    document = bank.sign(guarantee_terms(session, world, tender, bank))
    response = post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/guarantee",
                    {"file": (io.BytesIO(document), "保函.json")}, form_page=_page(tender))
    assert response.status_code == 302
    bond = _bond(session, tender, 1, world)
    assert (bond.form, bond.status) == ("bank_guarantee", "verified")
    page = page_text(client.get(_page(tender)))
    assert bond.guarantee_number in page and "杭州银行股份有限公司" in page and "保函已核验" in page
    assert f"/bidder/tenders/{tender.id}/bonds/{bond.id}/check" in page
    again = post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/guarantee",
                 {"file": (io.BytesIO(document), "保函.json")}, form_page=_page(tender))
    assert again.status_code == 409


@pytest.mark.parametrize(("upload", "status", "message"), [
    (None, 400, "请选择出函机构出具的电子保函文件"),
    ((b"{}", "保函.txt"), 400, "请选择出函机构出具的电子保函文件"),
    ((b" " * (256 * 1024 + 1), "big.json"), 400, "电子保函文件不能超过 256 KB"),
    ((b"not json at all", "bad.json"), 400, "这不是有效的电子保函文件"),
    ((json.dumps({"format": "sealbid-guarantee/1", "terms": {}, "signature": "!!"}).encode(), "x.json"), 400,
     "这不是有效的电子保函文件"),
])
def test_bad_guarantee_files_are_refused_with_the_reason(client, session, tender, upload, status, message):
    login(client, "bidder1")
    data = {"file": (io.BytesIO(upload[0]), upload[1])} if upload else {}
    response = post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/guarantee", data, form_page=_page(tender))
    assert response.status_code == status and message in page_text(response)
    assert session.query(Bond).count() == 0


def test_guarantee_that_does_not_cover_the_section_shows_the_rule(client, session, world, tender, bank):
    login(client, "bidder1")
    document = bank.sign(guarantee_terms(session, world, tender, bank, amount="1000.00"))
    response = post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/guarantee",
                    {"file": (io.BytesIO(document), "保函.json")}, form_page=_page(tender))
    assert response.status_code == 422 and "低于本标段要求的投标保证金" in page_text(response)


def test_nothing_is_accepted_after_the_deadline(client, session, clock, world, tender, bank):
    set_basic_accounts(session, clock, world)
    login(client, "bidder1")
    token = csrf(client, _page(tender))
    clock.set(tender.bid_deadline)
    page = page_text(client.get(_page(tender)))
    assert "投标截止时间已过" in page and "提交电子保函" not in page
    document = bank.sign(guarantee_terms(session, world, tender, bank))
    late = client.post(f"/bidder/tenders/{tender.id}/sections/1/bond/guarantee",
                       data={"csrf_token": token, "file": (io.BytesIO(document), "保函.json")})
    assert late.status_code == 422 and "投标截止时间已过，不能再提交投标保证金" in page_text(late)
    cash = client.post(f"/bidder/tenders/{tender.id}/sections/1/bond/cash", data={"csrf_token": token})
    assert cash.status_code == 422


def test_credit_commitment_is_signed_with_the_pin(client, app, session, clock, world, store):
    t = published_tender(session, clock, store, world, code="BJ-2026-020", sections=[
        {"name": "一标段", "estimated_price": "1000000.00", "bond_policy": "waived_credit_commitment",
         "bond_waiver_basis": "政府投资项目以信用承诺替代投标保证金"}])
    _prepare(session, clock, world, t)
    login(client, "bidder1")
    page = page_text(client.get(_page(t)))
    assert "以信用承诺替代" in page and "政府投资项目以信用承诺替代投标保证金" in page and bonds.COMMITMENT_TEXT in page
    wrong = post(client, f"/bidder/tenders/{t.id}/sections/1/bond/commitment", {"pin": "000000"}, form_page=_page(t))
    assert wrong.status_code == 401 and "签名口令不正确" in page_text(wrong)
    signed = post(client, f"/bidder/tenders/{t.id}/sections/1/bond/commitment", {"pin": SIGNING_PIN},
                  form_page=_page(t))
    assert signed.status_code == 302
    bond = _bond(session, t, 1, world)
    assert (bond.form, bond.status) == ("credit_commitment", "committed")
    page = page_text(client.get(_page(t)))
    assert f"/records/{bond.record_id}.pdf" in page and "已签署信用承诺" in page
    pdf = client.get(f"/records/{bond.record_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    twice = post(client, f"/bidder/tenders/{t.id}/sections/1/bond/commitment", {"pin": SIGNING_PIN}, form_page=_page(t))
    assert twice.status_code in (409, 422)
    # a section that takes a bond has no commitment to sign
    assert post(client, f"/bidder/tenders/{t.id}/sections/1/bond/cash", form_page=_page(t)).status_code in (400, 422)


def test_wrong_pin_in_english(client, session, clock, world, store):
    t = published_tender(session, clock, store, world, code="BJ-2026-021", sections=[
        {"name": "一标段", "estimated_price": "1000000.00", "bond_policy": "waived_credit_commitment",
         "bond_waiver_basis": "政府投资项目以信用承诺替代投标保证金"}])
    _prepare(session, clock, world, t)
    client.get("/lang/en")
    login(client, "bidder1")
    wrong = post(client, f"/bidder/tenders/{t.id}/sections/1/bond/commitment", {"pin": "000000"}, form_page=_page(t))
    assert wrong.status_code == 401 and "Incorrect signing PIN." in page_text(wrong)


class _Adapter:
    def __init__(self, status: str | None) -> None:
        self.status = status

    def ask(self, issuer, action, number):
        if self.status is None:
            raise Unavailable(bond_pages.N_("出函机构 %(issuer)s 的接口暂时无法访问，请稍后再试。"), issuer=issuer.name)
        return self.status


def test_asking_the_issuer(client, session, world, tender, bank, monkeypatch):
    login(client, "bidder1")
    post(client, f"/bidder/tenders/{tender.id}/sections/1/bond/guarantee",
         {"file": (io.BytesIO(bank.sign(guarantee_terms(session, world, tender, bank))), "g.json")},
         form_page=_page(tender))
    bond = _bond(session, tender, 1, world)
    check = f"/bidder/tenders/{tender.id}/bonds/{bond.id}/check"
    # the issuer registered no endpoint: the real adapter says so (503, with the message on the page)
    unavailable = post(client, check, form_page=_page(tender))
    assert unavailable.status_code == 503 and "未登记核验接口" in page_text(unavailable)
    monkeypatch.setattr(bond_pages, "issuer_adapter", lambda: _Adapter(None))
    assert "暂时无法访问" in page_text(post(client, check, form_page=_page(tender)))
    monkeypatch.setattr(bond_pages, "issuer_adapter", lambda: _Adapter("valid"))
    valid = post(client, check, form_page=_page(tender), follow_redirects=True)
    assert valid.status_code == 200 and "有效" in page_text(valid) and bond.guarantee_number in page_text(valid)
    monkeypatch.setattr(bond_pages, "issuer_adapter", lambda: _Adapter("cancelled"))
    cancelled = post(client, check, form_page=_page(tender), follow_redirects=True)
    assert "已被撤销" in page_text(cancelled) and "保函已被出函机构撤销" in page_text(cancelled)
    assert _bond(session, tender, 1, world).status == "cancelled"
    # another bidder cannot ask about it, and the bond must be of the tender in the address
    login(client, "bidder2")
    assert post(client, check, form_page=_page(tender)).status_code == 404


def test_unknown_tenders_sections_and_bonds_are_not_found(client, tender):
    login(client, "bidder1")
    for path in ("/bidder/tenders/424242/bonds", f"/bidder/tenders/{HUGE}/bonds"):
        assert client.get(path).status_code == 404
    for path in (f"/bidder/tenders/{tender.id}/sections/9/bond/cash", f"/bidder/tenders/{tender.id}/sections/{HUGE}/bond/cash",
                 f"/bidder/tenders/{HUGE}/sections/1/bond/cash", f"/bidder/tenders/{tender.id}/bonds/{HUGE}/check",
                 f"/bidder/tenders/{tender.id}/bonds/424242/check"):
        assert post(client, path, form_page=_page(tender)).status_code == 404, path
    assert post(client, "/bidder/basic-account", {"bank_name": "中国银行", "account_no": "x", "tender_id": HUGE},
                form_page=_page(tender)).status_code == 400


def test_posts_without_the_form_token_are_refused(client, tender):
    login(client, "bidder1")
    for path in (f"/bidder/tenders/{tender.id}/sections/1/bond/cash", "/bidder/basic-account", "/admin/bank",
                 f"/agency/tenders/{tender.id}/sections/1/contract"):
        response = client.post(path, data={"bank_name": "中国银行"})
        assert response.status_code == 400 and CSRF_MESSAGE in page_text(response), path


def test_who_may_open_which_page(client, tender):
    pages = {"/bidder/basic-account": "bidder1", _page(tender): "bidder1", f"/agency/tenders/{tender.id}/bonds": "agent",
             "/admin/issuers": "admin", "/admin/bank": "admin"}
    for path in pages:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for username in ("bidder1", "agent", "admin", "expert"):
        login(client, username)
        for path, allowed in pages.items():
            assert client.get(path).status_code == (200 if allowed == username else 403), (username, path)
    login(client, "agent2")
    assert client.get(f"/agency/tenders/{tender.id}/bonds").status_code == 403
    login(client, "bidder1")
    for path in ("/admin/bank", "/admin/issuers", f"/agency/tenders/{tender.id}/sections/1/contract",
                 f"/agency/tenders/{tender.id}/bonds/1/refund"):
        assert post(client, path, {"reason": "x"}, form_page=_page(tender)).status_code == 403, path


# --- the agent and the tenderee ------------------------------------------------------------------------------


@pytest.fixture
def bonded(session, clock, world, tender, bank, store):
    """Bidder 1 gave a bank guarantee, bidders 2 and 3 paid cash; all three bid."""
    set_basic_accounts(session, clock, world)
    bonds.submit_guarantee(session, clock, world.bidders[0], store, tender.id, 1,
                           bank.sign(guarantee_terms(session, world, tender, bank)))
    cash = [bonds.choose_cash(session, clock, world.bidders[n], tender.id, 1) for n in (1, 2)]
    bank_transfers.import_statement(session, clock, world.admin, statement(
        statement_row("S2", clock.now(), "投标公司2", BASIC_ACCOUNTS[2], cash[0].virtual_account, AMOUNT),
        statement_row("S3", clock.now(), "投标公司3", BASIC_ACCOUNTS[3], cash[1].virtual_account, AMOUNT)))
    placed = {}
    for number in (1, 2, 3):
        data = sealed(session, world, tender, number,
                      plaintext=container({"price": PRICES[number], "duration_days": 365}, {"技术标.pdf": b"%PDF" * 50}))
        submission, _ = submit(session, clock, store, world, tender, data, number)
        placed[number] = (session.get(Bid, submission.bid_id), data)
    session.commit()
    return cash, placed


def _open_all(session, clock, store, world, tender, placed, decrypt=(1, 2, 3)) -> None:
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, timedelta(minutes=30))
    for number in decrypt:
        bid, data = placed[number]
        key = envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(data)), world.encryption_keys[f"bidder{number}"])
        opening.decrypt_own_bid(session, clock, world.bidders[number - 1], store, bid.id, key)
    clock.advance(timedelta(minutes=31))
    opening.close_decryption_windows(session, clock)
    for number in set(placed) - set(decrypt):
        opening.record_failure(session, clock, world.agent, placed[number][0].id, "bidder", "投标人未在解密期内解密")
    opening.finish_opening(session, clock, world.agent, tender.id)
    session.commit()


def _agency(tender) -> str:
    return f"/agency/tenders/{tender.id}/bonds"


def _contract(client, tender, clock, winner_org_id, **changes):
    data = {"winner_org_id": str(winner_org_id), "price": "9,300,000.00",
            "signed_at": to_shanghai(clock.now() - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
            "performance_bond": "900000.00", **changes}
    return post(client, f"/agency/tenders/{tender.id}/sections/1/contract", data, form_page=_agency(tender))


def test_bonds_stay_secret_before_the_deadline(client, tender, bonded):
    login(client, "agent")
    page = page_text(client.get(_agency(tender)))
    assert "法第22条" in page and "投标公司2" not in page and "暂无保证金记录" in page
    assert _agency(tender) in page_text(client.get(f"/agency/tenders/{tender.id}"))


def test_agent_sees_every_bond_records_the_contract_and_refunds(client, session, clock, world, tender, bonded, store):
    cash, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    found = open_and_notify(session, clock, store, world, tender)  # the contract follows the award notice (法第46条)
    assert found.winner_org_id == world.bidders[0].org_id  # the price nearest the benchmark, with equal scores
    login(client, "agent")
    page = page_text(client.get(_agency(tender)))
    for text in ("投标公司1", "投标公司2", "投标公司3", "银行保函", "现金转账", "保函已核验", "已缴纳", BASIC_ACCOUNTS[2],
                 "杭州银行股份有限公司", "登记合同"):
        assert text in page, text
    assert f"/agency/tenders/{tender.id}/bonds/{cash[0].id}/refund" not in page  # not before the contract
    org1 = world.bidders[0].org_id
    assert _contract(client, tender, clock, org1, price="abc").status_code == 400
    assert _contract(client, tender, clock, org1, price="NaN").status_code == 400
    assert _contract(client, tender, clock, org1, price="1e999").status_code == 400
    assert _contract(client, tender, clock, org1, performance_bond="-1").status_code == 400
    assert _contract(client, tender, clock, org1, price="0").status_code == 400
    assert _contract(client, tender, clock, org1, signed_at="yesterday").status_code == 400
    assert _contract(client, tender, clock, org1, signed_at="99999-01-01T00:00").status_code == 400
    assert _contract(client, tender, clock, "", ).status_code == 400
    assert _contract(client, tender, clock, HUGE).status_code == 400
    too_big = _contract(client, tender, clock, org1, performance_bond="930000.01")
    assert too_big.status_code == 422 and "条例第58条" in page_text(too_big)
    future = _contract(client, tender, clock, org1,
                       signed_at=to_shanghai(clock.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    assert future.status_code == 400 and "合同签订时间应在中标通知书发出之后" in page_text(future)
    other_price = _contract(client, tender, clock, org1, price="9,000,000.00")
    assert other_price.status_code == 422 and "条例第57条" in page_text(other_price)
    assert _contract(client, tender, clock, org1).status_code == 302
    assert session.query(Contract).count() == 1
    assert _contract(client, tender, clock, org1).status_code == 409
    # the winner's bond is a guarantee, released; the others' cash is due back within 5 days
    dashboard = page_text(client.get("/agency/"))
    assert "待退还的现金保证金" in dashboard and "投标公司2" in dashboard and "投标公司3" in dashboard
    page = page_text(client.get(_agency(tender)))
    assert "已释放" in page and "利息" in page
    refund = f"/agency/tenders/{tender.id}/bonds/{cash[0].id}/refund"
    assert post(client, refund, {"reference": " "}, form_page=_agency(tender)).status_code == 400
    convert = post(client, f"/agency/tenders/{tender.id}/bonds/{cash[0].id}/convert", form_page=_agency(tender))
    assert convert.status_code == 409 and "中标人" in page_text(convert)
    clock.advance(timedelta(days=6))
    assert "已逾期" in page_text(client.get(_agency(tender))) and "已逾期" in page_text(client.get("/agency/"))
    done = post(client, refund, {"reference": "RF20260401"}, form_page=_agency(tender), follow_redirects=True)
    assert done.status_code == 200 and "已登记退还" in page_text(done)
    session.expire_all()
    bond = session.get(Bond, cash[0].id)
    assert bond.status == "refunded" and bond.interest > 0 and bond.release_reference == "RF20260401"
    assert post(client, refund, {"reference": "RF2"}, form_page=_agency(tender)).status_code == 409
    # the tenderee sees the same refunds due; the other bond stays listed until refunded
    login(client, "tenderee")
    dashboard = page_text(client.get("/agency/"))
    assert "投标公司3" in dashboard and "RF20260401" not in dashboard


def test_winner_converts_and_a_revoked_bid_forfeits(client, session, clock, world, tender, bonded, store):
    cash, placed = bonded
    _open_all(session, clock, store, world, tender, placed, decrypt=(1, 2))
    found = open_and_notify(session, clock, store, world, tender)
    assert found.winner_org_id == world.bidders[1].org_id  # of the two decrypted bids, the one nearer the benchmark
    login(client, "tenderee")
    page = page_text(client.get(_agency(tender)))
    assert f"/agency/tenders/{tender.id}/bonds/{cash[1].id}/forfeit" in page  # bidder 3 failed by its own fault
    assert _contract(client, tender, clock, world.bidders[2].org_id).status_code == 400  # not decrypted
    wrong = _contract(client, tender, clock, world.bidders[0].org_id)  # not the notice's winner
    assert wrong.status_code == 422 and "法第46条" in page_text(wrong)
    assert _contract(client, tender, clock, world.bidders[1].org_id, price="9,000,000.00").status_code == 302
    converted = post(client, f"/agency/tenders/{tender.id}/bonds/{cash[0].id}/convert", form_page=_agency(tender))
    assert converted.status_code == 302
    forfeit = f"/agency/tenders/{tender.id}/bonds/{cash[1].id}/forfeit"
    assert post(client, forfeit, {"reason": ""}, form_page=_agency(tender)).status_code == 400
    assert post(client, forfeit, {"reason": "投标截止后撤销投标"}, form_page=_agency(tender)).status_code == 302
    session.expire_all()
    assert session.get(Bond, cash[0].id).status == "converted" and session.get(Bond, cash[1].id).status == "forfeited"
    guarantee = _bond(session, tender, 1, world)
    refused = post(client, f"/agency/tenders/{tender.id}/bonds/{guarantee.id}/forfeit", {"reason": "想扣"},
                   form_page=_agency(tender))
    assert refused.status_code == 422 and "条例第35条" in page_text(refused)
    # a bond named under another tender's address, or none at all
    assert post(client, f"/agency/tenders/424242/bonds/{cash[1].id}/refund", {"reference": "RF9"},
                form_page=_agency(tender)).status_code == 404
    assert post(client, f"/agency/tenders/{tender.id}/bonds/{HUGE}/refund", {"reference": "RF9"},
                form_page=_agency(tender)).status_code == 404


# --- the platform operator -----------------------------------------------------------------------------------


def test_admin_registers_and_revokes_an_issuer(client, session, clock, world):
    login(client, "admin")
    cert, _ = issuer_keys(clock, "浙商银行股份有限公司")
    form = {"name": "浙商银行股份有限公司", "credit_code": credit_code(8), "kind": "bank", "api_url": ""}
    missing = post(client, "/admin/issuers", form)
    assert missing.status_code == 400 and "请上传出函机构签署保函所用的证书文件" in page_text(missing)
    garbage = post(client, "/admin/issuers", {**form, "certificate": (io.BytesIO(b"nope"), "c.pem")})
    assert garbage.status_code == 400 and "证书文件无法读取" in page_text(garbage)
    large = post(client, "/admin/issuers", {**form, "certificate": (io.BytesIO(b"0" * (65 * 1024)), "c.pem")})
    assert large.status_code == 400 and "证书文件不能超过 64 KB" in page_text(large)
    bad_code = post(client, "/admin/issuers", {**form, "credit_code": "913301000000000001",
                                               "certificate": (io.BytesIO(pem(cert)), "c.pem")})
    assert bad_code.status_code == 400 and "统一社会信用代码不正确" in page_text(bad_code)
    der = cert.public_bytes(serialization.Encoding.DER)
    done = post(client, "/admin/issuers", {**form, "certificate": (io.BytesIO(der), "c.der")}, follow_redirects=True)
    assert done.status_code == 200 and "浙商银行股份有限公司" in page_text(done) and "已登记" in page_text(done)
    again = post(client, "/admin/issuers", {**form, "certificate": (io.BytesIO(pem(cert)), "c.pem")})
    assert again.status_code == 409
    issuer = session.query(GuaranteeIssuer).one()
    revoke = f"/admin/issuers/{issuer.id}/revoke"
    assert post(client, revoke, {"reason": ""}, form_page="/admin/issuers").status_code == 400
    assert post(client, revoke, {"reason": "私钥泄露"}, form_page="/admin/issuers").status_code == 302
    assert post(client, revoke, {"reason": "私钥泄露"}, form_page="/admin/issuers").status_code == 409
    assert "私钥泄露" in page_text(client.get("/admin/issuers"))
    for missing_id in ("424242", HUGE):
        assert post(client, f"/admin/issuers/{missing_id}/revoke", {"reason": "私钥泄露"},
                    form_page="/admin/issuers").status_code == 404


def test_admin_imports_the_bank_statement(client, session, clock, world, tender):
    set_basic_accounts(session, clock, world)
    first = bonds.choose_cash(session, clock, world.bidders[0], tender.id, 1)
    second = bonds.choose_cash(session, clock, world.bidders[1], tender.id, 1)
    session.commit()
    data = statement(
        statement_row("S1", clock.now(), "投标公司1", BASIC_ACCOUNTS[1], first.virtual_account, AMOUNT),
        statement_row("S2", clock.now(), "某某个人", "6222999988887777", second.virtual_account, AMOUNT),
        "S3,昨天,投标公司3,6222020200112233443,中国工商银行,800000010000003,100.00,投标保证金",
    )
    login(client, "admin")
    assert "暂无到账记录" in page_text(client.get("/admin/bank"))
    result = post(client, "/admin/bank", {"file": (io.BytesIO(data), "statement.csv")})
    page = page_text(result)
    assert result.status_code == 200
    assert "计入保证金 1 笔，拒收 1 笔，已导入过而跳过 0 笔，无法识别 1 行" in page
    assert "非投标人基本账户转出（条例第26条）" in page and "第 4 行" in page and "昨天" in page
    again = page_text(post(client, "/admin/bank", {"file": (io.BytesIO(data), "statement.csv")}))
    assert "已导入过而跳过 2 笔" in again
    assert session.query(BondPayment).count() == 2 and _bond(session, tender, 1, world).status == "paid"
    assert re.search(r"S1</td>", page_text(client.get("/admin/bank")))
    missing = post(client, "/admin/bank", {})
    assert missing.status_code == 400 and "请选择银行导出的对账单文件" in page_text(missing)
    wrong = post(client, "/admin/bank", {"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
    assert wrong.status_code == 400 and "对账单缺少列" in page_text(wrong)
    binary = post(client, "/admin/bank", {"file": (io.BytesIO(bytes(range(256)) * 4), "x.csv")})
    assert binary.status_code == 400 and "NUL" in page_text(binary)
    gbk = post(client, "/admin/bank", {"file": (io.BytesIO(statement(
        statement_row("S7", clock.now(), "投标公司3", BASIC_ACCOUNTS[3], "800000019999999", AMOUNT), encoding="gbk")),
        "gbk.csv")})
    assert gbk.status_code == 200 and "收款子账号不对应任何保证金" in page_text(gbk)
    assert client.post("/admin/bank", data={"csrf_token": csrf(client, "/admin/bank")}).status_code == 400


# --- nobody gets a 5xx -----------------------------------------------------------------------------------------


BOND_ENDPOINTS = ("bonds.", "api_v1.list_bonds", "api_v1.choose_cash", "api_v1.submit_guarantee", "api_v1.sign_commitment",
                  "api_v1.set_basic_account", "api_v1.post_transfers", "api_v1.post_statement")


def test_no_bond_route_answers_anyone_with_a_server_error(app, client, session, clock, world, tender, bonded, store):
    from core.identity import issue_api_token

    _open_all(session, clock, store, world, tender, bonded[1], decrypt=(1, 2))
    bond_id = bonded[0][0].id
    values = {"tender_id": tender.id, "section": 1, "bond_id": bond_id, "issuer_id": 1}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith(BOND_ENDPOINTS)]
    assert len(rules) >= 20
    for username in (None, "bidder1", "bidder2", "agent", "agent2", "tenderee", "expert", "supervisor", "admin"):
        headers = {}
        if username:
            login(client, username)
            token = issue_api_token(session, world.users[username], "sweep", clock)
            session.commit()
            headers = {"Authorization": f"Bearer {token}"}
        for rule in rules:
            path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if path.startswith("/api/"):
                    response = client.open(path, method=method, headers=headers, data=b"[]",
                                           content_type="application/json")
                else:
                    data = {"csrf_token": csrf(client)} if method == "POST" else None
                    response = client.open(path, method=method, data=data)
                assert response.status_code < 500, (username, method, path, response.status_code)
