"""Tables of the tendering domain: plans, tenders with their sections and documents, amendments,
document downloads, questions and objections."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, ForeignKey, Integer, LargeBinary, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime
from core.identity import Organisation

MONEY = Numeric(18, 2)


class TenderPlan(Base):
    """招标计划: announced ahead of the notice so the market can prepare (国办发〔2024〕21号)."""

    __tablename__ = "tender_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    tenderee_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    agent_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    category: Mapped[str] = mapped_column(String(20))
    region: Mapped[str] = mapped_column(String(100), default="")
    estimated_amount: Mapped[Decimal] = mapped_column(MONEY)
    expected_notice_date: Mapped[datetime] = mapped_column(UTCDateTime())
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tenderee: Mapped[Organisation] = relationship(foreign_keys=[tenderee_org_id])
    agent: Mapped[Organisation] = relationship(foreign_keys=[agent_org_id])


class Tender(Base):
    __tablename__ = "tender"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("tender_plan.id"), nullable=True)
    tenderee_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    agent_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    category: Mapped[str] = mapped_column(String(20), index=True)
    method: Mapped[str] = mapped_column(String(20))
    is_compulsory: Mapped[bool] = mapped_column(Boolean)
    is_state_funded: Mapped[bool] = mapped_column(Boolean)
    region: Mapped[str] = mapped_column(String(100), default="", index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    # The status to return to when a suspension (e.g. an objection) ends.
    resume_status: Mapped[str | None] = mapped_column(String(20), nullable=True)
    sale_start: Mapped[datetime] = mapped_column(UTCDateTime())
    sale_end: Mapped[datetime] = mapped_column(UTCDateTime())
    clarification_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    bid_deadline: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    bid_validity_days: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tenderee: Mapped[Organisation] = relationship(foreign_keys=[tenderee_org_id])
    agent: Mapped[Organisation] = relationship(foreign_keys=[agent_org_id])
    plan: Mapped[TenderPlan | None] = relationship()
    sections: Mapped[list[Section]] = relationship(
        back_populates="tender", order_by="Section.number", cascade="all, delete-orphan"
    )
    documents: Mapped[list[TenderDocument]] = relationship(order_by="TenderDocument.id", cascade="all, delete-orphan")
    amendments: Mapped[list[Amendment]] = relationship(order_by="Amendment.number", cascade="all, delete-orphan")
    escrow_k: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decryption_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    escrow_holders: Mapped[list[EscrowHolder]] = relationship(order_by="EscrowHolder.key_id",
                                                              cascade="all, delete-orphan")
    # the award as the tender fixes it (domain-rules sections 5.7 and 6): ranked candidates, or 评定分离 with its
    # method, the award committee's size and the method's parameters (JSON), under a regional rule set [L]
    award_mode: Mapped[str] = mapped_column(String(10), default="ranked", server_default="ranked")
    award_method: Mapped[str] = mapped_column(String(20), default="", server_default="")
    award_committee_size: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    award_params: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    rule_set: Mapped[str] = mapped_column(String(30), default="national", server_default="national")


class Section(Base):
    """标段: bids, opening, evaluation and award are per section."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    estimated_price: Mapped[Decimal] = mapped_column(MONEY)
    # required | waived | waived_credit_commitment (domain-rules section 2)
    bond_policy: Mapped[str] = mapped_column(String(30), default="required")
    bond_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    # the forms a required bond may take, comma-separated BondForm values
    bond_forms: Mapped[str] = mapped_column(String(200), default="")
    # the legal basis of a waiver, stated by the agent and signed with the waiver decision
    bond_waiver_basis: Mapped[str] = mapped_column(Text, default="")
    evaluation_method: Mapped[str] = mapped_column(String(30))
    # open -> failed (流标, fewer than 3 bids at the deadline, 条例第44条) | proceeding
    status: Mapped[str] = mapped_column(String(20), default="open")

    tender: Mapped[Tender] = relationship(back_populates="sections")

    @property
    def bond_waived(self) -> bool:
        return self.bond_policy != "required"

    @property
    def accepted_bond_forms(self) -> list[str]:
        return [form for form in self.bond_forms.split(",") if form]


