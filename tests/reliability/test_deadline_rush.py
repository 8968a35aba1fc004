"""The deadline rush, on PostgreSQL with several gunicorn workers and the scheduler as its own process.

200 bidders upload in the last minute before the deadline and every one gets a signed receipt; a bid one second
after the deadline is refused; the scheduler closes bidding and starts the opening; the ledger still verifies.
The servers use the real clock, so the tender's deadline is a minute or so from now (tests/reliability/harness.py
says how the seed gets such a tender through the timeline rules). It takes about 75 s.

Skipped on SQLite: the rush needs the shared lock between uploads and the closing (``FOR SHARE`` / ``FOR UPDATE``)
that only PostgreSQL has, and production runs on PostgreSQL. CI's PostgreSQL run sets TEST_DATABASE_URL, so it
runs there.
"""

from __future__ import annotations

import hashlib
import os
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bidding.models import Bid, BidSubmission, Section, Tender
from core.clock import FrozenClock, SystemClock
from core.files import LocalFileStore
from signing import checkpoints, ledger, pki
from signing.signed_records import SignedRecord
from signing.verify import verify_pdf
from tests.reliability.harness import (
    Gunicorn,
    Scheduler,
    call,
    open_tender,
    seal_bid,
    seed_crowd,
    server_env,
    submit_bid,
)
from tests.world import SIGNING

pytestmark = pytest.mark.skipif(
    not os.environ.get("TEST_DATABASE_URL", "").startswith("postgresql"),
    reason="the deadline rush runs on PostgreSQL (TEST_DATABASE_URL)",
)

BIDDERS = 200
ENVELOPE_BYTES = 256 * 1024
WORKERS = 3
CLIENTS = 32  # concurrent uploads from the test process, all on loopback
RUSH = timedelta(seconds=60)  # the rush starts this long before the deadline
PREPARATION = timedelta(seconds=8)  # sealing 202 envelopes after the tender exists, with room to spare


def _sleep_until(moment: datetime) -> None:
    while (left := (moment - SystemClock().now()).total_seconds()) > 0:
        time.sleep(min(left, 1.0))


def test_two_hundred_bids_in_the_last_minute_all_get_receipts_and_a_late_one_is_refused(database_url, engine, session,
                                                                                          tmp_path):
    instance = tmp_path / "instance"
    store = LocalFileStore(instance / "files")
    real = SystemClock()
    crowd = seed_crowd(session, FrozenClock(real.now() - timedelta(days=30)), BIDDERS + 2)
    env = server_env(database_url, instance, SEALBID_CHECKPOINT_INTERVAL="5")
    web = Gunicorn(env, tmp_path / "gunicorn.log", workers=WORKERS, timeout=120)
    scheduler = None
    try:
        web.start()
        scheduler = Scheduler(env, tmp_path / "scheduler.log", interval=1)
        deadline = (real.now() + PREPARATION + RUSH).replace(microsecond=0)
        tender = open_tender(session, store, crowd, deadline, "RUSH-2026-001")
        envelopes = {b.number: seal_bid(tender, b, ENVELOPE_BYTES) for b in crowd.bidders}
        tender_id = tender.id  # the client threads never touch the session
        rush, just_in_time, late = crowd.bidders[:BIDDERS], crowd.bidders[BIDDERS], crowd.bidders[BIDDERS + 1]
        assert real.now() < deadline - RUSH, "the seed took longer than planned"

        _sleep_until(deadline - RUSH)
        with ThreadPoolExecutor(CLIENTS) as pool:
            answers = list(pool.map(lambda b: submit_bid(web.port, tender_id, b, envelopes[b.number]), rush))
        rush_over = real.now()
        assert [a.status for a in answers] == [201] * BIDDERS, [a.body[:300] for a in answers if a.status != 201][:3]
        assert rush_over < deadline, f"the rush took {(rush_over - deadline + RUSH).total_seconds():.0f} s"

        _sleep_until(deadline - timedelta(seconds=2))
        last = submit_bid(web.port, tender_id, just_in_time, envelopes[just_in_time.number])
        assert last.status == 201, last.body[:300]
        _sleep_until(deadline + timedelta(seconds=1))
        refused = submit_bid(web.port, tender_id, late, envelopes[late.number])
        assert refused.status == 422 and refused.json()["error"]["code"] == "deadline_passed", refused.body[:300]

        for _ in range(60):  # the scheduler ticks every second
            session.expire_all()
            if session.get(Tender, tender_id).status == "opening":
                break
            time.sleep(0.5)
        accepted = [a.json() for a in [*answers, last]]
        sample = [(crowd.bidders[i], accepted[i]) for i in (0, BIDDERS // 2, BIDDERS - 1)]
        receipts = [call(web.port, "GET", answer["receipt_url"], token=bidder.token) for bidder, answer in sample]
        for _ in range(30):  # a checkpoint signed after the last bid
            if session.scalar(select(func.max(checkpoints.LedgerCheckpoint.seq))) == session.get(
                    ledger.LedgerHead, 1).seq:
                break
            session.expire_all()
            time.sleep(0.5)
    finally:
        if scheduler is not None:
            scheduler.stop()
        web.stop()
    for log in ("gunicorn.log", "scheduler.log"):
        text = (tmp_path / log).read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]

    session.expire_all()
    tender = session.get(Tender, tender_id)
    assert tender.status == "opening", (tender.status, (tmp_path / "scheduler.log").read_text()[-3000:])
    assert deadline <= tender.opened_at < deadline + timedelta(seconds=10)
    assert session.scalars(select(Section.status).where(Section.tender_id == tender_id)).all() == ["proceeding"]

    bids = session.scalars(select(Bid).where(Bid.tender_id == tender_id)).all()
    assert len(bids) == BIDDERS + 1 and {b.status for b in bids} == {"submitted"}
    assert {b.bidder_org_id for b in bids} == {b.org_id for b in crowd.bidders[:BIDDERS + 1]}
    assert all(b.submitted_at < deadline for b in bids), "a bid was recorded at or after the deadline"
    assert {a["bid_id"] for a in accepted} == {b.id for b in bids}
    assert len({a["ledger_seq"] for a in accepted}) == BIDDERS + 1
    assert session.scalar(select(func.count()).select_from(BidSubmission)) == BIDDERS + 1

    records = {r.id: r for r in session.scalars(select(SignedRecord).where(SignedRecord.kind == "bid_receipt"))}
    assert {b.receipt_record_id for b in bids} == set(records) and len(records) == BIDDERS + 1
    assert {r.subject_id for r in records.values()} == {b.id for b in bids}
    assert all(store.exists(r.pdf_sha256) for r in records.values())
    roots, crl = pki.trust_roots(session), pki.crl(session, real, SIGNING)
    for receipt, (_, answer) in zip(receipts, sample, strict=True):
        assert receipt.status == 200
        check = verify_pdf(receipt.body, roots, [crl], real.now())
        assert check.ok, check.problems
        assert records[answer["receipt_record_id"]].pdf_sha256 == hashlib.sha256(receipt.body).hexdigest()

    report = ledger.verify(session)
    assert report.ok, report
    assert checkpoints.verify(session) == []
    assert session.scalar(select(func.count()).select_from(checkpoints.LedgerCheckpoint)) >= 1
