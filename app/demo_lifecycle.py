"""The demo's tenders run through the same services the pages call, as an ordered list of stage functions
(:class:`Lifecycle`): publication, bonds and sealed bids, the remote opening, the expert draw and the evaluation, then
(for the finished tender of `flask demo load`) contracts and refunds. `flask demo load` runs the finished tender weeks
in the past, so the demo shows bonds in every form, a signed opening record, a committee of seven drawn from two cities
for each section evaluating remotely and signing its report, contracts, a refund on time and one overdue, and the
supervisor's statistics have figures; `flask demo --out` (app/demo_run.py) runs a fresh tender through the same
stages. (The award between evaluation and contract is issue 7's: it is a stage to add to both lists.)

Also writes the files a demo user needs to try bonds on the open demo tender: a guarantee file per
bidder signed by the demo bank, and the bank's statement paying the bidders' cash sub-accounts.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from dataclasses import dataclass, replace
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
    award,
    award_notice,
    award_pool,
    award_rules,
    award_state,
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
    publicity,
    rules,
    tenders,
)
from bidding.award_models import Award
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
from expert_pool import draw_record
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

    @classmethod
    def load(cls, key_dir: Path) -> DemoIssuer:
        """The demo bank as `create` left it in the instance folder."""
        key = serialization.load_pem_private_key((key_dir / "issuer-bank.key.pem").read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError("the demo bank's key file does not hold an EC key")
        return cls(key, x509.load_pem_x509_certificate((key_dir / "issuer-bank.cert.pem").read_bytes()))

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


@dataclass(frozen=True)
class Plan:
    """What a demo tender is: its code and sections, each bidder's prices and the numbers its bank papers carry."""

    code: str
    title: str
    description: str
    sections: tuple[SectionInput, ...]
    prices: tuple[tuple[str, ...], ...]  # bidder 1, 2, 3: one price per section
    guarantee_number: str  # bidder 1's bank guarantee for section 1 (unique on the platform)
    serial_prefix: str  # the bank's transaction serials for the cash bonds (unique on the platform)
    draw_records: bool = False  # sign each section's expert draw record once its evaluation ended
    # the award the tender fixes: ranked under the national rules, or 评定分离 with a method and a committee
    award_mode: str = "ranked"
    award_method: str = ""
    award_committee_size: int = 0
    rule_set: str = "national"


# 城北污水管网改造: section 1 takes a bond (a guarantee, two cash), section 2 waives it for credit commitments.
FINISHED = Plan(
    code="HZ-2026-GC-0098", title="城北污水管网改造工程施工", description="城北片区污水管网改造。资金来源：财政资金。",
    sections=(SectionInput(name="第一标段 主管网", estimated_price=Decimal("25000000.00"), bond_amount=Decimal("500000.00")),
              SectionInput(name="第二标段 支管网", estimated_price=Decimal("12000000.00"),
                           bond_policy="waived_credit_commitment",
                           bond_waiver_basis="浙江省政府投资工程建设项目免收投标保证金，以信用承诺替代（浙发改〔2023〕示例号第二条）")),
    prices=(("23880000.00", "11650000.00"), ("24120000.00", "11420000.00"), ("24450000.00", "11890000.00")),
    guarantee_number="HZB-BH-2026-00981", serial_prefix="ICBC2026")


def lifecycle_plan(code: str) -> Plan:
    """The tender `flask demo --out` runs: the finished tender's shape under a fresh code, with signed draw records,
    awarded by 评定分离 (浙江 rule set): unranked candidates, a committee of 5 drawn from the tenderee's staff, 票决法."""
    compact = code.replace("-", "")
    return replace(FINISHED, code=code, title="城南雨污分流改造工程施工",
                   description="城南片区雨污分流改造。资金来源：财政资金。", guarantee_number=f"HZB-BH-{compact}",
                   serial_prefix=f"ICBC{compact}", draw_records=True, award_mode="separated", award_method="vote",
                   award_committee_size=5, rule_set="zhejiang")