class TenderDocument(Base):
    """A tender document file; amendments add new versions and mark the old one superseded."""

    __tablename__ = "tender_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, default=1)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"), nullable=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("tender_document.id"), nullable=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Amendment(Base):
    """澄清或修改 (法第23条): published to everyone who obtained the documents."""

    __tablename__ = "amendment"
    __table_args__ = (UniqueConstraint("tender_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    old_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    new_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class DocumentObtained(Base):
    """获取招标文件: who obtained the documents; secret until the deadline (法第22条)."""

    __tablename__ = "document_obtained"
    __table_args__ = (UniqueConstraint("tender_id", "bidder_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    obtained_at: Mapped[datetime] = mapped_column(UTCDateTime())

    bidder: Mapped[Organisation] = relationship()


class Question(Base):
    """A bidder's question; published with its answer but without the asker (法第22条)."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    asker_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    body: Mapped[str] = mapped_column(Text)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)


class Objection(Base):
    """异议 to the tender documents (条例第22条): the tender pauses until it is answered."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    body: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    bidder: Mapped[Organisation] = relationship()


class EscrowHolder(Base):
    """One of the tender's opening-escrow key holders (DESIGN.md section 3), fixed at publication."""

    __tablename__ = "escrow_holder"
    __table_args__ = (UniqueConstraint("tender_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    key_id: Mapped[str] = mapped_column(String(64))
    public_raw: Mapped[bytes] = mapped_column(LargeBinary)


class Bid(Base):
    """A bidder's current bid for a section: the sealed envelope in the file store, never plaintext."""

    __tablename__ = "bid"
    __table_args__ = (UniqueConstraint("section_id", "bidder_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    # submitted | withdrawn (before the deadline) | decrypted | undecrypted (window passed) |
    # revoked (撤销: the bidder's own failure) | withdrawn_at_opening (撤回: failure not the bidder's)
    status: Mapped[str] = mapped_column(String(24), default="submitted")
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    receipt_record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    decrypted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decrypted_via: Mapped[str | None] = mapped_column(String(20), nullable=True)
    bid_form: Mapped[str | None] = mapped_column(Text, nullable=True)
    failure_fault: Mapped[str | None] = mapped_column(String(20), nullable=True)
    failure_note: Mapped[str | None] = mapped_column(Text, nullable=True)

    bidder: Mapped[Organisation] = relationship()
    section: Mapped[Section] = relationship()
    files: Mapped[list[BidFile]] = relationship(order_by="BidFile.id", cascade="all, delete-orphan")
    submissions: Mapped[list[BidSubmission]] = relationship(order_by="BidSubmission.id", cascade="all, delete-orphan")


class BidSubmission(Base):
    """Every upload, replacement and withdrawal, kept: the bid's history and the rigging signals."""

    __tablename__ = "bid_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    envelope_sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    source_ip: Mapped[str] = mapped_column(String(64), default="")
    client_fingerprint: Mapped[str] = mapped_column(String(200), default="")
    bidder_signature: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    receipt_record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    ledger_seq: Mapped[int] = mapped_column(Integer)


class BidFile(Base):
    """A decrypted bid document, checked against the sealed manifest; stored after the opening only."""

    __tablename__ = "bid_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    # author, creator, producer, created, modified of the document (bid-rigging signals), as JSON
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")


class EscrowRecovery(Base):
    """Opening a bid through the escrow after a failure not caused by the bidder (电子办法第31条).

    The holders peel the nested wrap one after another on their own machines; the platform only
    ever holds the still-wrapped layer in between. A supervisor must approve before the last layer
    may be used.
    """

    __tablename__ = "escrow_recovery"

    id: Mapped[int] = mapped_column(primary_key=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    holders: Mapped[str] = mapped_column(String(1000))
    peeled: Mapped[int] = mapped_column(Integer, default=0)
    layer: Mapped[bytes] = mapped_column(LargeBinary)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class OpeningObjection(Base):
    """开标异议: raised on the spot at the opening and answered on the spot (条例第44条)."""

    __tablename__ = "opening_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    body: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)

    bidder: Mapped[Organisation] = relationship()


class Contract(Base):
    """The contract signed with the winner of a section (法第46条); bond release counts from its date."""

    __tablename__ = "contract"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), unique=True)
    winner_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    price: Mapped[Decimal] = mapped_column(MONEY)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    performance_bond: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # the award whose notice the contract follows (法第46条: within 30 days of the notice)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), nullable=True)

    winner: Mapped[Organisation] = relationship()
    section: Mapped[Section] = relationship()
