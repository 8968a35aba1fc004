"""Tables of the evaluation (评标): one evaluation per section, its committee, criteria, the bids it judges, every
member's review marks and scores, clarifications, price adjustments, deviation explanations and the ratings of the
experts afterwards (一标一评).

Why so many narrow tables rather than one JSON document: each member writes only their own rows (marks, scores,
declarations), concurrently from different cities, and a unique constraint per (member, item, bid) makes a repeated
save an update instead of a duplicate. What must be recomputable later (the setup with its price formula, the price
inputs, the committee result) is kept as canonical JSON on the evaluation row, next to the rows it came from.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.models import MONEY, Bid, Section, Tender
from core.db import Base, UTCDateTime
from core.identity import Organisation

POINTS = Numeric(7, 2)
PERCENT = Numeric(9, 2)

METHODS = ("comprehensive", "lowest_evaluated_price")
# representatives -> sign_in -> review -> low_price -> scoring | pricing -> report -> signing -> closed
STATUSES = ("representatives", "sign_in", "review", "low_price", "scoring", "pricing", "report", "signing", "closed")
MEMBER_KINDS = ("expert", "representative")
REVIEW_KINDS = ("qualification", "compliance", "bond", "price_limit")
SCORE_KINDS = ("subjective", "objective", "price")
RATER_ROLES = ("agent", "tenderee", "supervisor")
RATING_ASPECTS = ("timeliness", "competence", "fairness", "discipline")


class Evaluation(Base):
    """The evaluation of one section by its committee (法第37条; 12号令第9条)."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), unique=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draw.id"), index=True)
    method: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), index=True)
    # the setup as canonical JSON: options, the price rule (name, version, parameters), the low-price trigger
    config: Mapped[str] = mapped_column(Text)
    representatives: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    chair_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    election_round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    election_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    review_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    scoring_closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the price computation's inputs and outputs, and the committee result, frozen when scoring ends
    price_inputs: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[str | None] = mapped_column(Text, nullable=True)
    report_record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    tender: Mapped[Tender] = relationship()
    section: Mapped[Section] = relationship()
    members: Mapped[list[EvaluationMember]] = relationship(order_by="EvaluationMember.id", cascade="all, delete-orphan")
    criteria: Mapped[list[EvaluationCriterion]] = relationship(
        order_by="EvaluationCriterion.id", cascade="all, delete-orphan")
    bidders: Mapped[list[EvaluationBidder]] = relationship(order_by="EvaluationBidder.position",
                                                           cascade="all, delete-orphan")


