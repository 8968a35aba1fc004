"""Tables of the award (定标) and what follows it: the tenderee's award-member pool and the drawn award committee
(评定分离), the award of each section with its ballots, lottery and opinions, the publicity (公示) with its
objections (异议), complaints (投诉) to the supervisor, and the award and result notices (中标通知书/结果通知书).

One :class:`Award` per section and attempt: a complaint decision that orders a new award voids the current one and
a new row starts, so the history of every attempt stays on the record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.models import Section, Tender
from core.db import Base, UTCDateTime
from core.identity import Organisation

# The candidate modes a tender fixes at creation (domain-rules sections 5.7 and 6).
AWARD_MODES = ("ranked", "separated")
# The award methods of 评定分离 (domain-rules section 6): 票决法, 抽签法, 集体议事法, 价格竞争法, 票决抽签法.
AWARD_METHODS = ("vote", "lottery", "deliberation", "price", "vote_lottery")
# review -> (returned -> review)* -> accepted -> candidates_publicity -> deciding -> decided
#   -> (result_publicity ->) notified -> contracted; void when a complaint decision orders a new award or a cancel
AWARD_STATUSES = ("review", "returned", "accepted", "candidates_publicity", "deciding", "decided",
                  "result_publicity", "notified", "contracted", "void")
PUBLICITY_KINDS = ("candidates", "result")
COMPLAINT_STATUSES = ("filed", "accepted", "rejected", "decided")
COMPLAINT_OUTCOMES = ("dismissed", "re_evaluation", "new_award", "cancelled")


class AwardPoolMember(Base):
    """A person of the tenderee's award-member pool (定标委员库: leaders, managers, technical staff), a user with
    the tenderee role in the tenderee's organisation so that they can sign the award record with their own PIN."""

    __tablename__ = "award_pool_member"
    __table_args__ = (UniqueConstraint("tenderee_org_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tenderee_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # leadership | management | technical
    category: Mapped[str] = mapped_column(String(20))
    # may sit as chair without being drawn (the legal representative or principal, domain-rules section 6)
    principal: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # active | removed
    status: Mapped[str] = mapped_column(String(10), default="active", server_default="active")
    added_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Award(Base):
    """The award of one section: report review, candidates, the decision and its record, the notices."""

    __tablename__ = "award"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), index=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # copied from the tender when the award starts, so the record says what applied
    mode: Mapped[str] = mapped_column(String(10))
    method: Mapped[str] = mapped_column(String(20), default="", server_default="")
    rule_set: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(24), index=True)
    # the candidates as the committee recommended them: JSON list of {bidder_id, org_id, name, price, rank|null}
    candidates: Mapped[str] = mapped_column(Text)
    report_received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the award committee's draw (评定分离): the frozen pool with its SHA-256, the seed committed by its SHA-256
    pool_snapshot: Mapped[str | None] = mapped_column(Text, nullable=True)
    pool_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed_hex: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed_commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    seed_revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the lottery of 抽签法/票决抽签法 (or a tie broken by lot): its own committed seed
    lottery_seed_hex: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lottery_commitment: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lottery_drawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    vote_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # the decision: the winner, how it was reached (JSON: rounds, tallies, shortlist, draw, chair's statement)
    winner_bidder_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_bidder.id"), nullable=True)
    winner_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True)
    decision: Mapped[str | None] = mapped_column(Text, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    tender: Mapped[Tender] = relationship()
    section: Mapped[Section] = relationship()
    winner: Mapped[Organisation | None] = relationship()
    members: Mapped[list[AwardMember]] = relationship(order_by="AwardMember.position", cascade="all, delete-orphan")
    returns: Mapped[list[ReportReturn]] = relationship(order_by="ReportReturn.id", cascade="all, delete-orphan")


class ReportReturn(Base):
    """评标报告审查: the tenderee sends the report back for a stated error (not to change a judgement), and the
    committee's chair answers whether it was corrected (12号令第39条; 条例第56条 for re-checks)."""

    __tablename__ = "award_report_return"

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    error: Mapped[str] = mapped_column(Text)
    returned_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    corrected: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AwardMember(Base):
    """A seat on the award committee (定标委员会): drawn from the pool (or the principal as chair)."""

    __tablename__ = "award_member"
    __table_args__ = (UniqueConstraint("award_id", "pool_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    pool_member_id: Mapped[int] = mapped_column(ForeignKey("award_pool_member.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # the order the draw gave (backups after the seats); the principal-chair is position 0
    position: Mapped[int] = mapped_column(Integer)
    # seated | backup | recused
    status: Mapped[str] = mapped_column(String(10))
    chair: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    conflict_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # 集体议事法: the member's opinion, the candidate it favours and the reasons
    opinion: Mapped[str] = mapped_column(Text, default="", server_default="")
    opinion_bidder_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    opinion_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class AwardBallot(Base):
    """One member's vote in one round (票决法, 票决抽签法): signed ballots, so the record names who voted for whom."""

    __tablename__ = "award_ballot"
    __table_args__ = (UniqueConstraint("award_id", "round", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    member_id: Mapped[int] = mapped_column(ForeignKey("award_member.id", ondelete="CASCADE"))
    bidder_id: Mapped[int] = mapped_column(ForeignKey("evaluation_bidder.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Publicity(Base):
    """A publicity (中标候选人公示 / 中标结果公示) on the public site, as a signed record, for its legal period."""

    __tablename__ = "publicity"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # running -> ended
    status: Mapped[str] = mapped_column(String(10), default="running", server_default="running")
    record_id: Mapped[str] = mapped_column(String(36))
    published_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))

    award: Mapped[Award] = relationship()


class AwardObjection(Base):
    """异议 to the evaluation result during the publicity (条例第54条): the tenderee answers within 3 days and the
    award waits meanwhile."""

    __tablename__ = "award_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    publicity_id: Mapped[int] = mapped_column(ForeignKey("publicity.id", ondelete="CASCADE"), index=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    body: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answer_due: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    bidder: Mapped[Organisation] = relationship()


class Complaint(Base):
    """投诉 to the supervisor (条例第60-62条): accepted or not within 3 working days, decided within 30, signed."""

    __tablename__ = "complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    award_id: Mapped[int | None] = mapped_column(ForeignKey("award.id"), nullable=True)
    # the objection it follows (matters of the evaluation result must go through an objection first, 条例第60条)
    objection_id: Mapped[int | None] = mapped_column(ForeignKey("award_objection.id"), nullable=True)
    complainant_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    filed_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accept_due: Mapped[datetime] = mapped_column(UTCDateTime())
    decide_due: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    status: Mapped[str] = mapped_column(String(10), default="filed", server_default="filed", index=True)
    handled_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rejection_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    decision: Mapped[str] = mapped_column(Text, default="", server_default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    complainant: Mapped[Organisation] = relationship()
    tender: Mapped[Tender] = relationship()


class AwardNotice(Base):
    """中标通知书 to the winner and 中标结果通知书 to every other bidder (法第45条), delivered on the platform."""

    __tablename__ = "award_notice"
    __table_args__ = (UniqueConstraint("award_id", "bidder_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    award_id: Mapped[int] = mapped_column(ForeignKey("award.id", ondelete="CASCADE"), index=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # award | result
    kind: Mapped[str] = mapped_column(String(10))
    record_id: Mapped[str] = mapped_column(String(36))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    bidder: Mapped[Organisation] = relationship()
