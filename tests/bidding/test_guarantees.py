"""Electronic guarantees (电子保函): accepted only when the registered issuer signed terms that cover this bid."""

from __future__ import annotations

import base64
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar

import pytest

from bidding import bonds, guarantees, rules
from bidding.bond_models import Bond
from core.clock import to_shanghai
from core.errors import Conflict, DeadlinePassed, InvalidInput, RuleViolation, Unavailable
from signing import ledger
from tests.bonding import credit_code, guarantee_terms, issuer_keys, pem, register_issuer


@pytest.fixture
def bank(session, clock, world):
    return register_issuer(session, clock, world)


def submit(session, clock, store, world, tender, document: bytes, bidder: int = 1) -> Bond:
    bond = bonds.submit_guarantee(session, clock, world.bidders[bidder - 1], store, tender.id, 1, document)
    session.commit()
    return bond


def test_guarantee_signed_by_the_registered_issuer_is_verified(session, clock, store, world, tender, bank):
    bond = submit(session, clock, store, world, tender, bank.sign(guarantee_terms(session, world, tender, bank)))
    assert (bond.form, bond.status, bond.amount) == ("bank_guarantee", "verified", tender.sections[0].bond_amount)
    assert bond.issuer_id == bank.row.id and store.open(bond.document_sha256).read().startswith(b"{")
    state = bonds.bond_state(tender.sections[0], bond)
    assert not state.missing and bond.guarantee_number in state.text
    assert ledger.verify(session).ok


def test_insurance_guarantee_from_a_registered_insurer_is_verified(session, clock, store, world, tender):
    insurer = register_issuer(session, clock, world, kind="insurer", n=2, name="中国人民财产保险股份有限公司")
    bond = submit(session, clock, store, world, tender, insurer.sign(guarantee_terms(session, world, tender, insurer)))
    assert bond.form == "insurance_guarantee"


def test_guarantee_signed_by_an_unknown_issuer_is_refused(session, clock, store, world, tender, bank):
    cert, key = issuer_keys(clock, "冒名银行")
    document = guarantees.issue_document(guarantee_terms(session, world, tender, bank), cert, key)
    with pytest.raises(InvalidInput, match="不属于任何在本平台登记的出函机构"):
        submit(session, clock, store, world, tender, document)
    assert session.query(Bond).count() == 0


def test_guarantee_of_a_revoked_issuer_certificate_is_refused(session, clock, store, world, tender, bank):
    document = bank.sign(guarantee_terms(session, world, tender, bank))
    guarantees.revoke_issuer(session, clock, world.admin, bank.row.id, "私钥泄露")
    session.commit()
    with pytest.raises(InvalidInput, match="注销"):
        submit(session, clock, store, world, tender, document)


def test_altered_guarantee_is_refused(session, clock, store, world, tender, bank):
    data = json.loads(bank.sign(guarantee_terms(session, world, tender, bank)))
    data["terms"]["amount"] = "999999999.00"
    with pytest.raises(InvalidInput, match="签名与内容不符"):
        submit(session, clock, store, world, tender, json.dumps(data).encode())


@pytest.mark.parametrize("document", [b"", b"garbage", b'{"format": "sealbid-guarantee/1", "terms": {}, "signature": "!!"}',
                                      json.dumps({"format": "x", "terms": {}, "signature": ""}).encode(),
                                      b"\xff\xfe" * 10, b"{" * (300 * 1024)])
def test_what_is_not_a_guarantee_file_is_refused(session, clock, store, world, tender, bank, document):
    with pytest.raises(InvalidInput, match="不是有效的电子保函文件"):
        submit(session, clock, store, world, tender, document)


def test_signature_over_other_bytes_is_refused(session, clock, store, world, tender, bank):
    good = json.loads(bank.sign(guarantee_terms(session, world, tender, bank)))
    other = json.loads(bank.sign(guarantee_terms(session, world, tender, bank, number="BH-OTHER-1")))
    good["signature"] = other["signature"]
    with pytest.raises(InvalidInput, match="签名与内容不符"):
        submit(session, clock, store, world, tender, json.dumps(good).encode())


