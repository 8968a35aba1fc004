"""`flask demo --out DIR`: a fresh demo tender through every stage, and every signed record it made written to DIR.

The stages are the functions of :mod:`app.demo_lifecycle` that `flask demo load`'s finished tender runs too, so the
two cannot drift apart. The run starts weeks in the past on a frozen clock (like the finished tender) so every
period can pass, and it ends before today, so every record verifies now. A new tender code each time lets it run
again on the same database.

Files are named by kind, so people and scripts find them (issue 7): ``notice-<code>.pdf``,
``receipt-<code>-s<n>-<credit code>.pdf`` and ``.json``, ``waiver-<code>.pdf``, ``commitment-<code>-s<n>-<credit
code>.pdf``, ``opening-record-<code>.pdf``, ``draw-record-<code>-s<n>.pdf``, ``evaluation-report-<code>-s<n>.pdf``,
and ``ledger.jsonl``, the whole ledger, one entry a line with its hash-chain fields, to be checked without the
database.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import demo, demo_lifecycle
from app.demo_lifecycle import Lifecycle
from bidding import award_state
from bidding.award_models import Award, AwardNotice, Publicity
from bidding.bond_models import Bond
from bidding.evaluation_models import Evaluation
from bidding.models import Bid, BidSubmission, Contract, Section, Tender
from core.actor import Actor
from core.clock import Clock, FrozenClock, to_shanghai
from core.files import FileStore
from core.identity import Organisation, User
from expert_pool.models import ExpertDraw
from signing import envelope, ledger, pki, signed_records
from signing.signed_records import SignedRecord


@dataclass(frozen=True)
class Stage:
    """A point the run can stop after (``--until``)."""

    name: str
    run: Callable[[Lifecycle], None]
    what: str


STAGES: tuple[Stage, ...] = (
    Stage("published", demo_lifecycle.publish, "tender created, documents uploaded, notice signed"),
    Stage("sealed", demo_lifecycle.seal_bids, "bonds given (guarantee, cash, waived for commitments), bids sealed"),
    Stage("opened", demo_lifecycle.open_bids, "deadline passed, bids decrypted remotely, opening record signed"),
    Stage("evaluated", demo_lifecycle.evaluate_sections, "experts drawn, evaluation done, reports signed by all"),
    Stage("awarded", demo_lifecycle.award_sections,
          "report accepted, candidates published, award committee drawn and voted, award record and notices signed"),
    Stage("contracted", demo_lifecycle.record_contracts, "contracts recorded with the winners"),
)
STAGE_NAMES = tuple(s.name for s in STAGES)
# Where the demo's people keep their private keys and the demo bank its key (app/demo.py writes them).
KEY_DIR = "demo-keys"
# Signing must begin after every certificate it relies on is valid; a minute of margin.
CERTIFICATE_MARGIN = dt.timedelta(minutes=1)


class RunError(Exception):
    """Something the operator must fix before the demo can run; printed as one line."""


def stages_until(until: str | None) -> list[Stage]:
    """The stages to run: up to ``until``, or all of them."""
    if until is None:
        return list(STAGES)
    return list(STAGES[: STAGE_NAMES.index(until) + 1])


def check_out_dir(out: Path) -> None:
    """DIR must be new or an empty directory: the run never mixes its files with others or overwrites any."""
    if out.exists() and not out.is_dir():
        raise RunError(f"{out} exists and is not a directory")
    if out.is_dir() and any(out.iterdir()):
        raise RunError(f"{out} is not empty; give a new or empty directory")


# --- the people and the clock ----------------------------------------------------------------------------------


def prepare(session: Session, clock: Clock, store: FileStore, settings: pki.PlatformSettings, key_dir: Path) -> bool:
    """The platform's CA, seal and TSA (as `flask signing init`, dated weeks back so the past can be signed in) and
    the demo accounts, roster and tenders (as `flask demo load`), where missing. True when anything was created."""
    initialised = pki.init_platform(session, FrozenClock(clock.now() - demo_lifecycle.HISTORY), Actor.system(), settings)
    loaded = demo.load(session, clock, store, settings, key_dir)
    return initialised or loaded


def demo_people(session: Session, key_dir: Path) -> demo_lifecycle.DemoPeople:
    """The demo's actors from the database and the private keys from the instance folder, as `demo load` left them."""
    users = {u.username: u for u in session.scalars(select(User))}
    needed = ["admin", "agent", "tenderee", "supervisor", "bidder1", "bidder2", "bidder3", *demo.ESCROW_HOLDERS]
    missing = [name for name in needed if name not in users]
    if missing:
        raise RunError(f"the demo accounts {', '.join(missing)} are missing from this database")
    keys = {}
    for name in ("bidder1", "bidder2", "bidder3"):
        path = key_dir / f"{name}.pem"
        if not path.is_file():
            raise RunError(f"the demo key file {path} is missing: SEALBID_INSTANCE must be the instance folder "
                           f"`flask demo load` used with this database")
        keys[name] = envelope.load_private_pem(path.read_bytes())
    tenderee = users["tenderee"].organisation_id
    if tenderee is None:
        raise RunError("the demo tenderee account has no organisation")
    return demo_lifecycle.DemoPeople(actors={name: u.actor() for name, u in users.items()}, keys=keys,
                                     holder_ids=[users[n].id for n in demo.ESCROW_HOLDERS], tenderee_org_id=tenderee)


