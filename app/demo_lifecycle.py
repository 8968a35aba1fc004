"""The demo's finished tender: run through the same services the pages call, starting weeks in the past,
so the demo shows bonds in every form, a signed opening record, a committee of seven drawn from two cities
for each section evaluating remotely and signing its report, contracts, a refund on time and one overdue,
and the supervisor's statistics have figures. (The award between evaluation and contract is issue 7's.)

Also writes the files a demo user needs to try bonds on the open demo tender: a guarantee file per
bidder signed by the demo bank, and the bank's statement paying the bidders' cash sub-accounts.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import (
    bank_transfers,
    bids,
    bond_release,
    bonds,
    draw_parties,
    escrow,
    evaluation,
    evaluation_report,
    guarantees,
    opening,
    opening_record,
    participation,
    rules,
    tenders,
)
from bidding.models import Bid, Section, Tender
from bidding.notices import Signing
from bidding.price_rules import MeanDeviationRule
from bidding.schemas import SectionInput, TenderInput
from core import credit_code
from core.actor import Actor
from core.clock import FrozenClock, to_shanghai
from core.files import FileStore
from core.identity import Organisation
from expert_pool import draw as expert_draw
from signing import envelope, pki

# How far back the finished tender starts: its refunds fall due before today.
HISTORY = dt.timedelta(days=45)
BANK_NAME = "杭州银行股份有限公司"
BASIC_ACCOUNTS = ("3301040160001234501", "3301040160001234502", "3301040160001234503")
OPENING_WINDOW = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class DemoPeople:
    """The demo's actors by username, and their private encryption keys (the demo keeps them as files)."""

    actors: dict[str, Actor]
    keys: dict[str, X25519PrivateKey]
    holder_ids: list[int]
    tenderee_org_id: int


class DemoIssuer:
    """The demo bank: its own key and self-signed certificate, registered on the platform as an issuer."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, cert: x509.Certificate) -> None:
        self.key, self.cert = key, cert

    @classmethod
    def create(cls, at: dt.datetime, key_dir: Path) -> DemoIssuer:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"{BANK_NAME} 电子保函签章"),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, BANK_NAME)])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(at - dt.timedelta(days=1))
                .not_valid_after(at + dt.timedelta(days=3 * 365))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        key_dir.mkdir(parents=True, exist_ok=True)
        (key_dir / "issuer-bank.cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_path = key_dir / "issuer-bank.key.pem"
        key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        key_path.chmod(0o600)
        return cls(key, cert)

    @staticmethod
    def credit_code() -> str:
        first17 = "91330100MA0000099"
        return first17 + credit_code.check_character(first17)

    def register(self, session: Session, clock: FrozenClock, admin: Actor) -> None:
        guarantees.register_issuer(session, clock, admin, name=BANK_NAME, credit_code=self.credit_code(), kind="bank",
                                   certificate=self.cert.public_bytes(serialization.Encoding.PEM))

    def guarantee(self, session: Session, tender: Tender, section: Section, bidder_org_id: int, number: str) -> bytes:
        """A bank guarantee for the bid, valid 30 days past the bid validity, as the bank's system signs it."""
        org = session.get(Organisation, bidder_org_id)
        end = to_shanghai(rules.bid_validity_end(tender.bid_deadline, tender.bid_validity_days)).date()
        terms = {
            "number": number, "kind": "bank_guarantee", "issuer_name": BANK_NAME,
            "issuer_credit_code": self.credit_code(), "beneficiary_name": tender.tenderee.name,
            "beneficiary_credit_code": tender.tenderee.credit_code, "applicant_name": org.name,
            "applicant_credit_code": org.credit_code, "tender_code": tender.code, "section": section.number,
            "amount": str(section.bond_amount), "currency": "CNY",
            "valid_until": (end + dt.timedelta(days=30)).isoformat(),
            "issued_at": to_shanghai(tender.published_at or tender.created_at).isoformat(timespec="seconds"),
        }
        return guarantees.issue_document(terms, self.cert, self.key)


