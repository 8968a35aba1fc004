"""APScheduler wiring (DESIGN.md section 5): find due transitions, call the domain, hold no truth.

A missed or doubled run is harmless because every transition is conditional; a restart simply
catches up on the next tick.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from app.services import platform_settings
from bidding import complaints, publicity, uploads
from bidding.bids import close_due_tenders
from bidding.bond_release import notify_issuers, remind_contracts, track_refunds
from bidding.guarantees import HttpIssuerAdapter
from bidding.opening import close_decryption_windows, start_due_openings
from expert_pool import draw as expert_draw
from expert_pool import outbox
from signing import checkpoints, pki

log = logging.getLogger(__name__)


# A temporary file in the store untouched this long belongs to a write that will never finish.
STALE_TEMPORARY_SECONDS = 24 * 3600


def tick(app: Flask) -> list[int]:
    """One pass over every due transition; returns the tenders it closed.

    Each step commits on its own, so a failure in one does not hold back the others.
    """
    services = app.extensions["sealbid"]
    window = timedelta(minutes=app.config["OPENING_DECRYPTION_MINUTES"])
    with services.sessions() as session:
        closed = close_due_tenders(session, services.clock)
        session.commit()
        opened = start_due_openings(session, services.clock, window)
        session.commit()
        close_decryption_windows(session, services.clock)
        session.commit()
        publicity.close_due(session, services.clock)
        session.commit()
        remind_contracts(session, services.clock)
        complaints.mark_overdue(session, services.clock)
        session.commit()
        track_refunds(session, services.clock)
        notify_issuers(session, services.clock, HttpIssuerAdapter(timeout=float(app.config["ISSUER_TIMEOUT_SECONDS"])))
        session.commit()
        expert_draw.expire_unanswered(session, services.clock)
        session.commit()
        outbox.deliver_pending(session, services.clock, outbox.development_senders())
        session.commit()
        uploads.remove_expired(session, services.clock, uploads.UploadArea.in_instance(app.config["SEALBID_INSTANCE"]))
    services.store.remove_stale(STALE_TEMPORARY_SECONDS)
    if opened:
        log.info("opening started on tenders %s", opened)
    if closed:
        log.info("closed bidding on tenders %s", closed)
    return closed


def checkpoint_tick(app: Flask) -> int | None:
    """Sign the ledger head if it moved (DESIGN.md section 4); nothing to do before `flask signing init`."""
    services = app.extensions["sealbid"]
    settings = platform_settings(app.config)
    with services.sessions() as session:
        if settings is None or not pki.is_initialised(session):
            return None
        made = checkpoints.checkpoint(session, services.clock, settings)
        session.commit()
    return made.seq if made else None


def _schedule(scheduler, app: Flask) -> None:
    scheduler.add_job(tick, "interval", args=[app], seconds=app.config["SCHEDULER_INTERVAL_SECONDS"],
                      id="tick", max_instances=1, coalesce=True, replace_existing=True)
    scheduler.add_job(checkpoint_tick, "interval", args=[app], seconds=app.config["CHECKPOINT_INTERVAL_SECONDS"],
                      id="checkpoint", max_instances=1, coalesce=True, replace_existing=True)


def start_in_process(app: Flask) -> BackgroundScheduler:
    """The embedded setup (`make run`): the scheduler lives in the web process."""
    scheduler = BackgroundScheduler(timezone="UTC")
    _schedule(scheduler, app)
    scheduler.start()
    app.extensions["sealbid.scheduler"] = scheduler
    return scheduler


def run_forever(app: Flask) -> None:
    """Production: `flask scheduler run`, its own process."""
    scheduler = BlockingScheduler(timezone="UTC")
    _schedule(scheduler, app)
    tick(app)
    scheduler.start()