def demo_issuer(key_dir: Path) -> demo_lifecycle.DemoIssuer:
    try:
        return demo_lifecycle.DemoIssuer.load(key_dir)
    except (OSError, ValueError) as exc:
        raise RunError(f"the demo bank's key files in {key_dir} cannot be read: {exc}") from exc


def start_time(session: Session, now: dt.datetime, people: demo_lifecycle.DemoPeople) -> dt.datetime:
    """``HISTORY`` before now, but never before a certificate the run signs with (the platform's or a demo person's)
    is valid: a platform set up by `flask signing init` today has nothing valid weeks ago."""
    user_ids = [a.user_id for a in people.actors.values() if a.user_id is not None]
    latest = session.scalar(select(func.max(pki.Certificate.not_before)).where(
        pki.Certificate.current.is_(True), pki.Certificate.revoked_at.is_(None),
        (pki.Certificate.purpose.in_(("ca", "platform", "tsa")) | pki.Certificate.user_id.in_(user_ids))))
    start = now - demo_lifecycle.HISTORY
    return max(start, latest + CERTIFICATE_MARGIN) if latest else start


def next_code(session: Session, year: int) -> str:
    """HZ-<year>-GC-<n>: the next number from 0100 up (the demo's own tenders use smaller ones)."""
    prefix = f"HZ-{year}-GC-"
    taken = {int(c[len(prefix):]) for c in session.scalars(select(Tender.code).where(Tender.code.like(f"{prefix}%")))
             if re.fullmatch(r"\d{4,}", c[len(prefix):])}
    return f"{prefix}{max([99, *taken]) + 1:04d}"


# --- the run ---------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: str
    tender_id: int
    prepared: bool
    stages: list[str]
    not_run: list[str]  # the stages after ``stages``
    started_at: dt.datetime
    ended_at: dt.datetime
    candidates: dict[int, list[str]] = field(default_factory=dict)  # section number -> the committee's candidates
    winners: dict[int, str] = field(default_factory=dict)  # section number -> the award's winner


def run(session: Session, clock: Clock, store: FileStore, settings: pki.PlatformSettings, instance: Path,
        stages: list[Stage]) -> Outcome:
    """Prepare the platform and the demo people if needed, then run a fresh tender through ``stages`` (in the
    caller's transaction: a failure leaves the database as it was)."""
    key_dir = instance / KEY_DIR
    prepared = prepare(session, clock, store, settings, key_dir)
    people = demo_people(session, key_dir)
    issuer = demo_issuer(key_dir)
    started = start_time(session, clock.now(), people)
    past = FrozenClock(started)
    code = next_code(session, to_shanghai(started).year)
    plan = demo_lifecycle.lifecycle_plan(code)
    document = demo._pdf(f"{plan.title} 招标文件", [f"项目编号：{code}", "第一章 招标公告", "第二章 投标人须知",
                                                   "第三章 评标办法", "第四章 合同条款及格式", "第五章 工程量清单"])
    lifecycle = Lifecycle(session, past, store, settings, people, issuer, demo.ACCOUNTS.signing_pin, document, plan)
    for stage in stages:
        stage.run(lifecycle)
    tender = lifecycle.published
    ran = [s.name for s in stages]
    return Outcome(code=code, tender_id=tender.id, prepared=prepared, stages=ran,
                   not_run=[s.name for s in STAGES if s.name not in ran],
                   started_at=started,
                   ended_at=past.now(), candidates=candidates(session, tender), winners=winners(session, tender))


def candidates(session: Session, tender: Tender) -> dict[int, list[str]]:
    """Each evaluated section's candidates as the committee recommended them (ranked first to last when ranked)."""
    found = {}
    for evaluation in session.scalars(select(Evaluation).where(Evaluation.tender_id == tender.id)):
        if evaluation.result:
            names = {str(b.id): b.bidder.name for b in evaluation.bidders}
            found[evaluation.section.number] = [names.get(key, key) for key in json.loads(evaluation.result)["candidates"]]
    return dict(sorted(found.items()))


def winners(session: Session, tender: Tender) -> dict[int, str]:
    """Each section's winner: by its award once decided (and its contract, which names the same company)."""
    found = {a.section.number: a.winner.name for a in award_state.awards_of_tender(session, tender.id) if a.winner}
    found.update({c.section.number: c.winner.name
                  for c in session.scalars(select(Contract).where(Contract.tender_id == tender.id))})
    return dict(sorted(found.items()))


# --- the files -------------------------------------------------------------------------------------------------


def _section_number(session: Session, section_id: int) -> int:
    return session.get(Section, section_id).number


