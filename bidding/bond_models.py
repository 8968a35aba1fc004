"""Tables of the bid bond (投标保证金): each bidder's bond per section, the bank transfers that pay cash
bonds, the registered issuers of electronic guarantees, the bidders' basic accounts, and the
signals of bid rigging the bonds reveal (domain-rules section 2)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bidding.models import MONEY, Section
from core.db import Base, UTCDateTime
from core.identity import Organisation


class BasicAccount(Base):
    """A bidder's basic bank account (基本账户): cash bonds must come from it (B7, 条例第26条)."""

    __tablename__ = "basic_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    bank_name: Mapped[str] = mapped_column(String(100))
    account_no: Mapped[str] = mapped_column(String(40), index=True)
    updated_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class GuaranteeIssuer(Base):
    """A bank, insurer or guarantor registered to issue electronic guarantees (电子保函).

    The platform trusts a guarantee only if it is signed with the certificate registered here and
    the registration is not revoked; the optional ``api_url`` is the issuer's adapter endpoint for
    verification and release requests.
    """

    __tablename__ = "guarantee_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    certificate_pem: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    api_url: Mapped[str] = mapped_column(String(300), default="")
    # active -> revoked
    status: Mapped[str] = mapped_column(String(20), default="active")
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    revoke_reason: Mapped[str] = mapped_column(String(500), default="")
    registered_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Bond(Base):
    """One bidder's bond for one section, in the form it chose (every section has its own bond)."""

    __tablename__ = "bond"
    __table_args__ = (UniqueConstraint("section_id", "bidder_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    form: Mapped[str] = mapped_column(String(30))
    # the amount the section requires (cash) or the guarantee's amount
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # awaiting_payment -> paid (cash) | verified (guarantee) | committed (credit commitment);
    # then refunded (cash) | released | forfeited | converted (to the performance bond)
    status: Mapped[str] = mapped_column(String(24), index=True)
    provided_at: Mapped[datetime] = mapped_column(UTCDateTime())
    provided_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # cash: the bond account's sub-account (虚拟子账号) this bidder pays into for this section
    virtual_account: Mapped[str | None] = mapped_column(String(40), unique=True, nullable=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    paid_amount: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    payer_account: Mapped[str | None] = mapped_column(String(40), nullable=True)
    # guarantee: number, issuer, validity and the signed file in the store
    guarantee_number: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("guarantee_issuer.id"), nullable=True)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # credit commitment: the signed commitment letter
    record_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    # release after the contract (条例第57条): due date, when done, refund with interest
    release_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    interest: Mapped[Decimal | None] = mapped_column(MONEY, nullable=True)
    release_reference: Mapped[str] = mapped_column(String(100), default="")
    release_note: Mapped[str] = mapped_column(String(500), default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    overdue_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    bidder: Mapped[Organisation] = relationship()
    section: Mapped[Section] = relationship()
    issuer: Mapped[GuaranteeIssuer | None] = relationship()


class BondPayment(Base):
    """A transfer into the bond account as the bank notified it; refused ones are kept to be returned."""

    __tablename__ = "bond_payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_serial: Mapped[str] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    payer_name: Mapped[str] = mapped_column(String(200))
    payer_account: Mapped[str] = mapped_column(String(40), index=True)
    payer_bank: Mapped[str] = mapped_column(String(100), default="")
    virtual_account: Mapped[str] = mapped_column(String(40), index=True)
    amount: Mapped[Decimal] = mapped_column(MONEY)
    memo: Mapped[str] = mapped_column(String(200), default="")
    bond_id: Mapped[int | None] = mapped_column(ForeignKey("bond.id", ondelete="SET NULL"), nullable=True, index=True)
    tender_id: Mapped[int | None] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), nullable=True, index=True)
    # accepted | refused (the reason says why; the money goes back to the payer)
    status: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(30), default="")
    source: Mapped[str] = mapped_column(String(20))
    imported_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), nullable=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RiggingSignal(Base):
    """A statutory indicator of collusion (条例第40条) found by the platform, for the supervisor."""

    __tablename__ = "rigging_signal"
    __table_args__ = (UniqueConstraint("tender_id", "kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    tender_id: Mapped[int] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # what the bidders share, e.g. the payer account
    key: Mapped[str] = mapped_column(String(100))
    org_ids: Mapped[str] = mapped_column(String(500))
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())
