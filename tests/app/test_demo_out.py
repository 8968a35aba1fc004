"""`flask demo --out DIR`: a fresh demo tender through every stage on an empty database, its signed records, receipts
and ledger export written to DIR, each record valid in pdfsig and in `flask records verify`; bad input refused with
nothing written.

One database for the module: the expensive run (every stage to the contract, which also migrates the empty database
and loads the demo) comes first, and the shorter runs follow on the same database, as later runs would.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from app.demo import demo_code
from app.factory import create_app
from bidding.models import Tender
from core.clock import FrozenClock
from signing import ledger, pki
from tests.conftest import START
from tests.tools import nss_database, pdfsig
from tests.world import SIGNING

CREDIT_CODES = [demo_code(10 + i) for i in (1, 2, 3)]


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory) -> Flask:
    """An app on a database file that does not exist yet and an instance folder of its own."""
    folder = tmp_path_factory.mktemp("demo-out")
    application = create_app(
        {"DATABASE_URL": f"sqlite:///{folder / 'fresh.db'}", "SEALBID_INSTANCE": str(folder / "instance"),
         "TESTING": True, "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False, "SCHEDULER_ENABLED": False,
         "SIGNING_PASSPHRASE": SIGNING.passphrase},
        clock=FrozenClock(START),
    )
    yield application
    application.extensions["sealbid"].engine.dispose()


def invoke(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["demo", *args])


def code_of(result: Result) -> str:
    found = re.search(r"demo tender (HZ-\d{4}-GC-\d{4})", result.output)
    assert found, result.output
    return found.group(1)


def until(app: Flask, out: Path, stage: str) -> tuple[Result, str]:
    result = invoke(app, "--out", str(out), "--until", stage)
    assert result.exit_code == 0, result.output
    return result, code_of(result)


@pytest.fixture(scope="module")
def evaluated(demo_app, tmp_path_factory) -> tuple[Result, str, Path]:
    """The whole lifecycle: no --until runs every stage, to the contracts."""
    out = tmp_path_factory.mktemp("lifecycle") / "out"
    result = invoke(demo_app, "--out", str(out))
    assert result.exit_code == 0, result.output
    return result, code_of(result), out


def by_bidder(kind: str, code: str, sections: tuple[int, ...]) -> set[str]:
    return {f"{kind}-{code}-s{n}-{credit}" for n in sections for credit in CREDIT_CODES}


def published_files(code: str) -> set[str]:
    return {f"notice-{code}.pdf", f"waiver-{code}.pdf", "ledger.jsonl"}


def opened_files(code: str) -> set[str]:
    receipts = by_bidder("receipt", code, (1, 2))
    return (published_files(code) | {f"{r}.pdf" for r in receipts} | {f"{r}.json" for r in receipts}
            | {f"{c}.pdf" for c in by_bidder("commitment", code, (2,))} | {f"opening-record-{code}.pdf"})


def evaluated_files(code: str) -> set[str]:
    return opened_files(code) | {f"{kind}-{code}-s{n}.pdf" for kind in ("draw-record", "evaluation-report")
                                 for n in (1, 2)}


def awarded_files(code: str) -> set[str]:
    """Each section's award record and candidates publicity; the award notice to the winner (bidder 1 in section
    1, bidder 2 in section 2: the lowest prices won the vote) and result notices to the two others."""
    winners = {1: CREDIT_CODES[0], 2: CREDIT_CODES[1]}
    notices = {f"{'award' if credit == winners[n] else 'result'}-notice-{code}-s{n}-{credit}.pdf"
               for n in (1, 2) for credit in CREDIT_CODES}
    return (evaluated_files(code) | notices | {f"award-record-{code}-s{n}.pdf" for n in (1, 2)}
            | {f"publicity-{code}-s{n}-candidates.pdf" for n in (1, 2)})


def test_the_whole_lifecycle_on_an_empty_database_writes_every_record_named_by_kind(demo_app, evaluated):
    result, code, out = evaluated
    assert "empty database: migrated" in result.output
    assert {p.name for p in out.iterdir()} == awarded_files(code)
    for stage in ("published", "sealed", "opened", "evaluated", "awarded", "contracted"):
        assert f"  {stage} " in result.output
    assert "section 1: winner 宏远建设工程有限公司" in result.output
    with demo_app.extensions["sealbid"].sessions() as session:
        assert session.scalars(select(Tender.status).where(Tender.code == code)).one() == "contracted"
    for path in out.iterdir():  # the summary names each file with its size
        assert re.search(rf"{re.escape(path.name)}\s+{path.stat().st_size:,} bytes", result.output), path.name
    assert "section 1: candidates recommended by the committee: 宏远建设工程有限公司" in result.output
    assert f"flask records verify {out / f'notice-{code}.pdf'}" in result.output


def test_every_pdf_validates_in_pdfsig_and_in_records_verify(demo_app, evaluated, tmp_path):
    _, code, out = evaluated
    with demo_app.extensions["sealbid"].sessions() as session:
        db = nss_database(tmp_path / "nss", pki.ca(session).pem)
    signatures = {}
    for path in sorted(out.glob("*.pdf")):
        checked = demo_app.test_cli_runner().invoke(args=["records", "verify", str(path)])
        assert checked.exit_code == 0, (path.name, checked.output)
        count = int(re.search(r"OK: (\d+) valid signature", checked.output).group(1))
        report = pdfsig(path, db)
        assert report.count("Signature is Valid.") == count, (path.name, report)
        assert report.count("Certificate is Trusted.") == count, (path.name, report)
        signatures[path.name] = count
    assert signatures[f"opening-record-{code}.pdf"] == 2  # the agent and the supervisor
    assert signatures[f"evaluation-report-{code}-s1.pdf"] == signatures[f"evaluation-report-{code}-s2.pdf"] == 7
    # 评定分离: five award-committee members and the tenderee's seal
    assert signatures[f"award-record-{code}-s1.pdf"] == signatures[f"award-record-{code}-s2.pdf"] == 6
    assert signatures[f"award-notice-{code}-s1-{CREDIT_CODES[0]}.pdf"] == 1


def test_ledger_export_is_the_whole_chain_and_verifies(demo_app, evaluated):
    _, code, out = evaluated
    lines = [json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines()]
    previous = ledger.GENESIS_HASH
    for seq, line in enumerate(lines, start=1):
        entry = ledger.LedgerEntry(**{**line, "at": datetime.fromisoformat(line["at"])})
        assert entry.seq == seq and entry.prev_hash == previous
        assert ledger._entry_hash(entry) == entry.entry_hash, seq
        previous = entry.entry_hash
    with demo_app.extensions["sealbid"].sessions() as session:
        tender_id = session.scalars(select(Tender.id).where(Tender.code == code)).one()
        assert session.get(ledger.LedgerEntry, len(lines)).entry_hash == previous
    assert any(line["tender_id"] == tender_id and line["action"] == "record.sign" for line in lines)
    assert demo_app.test_cli_runner().invoke(args=["ledger", "verify"]).exit_code == 0


def test_receipt_json_states_what_the_signed_receipt_does(evaluated):
    _, code, out = evaluated
    for stem in by_bidder("receipt", code, (1, 2)):
        receipt = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
        assert receipt["receipt_file"] == f"{stem}.pdf"
        assert receipt["receipt_pdf_sha256"] == hashlib.sha256((out / f"{stem}.pdf").read_bytes()).hexdigest()
        assert receipt["tender_code"] == code and receipt["bidder_credit_code"] == stem.rsplit("-", 1)[1]
        assert receipt["status"] == "decrypted" and len(receipt["envelope_sha256"]) == 64


def test_runs_again_on_the_same_database_with_a_new_code_until_published(demo_app, evaluated, tmp_path):
    _, first, _ = evaluated
    result, code = until(demo_app, tmp_path / "out", "published")
    assert code != first and "migrated" not in result.output and "set up" not in result.output
    assert {p.name for p in (tmp_path / "out").iterdir()} == published_files(code)
    assert "  published " in result.output and "  sealed " not in result.output
    assert "stages not run: sealed, opened, evaluated, awarded, contracted" in result.output


def test_until_evaluated_stops_before_the_award(demo_app, evaluated, tmp_path):
    _, code = until(demo_app, tmp_path / "out", "evaluated")
    assert {p.name for p in (tmp_path / "out").iterdir()} == evaluated_files(code)
    with demo_app.extensions["sealbid"].sessions() as session:
        assert session.scalars(select(Tender.status).where(Tender.code == code)).one() == "awarding"


def test_until_opened_stops_before_the_expert_draw(demo_app, evaluated, tmp_path):
    _, code = until(demo_app, tmp_path / "out", "opened")
    assert {p.name for p in (tmp_path / "out").iterdir()} == opened_files(code)
    with demo_app.extensions["sealbid"].sessions() as session:
        assert session.scalars(select(Tender.status).where(Tender.code == code)).one() == "opened"


def tenders(app: Flask) -> int:
    with app.extensions["sealbid"].sessions() as session:
        return session.scalar(select(func.count()).select_from(Tender))


def test_a_non_empty_directory_is_refused_and_nothing_is_written(demo_app, evaluated, tmp_path):
    (tmp_path / "mine.txt").write_text("keep me")
    before = tenders(demo_app)
    result = invoke(demo_app, "--out", str(tmp_path), "--until", "published")
    assert result.exit_code == 2 and "is not empty" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["mine.txt"]
    assert tenders(demo_app) == before


def test_a_file_as_out_is_refused(demo_app, evaluated, tmp_path):
    target = tmp_path / "ledger.jsonl"
    target.write_text("")
    before = tenders(demo_app)
    result = invoke(demo_app, "--out", str(target))
    assert result.exit_code == 2 and "is not a directory" in result.output
    assert target.read_text() == "" and tenders(demo_app) == before


def test_an_unknown_stage_is_a_usage_error(demo_app, tmp_path):
    result = invoke(demo_app, "--out", str(tmp_path / "out"), "--until", "signed")
    assert result.exit_code == 2 and "Invalid value for '--until'" in result.output
    assert not (tmp_path / "out").exists()


def test_out_goes_with_demo_alone_and_demo_load_still_works(demo_app, evaluated, tmp_path):
    result = invoke(demo_app, "--out", str(tmp_path / "out"), "load")
    assert result.exit_code == 2 and "go with `flask demo` alone" in result.output
    assert not (tmp_path / "out").exists()
    assert "already present" in invoke(demo_app, "load").output
    assert "--until" in invoke(demo_app).output  # alone, it shows its help
