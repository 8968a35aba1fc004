"""The tender notice (招标公告) as a signed record: rendered at publication and signed by the agent.

What the notice says is fixed by 10号令 (publication of tender notices) and the tender itself;
the record carries the timeline, the sections and the SHA-256 of every document, so a bidder can
prove later which documents were published.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from bidding import award_rules
from bidding.models import Section, Tender
from bidding.schemas import (
    BOND_FORM_LABELS,
    CATEGORY_LABELS,
    EVALUATION_LABELS,
    METHOD_LABELS,
    BondForm,
    BondPolicy,
)
from core.actor import Actor
from core.clock import Clock, shanghai_text
from core.files import FileStore
from signing import pki, records, seal, signed_records
from signing.signed_records import SignedRecord

KIND = "tender_notice"


@dataclass(frozen=True)
class Signing:
    """What a person's signature needs: the platform's key settings, the file store and their PIN."""

    settings: pki.PlatformSettings
    store: FileStore
    pin: str


def bond_terms(section: Section) -> str:
    """The bond as the notice states it: the amount and accepted forms, or the waiver."""
    if section.bond_policy == BondPolicy.WAIVED:
        return "免收"
    if section.bond_policy == BondPolicy.WAIVED_CREDIT_COMMITMENT:
        return "免收，以信用承诺书替代"
    forms = "、".join(BOND_FORM_LABELS[BondForm(f)] for f in section.accepted_bond_forms)
    return f"{section.bond_amount:,.2f} 元（{forms}）"


def notice_record(tender: Tender, record_id: str, signer_name: str) -> records.Record:
    documents = [d for d in tender.documents if d.superseded_by_id is None]
    return records.Record(
        kind=KIND,
        title=f"{tender.title} 招标公告",
        tender_code=tender.code,
        record_id=record_id,
        blocks=[
            records.Facts([
                ("项目编号", tender.code),
                ("项目名称", tender.title),
                ("招标人", tender.tenderee.name),
                ("招标代理机构", tender.agent.name),
                ("项目类别", CATEGORY_LABELS.get(tender.category, tender.category)),
                ("招标方式", METHOD_LABELS.get(tender.method, tender.method)),
                ("依法必须招标", "是" if tender.is_compulsory else "否"),
                ("资金来源", "国有资金" if tender.is_state_funded else "非国有资金"),
                ("地区", tender.region or "—"),
                ("招标文件获取时间", f"{shanghai_text(tender.sale_start)} 至 {shanghai_text(tender.sale_end)}"),
                ("澄清截止时间", shanghai_text(tender.clarification_deadline)),
                ("投标截止时间（开标时间）", shanghai_text(tender.bid_deadline)),
                ("投标有效期", f"{tender.bid_validity_days} 天"),
                ("定标方式", award_rules.describe(tender.award_mode, tender.award_method, tender.award_committee_size,
                                              tender.rule_set)),
                ("公告发布时间", shanghai_text(tender.published_at) if tender.published_at else "—"),
            ]),
            records.Heading("项目概况"),
            records.Paragraph(tender.description or "—"),
            records.Heading("标段"),
            records.Table(
                ["标段", "名称", "招标控制价（元）", "投标保证金", "评标办法"],
                [[str(s.number), s.name, f"{s.estimated_price:,.2f}",
                  bond_terms(s),
                  EVALUATION_LABELS.get(s.evaluation_method, s.evaluation_method)] for s in tender.sections],
                col_widths=[1, 4, 3, 3, 3],
            ),
            records.Heading("招标文件"),
            records.Table(["文件", "版本", "大小（字节）", "SHA-256"],
                          [[d.title, f"v{d.version}", str(d.size), d.sha256] for d in documents],
                          col_widths=[3, 1, 2, 6]),
            records.Paragraph("投标人应在招标文件获取时间内通过本平台获取招标文件；投标文件须在投标截止时间前通过本平台加密递交，"
                              "逾期送达的投标文件，平台将拒收。"),
            records.SignaturePlaces([signer_name]),
        ],
    )


def sign_notice(session: Session, clock: Clock, actor: Actor, tender: Tender, signing: Signing) -> SignedRecord:
    """Render the notice and sign it as ``actor`` (the agent publishing it) with their PIN."""
    record_id = signed_records.new_record_id()
    record = notice_record(tender, record_id, actor.name)
    pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, records.render(record),
                              field_name="agent", reason=f"发布招标公告 {tender.code}")
    return signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=KIND,
                                   title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                                   tender_id=tender.id)
