"""The outbox: notifications (SMS, automated voice call, e-mail) written in the same transaction as the
decision that needs them, and delivered afterwards by whichever adapter serves the channel.

Why an outbox: a draw must not depend on an SMS gateway being up, and a message must not go out for
a draw that was rolled back. Delivery is at least once: a sender that crashes after the gateway
accepted a message may send it again, which for "please confirm" messages is harmless.

Bodies never name the tender's parties (domain-rules section 4.2: experts are notified "without
naming the project's parties"); :func:`queue` is the only way in and the draw composes the text.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.actor import Actor
from core.clock import Clock
from core.errors import N_, InvalidInput
from expert_pool.models import CHANNELS, OutboxMessage
from signing import ledger

logger = logging.getLogger("sealbid.outbox")

MAX_ATTEMPTS = 5
MAX_BODY = 500  # a long SMS is split by the gateway; past this it is no longer a notification


class Sender(Protocol):
    """One channel's adapter (an SMS gateway, a voice-call service, SMTP). Raises on failure."""

    def send(self, message: OutboxMessage) -> None: ...


class LogSender:
    """The development adapter: writes the message to the ``sealbid.outbox`` log, where the page shows it too."""

    def __init__(self, log: logging.Logger | None = None) -> None:
        self.log = log or logger

    def send(self, message: OutboxMessage) -> None:
        self.log.info("[%s → %s] %s", message.channel, message.recipient, message.body)


def development_senders() -> dict[str, Sender]:
    """Every channel served by the log adapter (``make run``, tests, the demo)."""
    sender = LogSender()
    return dict.fromkeys(CHANNELS, sender)


def queue(session: Session, clock: Clock, channel: str, recipient: str, body: str, *, ref_type: str = "",
          ref_id: int | None = None) -> OutboxMessage:
    """Write a message to send; it leaves when :func:`deliver_pending` next runs."""
    if channel not in CHANNELS:
        raise InvalidInput(N_("不支持的通知方式：%(channel)s。"), field="channel", channel=channel)
    if not recipient.strip():
        raise InvalidInput(N_("通知缺少接收人。"), field="recipient")
    if len(body) > MAX_BODY:
        raise ValueError(f"notification body longer than {MAX_BODY} characters")
    message = OutboxMessage(channel=channel, recipient=recipient.strip(), body=body, status="pending", attempts=0,
                            last_error="", ref_type=ref_type, ref_id=ref_id, created_at=clock.now())
    session.add(message)
    session.flush()
    return message


def deliver_pending(session: Session, clock: Clock, senders: Mapping[str, Sender], limit: int = 100) -> list[int]:
    """Send what is pending, oldest first; returns the ids sent. Each attempt is claimed with a conditional
    update, so two schedulers never both count one attempt; a message failing ``MAX_ATTEMPTS`` times is failed."""
    sent: list[int] = []
    pending = session.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")
                              .order_by(OutboxMessage.id).limit(limit)).all()
    for message in pending:
        sender = senders.get(message.channel)
        if sender is None:
            continue
        claimed = session.execute(update(OutboxMessage)
                                  .where(OutboxMessage.id == message.id, OutboxMessage.status == "pending",
                                         OutboxMessage.attempts == message.attempts)
                                  .values(attempts=message.attempts + 1)
                                  .execution_options(synchronize_session=False)).rowcount
        if not claimed:
            continue
        session.refresh(message)
        try:
            sender.send(message)
        except Exception as exc:  # any gateway failure: recorded, retried, never fatal to the batch
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = "failed"
                ledger.append(session, clock, Actor.system(), "outbox.fail", "outbox_message", message.id,
                              after={"channel": message.channel, "ref_type": message.ref_type, "ref_id": message.ref_id,
                                     "error": message.last_error})
            session.flush()
            continue
        message.status, message.sent_at = "sent", clock.now()
        ledger.append(session, clock, Actor.system(), "outbox.send", "outbox_message", message.id,
                      after={"channel": message.channel, "ref_type": message.ref_type, "ref_id": message.ref_id})
        sent.append(message.id)
    session.flush()
    return sent


def messages_about(session: Session, ref_type: str, ref_id: int) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.ref_type == ref_type,
                                                            OutboxMessage.ref_id == ref_id)
                                .order_by(OutboxMessage.id)))


def recent_messages(session: Session, limit: int = 50) -> list[OutboxMessage]:
    """The newest messages, for the development page that shows what the log adapter "sent"."""
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)))
