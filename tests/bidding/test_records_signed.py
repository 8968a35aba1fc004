"""The first signed records: the tender notice (signed by the agent) and the bid receipt (by the platform)."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from bidding import receipts, tenders
from bidding.notices import KIND as NOTICE
from core.actor import Actor
from core.errors import AuthenticationFailed
from signing import pki, signed_records
from signing.verify import verify_pdf
from tests.tools import nss_database, pdfsig, require_tool
from tests.world import SIGNING, draft_with_escrow, published_tender, signing


def test_publishing_signs_the_notice_with_the_agents_key(session, clock, store, world, tmp_path):
    tender = published_tender(session, clock, store, world)
    [notice] = signed_records.for_tender(session, tender.id, NOTICE)
    pdf = store.open(notice.pdf_sha256).read()
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok
    assert "agent" in check.signatures[0].signer
    path = tmp_path / "notice.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([require_tool("pdftotext"), "-raw", str(path), "-"], capture_output=True, text=True).stdout
    assert tender.title in text and tender.code in text
    assert tender.documents[0].sha256[:16] in text.replace("\n", "")
    report = pdfsig(path, nss_database(tmp_path / "nss", pki.ca(session).pem))
    assert "Signature is Valid." in report and "Certificate is Trusted." in report


def SETTINGS_CRL(session, clock):
    return SIGNING


def test_wrong_pin_publishes_nothing(session, clock, store, world):
    tender = draft_with_escrow(session, clock, store, world)
    session.commit()
    with pytest.raises(AuthenticationFailed):
        tenders.publish_tender(session, clock, world.agent, tender.id, signing(store, pin="wrong-pin"))
    session.rollback()
    session.refresh(tender)
    assert tender.status == "draft"
    assert signed_records.for_tender(session, tender.id) == []


def test_bid_receipt_is_signed_by_the_platform(session, clock, store, world):
    tender = published_tender(session, clock, store, world)
    facts = receipts.ReceiptFacts(
        tender_id=tender.id, tender_code=tender.code, tender_title=tender.title, section="第 1 标段 一标段",
        bidder_name="投标公司1", bidder_credit_code="91330100MA00000110", ciphertext_sha256="ab" * 32,
        size=1_048_576, received_at=clock.now() + timedelta(days=3), ledger_seq=42, bid_id=7)
    record = receipts.issue_receipt(session, clock, Actor.system(), SIGNING, store, facts)
    pdf = store.open(record.pdf_sha256).read()
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and "电子签章" in check.signatures[0].signer
    assert record.kind == "bid_receipt" and record.subject_id == 7