def _statement_row(serial: str, when: dt.datetime, payer: str, account: str, sub_account: str, amount: Decimal) -> str:
    return ",".join([serial, to_shanghai(when).strftime("%Y-%m-%d %H:%M:%S"), payer, account, "中国工商银行杭州分行",
                     sub_account, f"{amount:.2f}", "投标保证金"])


def statement(rows: list[str]) -> bytes:
    return "\n".join([",".join(bank_transfers.COLUMNS), *rows, ""]).encode()


def _seal(tender: Tender, section: Section, org: Organisation, key: X25519PrivateKey, price: str, pdf: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "投标文件.pdf"
        path.write_bytes(pdf)
        files = [envelope.SealedFile(path.name, str(path))]
        form = {"price": price, "duration_days": 540, "quality": "合格", "project_manager": f"{org.name[:2]}项目经理"}
        out = io.BytesIO()
        envelope.seal(envelope.container(envelope.manifest_for(form, files), files), out,
                      envelope.Binding(tender.code, section.number, org.credit_code), key.public_key(),
                      escrow.require_escrow(tender))
        return out.getvalue()


def finished_tender(session: Session, clock: FrozenClock, store: FileStore, settings: pki.PlatformSettings,
                    people: DemoPeople, issuer: DemoIssuer, pin: str, document: bytes) -> Tender:
    """城北污水管网改造: section 1 takes a bond (a guarantee, two cash), section 2 waives it for credit
    commitments; opened, contracts signed; one refund made on time, one left overdue."""
    agent, supervisor, admin = people.actors["agent"], people.actors["supervisor"], people.actors["admin"]
    bidders = [people.actors[f"bidder{i}"] for i in (1, 2, 3)]
    start = clock.now()
    tender = tenders.create_tender(session, clock, agent, TenderInput(
        code="HZ-2026-GC-0098", title="城北污水管网改造工程施工", tenderee_org_id=people.tenderee_org_id,
        category="works", is_compulsory=True, is_state_funded=True, region="浙江省杭州市",
        description="城北片区污水管网改造。资金来源：财政资金。", sale_start=start, sale_end=start + dt.timedelta(days=6),
        clarification_deadline=start + dt.timedelta(days=10), bid_deadline=start + dt.timedelta(days=21),
        bid_validity_days=90,
        sections=[SectionInput(name="第一标段 主管网", estimated_price=Decimal("25000000.00"), bond_amount=Decimal("500000.00")),
                  SectionInput(name="第二标段 支管网", estimated_price=Decimal("12000000.00"),
                               bond_policy="waived_credit_commitment",
                               bond_waiver_basis="浙江省政府投资工程建设项目免收投标保证金，以信用承诺替代（浙发改〔2023〕示例号第二条）")]))
    tenders.add_document(session, clock, agent, store, tender.id, tenders.Upload(
        "招标文件", "HZ-2026-GC-0098-招标文件.pdf", "application/pdf", io.BytesIO(document)), max_bytes=len(document))
    escrow.set_escrow(session, clock, agent, tender.id, people.holder_ids, 2)
    signing = Signing(settings, store, pin)
    tenders.publish_tender(session, clock, agent, tender.id, signing)
    clock.advance(dt.timedelta(days=1))
    first, second = tender.sections
    statement_rows = []
    for i, bidder in enumerate(bidders, start=1):
        participation.obtain_documents(session, clock, bidder, tender.id)
        bonds.set_basic_account(session, clock, bidder, "中国工商银行杭州分行", BASIC_ACCOUNTS[i - 1])
        if i == 1:
            bonds.submit_guarantee(session, clock, bidder, store, tender.id, 1,
                                   issuer.guarantee(session, tender, first, bidder.org_id, "HZB-BH-2026-00981"))
        else:
            cash = bonds.choose_cash(session, clock, bidder, tender.id, 1)
            statement_rows.append(_statement_row(f"ICBC2026{i:08d}", clock.now(), bidder.name, BASIC_ACCOUNTS[i - 1],
                                                 cash.virtual_account, first.bond_amount))
        bonds.sign_commitment(session, clock, bidder, signing, tender.id, 2)
    bank_transfers.import_statement(session, clock, admin, statement(statement_rows))
    prices = {1: ("23880000.00", "11650000.00"), 2: ("24120000.00", "11420000.00"), 3: ("24450000.00", "11890000.00")}
    for i, bidder in enumerate(bidders, start=1):
        org = session.get(Organisation, bidder.org_id)
        for section in (first, second):
            sealed = _seal(tender, section, org, people.keys[f"bidder{i}"], prices[i][section.number - 1],
                           document)
            bids.submit(session, clock, bidder, settings, store, tender.id, section.number, io.BytesIO(sealed), pin=pin,
                        max_bytes=len(sealed) + 1, signals=bids.Signals(f"198.51.100.{i}", "sealbid-demo/1.0"))
            clock.advance(dt.timedelta(minutes=7))
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, OPENING_WINDOW)
    for bid in session.scalars(select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.id)):
        clock.advance(dt.timedelta(minutes=2))
        number = bidders.index(next(b for b in bidders if b.org_id == bid.bidder_org_id)) + 1
        with store.open(bid.envelope_sha256) as stream:
            content_key = envelope.unwrap_for_bidder(envelope.read_header(stream), people.keys[f"bidder{number}"])
        opening.decrypt_own_bid(session, clock, bidders[number - 1], store, bid.id, content_key)
    clock.set(tender.decryption_deadline + dt.timedelta(minutes=1))
    opening.finish_opening(session, clock, agent, tender.id)
    opening_record.sign_opening_record(session, clock, agent, tender.id, signing)
    opening_record.sign_opening_record(session, clock, supervisor, tender.id, signing)
    for section in (first, second):
        evaluate(session, clock, people, tender, section.number, signing)
    clock.advance(dt.timedelta(days=7))
    for section, winner, price in ((first, bidders[0], "23880000.00"), (second, bidders[1], "11420000.00")):
        bond_release.record_contract(session, clock, people.actors["tenderee"], tender.id, section.number,
                                     winner_org_id=winner.org_id, price=Decimal(price), signed_at=clock.now(),
                                     performance_bond=(Decimal(price) * Decimal("0.05")).quantize(Decimal("0.01")))
    clock.advance(dt.timedelta(days=3))
    refund = bonds.bond_for(session, first.id, bidders[1].org_id)
    bond_release.refund_cash(session, clock, admin, refund.id, "ICBC-RF-2026-0001", Decimal("0.0005"))
    # bidder 3's cash is left unrefunded: overdue once its 5 days pass (条例第57条), for the supervisor to see
    return tender


