"""A bidder's bid bond for a section, before the deadline: cash into its own sub-account of the bond
account, an electronic guarantee, or a signed credit commitment where the bond is waived for one;
and each bond's status as the opening record and the evaluation see it.

Rules (domain-rules section 2): every section has its own bond; cash comes from the bidder's basic
account (B7 条例第26条, checked when the bank notifies the transfer, see ``bank_transfers``); a
guarantee covers the amount and lasts until the bid validity ends (B6 条例第26条); a missing bond is
a ground for rejection at the evaluation (12号令第25条).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import guarantees, rules
from bidding.access import manages, require_role
from bidding.bids import section_by_number
from bidding.bond_models import BasicAccount, Bond
from bidding.models import Section, Tender
from bidding.notices import Signing
from bidding.opening import bids_at_opening
from bidding.participation import approved_bidder, obtained
from bidding.schemas import BOND_FORM_LABELS, BondForm, BondPolicy
from bidding.tenders import get_tender
from core.actor import Actor, Role
from core.clock import Clock, shanghai_text
from core.errors import N_, Conflict, DeadlinePassed, InvalidInput, NotFound, NotPermitted, RuleViolation, phrase
from core.files import FileStore
from core.identity import Organisation
from signing import ledger, records, seal, signed_records

COMMITMENT_KIND = "credit_commitment"
# Sub-accounts of the platform's bond account: one per section and bidder, so a transfer names its bond.
SUB_ACCOUNT_PREFIX = "8"
ACCOUNT_NO = re.compile(r"^[0-9]{6,32}$")
BOND_STATUS_LABELS = {
    "awaiting_payment": N_("待缴纳"),
    "paid": N_("已缴纳"),
    "verified": N_("保函已核验"),
    "committed": N_("已签署信用承诺"),
    "cancelled": N_("保函已被出函机构撤销"),
    "refunded": N_("已退还"),
    "released": N_("已释放"),
    "forfeited": N_("不予退还"),
    "converted": N_("已转为履约保证金"),
}
# A bond in these statuses is not (or no longer) given: the bidder may still give another.
REPLACEABLE = frozenset({"awaiting_payment", "cancelled"})
# Statuses that mean the bond was given before the deadline (whatever happened to it since).
PROVIDED = frozenset({"paid", "verified", "committed", "refunded", "released", "forfeited", "converted"})


# --- the basic account (基本账户) --------------------------------------------------------------


def basic_account(session: Session, org_id: int | None) -> BasicAccount | None:
    if org_id is None:
        return None
    return session.scalars(select(BasicAccount).where(BasicAccount.org_id == org_id)).one_or_none()


def set_basic_account(session: Session, clock: Clock, actor: Actor, bank_name: str, account_no: str) -> BasicAccount:
    """The bidder records its basic account; cash bonds must come from it and are refunded to it."""
    org = approved_bidder(session, actor)
    bank_name, account_no = bank_name.strip(), re.sub(r"[\s-]", "", account_no)
    if not 2 <= len(bank_name) <= 100:
        raise InvalidInput(N_("请填写开户银行。"), field="bank_name")
    if not ACCOUNT_NO.match(account_no):
        raise InvalidInput(N_("银行账号应为 6 到 32 位数字。"), field="account_no")
    account = basic_account(session, org.id)
    before = {"bank_name": account.bank_name, "account_no": account.account_no} if account else None
    if account is None:
        account = BasicAccount(org_id=org.id, bank_name=bank_name, account_no=account_no, updated_by=actor.user_id,
                               updated_at=clock.now())
        session.add(account)
    else:
        account.bank_name, account.account_no = bank_name, account_no
        account.updated_by, account.updated_at = actor.user_id, clock.now()
    session.flush()
    ledger.append(session, clock, actor, "bidder.basic_account", "organisation", org.id, before=before,
                  after={"bank_name": bank_name, "account_no": account_no})
    return account


# --- providing the bond before the deadline -----------------------------------------------------


def _open_section(session: Session, clock: Clock, actor: Actor, tender_id: int,
                  section_number: int) -> tuple[Tender, Section, Organisation]:
    tender = get_tender(session, actor, tender_id)
    org = approved_bidder(session, actor)
    if not obtained(session, tender.id, org.id):
        raise NotPermitted(N_("请先获取招标文件。"))
    section = section_by_number(tender, section_number)
    if tender.status != "published" or section.status != "open" or clock.now() >= tender.bid_deadline:
        raise DeadlinePassed(N_("投标截止时间已过，不能再提交投标保证金。"))
    return tender, section, org


def bond_for(session: Session, section_id: int, org_id: int) -> Bond | None:
    return session.scalars(select(Bond).where(Bond.section_id == section_id, Bond.bidder_org_id == org_id)
                           ).one_or_none()


def _replaceable(bond: Bond | None) -> None:
    """A cash bond not yet paid, or a guarantee its issuer cancelled, may give way to another bond before
    the deadline; anything given and standing stays."""
    if bond is not None and bond.status not in REPLACEABLE:
        raise Conflict(N_("贵单位已为本标段提交保证金（%(form)s），不能再更改。"),
                       form=phrase(BOND_FORM_LABELS[BondForm(bond.form)]))


def _require_form(section: Section, form: BondForm) -> None:
    if section.bond_policy == BondPolicy.WAIVED:
        raise RuleViolation(N_("本标段免收投标保证金，无需提交。"))
    if form.value not in section.accepted_bond_forms:
        raise RuleViolation(N_("本标段不接受以%(form)s提交保证金。"), form=phrase(BOND_FORM_LABELS[form]))


def sub_account(section: Section, org_id: int) -> str:
    return f"{SUB_ACCOUNT_PREFIX}{section.id:07d}{org_id:07d}"


def choose_cash(session: Session, clock: Clock, actor: Actor, tender_id: int, section_number: int) -> Bond:
    """The bidder will transfer cash: it gets its sub-account to pay into from its basic account."""
    tender, section, org = _open_section(session, clock, actor, tender_id, section_number)
    _require_form(section, BondForm.CASH)
    if basic_account(session, org.id) is None:
        raise InvalidInput(N_("请先登记贵单位的基本账户：现金保证金须从基本账户转出（%(rule)s）。"),
                           field="account_no", rule=N_("条例第26条"))
    bond = bond_for(session, section.id, org.id)
    if bond is not None and bond.form == BondForm.CASH:
        return bond
    _replaceable(bond)
    if bond is None:
        bond = Bond(tender_id=tender.id, section_id=section.id, bidder_org_id=org.id)
        session.add(bond)
    bond.form, bond.amount, bond.status = BondForm.CASH.value, section.bond_amount, "awaiting_payment"
    bond.provided_at, bond.provided_by, bond.virtual_account = clock.now(), actor.user_id, sub_account(section, org.id)
    bond.guarantee_number = bond.issuer_id = bond.valid_until = bond.document_sha256 = None  # a cancelled guarantee's
    session.flush()
    ledger.append(session, clock, actor, "bond.cash_chosen", "bond", bond.id, tender_id=tender.id,
                  after={"section": section.number, "amount": section.bond_amount,
                         "virtual_account": bond.virtual_account})
    return bond


def submit_guarantee(session: Session, clock: Clock, actor: Actor, store: FileStore, tender_id: int,
                     section_number: int, document: bytes) -> Bond:
    """Accept an electronic guarantee only if it is the issuer's, for this bid, big enough and long enough."""
    tender, section, org = _open_section(session, clock, actor, tender_id, section_number)
    if section.bond_policy != BondPolicy.REQUIRED:
        raise RuleViolation(N_("本标段免收投标保证金，无需提交。"))
    verified = guarantees.verify_document(session, clock, document)
    terms = verified.terms
    _require_form(section, terms.kind)
    if terms.tender_code != tender.code or terms.section != section.number:
        raise InvalidInput(N_("该保函是为其他项目或标段出具的（%(code)s 第 %(section)s 标段），不能用于本标段。"),
                           field="guarantee", code=terms.tender_code, section=terms.section)
    if terms.beneficiary_credit_code != tender.tenderee.credit_code:
        raise InvalidInput(N_("保函的受益人应为招标人 %(name)s。"), field="guarantee", name=tender.tenderee.name)
    if terms.applicant_credit_code != org.credit_code:
        raise InvalidInput(N_("保函的申请人（投标人）不是贵单位。"), field="guarantee")
    if terms.amount < section.bond_amount:
        raise RuleViolation(N_("保函金额 %(amount)s 元低于本标段要求的投标保证金 %(required)s 元。"),
                            field="guarantee", amount=f"{terms.amount:,.2f}", required=f"{section.bond_amount:,.2f}")
    validity_end = rules.bid_validity_end(tender.bid_deadline, tender.bid_validity_days)
    valid_until = guarantees.valid_until_instant(terms.valid_until)
    if valid_until < validity_end:
        raise RuleViolation(N_("保函有效期至 %(until)s，早于投标有效期届满（%(end)s）；"
                               "保证金有效期应与投标有效期一致（%(rule)s）。"), field="guarantee",
                            until=terms.valid_until.isoformat(), end=shanghai_text(validity_end),
                            rule=N_("条例第26条"))
    if session.scalars(select(Bond.id).where(Bond.guarantee_number == terms.number)).first() is not None:
        raise Conflict(N_("编号为 %(number)s 的保函已经提交过，不能重复使用。"), field="guarantee", number=terms.number)
    bond = bond_for(session, section.id, org.id)
    _replaceable(bond)
    stored = store.put(io.BytesIO(verified.document), guarantees.MAX_DOCUMENT_BYTES).sha256
    if bond is None:
        bond = Bond(tender_id=tender.id, section_id=section.id, bidder_org_id=org.id)
        session.add(bond)
    bond.form, bond.amount, bond.status = terms.kind.value, terms.amount, "verified"
    bond.provided_at, bond.provided_by, bond.virtual_account = clock.now(), actor.user_id, None
    bond.guarantee_number, bond.issuer_id, bond.valid_until = terms.number, verified.issuer.id, valid_until
    bond.document_sha256 = stored
    session.flush()
    ledger.append(session, clock, actor, "bond.guarantee", "bond", bond.id, tender_id=tender.id,
                  after={"section": section.number, "form": terms.kind.value, "number": terms.number,
                         "issuer": verified.issuer.credit_code, "amount": terms.amount,
                         "valid_until": terms.valid_until.isoformat(), "document_sha256": stored})
    return bond


