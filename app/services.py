"""What a request needs from the composition root: the database session, the clock, the file store."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.clock import Clock
from core.files import FileStore


@dataclass
class Services:
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    store: FileStore


def services() -> Services:
    return current_app.extensions["sealbid"]


def db() -> Session:
    """The request's session, opened on first use and closed when the request ends."""
    if "db" not in g:
        g.db = services().sessions()
    return g.db


def clock() -> Clock:
    return services().clock


def store() -> FileStore:
    return services().store


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
