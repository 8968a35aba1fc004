"""The bond waiver decision (免收投标保证金决定): a waiver is a decision with its legal basis, signed by the
agent when the tender is published, not a missing number (domain-rules section 2: many provinces waive
bid bonds for government-invested works; 国办发〔2024〕21号 encourages waivers)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bidding.models import Tender
from bidding.notices import Signing
from bidding.schemas import BOND_POLICY_LABELS, BondPolicy
from core.actor import Actor
from core.clock import Clock, shanghai_text
from signing import records, seal, signed_records
from signing.signed_records import SignedRecord

KIND = "bond_waiver"


def waiver_record(tender: Tender, record_id: str, signer: str, now_text: str) -> records.Record:
    waived = [s for s in tender.sections if s.bond_waived]
    return records.Record(
        kind=KIND,
        title=f"{tender.title} 免收投标保证金决定",
        tender_code=tender.code,
        record_id=record_id,
        blocks=[
            records.Facts([("项目编号", tender.code), ("项目名称", tender.title), ("招标人", tender.tenderee.name),
                           ("招标代理机构", tender.agent.name),
                           ("资金来源", "国有资金" if tender.is_state_funded else "非国有资金"),
                           ("决定时间", now_text)]),
            records.Heading("免收的标段及依据"),
            records.Table(["标段", "名称", "招标控制价（元）", "政策", "免收依据"],
                          [[str(s.number), s.name, f"{s.estimated_price:,.2f}",
                            BOND_POLICY_LABELS[BondPolicy(s.bond_policy)], s.bond_waiver_basis] for s in waived],
                          col_widths=[1, 3, 3, 3, 5]),
            records.Paragraph("上述标段不收取投标保证金。以信用承诺替代的，投标人须在投标截止前通过本平台签署信用承诺书；"
                              "投标人违反承诺的，按有关规定记入信用记录并限制其投标。"),
            records.SignaturePlaces([signer]),
        ],
    )


def sign_waiver_decision(session: Session, clock: Clock, actor: Actor, tender: Tender,
                         signing: Signing) -> SignedRecord | None:
    """Render and sign the decision if any section waives its bond (nothing to sign otherwise)."""
    if not any(s.bond_waived for s in tender.sections):
        return None
    record_id = signed_records.new_record_id()
    record = waiver_record(tender, record_id, actor.name, shanghai_text(clock.now()))
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                              field_name="agent", reason=f"免收投标保证金决定 {tender.code}")
    return signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=KIND,
                                   title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                                   tender_id=tender.id)
