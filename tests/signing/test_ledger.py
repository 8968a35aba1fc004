"""The hash-chained ledger: every change leaves an entry, and any rewrite of history is caught."""

from __future__ import annotations

from sqlalchemy import text

from core.actor import Actor
from signing import ledger


def _append(session, clock, n: int) -> None:
    actor = Actor(user_id=None, org_id=None, name="测试")
    for i in range(n):
        ledger.append(session, clock, actor, "test.action", "thing", i, tender_id=7, after={"i": i, "名称": "值"})
    session.commit()


def test_empty_ledger_verifies(session):
    report = ledger.verify(session)
    assert report.ok and report.entries == 0


def test_entries_chain_to_each_other(session, clock):
    _append(session, clock, 3)
    rows = list(ledger.entries(session))
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == ledger.GENESIS_HASH
    assert rows[1].prev_hash == rows[0].entry_hash
    assert ledger.verify(session).ok
    assert rows[0].data == {"before": None, "after": {"i": 0, "名称": "值"}}


def test_changed_payload_is_detected_at_that_entry(session, clock):
    _append(session, clock, 4)
    session.execute(text("UPDATE ledger_entry SET payload = :p WHERE seq = 2"), {"p": '{"after":{"i":99}}'})
    session.commit()
    report = ledger.verify(session)
    assert not report.ok
    assert report.first_bad_seq == 2


def test_recomputed_hash_breaks_the_next_link(session, clock):
    _append(session, clock, 3)
    session.execute(text("UPDATE ledger_entry SET entry_hash = :h WHERE seq = 2"), {"h": "f" * 64})
    session.commit()
    report = ledger.verify(session)
    assert not report.ok and report.first_bad_seq == 2


def test_deleted_entry_is_detected(session, clock):
    _append(session, clock, 3)
    session.execute(text("DELETE FROM ledger_entry WHERE seq = 2"))
    session.commit()
    report = ledger.verify(session)
    assert not report.ok and report.first_bad_seq == 2


def test_truncated_tail_is_detected_by_the_head(session, clock):
    _append(session, clock, 3)
    session.execute(text("DELETE FROM ledger_entry WHERE seq = 3"))
    session.commit()
    assert not ledger.verify(session).ok


def test_entries_can_be_read_per_tender(session, clock):
    _append(session, clock, 2)
    assert len(list(ledger.entries(session, tender_id=7))) == 2
    assert list(ledger.entries(session, tender_id=8)) == []
