"""Operator commands: demo data, ledger verification, the scheduler tick."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, text

from bidding.models import Tender
from core.identity import User


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
    assert verified.exit_code == 0 and "ledger OK" in verified.output


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
    assert {t.status for t in session.scalars(select(Tender))} == {"closed"}


def test_token_for_unknown_user_fails_cleanly(app):
    result = app.test_cli_runner().invoke(args=["users", "token", "ghost"])
    assert result.exit_code == 2 and "no user named ghost" in result.output