class EvaluationMember(Base):
    """A seat on the committee: a drawn expert (from the draw's confirmed picks) or a tenderee representative."""

    __tablename__ = "evaluation_member"
    __table_args__ = (UniqueConstraint("evaluation_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(15))
    pick_id: Mapped[int | None] = mapped_column(ForeignKey("expert_draw_pick.id"), nullable=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("expert.id"), nullable=True, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # main | sub (主场/副场) and the place, from the draw group; representatives sit at the main venue
    venue: Mapped[str] = mapped_column(String(10), default="main", server_default="main")
    venue_place: Mapped[str] = mapped_column(String(300), default="", server_default="")
    # seated | recused (a conflict declared at sign-in: the seat goes to the next backup)
    status: Mapped[str] = mapped_column(String(15), default="seated", server_default="seated")
    replaces_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    sign_in_venue: Mapped[str] = mapped_column(String(200), default="", server_default="")
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    last_seen_venue: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # none | conflict (回避声明, 12号令第12条)
    declaration: Mapped[str | None] = mapped_column(String(15), nullable=True)
    conflict_bidder_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    declaration_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    vote_member_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vote_round: Mapped[int | None] = mapped_column(Integer, nullable=True)
    voted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    scores_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dissent: Mapped[str] = mapped_column(Text, default="", server_default="")
    report_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    refusal_note: Mapped[str] = mapped_column(String(500), default="", server_default="")

    @property
    def active(self) -> bool:
        return self.status == "seated"


class EvaluationCriterion(Base):
    """A review item (pass/fail) or a scoring item (points up to a maximum), as the tender documents state it."""

    __tablename__ = "evaluation_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    # review | score
    stage: Mapped[str] = mapped_column(String(10))
    position: Mapped[int] = mapped_column(Integer)
    group_name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    name: Mapped[str] = mapped_column(String(200))
    # review: qualification | compliance | bond | price_limit; score: subjective | objective | price
    kind: Mapped[str] = mapped_column(String(20))
    max_points: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    basis: Mapped[str] = mapped_column(String(500), default="", server_default="")

    @property
    def automatic(self) -> bool:
        """Pre-answered (bond, price limit) or computed (price score) by the platform."""
        return self.kind in ("bond", "price_limit", "price")


class EvaluationBidder(Base):
    """A decrypted bid before the committee: valid until the committee rejects it (否决投标, 条例第51条)."""

    __tablename__ = "evaluation_bidder"
    __table_args__ = (UniqueConstraint("evaluation_id", "bid_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    bid_id: Mapped[int] = mapped_column(ForeignKey("bid.id"))
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    # valid | rejected
    status: Mapped[str] = mapped_column(String(15), default="valid", server_default="valid")
    grounds: Mapped[str] = mapped_column(Text, default="", server_default="")
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # '' | flagged | accepted | rejected (abnormally low price, 12号令第21条)
    low_price: Mapped[str] = mapped_column(String(15), default="", server_default="")
    low_price_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    bid: Mapped[Bid] = relationship()
    bidder: Mapped[Organisation] = relationship()


class ReviewMark(Base):
    """One member's pass/fail with reason for one bid on one review item."""

    __tablename__ = "evaluation_review_mark"
    __table_args__ = (UniqueConstraint("member_id", "criterion_id", "bidder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_member.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("evaluation_criterion.id", ondelete="CASCADE"))
    bidder_id: Mapped[int] = mapped_column(ForeignKey("evaluation_bidder.id", ondelete="CASCADE"))
    passed: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # pre-filled by the platform (bond, price limit); the member may overrule it with a reason
    automatic: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Score(Base):
    """One member's points for one bid on one scoring item (never the price item: the platform computes it)."""

    __tablename__ = "evaluation_score"
    __table_args__ = (UniqueConstraint("member_id", "criterion_id", "bidder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_member.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("evaluation_criterion.id", ondelete="CASCADE"))
    bidder_id: Mapped[int] = mapped_column(ForeignKey("evaluation_bidder.id", ondelete="CASCADE"))
    points: Mapped[Decimal] = mapped_column(POINTS)
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class Clarification(Base):
    """A written clarification request to a bidder and its answer, through the platform (条例第52条; 电子办法第34条)."""

    __tablename__ = "evaluation_clarification"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("evaluation_bidder.id", ondelete="CASCADE"), index=True)
    # question | low_price (the written justification of an abnormally low price, 12号令第21条)
    kind: Mapped[str] = mapped_column(String(15))
    question: Mapped[str] = mapped_column(Text)
    asked_by_member_id: Mapped[int | None] = mapped_column(ForeignKey("evaluation_member.id"), nullable=True)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    bidder: Mapped[EvaluationBidder] = relationship()


class PriceAdjustment(Base):
    """经评审的最低投标价法: a price adjustment for a commercial deviation, with its reason (12号令第31条)."""

    __tablename__ = "evaluation_price_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("evaluation_bidder.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    reason: Mapped[str] = mapped_column(String(500))
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_member.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeviationNote(Base):
    """偏离度: a member's total for a bid deviates from the mean beyond the threshold, and the member's explanation."""

    __tablename__ = "evaluation_deviation"
    __table_args__ = (UniqueConstraint("member_id", "bidder_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("evaluation_member.id", ondelete="CASCADE"), index=True)
    bidder_id: Mapped[int] = mapped_column(ForeignKey("evaluation_bidder.id", ondelete="CASCADE"))
    total: Mapped[Decimal] = mapped_column(POINTS)
    mean: Mapped[Decimal] = mapped_column(POINTS)
    deviation_pct: Mapped[Decimal] = mapped_column(PERCENT)
    explanation: Mapped[str] = mapped_column(Text, default="", server_default="")
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ExpertRating(Base):
    """一标一评: one rating of one expert by the agent, the tenderee or a supervisor after the evaluation."""

    __tablename__ = "expert_rating"
    __table_args__ = (UniqueConstraint("evaluation_id", "expert_id", "rater_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    rater_role: Mapped[str] = mapped_column(String(15))
    rater_user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    timeliness: Mapped[int] = mapped_column(Integer)
    competence: Mapped[int] = mapped_column(Integer)
    fairness: Mapped[int] = mapped_column(Integer)
    discipline: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    credit_delta: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    at: Mapped[datetime] = mapped_column(UTCDateTime())