@dataclass
class Lifecycle:
    """One demo tender on its way through the stages: what every stage function reads, and the tender once published.

    Each stage is a function of this object, so the finished tender of `flask demo load` and `flask demo --out` run
    the same code (one place per stage), and the award stages of issue 7 append to the list."""

    session: Session
    clock: FrozenClock
    store: FileStore
    settings: pki.PlatformSettings
    people: DemoPeople
    issuer: DemoIssuer
    pin: str
    document: bytes
    plan: Plan
    tender: Tender | None = None

    @property
    def signing(self) -> Signing:
        return Signing(self.settings, self.store, self.pin)

    @property
    def bidders(self) -> list[Actor]:
        return [self.people.actors[f"bidder{i}"] for i in (1, 2, 3)]

    @property
    def published(self) -> Tender:
        if self.tender is None:
            raise RuntimeError("the demo tender is not published yet: run the `publish` stage first")
        return self.tender


def publish(run: Lifecycle) -> None:
    """The agent creates the tender, uploads its documents, names the escrow holders and publishes: the notice (and the
    bond waiver decision of section 2) signed."""
    session, clock, plan, agent = run.session, run.clock, run.plan, run.people.actors["agent"]
    start = clock.now()
    tender = tenders.create_tender(session, clock, agent, TenderInput(
        code=plan.code, title=plan.title, tenderee_org_id=run.people.tenderee_org_id,
        category="works", is_compulsory=True, is_state_funded=True, region="浙江省杭州市",
        description=plan.description, sale_start=start, sale_end=start + dt.timedelta(days=6),
        clarification_deadline=start + dt.timedelta(days=10), bid_deadline=start + dt.timedelta(days=21),
        bid_validity_days=90, sections=list(plan.sections), award_mode=plan.award_mode, award_method=plan.award_method,
        award_committee_size=plan.award_committee_size, rule_set=plan.rule_set))
    tenders.add_document(session, clock, agent, run.store, tender.id, tenders.Upload(
        "招标文件", f"{plan.code}-招标文件.pdf", "application/pdf", io.BytesIO(run.document)), max_bytes=len(run.document))
    escrow.set_escrow(session, clock, agent, tender.id, run.people.holder_ids, 2)
    tenders.publish_tender(session, clock, agent, tender.id, run.signing)
    run.tender = tender


def seal_bids(run: Lifecycle) -> None:
    """A day later the three bidders obtain the documents and give their bonds — section 1: bidder 1 a bank
    guarantee, bidders 2 and 3 cash paid in by the bank's statement; section 2: signed credit commitments — then seal
    their bids on their own machines (the client code path) and submit them, each getting a signed receipt."""
    session, clock, store, tender, plan = run.session, run.clock, run.store, run.published, run.plan
    admin, bidders = run.people.actors["admin"], run.bidders
    clock.advance(dt.timedelta(days=1))
    first = tender.sections[0]
    statement_rows = []
    for i, bidder in enumerate(bidders, start=1):
        participation.obtain_documents(session, clock, bidder, tender.id)
        bonds.set_basic_account(session, clock, bidder, "中国工商银行杭州分行", BASIC_ACCOUNTS[i - 1])
        if i == 1:
            bonds.submit_guarantee(session, clock, bidder, store, tender.id, 1,
                                   run.issuer.guarantee(session, tender, first, bidder.org_id, plan.guarantee_number))
        else:
            cash = bonds.choose_cash(session, clock, bidder, tender.id, 1)
            statement_rows.append(_statement_row(f"{plan.serial_prefix}{i:08d}", clock.now(), bidder.name,
                                                 BASIC_ACCOUNTS[i - 1], cash.virtual_account, first.bond_amount))
        bonds.sign_commitment(session, clock, bidder, run.signing, tender.id, 2)
    bank_transfers.import_statement(session, clock, admin, statement(statement_rows))
    for i, bidder in enumerate(bidders, start=1):
        org = session.get(Organisation, bidder.org_id)
        for section in tender.sections:
            sealed = _seal(tender, section, org, run.people.keys[f"bidder{i}"], plan.prices[i - 1][section.number - 1],
                           run.document)
            bids.submit(session, clock, bidder, run.settings, store, tender.id, section.number, io.BytesIO(sealed),
                        pin=run.pin, max_bytes=len(sealed) + 1,
                        signals=bids.Signals(f"198.51.100.{i}", "sealbid-demo/1.0"))
            clock.advance(dt.timedelta(minutes=7))