COMMITMENT_TEXT = (
    "本单位自愿以信用承诺替代投标保证金，并郑重承诺：投标截止后不撤销投标文件；中标后按招标文件和投标文件订立合同，"
    "不附加额外条件；按招标文件要求提交履约担保；不弄虚作假，不与其他投标人串通投标。"
    "如违反上述承诺，本单位同意按有关规定记入信用记录、扣减信用分，并在规定期限内被限制参与本地区的投标活动。"
)


def commitment_record(tender: Tender, section: Section, org: Organisation, record_id: str,
                      signer: str, now_text: str) -> records.Record:
    return records.Record(
        kind=COMMITMENT_KIND,
        title=f"{tender.title} 信用承诺书（第 {section.number} 标段）",
        tender_code=tender.code,
        record_id=record_id,
        blocks=[
            records.Facts([("项目编号", tender.code), ("项目名称", tender.title), ("招标人", tender.tenderee.name),
                           ("标段", f"第 {section.number} 标段 {section.name}"), ("承诺人", org.name),
                           ("统一社会信用代码", org.credit_code), ("免收依据", section.bond_waiver_basis or "—"),
                           ("签署时间", now_text)]),
            records.Heading("承诺内容"),
            records.Paragraph(COMMITMENT_TEXT),
            records.SignaturePlaces([f"承诺人：{org.name}（{signer}）"]),
        ],
    )