def test_guarantee_for_another_tender_is_refused(session, clock, store, world, tender, bank):
    terms = guarantee_terms(session, world, tender, bank, tender_code="OTHER-2026-9")
    with pytest.raises(InvalidInput, match="其他项目或标段"):
        submit(session, clock, store, world, tender, bank.sign(terms))


def test_guarantee_for_another_bidder_or_beneficiary_is_refused(session, clock, store, world, tender, bank):
    with pytest.raises(InvalidInput, match="申请人"):
        submit(session, clock, store, world, tender, bank.sign(guarantee_terms(session, world, tender, bank, bidder=2)))
    terms = guarantee_terms(session, world, tender, bank, beneficiary_credit_code=credit_code(77))
    with pytest.raises(InvalidInput, match="受益人"):
        submit(session, clock, store, world, tender, bank.sign(terms))


def test_too_small_guarantee_is_refused(session, clock, store, world, tender, bank):
    terms = guarantee_terms(session, world, tender, bank, amount="199999.99")
    with pytest.raises(RuleViolation, match="低于本标段要求"):
        submit(session, clock, store, world, tender, bank.sign(terms))


def test_guarantee_expiring_before_the_bid_validity_ends_is_refused(session, clock, store, world, tender, bank):
    terms = guarantee_terms(session, world, tender, bank)
    end = rules.bid_validity_end(tender.bid_deadline, tender.bid_validity_days)
    terms["valid_until"] = (to_shanghai(end).date() - timedelta(days=1)).isoformat()
    with pytest.raises(RuleViolation) as refused:
        submit(session, clock, store, world, tender, bank.sign(terms))
    assert refused.value.rule == "条例第26条"
    terms["valid_until"] = to_shanghai(end).date().isoformat()
    assert submit(session, clock, store, world, tender, bank.sign(terms)).status == "verified"


def test_one_guarantee_cannot_serve_twice(session, clock, store, world, tender, bank):
    document = bank.sign(guarantee_terms(session, world, tender, bank))
    submit(session, clock, store, world, tender, document)
    with pytest.raises(Conflict):
        submit(session, clock, store, world, tender, document)


def test_a_bank_cannot_issue_an_insurance_guarantee(session, clock, store, world, tender, bank):
    terms = guarantee_terms(session, world, tender, bank, kind="insurance_guarantee")
    with pytest.raises(InvalidInput, match="不能出具这种保函"):
        submit(session, clock, store, world, tender, bank.sign(terms))


def test_guarantee_after_the_deadline_is_refused(session, clock, store, world, tender, bank):
    document = bank.sign(guarantee_terms(session, world, tender, bank))
    clock.set(tender.bid_deadline)
    with pytest.raises(DeadlinePassed):
        submit(session, clock, store, world, tender, document)


def test_issuer_registration_refuses_bad_certificates_and_codes(session, clock, world, bank):
    cert, _ = issuer_keys(clock, "某银行")
    with pytest.raises(InvalidInput):
        guarantees.register_issuer(session, clock, world.admin, name="某银行", credit_code="913301000000000001",
                                   kind="bank", certificate=pem(cert))
    with pytest.raises(InvalidInput):
        guarantees.register_issuer(session, clock, world.admin, name="某银行", credit_code=credit_code(5), kind="bank",
                                   certificate=b"-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n")
    with pytest.raises(Conflict):
        guarantees.register_issuer(session, clock, world.admin, name="某银行", credit_code=credit_code(6), kind="bank",
                                   certificate=pem(bank.cert))
    expired, _ = issuer_keys(clock, "过期银行", days=-2)
    with pytest.raises(InvalidInput, match="过期"):
        guarantees.register_issuer(session, clock, world.admin, name="过期银行", credit_code=credit_code(7), kind="bank",
                                   certificate=pem(expired))


