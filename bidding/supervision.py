"""The supervisor's workspace for one tender (domain-rules section 9: real-time read-only access to every stage):
the milestones, every signed record with its validation status, the objections of every stage, the complaints,
the bonds and the awards, in one read.

Validating a PDF costs tens of milliseconds; a tender holds a few dozen records and each signature makes a new PDF
(a new SHA-256), so a check is cached per PDF digest and certificate-revocation list for the process's lifetime.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import bonds, complaints, opening, participation, trail
from bidding.access import require_role
from bidding.award_models import Award, AwardObjection, Complaint
from bidding.award_state import awards_of_tender
from bidding.bond_models import Bond
from bidding.models import Objection, OpeningObjection, Tender
from core.actor import Actor, Role
from core.files import FileStore
from signing import signed_records
from signing.signed_records import SignedRecord
from signing.verify import RecordCheck, verify_pdf

_CHECKS: dict[tuple[str, str], RecordCheck] = {}
_CHECKS_LIMIT = 2000
# ledger actions worth a line in the timeline (the full trail is on the page below it)
MILESTONES = ("tender.", "opening.", "evaluation.", "award.", "award_objection.", "objection.", "complaint.",
              "notice.", "contract.", "draw.request", "record.sign")


@dataclass(frozen=True)
class RecordStatus:
    record: SignedRecord
    check: RecordCheck


@dataclass(frozen=True)
class Milestone:
    at: datetime
    action: str
    actor_name: str
    seq: int


@dataclass(frozen=True)
class Workspace:
    tender: Tender
    milestones: list[Milestone]
    records: list[RecordStatus]
    document_objections: list[Objection]
    opening_objections: list[OpeningObjection]
    award_objections: list[AwardObjection]
    complaints: list[Complaint]
    bonds: list[Bond]
    awards: list[Award]

    @property
    def invalid_records(self) -> int:
        return sum(1 for r in self.records if not r.check.ok)


def check_record(store: FileStore, record: SignedRecord, roots: list[x509.Certificate], crl: bytes,
                 at: datetime) -> RecordCheck:
    """The record's latest PDF checked against the platform's roots and CRL (cached per PDF and CRL)."""
    key = (record.pdf_sha256, hashlib.sha256(crl).hexdigest())
    found = _CHECKS.get(key)
    if found is None:
        with store.open(record.pdf_sha256) as stream:
            found = verify_pdf(stream.read(), roots, [crl], at)
        if len(_CHECKS) >= _CHECKS_LIMIT:
            _CHECKS.clear()
        _CHECKS[key] = found
    return found


def workspace(session: Session, actor: Actor, store: FileStore, tender: Tender, roots: list[x509.Certificate],
              crl: bytes, at: datetime) -> Workspace:
    require_role(actor, Role.SUPERVISOR)
    entries = trail.tender_trail(session, actor, tender)
    milestones = [Milestone(e.at, e.action, e.actor_name, e.seq) for e in entries
                  if e.action.startswith(MILESTONES)]
    sealed_hidden = tender.opened_at is None
    records = [RecordStatus(r, check_record(store, r, roots, crl, at))
               for r in signed_records.for_tender(session, tender.id)
               if not (sealed_hidden and r.kind in trail.SEALED_RECORD_KINDS)]
    return Workspace(
        tender=tender,
        milestones=milestones,
        records=records,
        document_objections=participation.objections(session, actor, tender),
        opening_objections=opening.objections(session, tender),
        award_objections=list(session.scalars(select(AwardObjection).join(Award, Award.id == AwardObjection.award_id)
                                              .where(Award.tender_id == tender.id)
                                              .order_by(AwardObjection.raised_at))),
        complaints=complaints.complaints_of(session, actor, tender.id),
        bonds=bonds.tender_bonds(session, actor, tender),
        awards=awards_of_tender(session, tender.id),
    )