def sign_commitment(session: Session, clock: Clock, actor: Actor, signing: Signing, tender_id: int,
                    section_number: int) -> Bond:
    """Where the bond is waived for a credit commitment, the bidder signs the commitment letter (PIN)."""
    tender, section, org = _open_section(session, clock, actor, tender_id, section_number)
    if section.bond_policy != BondPolicy.WAIVED_CREDIT_COMMITMENT:
        raise RuleViolation(N_("本标段不适用信用承诺替代投标保证金。"))
    if bond_for(session, section.id, org.id) is not None:
        raise Conflict(N_("贵单位已为本标段签署信用承诺书。"))
    record_id = signed_records.new_record_id()
    record = commitment_record(tender, section, org, record_id, actor.name, shanghai_text(clock.now()))
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                              field_name="bidder", reason=f"信用承诺 {tender.code}")
    bond = Bond(tender_id=tender.id, section_id=section.id, bidder_org_id=org.id, form=BondForm.CREDIT_COMMITMENT.value,
                amount=0, status="committed", provided_at=clock.now(), provided_by=actor.user_id, record_id=record_id)
    session.add(bond)
    session.flush()
    signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=COMMITMENT_KIND,
                            title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                            tender_id=tender.id, subject_id=bond.id)
    ledger.append(session, clock, actor, "bond.commitment", "bond", bond.id, tender_id=tender.id,
                  after={"section": section.number, "record_id": record_id})
    return bond


