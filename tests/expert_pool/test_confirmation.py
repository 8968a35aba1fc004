"""Notification and confirmation: each drawn expert confirms or declines in time; declines and silence call the
next backup of the same group (domain-rules 4.2); with none left the draw is short and names the group."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.errors import Conflict, DeadlinePassed, InvalidInput, NotPermitted, RuleViolation
from core.identity import Organisation
from expert_pool import draw, outbox
from expert_pool.models import OutboxMessage
from signing import ledger
from tests.expert_pool.helpers import expert_user
from tests.expert_pool.test_draw import make_draw


@pytest.fixture
def drawn(session, clock, world, closed_tender, pool):
    """The two-site draw, with a sign-in account for every expert of the pool."""
    users = {e.id: expert_user(session, clock, world, e) for e in pool}
    session.commit()
    return make_draw(session, clock, world, closed_tender), users


def _pick(d, group, rank):
    return next(p for p in d.picks if p.group.number == group and p.rank == rank)


def _answer(session, clock, users, pick, accept=True):
    return draw.respond(session, clock, users[pick.expert_id], pick.id, accept)


def test_a_decline_calls_the_next_backup_of_the_same_group(session, clock, world, drawn):
    d, users = drawn
    first = _pick(d, 1, 1)
    _answer(session, clock, users, first, accept=False)
    backup = _pick(d, 1, 6)
    assert first.status == "declined" and backup.status == "notified" and backup.replaces_pick_id == first.id
    assert backup.answer_due_at == clock.now() + timedelta(minutes=30)
    assert _pick(d, 1, 7).status == "reserve" and d.status == "notifying"
    assert [m.recipient for m in outbox.messages_about(session, "expert_draw_pick", backup.id)] == [backup.expert.phone]
    actions = [e.action for e in ledger.entries(session)]
    assert actions[-2:] == ["expert_draw.decline", "expert_draw.notify"]


def test_silence_past_the_limit_calls_the_next_backup(session, clock, world, drawn):
    d, users = drawn
    silent = _pick(d, 2, 1)
    for pick in d.picks:
        if pick.status == "notified" and pick is not silent:
            _answer(session, clock, users, pick)
    clock.advance(timedelta(minutes=29))
    assert draw.expire_unanswered(session, clock) == []
    clock.advance(timedelta(minutes=2))
    assert draw.expire_unanswered(session, clock) == [silent.id]
    assert draw.expire_unanswered(session, clock) == []  # idempotent: the scheduler may run twice
    assert silent.status == "expired" and _pick(d, 2, 3).status == "notified"
    with pytest.raises(Conflict):
        _answer(session, clock, users, silent)
    _answer(session, clock, users, _pick(d, 2, 3))
    assert d.status == "complete" and [p.expert_id for p in draw.committee(d)] == [
        p.expert_id for p in sorted(d.picks, key=lambda p: (p.group.number, p.rank)) if p.status == "confirmed"]


def test_no_backup_left_makes_the_draw_short_and_names_the_group(session, clock, world, drawn):
    d, users = drawn
    _answer(session, clock, users, _pick(d, 2, 1), accept=False)
    _answer(session, clock, users, _pick(d, 2, 2), accept=False)
    assert d.status == "short" and d.short_group == 2
    view = draw.visible_picks(world.supervisor, d)
    assert [g.short for g in view.groups] == [False, True]
    short = next(e for e in ledger.entries(session) if e.action == "expert_draw.short")
    assert short.data["after"] == {"status": "short", "short_group": 2}
    # a short draw no longer blocks a new draw for the section
    assert draw._active_draw(session, d.section_id) is None


def test_answers_only_by_the_expert_and_only_in_time(session, clock, world, drawn):
    d, users = drawn
    first, second = _pick(d, 1, 1), _pick(d, 1, 2)
    with pytest.raises(NotPermitted):
        draw.respond(session, clock, users[second.expert_id], first.id, True)
    with pytest.raises(NotPermitted):
        draw.respond(session, clock, world.agent, first.id, True)
    with pytest.raises(NotPermitted):  # a backup not yet called cannot answer either
        draw.respond(session, clock, world.expert, _pick(d, 1, 6).id, True)
    with pytest.raises(Conflict):
        _answer(session, clock, users, _pick(d, 1, 6))
    clock.advance(timedelta(minutes=31))
    with pytest.raises(DeadlinePassed):
        _answer(session, clock, users, first)


def test_all_confirmed_completes_then_the_seed_is_revealed_after_the_evaluation_starts(session, clock, world, drawn):
    d, users = drawn
    with pytest.raises(Conflict):
        draw.reveal_seed(session, clock, world.agent, d.id)
    for pick in [p for p in d.picks if p.status == "notified"]:
        _answer(session, clock, users, pick)
    assert d.status == "complete"
    assert {p.expert_id for p in draw.my_invitations(session, users[_pick(d, 1, 1).expert_id])} == {_pick(d, 1, 1).expert_id}
    with pytest.raises(RuleViolation):  # the seed would give the names away before the evaluation
        draw.reveal_seed(session, clock, world.agent, d.id)
    with pytest.raises(NotPermitted):
        draw.reveal_seed(session, clock, world.tenderee, d.id)
    clock.set(d.evaluation_at + timedelta(hours=4))
    draw.reveal_seed(session, clock, world.agent, d.id)
    assert d.seed_revealed_at == clock.now() and d.evaluation_ended_at == clock.now()
    assert draw.reveal_seed(session, clock, world.supervisor, d.id) is d  # once only
    revealed = [e for e in ledger.entries(session) if e.action == "expert_draw.reveal"]
    assert len(revealed) == 1 and revealed[0].data["after"]["seed"] == d.seed_hex
    result = draw.verify_draw(session, d.id)
    assert result.ok and result.seed_revealed


def test_a_confirmed_member_who_recuses_is_replaced(session, clock, world, drawn):
    d, users = drawn
    member = _pick(d, 1, 3)
    _answer(session, clock, users, member)
    with pytest.raises(InvalidInput):
        draw.release_pick(session, clock, users[member.expert_id], member.id, " ")
    with pytest.raises(NotPermitted):
        draw.release_pick(session, clock, world.agent, member.id, "与投标人有利害关系")
    backup = draw.release_pick(session, clock, users[member.expert_id], member.id, "配偶在投标人处任职")
    assert member.status == "recused" and backup is not None and backup.rank == 6 and backup.status == "notified"


def test_notifications_never_name_the_parties(session, clock, world, drawn, closed_tender, caplog):
    d, _ = drawn
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(messages) == 7 and {m.channel for m in messages} == {"sms"}
    forbidden = [session.get(Organisation, a.org_id).name for a in (*world.bidders, world.tenderee, world.agent)]
    forbidden += [closed_tender.title, closed_tender.code]
    for message in messages:
        assert not [word for word in forbidden if word in message.body], message.body
        assert "评标时间" in message.body and "确认" in message.body
    sub = next(m for m in messages if m.ref_id == _pick(d, 2, 1).id)
    assert "宁波市公共资源交易中心副场（副场）" in sub.body
    with caplog.at_level(logging.INFO, logger="sealbid.outbox"):
        sent = outbox.deliver_pending(session, clock, outbox.development_senders())
    assert sorted(sent) == sorted(m.id for m in messages)
    assert all(m.status == "sent" and m.sent_at == clock.now() for m in messages)
    assert messages[0].body in caplog.text
    assert outbox.deliver_pending(session, clock, outbox.development_senders()) == []


def test_a_failing_gateway_is_retried_then_failed(session, clock, world):
    class Down:
        def send(self, message):
            raise ConnectionError("gateway unreachable")

    message = outbox.queue(session, clock, "sms", "13900000001", "测试")
    for _ in range(outbox.MAX_ATTEMPTS):
        assert outbox.deliver_pending(session, clock, {"sms": Down()}) == []
    assert message.status == "failed" and message.attempts == outbox.MAX_ATTEMPTS
    assert "gateway unreachable" in message.last_error
    with pytest.raises(InvalidInput):
        outbox.queue(session, clock, "fax", "123", "x")


def test_voice_and_email_channels(session, clock, world, closed_tender, pool):
    pool[0].email = "expert1@example.com"
    session.commit()
    make_draw(session, clock, world, closed_tender, channels=("sms", "voice", "email"))
    messages = session.scalars(select(OutboxMessage)).all()
    by_channel = {c: [m for m in messages if m.channel == c] for c in ("sms", "voice", "email")}
    assert len(by_channel["sms"]) == len(by_channel["voice"]) == 7
    assert len(by_channel["email"]) <= 1  # only experts with an address get e-mail
