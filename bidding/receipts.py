"""The bid receipt (投标回执, 电子办法第28条): the platform attests what it received and when.

Signed with the platform seal, not a person's key: the receipt is the platform's statement. The
sealed-bid issue calls ``issue_receipt`` when it accepts an upload.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core.actor import Actor
from core.clock import Clock, shanghai_text
from core.files import FileStore
from signing import pki, records, seal, signed_records
from signing.signed_records import SignedRecord

KIND = "bid_receipt"


@dataclass(frozen=True)
class ReceiptFacts:
    """What the receipt states; every value is the platform's own record of the upload."""

    tender_id: int
    tender_code: str
    tender_title: str
    section: str
    bidder_name: str
    bidder_credit_code: str
    ciphertext_sha256: str
    size: int
    received_at: datetime
    ledger_seq: int
    bid_id: int | None = None


def receipt_record(facts: ReceiptFacts, record_id: str) -> records.Record:
    received = shanghai_text(facts.received_at)
    return records.Record(
        kind=KIND,
        title=f"{facts.tender_title} 投标文件接收回执",
        tender_code=facts.tender_code,
        record_id=record_id,
        blocks=[
            records.Facts([
                ("项目编号", facts.tender_code),
                ("项目名称", facts.tender_title),
                ("标段", facts.section),
                ("投标人", facts.bidder_name),
                ("统一社会信用代码", facts.bidder_credit_code),
                ("密文 SHA-256", facts.ciphertext_sha256),
                ("密文大小（字节）", f"{facts.size:,}"),
                ("平台接收时间（北京时间）", received),
                ("记录链位置", str(facts.ledger_seq)),
            ]),
            records.Paragraph("本平台已于上述时间收到上述投标文件（加密）。投标截止前，任何人（包括平台）均无法解密投标文件；"
                              "投标人可在截止前修改或撤回。本回执由平台电子签章，"
                              "可在平台“验证签名”页面或使用任何 PAdES 验证工具核验。"),
            records.SignaturePlaces(["sealbid 平台电子签章"]),
        ],
    )


def issue_receipt(session: Session, clock: Clock, actor: Actor, settings: pki.PlatformSettings, store: FileStore,
                  facts: ReceiptFacts) -> SignedRecord:
    record_id = signed_records.new_record_id()
    record = receipt_record(facts, record_id)
    pdf = seal.sign_as_platform(session, clock, settings, records.render(record), field_name="platform",
                                reason=f"投标回执 {facts.tender_code}")
    return signed_records.register(session, clock, actor, store, record_id=record_id, kind=KIND, title=record.title,
                                   content_sha256=records.content_digest(record), pdf=pdf, tender_id=facts.tender_id,
                                   subject_id=facts.bid_id)