def open_bids(run: Lifecycle) -> None:
    """The deadline passes; the remote opening starts, each bidder decrypts its own bids from its machine, the agent
    finishes the opening and the agent and the supervisor sign the opening record."""
    session, clock, store, tender = run.session, run.clock, run.store, run.published
    bidders, agent = run.bidders, run.people.actors["agent"]
    clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, clock)
    opening.start_due_openings(session, clock, OPENING_WINDOW)
    for bid in session.scalars(select(Bid).where(Bid.tender_id == tender.id).order_by(Bid.id)):
        clock.advance(dt.timedelta(minutes=2))
        number = bidders.index(next(b for b in bidders if b.org_id == bid.bidder_org_id)) + 1
        with store.open(bid.envelope_sha256) as stream:
            content_key = envelope.unwrap_for_bidder(envelope.read_header(stream), run.people.keys[f"bidder{number}"])
        opening.decrypt_own_bid(session, clock, bidders[number - 1], store, bid.id, content_key)
    clock.set(tender.decryption_deadline + dt.timedelta(minutes=1))
    opening.finish_opening(session, clock, agent, tender.id)
    opening_record.sign_opening_record(session, clock, agent, tender.id, run.signing)
    opening_record.sign_opening_record(session, clock, run.people.actors["supervisor"], tender.id, run.signing)


def evaluate_sections(run: Lifecycle) -> None:
    """Each section's committee drawn, confirmed, evaluating and signing its report (see :func:`evaluate`); with
    ``plan.draw_records`` the agent then has each draw record signed by the platform."""
    for section in run.published.sections:
        evaluate(run.session, run.clock, run.people, run.published, section.number, run.signing)
    if run.plan.draw_records:
        for section in run.published.sections:
            for committee in expert_draw.draws_for_section(run.session, section.id):
                draw_record.sign_draw_record(run.session, run.clock, run.people.actors["agent"], committee.id,
                                             run.settings, run.store)


def award_sections(run: Lifecycle) -> None:
    """The tenderee accepts each section's evaluation report and the agent publishes the candidates for the legal
    3 days (条例第54条); when the publicity ends without objection the award is decided as the tender fixed it —
    ranked: the first-ranked candidate (条例第55条); 评定分离: the committee drawn from the tenderee's pool votes and
    signs the 定标报告 — then the tenderee signs and sends the award notice and the result notices (法第45条)."""
    session, clock, tender = run.session, run.clock, run.published
    tenderee, agent = run.people.actors["tenderee"], run.people.actors["agent"]
    clock.advance(dt.timedelta(hours=20))
    awards = [award_state.current_award(session, section.id) for section in tender.sections]
    for found in awards:
        if found is None:
            raise RuntimeError("a section has no award: its evaluation recommended no candidate")
        award.accept_report(session, clock, tenderee, found.id)
        clock.advance(dt.timedelta(minutes=20))
        publicity.start_candidates(session, clock, agent, found.id, award_rules.MIN_PUBLICITY_DAYS, run.signing)
    clock.advance(dt.timedelta(days=award_rules.MIN_PUBLICITY_DAYS, hours=1))
    publicity.close_due(session, clock)
    for found in awards:
        if found.mode == "ranked":
            first = award.candidates(found)[0]
            award.decide_ranked(session, clock, tenderee, found.id, first["bidder_id"], "", run.signing)
        else:
            _committee_decides(run, found)
        result_days = award_rules.rule_set(found.rule_set).result_publicity_days
        if result_days:
            publicity.start_result(session, clock, agent, found.id, run.signing)
            clock.advance(dt.timedelta(days=result_days, hours=1))
            publicity.close_due(session, clock)
        clock.advance(dt.timedelta(hours=2))
        award_notice.issue_notices(session, clock, tenderee, found.id, run.signing)


