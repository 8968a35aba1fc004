"""Tables of the expert pool: experts with their specialties, unavailable dates and declared conflicts,
the draws with their groups, picks and the tenderee's written exclusions, and the outbox of
notifications (domain-rules sections 4.1-4.3 and 8).

Tender and section are referred to by table name only: this package sits below ``bidding`` and
never imports it (DESIGN.md section 1).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime

EXPERT_STATUSES = ("active", "suspended", "removed")
CONFLICT_KINDS = ("former_employer", "relative", "shareholder", "other")
VENUES = ("main", "sub")
CHANNELS = ("sms", "voice", "email")


class Expert(Base):
    """An evaluation expert (评标专家) in the platform's database (专家库)."""

    __tablename__ = "expert"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    # 居民身份证号 (GB 11643): the identity re-imports are matched on
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    employer_name: Mapped[str] = mapped_column(String(200))
    employer_credit_code: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    employer_org_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), nullable=True, index=True)
    # e.g. 浙江省杭州市; a draw for 浙江省 takes every region that starts with it
    region: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(50))
    years_of_practice: Mapped[int] = mapped_column(Integer)
    # active | suspended | removed (清退): only active experts are ever drawn
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active", index=True)
    status_note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    credit_score: Mapped[int] = mapped_column(Integer, default=100, server_default="100")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    specialty_rows: Mapped[list[ExpertSpecialty]] = relationship(
        order_by="ExpertSpecialty.code", cascade="all, delete-orphan")
    unavailable: Mapped[list[ExpertUnavailable]] = relationship(
        order_by="ExpertUnavailable.day", cascade="all, delete-orphan")
    conflicts: Mapped[list[ExpertConflict]] = relationship(order_by="ExpertConflict.id", cascade="all, delete-orphan")

    @property
    def specialties(self) -> list[str]:
        return [row.code for row in self.specialty_rows]


class ExpertSpecialty(Base):
    __tablename__ = "expert_specialty"
    __table_args__ = (UniqueConstraint("expert_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(10), index=True)


class ExpertUnavailable(Base):
    """A day (Beijing date) the expert declared they cannot evaluate."""

    __tablename__ = "expert_unavailable"
    __table_args__ = (UniqueConstraint("expert_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    note: Mapped[str] = mapped_column(String(200), default="", server_default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExpertConflict(Base):
    """An interest the expert declared (12号令第12条; GP条例第9条): the draw never sends them to that organisation."""

    __tablename__ = "expert_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    org_credit_code: Mapped[str | None] = mapped_column(String(18), nullable=True, index=True)
    org_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # former_employer | relative | shareholder | other
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ExpertDraw(Base):
    """One random draw of a section's committee (条例第46条), with what makes it verifiable afterwards.

    ``snapshot`` is the frozen eligible pool as canonical JSON and ``snapshot_sha256`` its hash; ``seed_hex``
    is the secret seed and ``seed_commitment`` its SHA-256, published when drawing. The seed is shown to
    nobody until ``seed_revealed_at``.
    """

    __tablename__ = "expert_draw"

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id"), index=True)
    # what the record prints, as the caller gave it at the time of the draw
    tender_code: Mapped[str] = mapped_column(String(60))
    tender_title: Mapped[str] = mapped_column(String(200))
    section_label: Mapped[str] = mapped_column(String(200))
    tenderee_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    agent_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    evaluation_at: Mapped[datetime] = mapped_column(UTCDateTime())
    place: Mapped[str] = mapped_column(String(300))
    representatives: Mapped[int] = mapped_column(Integer)
    answer_minutes: Mapped[int] = mapped_column(Integer)
    channels: Mapped[str] = mapped_column(String(40))
    recent_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # notifying -> complete (every seat confirmed) | short (a group ran out of backups)
    status: Mapped[str] = mapped_column(String(20), index=True)
    short_group: Mapped[int | None] = mapped_column(Integer, nullable=True)
    snapshot: Mapped[str] = mapped_column(Text)
    snapshot_sha256: Mapped[str] = mapped_column(String(64))
    seed_hex: Mapped[str] = mapped_column(String(64))
    seed_commitment: Mapped[str] = mapped_column(String(64))
    seed_revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    evaluation_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)

    groups: Mapped[list[DrawGroup]] = relationship(order_by="DrawGroup.number", cascade="all, delete-orphan")
    picks: Mapped[list[DrawPick]] = relationship(order_by="DrawPick.id", cascade="all, delete-orphan")
    exclusions: Mapped[list[DrawExclusion]] = relationship(order_by="DrawExclusion.id", cascade="all, delete-orphan")

    @property
    def experts(self) -> int:
        return sum(g.count for g in self.groups)


class DrawGroup(Base):
    """One line of the request: so many experts of a specialty from a region, for the main or a sub venue."""

    __tablename__ = "expert_draw_group"
    __table_args__ = (UniqueConstraint("draw_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draw.id", ondelete="CASCADE"), index=True)
    # 1, 2, …: the group's position, which is also part of the HMAC message that orders its candidates
    number: Mapped[int] = mapped_column(Integer)
    specialty_code: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(100))
    venue: Mapped[str] = mapped_column(String(10))
    venue_place: Mapped[str] = mapped_column(String(300), default="", server_default="")
    count: Mapped[int] = mapped_column(Integer)
    backups: Mapped[int] = mapped_column(Integer)
    # experts of the specialty and region, and how many of them passed recusal
    matching: Mapped[int] = mapped_column(Integer)
    pool_size: Mapped[int] = mapped_column(Integer)
    # {reason: count} as JSON, each excluded expert counted once (recusal.REASONS order)
    exclusions: Mapped[str] = mapped_column(Text)

    picks: Mapped[list[DrawPick]] = relationship(order_by="DrawPick.rank", back_populates="group")


class DrawPick(Base):
    """A drawn expert: a member or a backup of a group, in the order the seed gave."""

    __tablename__ = "expert_draw_pick"
    __table_args__ = (UniqueConstraint("draw_id", "expert_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draw.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("expert_draw_group.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("expert.id"), index=True)
    # the position in the group's seeded order, 1 = first
    rank: Mapped[int] = mapped_column(Integer)
    # member | backup, as drawn (never changes: the verification re-derives it)
    role: Mapped[str] = mapped_column(String(10))
    # reserve (a backup not yet called) -> notified -> confirmed | declined | expired; confirmed -> recused
    status: Mapped[str] = mapped_column(String(12), index=True)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    note: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # the pick this backup took the place of
    replaces_pick_id: Mapped[int | None] = mapped_column(ForeignKey("expert_draw_pick.id"), nullable=True)

    group: Mapped[DrawGroup] = relationship(back_populates="picks")
    expert: Mapped[Expert] = relationship()


class DrawExclusion(Base):
    """An expert the tenderee excluded by name, with the written reason that goes on the draw record."""

    __tablename__ = "expert_draw_exclusion"

    id: Mapped[int] = mapped_column(primary_key=True)
    draw_id: Mapped[int] = mapped_column(ForeignKey("expert_draw.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    reason: Mapped[str] = mapped_column(String(500))
    # how many experts in the database bear the name (0: the exclusion changed nothing)
    matched: Mapped[int] = mapped_column(Integer)


class OutboxMessage(Base):
    """A message to send (SMS, voice call, e-mail), written in the transaction that decided it; a sender
    delivers it later, so a failing gateway never rolls back a draw."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # pending -> sent | failed (after the last attempt)
    status: Mapped[str] = mapped_column(String(10), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str] = mapped_column(String(500), default="", server_default="")
    # what the message is about, e.g. ("expert_draw_pick", 12)
    ref_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    ref_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
