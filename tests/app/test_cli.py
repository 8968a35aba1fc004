"""Operator commands: demo data, ledger verification, the scheduler tick."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, text

from bidding import award_state, bond_release
from bidding.bond_models import Bond
from bidding.models import Tender
from core.identity import User
from expert_pool.draw import draws_for_section
from expert_pool.models import Expert
from signing import ledger, pki, signed_records
from signing.signed_records import SignedRecord
from tests.tools import nss_database, pdfsig

FINISHED = "HZ-2026-GC-0098"


def test_demo_loads_once_and_its_ledger_verifies(app, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "demo data loaded" in first.output and "supervisor" in first.output
    second = runner.invoke(args=["demo", "load"])
    assert "already present" in second.output
    assert session.scalar(select(User.id).where(User.username == "bidder3")) is not None
    assert len(session.scalars(select(Tender).where(Tender.status == "published")).all()) == 3
    verified = runner.invoke(args=["ledger", "verify"])
    assert verified.exit_code == 0 and "hash chain OK" in verified.output


def test_demo_has_a_finished_tender_with_every_bond_form_and_one_overdue_refund(app, session, clock):
    app.test_cli_runner().invoke(args=["demo", "load"])
    finished = session.scalars(select(Tender).where(Tender.code == FINISHED)).one()
    bonds = session.scalars(select(Bond).where(Bond.tender_id == finished.id)).all()
    assert sorted((b.form, b.status) for b in bonds) == [
        ("bank_guarantee", "released"), ("cash", "paid"), ("cash", "refunded"),
        *[("credit_commitment", "released")] * 3]
    assert [b.bidder.name for b in bond_release.overdue_refunds(session, clock, supervisor_actor(session))] \
        == ["锦程市政工程有限公司"]
    kinds = sorted(r.kind for r in signed_records.for_tender(session, finished.id))
    assert kinds == [*["award_notice"] * 2, *["award_record"] * 2, *["bid_receipt"] * 6, "bond_waiver",
                     *["credit_commitment"] * 3, *["evaluation_report"] * 2, "opening_record", *["publicity"] * 2,
                     *["result_notice"] * 4, "tender_notice"]
    # ranked under the national rules: the first-ranked candidate of each section won and signed its contract
    assert finished.status == "contracted"
    awards = award_state.awards_of_tender(session, finished.id)
    assert [(a.status, a.winner_bidder_id == json.loads(a.candidates)[0]["bidder_id"]) for a in awards] \
        == [("contracted", True)] * 2
    files = sorted(p.name for p in (Path(app.config["SEALBID_INSTANCE"]) / "demo-files").iterdir())
    assert files == ["bank-statement-HZ-2026-GC-0001.csv", "expert-roster.csv", "guarantee-bidder1.json",
                     "guarantee-bidder2.json", "guarantee-bidder3.json"]


def test_demo_experts_are_imported_and_sixteen_can_sign_in(app, session):
    app.test_cli_runner().invoke(args=["demo", "load"])
    experts = session.scalars(select(Expert)).all()
    linked = [e for e in experts if e.user_id is not None]
    assert len(experts) == 32 and len(linked) == 16
    assert sorted(e.region for e in linked) == ["浙江省宁波市"] * 8 + ["浙江省杭州市"] * 8
    assert all("A0201" in e.specialties for e in linked)


def test_demo_committee_of_seven_from_two_cities_signed_the_report_and_the_draw_reruns(app, session):
    app.test_cli_runner().invoke(args=["demo", "load"])
    finished = session.scalars(select(Tender).where(Tender.code == FINISHED)).one()
    reports = signed_records.for_tender(session, finished.id, "evaluation_report")
    assert [r.signatures for r in reports] == [7, 7]
    [committee] = draws_for_section(session, finished.sections[0].id)
    confirmed = [p for p in committee.picks if p.status == "confirmed"]
    assert sorted(p.expert.region for p in confirmed) == ["浙江省宁波市"] * 2 + ["浙江省杭州市"] * 5
    assert committee.seed_revealed_at is not None  # revealed at the last signature
    result = app.test_cli_runner().invoke(args=["experts", "verify-draw", str(committee.id)])
    assert result.exit_code == 0, result.output


def supervisor_actor(session):
    return session.scalars(select(User).where(User.username == "supervisor")).one().actor()


def test_ledger_verify_names_the_first_bad_entry_and_fails(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    session.execute(text("UPDATE ledger_entry SET actor_name = 'mallory' WHERE seq = 4"))
    session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "entry 4" in result.output


def test_scheduler_tick_closes_due_tenders(app, session, clock):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    assert "closed 0" in runner.invoke(args=["scheduler", "tick"]).output
    clock.advance(timedelta(days=26))
    assert "closed 3" in runner.invoke(args=["scheduler", "tick"]).output
    session.expire_all()
    statuses = {t.code: t.status for t in session.scalars(select(Tender))}
    assert statuses.pop(FINISHED) == "contracted"  # the demo's finished tender
    assert set(statuses.values()) == {"failed"}  # the open ones had no bids at all: 流标


def test_token_for_unknown_user_fails_cleanly(app):
    result = app.test_cli_runner().invoke(args=["users", "token", "ghost"])
    assert result.exit_code == 2 and "no user named ghost" in result.output


def _rewrite_history(session) -> None:
    """What someone with write access to the database can do: change an entry and rehash everything after it."""
    entries = list(ledger.entries(session))
    entries[2].actor_name = "mallory"
    previous = entries[1].entry_hash
    for entry in entries[2:]:
        entry.prev_hash = previous
        entry.entry_hash = ledger._entry_hash(entry)
        previous = entry.entry_hash
    head = session.get(ledger.LedgerHead, 1)
    head.entry_hash = previous
    session.commit()


def test_signed_checkpoint_catches_a_rehashed_history(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    made = runner.invoke(args=["ledger", "checkpoint"])
    assert made.exit_code == 0 and "checkpoint at size" in made.output
    assert "nothing new" in runner.invoke(args=["ledger", "checkpoint"]).output
    assert runner.invoke(args=["ledger", "verify"]).exit_code == 0
    _rewrite_history(session)
    assert ledger.verify(session).ok  # the chain alone no longer notices
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1
    assert "hash chain no longer leads to the signed head" in result.output


def test_checkpoint_with_a_forged_signature_fails(app, session):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo", "load"])
    runner.invoke(args=["ledger", "checkpoint"])
    session.execute(text("UPDATE ledger_checkpoint SET signature = :s"), {"s": b"\x30\x00"})
    session.commit()
    result = runner.invoke(args=["ledger", "verify"])
    assert result.exit_code == 1 and "signature" in result.output


def _demo_notice(app, session, tmp_path) -> tuple[Path, bytes]:
    app.test_cli_runner().invoke(args=["demo", "load"])
    record = session.scalars(select(SignedRecord).where(SignedRecord.kind == "tender_notice")).first()
    data = app.extensions["sealbid"].store.open(record.pdf_sha256).read()
    path = tmp_path / "notice.pdf"
    path.write_bytes(data)
    return path, data


def test_records_verify_names_the_signer_and_passes(app, session, tmp_path):
    path, _ = _demo_notice(app, session, tmp_path)
    result = app.test_cli_runner().invoke(args=["records", "verify", str(path)])
    assert result.exit_code == 0, result.output
    assert "王代理" in result.output and "platform CA  : yes" in result.output and "OK: 1 valid" in result.output


def test_records_verify_fails_on_tampering_and_bad_files(app, session, tmp_path):
    path, data = _demo_notice(app, session, tmp_path)
    tampered = bytearray(data)
    tampered[tampered.index(b"stream") + 30] ^= 0x01
    path.write_bytes(bytes(tampered))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["records", "verify", str(path)])
    assert result.exit_code == 1 and "intact       : NO" in result.output
    path.write_bytes(b"not a pdf at all")
    result = runner.invoke(args=["records", "verify", str(path)])
    assert result.exit_code == 1 and "不是 PDF 文件" in result.output
    path.write_bytes(data[: len(data) // 2])
    assert runner.invoke(args=["records", "verify", str(path)]).exit_code == 1
    result = runner.invoke(args=["records", "verify", str(tmp_path / "missing.pdf")])
    assert result.exit_code == 2


def test_every_demo_record_validates_in_pdfsig(app, session, tmp_path):
    """Notices, waiver decisions, commitments, receipts and the twice-signed opening record."""
    app.test_cli_runner().invoke(args=["demo", "load"])
    store = app.extensions["sealbid"].store
    db = nss_database(tmp_path / "nss", pki.ca(session).pem)
    signed = session.scalars(select(SignedRecord)).all()
    assert len([r for r in signed if r.kind == "tender_notice"]) == 4
    assert {r.kind for r in signed} >= {"bond_waiver", "credit_commitment", "bid_receipt", "opening_record"}
    for record in signed:
        path = tmp_path / f"{record.id}.pdf"
        path.write_bytes(store.open(record.pdf_sha256).read())
        report = pdfsig(path, db)
        assert report.count("Signature is Valid.") == record.signatures, report
        assert report.count("Certificate is Trusted.") == record.signatures, report


def test_scheduler_signs_a_checkpoint_only_when_the_ledger_moved(app, session):
    from app.scheduler import checkpoint_tick

    assert checkpoint_tick(app) is None  # no CA yet: nothing to sign with
    app.test_cli_runner().invoke(args=["demo", "load"])
    size = checkpoint_tick(app)
    assert size and size == ledger.verify(session).entries
    assert checkpoint_tick(app) is None