def _committee_decides(run: Lifecycle, found: Award) -> None:
    """评定分离, 票决法: the tenderee draws the committee with its principal as chair, every member declares no
    conflict, votes (four for the lowest-priced candidate, one for another), and signs the 定标报告, chair first;
    the tenderee seals it."""
    session, clock, tenderee = run.session, run.clock, run.people.actors["tenderee"]
    by_user = {a.user_id: a for a in run.people.actors.values()}
    principal = next(m for m in award_pool.pool(session, tenderee) if m.principal)
    clock.advance(dt.timedelta(hours=1))
    award_pool.draw_committee(session, clock, tenderee, found.id, chair_principal_id=principal.id)
    seated = award.seated(found)
    for member in seated:
        award_pool.declare(session, clock, by_user[member.user_id], found.id)
    ordered = sorted(award.candidates(found), key=lambda c: Decimal(str(c["price"])))
    clock.advance(dt.timedelta(minutes=30))
    for i, member in enumerate(seated):
        choice = ordered[1 if i == len(seated) - 1 and len(ordered) > 1 else 0]
        award.cast_vote(session, clock, by_user[member.user_id], found.id, choice["bidder_id"])
    clock.advance(dt.timedelta(minutes=30))
    chair = award.chair(found)
    for member in [chair, *(m for m in seated if m is not chair)]:
        award.sign_award_record(session, clock, by_user[member.user_id], found.id, run.signing)
    award.seal_award_record(session, clock, tenderee, found.id, run.signing)


def record_contracts(run: Lifecycle) -> None:
    """A week after the award notices the tenderee records each section's contract with the award's winner at its
    bid price, with a 5 % performance bond (the award stage must have run: 法第46条, no contract before the notice)."""
    session, clock, tender = run.session, run.clock, run.published
    clock.advance(dt.timedelta(days=7))
    for section in tender.sections:
        award = award_state.current_award(session, section.id)
        if award is None or award.winner_org_id is None:
            raise RuntimeError(f"section {section.number} has no award with a winner: run the award stage first")
        number = next(i for i, b in enumerate(run.bidders, start=1) if b.org_id == award.winner_org_id)
        price = Decimal(run.plan.prices[number - 1][section.number - 1])
        bond_release.record_contract(session, clock, run.people.actors["tenderee"], tender.id, section.number,
                                     winner_org_id=award.winner_org_id, price=price, signed_at=clock.now(),
                                     performance_bond=(price * Decimal("0.05")).quantize(Decimal("0.01")))


def refund_one_cash_bond(run: Lifecycle) -> None:
    """Three days on, bidder 2's cash bond of section 1 is refunded with interest; bidder 3's is left unrefunded,
    overdue once its 5 days pass (条例第57条), for the supervisor to see."""
    run.clock.advance(dt.timedelta(days=3))
    refund = bonds.bond_for(run.session, run.published.sections[0].id, run.bidders[1].org_id)
    bond_release.refund_cash(run.session, run.clock, run.people.actors["admin"], refund.id, "ICBC-RF-2026-0001",
                             Decimal("0.0005"))


# The finished tender of `flask demo load`, stage by stage.
FINISHED_STAGES = (publish, seal_bids, open_bids, evaluate_sections, award_sections, record_contracts,
                   refund_one_cash_bond)


def finished_tender(session: Session, clock: FrozenClock, store: FileStore, settings: pki.PlatformSettings,
                    people: DemoPeople, issuer: DemoIssuer, pin: str, document: bytes) -> Tender:
    """城北污水管网改造 through every stage of :data:`FINISHED_STAGES`: opened, evaluated, contracts signed; one
    refund made on time, one left overdue."""
    run = Lifecycle(session, clock, store, settings, people, issuer, pin, document, FINISHED)
    for stage in FINISHED_STAGES:
        stage(run)
    return run.published


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
                           evaluation.Setup(review_items=REVIEW, score_items=SCORING, price_rule=PRICE_RULE,
                                            ranked=tender.award_mode == "ranked"))
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