def _record_name(session: Session, tender: Tender, record: SignedRecord) -> str:
    """The file name of a record, by its kind; a kind this module does not know yet keeps its kind in the name."""
    code = tender.code

    def by_bidder(prefix: str, section_id: int, org_id: int) -> str:
        org = session.get(Organisation, org_id)
        return f"{prefix}-{code}-s{_section_number(session, section_id)}-{org.credit_code}"

    subject = record.subject_id
    if record.kind == "tender_notice":
        return f"notice-{code}"
    if record.kind == "bond_waiver":
        return f"waiver-{code}"
    if record.kind == "opening_record":
        return f"opening-record-{code}"
    if record.kind == "bid_receipt" and subject is not None:
        bid = session.get(Bid, subject)
        return by_bidder("receipt", bid.section_id, bid.bidder_org_id)
    if record.kind == "credit_commitment" and subject is not None:
        bond = session.get(Bond, subject)
        return by_bidder("commitment", bond.section_id, bond.bidder_org_id)
    if record.kind == "draw_record" and subject is not None:
        return f"draw-record-{code}-s{_section_number(session, session.get(ExpertDraw, subject).section_id)}"
    if record.kind == "evaluation_report" and subject is not None:
        return f"evaluation-report-{code}-s{session.get(Evaluation, subject).section.number}"
    if record.kind == "award_record" and subject is not None:
        return f"award-record-{code}-s{_section_number(session, session.get(Award, subject).section_id)}"
    if record.kind == "publicity":
        shown = session.scalars(select(Publicity).where(Publicity.record_id == record.id)).one()
        return f"publicity-{code}-s{_section_number(session, shown.award.section_id)}-{shown.kind}"
    if record.kind in ("award_notice", "result_notice"):
        notice = session.scalars(select(AwardNotice).where(AwardNotice.record_id == record.id)).one()
        award_row = session.get(Award, notice.award_id)
        return by_bidder(record.kind.replace("_", "-"), award_row.section_id, notice.bidder_org_id)
    return f"{record.kind.replace('_', '-')}-{code}-{record.id[:8]}"


def receipt_json(session: Session, tender: Tender, record: SignedRecord, pdf_name: str) -> dict:
    """The receipt as the API answers a submission (app/api/v1/bids.py), with what the PDF states and its file."""
    submission = session.scalars(select(BidSubmission).where(BidSubmission.receipt_record_id == record.id)).one()
    bid = session.get(Bid, submission.bid_id)
    org = session.get(Organisation, bid.bidder_org_id)
    return {
        "bid_id": bid.id, "status": bid.status, "action": submission.action,
        "envelope_sha256": submission.envelope_sha256, "size": submission.size,
        "received_at": submission.at.isoformat(), "ledger_seq": submission.ledger_seq,
        "receipt_record_id": record.id, "tender_code": tender.code, "section": _section_number(session, bid.section_id),
        "bidder_name": org.name, "bidder_credit_code": org.credit_code,
        "receipt_pdf_sha256": record.pdf_sha256, "receipt_file": pdf_name,
    }


def ledger_line(entry: ledger.LedgerEntry) -> str:
    """An entry with every field its hash covers (payload as the exact canonical text), and the chain's two hashes."""
    return json.dumps({
        "seq": entry.seq, "at": entry.at.isoformat(), "actor_user_id": entry.actor_user_id,
        "actor_org_id": entry.actor_org_id, "actor_name": entry.actor_name, "action": entry.action,
        "subject_type": entry.subject_type, "subject_id": entry.subject_id, "tender_id": entry.tender_id,
        "payload": entry.payload, "prev_hash": entry.prev_hash, "entry_hash": entry.entry_hash,
    }, ensure_ascii=False, separators=(",", ":"))


def export(session: Session, store: FileStore, tender_id: int, out: Path) -> list[tuple[Path, int]]:
    """Write the tender's signed records (current versions), the receipts' JSON and the whole ledger into ``out``.

    The files are written to a new folder beside ``out`` and moved into place at the end, so a failure leaves no
    half-filled ``out``."""
    tender = session.get(Tender, tender_id)
    out = out.absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        names = _write(session, store, tender, staging)
        if out.is_dir():
            out.rmdir()  # empty, as check_out_dir found it
        staging.rename(out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted((out / name, (out / name).stat().st_size) for name in names)


def _write(session: Session, store: FileStore, tender: Tender, folder: Path) -> list[str]:
    written: list[str] = []
    for record in signed_records.for_tender(session, tender.id):
        stem = base = _record_name(session, tender, record)
        n = 2
        while f"{stem}.pdf" in written:
            stem, n = f"{base}-{n}", n + 1
        with store.open(record.pdf_sha256) as stream:
            (folder / f"{stem}.pdf").write_bytes(stream.read())
        written.append(f"{stem}.pdf")
        if record.kind == "bid_receipt":
            body = json.dumps(receipt_json(session, tender, record, f"{stem}.pdf"), ensure_ascii=False, indent=2)
            (folder / f"{stem}.json").write_text(body + "\n", encoding="utf-8")
            written.append(f"{stem}.json")
    with (folder / "ledger.jsonl").open("w", encoding="utf-8") as lines:
        for entry in ledger.entries(session):
            lines.write(ledger_line(entry) + "\n")
    written.append("ledger.jsonl")
    return written