class _IssuerEndpoint(BaseHTTPRequestHandler):
    """The issuer's adapter endpoint as a bank runs it: answers verify and release for its guarantees."""

    statuses: ClassVar[dict[str, str]] = {}
    seen: ClassVar[list[dict]] = []

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.seen.append(body)
        status = self.statuses.get(body["number"], "unknown")
        if body["action"] == "release" and status == "valid":
            self.statuses[body["number"]] = status = "released"
        reply = json.dumps({"number": body["number"], "status": status}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


@pytest.fixture
def endpoint():
    server = HTTPServer(("127.0.0.1", 0), _IssuerEndpoint)
    _IssuerEndpoint.statuses, _IssuerEndpoint.seen = {}, []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/guarantees"
    server.shutdown()
    server.server_close()


def test_issuer_is_asked_through_its_adapter_and_a_cancelled_guarantee_no_longer_counts(
        session, clock, store, world, tender, endpoint):
    bank = register_issuer(session, clock, world, api_url=endpoint)
    bond = submit(session, clock, store, world, tender, bank.sign(guarantee_terms(session, world, tender, bank)))
    _IssuerEndpoint.statuses[bond.guarantee_number] = "valid"
    adapter = guarantees.HttpIssuerAdapter(timeout=5)
    assert bonds.check_with_issuer(session, clock, world.agent, adapter, bond.id) == "valid"
    assert bond.status == "verified"
    _IssuerEndpoint.statuses[bond.guarantee_number] = "cancelled"
    assert bonds.check_with_issuer(session, clock, world.supervisor, adapter, bond.id) == "cancelled"
    assert bond.status == "cancelled" and bonds.bond_state(tender.sections[0], bond).missing
    assert _IssuerEndpoint.seen[-1] == {"action": "verify", "number": bond.guarantee_number}


def test_issuer_without_an_endpoint_or_unreachable_is_said_so(session, clock, store, world, tender, bank):
    bond = submit(session, clock, store, world, tender, bank.sign(guarantee_terms(session, world, tender, bank)))
    with pytest.raises(Unavailable, match="未登记核验接口"):
        bonds.check_with_issuer(session, clock, world.agent, guarantees.HttpIssuerAdapter(), bond.id)
    bank.row.api_url = "http://127.0.0.1:9/closed"
    with pytest.raises(Unavailable, match="无法访问"):
        bonds.check_with_issuer(session, clock, world.agent, guarantees.HttpIssuerAdapter(timeout=2), bond.id)


def test_guarantee_file_format_is_json_with_a_detached_cms_signature(session, clock, world, tender, bank):
    data = json.loads(bank.sign(guarantee_terms(session, world, tender, bank)))
    assert data["format"] == "sealbid-guarantee/1"
    assert base64.b64decode(data["signature"])[:1] == b"\x30"  # DER SEQUENCE: a CMS ContentInfo


def test_a_guarantee_its_issuer_cancelled_gives_way_to_another_bond(session, clock, store, world, tender, endpoint):
    bank = register_issuer(session, clock, world, api_url=endpoint)
    bond = submit(session, clock, store, world, tender, bank.sign(guarantee_terms(session, world, tender, bank)))
    _IssuerEndpoint.statuses[bond.guarantee_number] = "cancelled"
    bonds.check_with_issuer(session, clock, world.bidders[0], guarantees.HttpIssuerAdapter(timeout=5), bond.id)
    again = submit(session, clock, store, world, tender,
                   bank.sign(guarantee_terms(session, world, tender, bank, number="BH-NEW-0001")))
    assert (again.id, again.status, again.guarantee_number) == (bond.id, "verified", "BH-NEW-0001")


def test_commitment_letters_and_guarantees_stay_with_their_bidder_until_the_opening(session, clock, store, world, tender,
                                                                                   bank):
    from core.errors import NotFound

    bond = submit(session, clock, store, world, tender, bank.sign(guarantee_terms(session, world, tender, bank)))
    assert bonds.commitment_for_download(session, world.bidders[0], bond.id) is bond
    for someone in (world.bidders[1], world.agent, world.supervisor):
        with pytest.raises(NotFound):
            bonds.commitment_for_download(session, someone, bond.id)
