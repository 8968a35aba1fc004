"""The opening record (开标记录表, 电子办法第32条): rendered from the opening and signed by the agent and
the supervisor, then published to the tender's bidders."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session

from bidding.access import require_manager
from bidding.bids import BID_STATUS_LABELS
from bidding.bonds import bond_states
from bidding.models import Tender
from bidding.notices import Signing
from bidding.opening import bids_at_opening, objections
from core.actor import Actor, Role
from core.clock import Clock
from core.errors import N_, Conflict, NotPermitted
from signing import records, seal, signed_records
from signing.signed_records import SignedRecord

KIND = "opening_record"
FORM_FIELDS = (("price", "投标报价（元）"), ("duration_days", "工期（日历天）"), ("quality", "质量目标"),
               ("project_manager", "项目经理"))


def opening_record(session: Session, tender: Tender, record_id: str, signers: list[str]) -> records.Record:
    rows = []
    bonds = bond_states(session, tender)
    opened = bids_at_opening(session, tender)
    for bid in opened:
        form = json.loads(bid.bid_form) if bid.bid_form else {}
        rows.append([str(bid.section.number), bid.bidder.name, bid.bidder.credit_code,
                     BID_STATUS_LABELS.get(bid.status, bid.status) + ("（托管恢复）" if bid.decrypted_via == "escrow" else ""),
                     records.when(bid.decrypted_at), *[str(form.get(key, "—")) for key, _ in FORM_FIELDS],
                     bonds[(bid.section_id, bid.bidder_org_id)].text])
    missing = [f"第 {bid.section.number} 标段 {bid.bidder.name}" for bid in opened
               if bonds[(bid.section_id, bid.bidder_org_id)].missing and bid.status == "decrypted"]
    objection_rows = [[o.bidder.name, o.body, o.answer or "—", records.when(o.raised_at)] for o in objections(session, tender)]
    return records.Record(
        kind=KIND,
        title=f"{tender.title} 开标记录表",
        tender_code=tender.code,
        record_id=record_id,
        blocks=[
            records.Facts([("项目编号", tender.code), ("项目名称", tender.title), ("招标人", tender.tenderee.name),
                           ("开标时间（服务器时间）", records.when(tender.opened_at)),
                           ("解密截止时间", records.when(tender.decryption_deadline)), ("开标方式", "不见面开标，远程解密")]),
            records.Heading("投标人及开标一览表"),
            records.Table(["标段", "投标人", "统一社会信用代码", "解密状态", "解密时间",
                           *[label for _, label in FORM_FIELDS], "投标保证金"], rows),
            records.Paragraph("未按招标文件要求提交投标保证金（或信用承诺书）的投标：" + "、".join(missing)
                              + "。依据《评标委员会和评标方法暂行规定》（12号令）第25条，"
                              "投标保证金缺失属重大偏差，提交评标委员会审查。"
                              if missing else "所有解密成功的投标均已按招标文件要求提交投标保证金或信用承诺书，或本项目免收。"),
            records.Heading("开标异议及答复"),
            records.Table(["提出人", "异议", "答复", "时间"], objection_rows or [["—", "无", "—", "—"]]),
            records.SignaturePlaces(signers),
        ],
    )


def sign_opening_record(session: Session, clock: Clock, actor: Actor, tender_id: int,
                        signing: Signing) -> SignedRecord:
    """The agent signs first (creating the record), then a supervisor adds their signature."""
    tender = session.get(Tender, tender_id)
    if tender is None or tender.status != "opened":
        raise Conflict(N_("开标结束后才能签署开标记录。"))
    existing = signed_records.for_tender(session, tender.id, KIND)
    if not existing:
        require_manager(actor, tender)
        if not actor.has(Role.AGENT):
            raise NotPermitted(N_("开标记录由招标代理先签署。"))
        record_id = signed_records.new_record_id()
        record = opening_record(session, tender, record_id, [f"招标代理：{actor.name}", "监督人员：（待签）"])
        pdf = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin,
                                  records.render(record), field_name="agent", reason=f"开标记录 {tender.code}")
        return signed_records.register(session, clock, actor, signing.store, record_id=record_id, kind=KIND,
                                       title=record.title, content_sha256=records.content_digest(record), pdf=pdf,
                                       tender_id=tender.id)
    current = existing[-1]
    if not actor.has(Role.SUPERVISOR) or current.signatures >= 2:
        raise NotPermitted(N_("开标记录已由代理签署，现需监督人员签署。") if current.signatures < 2
                           else N_("开标记录已签署完毕。"))
    pdf = signing.store.open(current.pdf_sha256).read()
    signed = seal.sign_as_person(session, clock, signing.settings, actor.user_id, signing.pin, pdf,
                                 field_name="supervisor", reason=f"监督开标记录 {tender.code}")
    return signed_records.add_version(session, clock, actor, signing.store, current, signed)