# The criteria of the demo's tender documents (条例第49条: only these are used), 综合评估法 40 / 20 / 40.
REVIEW = (evaluation.ReviewItem("营业执照和施工总承包资质", "qualification"),
          evaluation.ReviewItem("项目经理注册建造师资格", "qualification"),
          evaluation.ReviewItem("投标函签章", "compliance"), evaluation.ReviewItem("工期和质量目标", "compliance"))
SCORING = (evaluation.ScoreItem("技术部分", "施工组织设计", "20"), evaluation.ScoreItem("技术部分", "项目管理机构", "10"),
           evaluation.ScoreItem("技术部分", "质量、安全和文明施工措施", "10"),
           evaluation.ScoreItem("商务部分", "企业类似业绩", "12", objective=True),
           evaluation.ScoreItem("商务部分", "企业信誉", "8", objective=True))
PRICE_RULE = MeanDeviationRule(full_marks=Decimal(40), e_above=Decimal(2), e_below=Decimal(1), k=Decimal("0.02"))


def evaluate(session: Session, clock: FrozenClock, people: DemoPeople, tender: Tender, number: int,
             signing: Signing) -> None:
    """A section: 5 experts of 道路与桥梁 from 杭州 (main venue) and 2 from 宁波 (sub venue) drawn and confirmed,
    evaluating remotely; every member signs the report with their own PIN, chair first."""
    by_user = {a.user_id: a for a in people.actors.values()}
    clock.advance(dt.timedelta(hours=2))
    request = expert_draw.DrawRequest(
        groups=(expert_draw.GroupRequest("A0201", 5, "浙江省杭州市", "main", backups=1),
                expert_draw.GroupRequest("A0201", 2, "浙江省宁波市", "sub", backups=1,
                                         venue_place="宁波市公共资源交易中心远程异地评标副场")),
        evaluation_at=clock.now() + dt.timedelta(days=1), place="杭州市公共资源交易中心第 3 评标室")
    committee = draw_parties.request_section_draw(session, clock, people.actors["agent"], tender.id, number, request)
    for pick in [p for p in committee.picks if p.status == "notified"]:
        clock.advance(dt.timedelta(minutes=3))
        expert_draw.respond(session, clock, by_user[pick.expert.user_id], pick.id, True)
    clock.set(committee.evaluation_at)
    ev = evaluation.set_up(session, clock, people.actors["agent"], tender.id, number,
                           evaluation.Setup(review_items=REVIEW, score_items=SCORING, price_rule=PRICE_RULE))
    members = evaluation.active_members(ev)
    for m in members:
        actor = by_user[m.user_id]
        evaluation.sign_in(session, clock, actor, ev.id, f"{'杭州主场' if m.venue == 'main' else '宁波副场'}工位 {m.id}")
        evaluation.declare(session, clock, actor, ev.id)
    for m in members:
        evaluation.vote_chair(session, clock, by_user[m.user_id], ev.id, members[0].id)
        if ev.status != "sign_in":
            break
    manual = [c for c in ev.criteria if c.stage == "review" and not c.automatic]
    for m in members:
        for bidder in ev.bidders:
            evaluation.mark_review(session, clock, by_user[m.user_id], ev.id, bidder.id, {c.id: (True, "") for c in manual})
    chair = by_user[members[0].user_id]
    evaluation.close_review(session, clock, chair, ev.id)
    typed = [c for c in ev.criteria if c.stage == "score" and c.kind != "price"]
    for i, m in enumerate(members):
        for n, bidder in enumerate(ev.bidders):
            # every expert's own judgement: a little apart, within the deviation the documents allow
            share = Decimal("0.78") + Decimal("0.03") * ((i + 2 * n) % 5)
            evaluation.save_scores(session, clock, by_user[m.user_id], ev.id, bidder.id,
                                   {c.id: (c.max_points * share).quantize(Decimal("0.01")) for c in typed})
        evaluation.submit_scores(session, clock, by_user[m.user_id], ev.id)
        clock.advance(dt.timedelta(minutes=4))
    for m in [members[0], *members[1:]]:
        evaluation_report.sign_report(session, clock, by_user[m.user_id], ev.id, signing)


def try_files(session: Session, tender: Tender, issuer: DemoIssuer, folder: Path, bidder_orgs: list[int]) -> None:
    """Files to try the open tender's bonds with: each bidder's guarantee for section 1, and the bank's
    statement that pays each bidder's section-1 sub-account once it has chosen cash."""
    folder.mkdir(parents=True, exist_ok=True)
    section = tender.sections[0]
    rows = []
    for i, org_id in enumerate(bidder_orgs, start=1):
        number = f"HZB-BH-2026-{tender.id:03d}{i:02d}"
        (folder / f"guarantee-bidder{i}.json").write_bytes(issuer.guarantee(session, tender, section, org_id, number))
        org = session.get(Organisation, org_id)
        rows.append(_statement_row(f"ICBC2026{tender.id:04d}{i:04d}", tender.published_at + dt.timedelta(hours=1),
                                   org.name, BASIC_ACCOUNTS[i - 1], bonds.sub_account(section, org_id),
                                   section.bond_amount))
    (folder / f"bank-statement-{tender.code}.csv").write_bytes(statement(rows))