# --- what the bond looks like to the others ----------------------------------------------------


@dataclass(frozen=True)
class BondState:
    """A bidder's bond for a section as the opening record prints it; ``missing`` is a rejection ground."""

    code: str
    text: str
    missing: bool


def bond_state(section: Section, bond: Bond | None) -> BondState:
    if section.bond_policy == BondPolicy.WAIVED:
        return BondState("waived", "免收", False)
    if bond is None or bond.status not in PROVIDED:
        if section.bond_policy == BondPolicy.WAIVED_CREDIT_COMMITMENT:
            return BondState("missing", "未签署信用承诺书", True)
        if bond is not None and bond.status == "cancelled":
            return BondState("missing", "保函已被出函机构撤销", True)
        return BondState("missing", "未缴纳", True)
    form = BOND_FORM_LABELS[BondForm(bond.form)]
    if bond.form == BondForm.CREDIT_COMMITMENT:
        return BondState("committed", "免收，已签署信用承诺书", False)
    if bond.form == BondForm.CASH:
        return BondState("paid", f"已缴纳（{form} {bond.paid_amount:,.2f} 元）", False)
    return BondState("guarantee", f"保函已核验（{form} {bond.guarantee_number}，{bond.amount:,.2f} 元）", False)


def bond_states(session: Session, tender: Tender) -> dict[tuple[int, int], BondState]:
    """Every bid's bond state of the tender, by (section id, bidder org id)."""
    bonds = {(b.section_id, b.bidder_org_id): b for b in session.scalars(select(Bond).where(Bond.tender_id == tender.id))}
    return {(bid.section_id, bid.bidder_org_id): bond_state(bid.section, bonds.get((bid.section_id, bid.bidder_org_id)))
            for bid in bids_at_opening(session, tender)}


def own_bonds(session: Session, actor: Actor, tender_id: int) -> dict[int, Bond]:
    """The bidder's own bonds for a tender, by section id."""
    require_role(actor, Role.BIDDER)
    return {b.section_id: b for b in session.scalars(select(Bond).where(Bond.tender_id == tender_id,
                                                                       Bond.bidder_org_id == actor.org_id))}


def bids_disclosed(tender: Tender) -> bool:
    """Who bid is known from the opening on, or once the tender failed at the deadline (法第22条)."""
    return tender.opened_at is not None or tender.status == "failed"


def tender_bonds(session: Session, actor: Actor, tender: Tender) -> list[Bond]:
    """All bonds of a tender: for its managers and supervisors, and only once the opening started (a bond
    tells who means to bid, which stays secret until then, 法第22条, as the bids do)."""
    if not (manages(actor, tender) or actor.has(Role.SUPERVISOR, Role.ADMIN)):
        raise NotFound(N_("招标项目不存在。"))
    if not bids_disclosed(tender):
        return []
    return list(session.scalars(select(Bond).where(Bond.tender_id == tender.id).order_by(Bond.section_id, Bond.id)))


def commitment_for_download(session: Session, actor: Actor, bond_id: int | None) -> Bond:
    """A signed commitment letter names a bidder: its own until the opening, then as public as the tender."""
    bond = session.get(Bond, bond_id) if bond_id else None
    tender = session.get(Tender, bond.tender_id) if bond else None
    if bond is None or not ((actor.org_id == bond.bidder_org_id and actor.has(Role.BIDDER)) or bids_disclosed(tender)):
        raise NotFound(N_("记录不存在。"))
    get_tender(session, actor, tender.id)
    return bond


def check_with_issuer(session: Session, clock: Clock, actor: Actor, adapter: guarantees.IssuerAdapter,
                      bond_id: int) -> str:
    """Ask the issuer whether a guarantee still stands; a cancelled one no longer counts as a bond."""
    bond = session.get(Bond, bond_id)
    if bond is None or bond.issuer is None:
        raise NotFound(N_("保函不存在。"))
    tender = session.get(Tender, bond.tender_id)
    if not (manages(actor, tender) or actor.has(Role.SUPERVISOR) or actor.org_id == bond.bidder_org_id):
        raise NotFound(N_("保函不存在。"))
    status = adapter.ask(bond.issuer, "verify", bond.guarantee_number)
    ledger.append(session, clock, actor, "bond.issuer_check", "bond", bond.id, tender_id=bond.tender_id,
                  after={"number": bond.guarantee_number, "issuer_status": status})
    if status == "cancelled" and bond.status == "verified":
        bond.status = "cancelled"
    return status
