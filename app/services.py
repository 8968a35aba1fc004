"""What a request needs from the composition root: the database session, the clock, the file store."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask import current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bidding.guarantees import HttpIssuerAdapter, IssuerAdapter
from core.clock import Clock
from core.errors import N_, Unavailable
from core.files import FileStore
from signing.pki import PlatformSettings


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


def platform_settings(config: Mapping[str, Any]) -> PlatformSettings | None:
    """The platform's key settings from the configuration, or None without a passphrase."""
    passphrase = config.get("SIGNING_PASSPHRASE")
    if not passphrase:
        return None
    return PlatformSettings(passphrase=passphrase, crl_url=config["PUBLIC_URL"].rstrip("/") + "/pki/crl.der")


def signing_settings() -> PlatformSettings:
    """The platform's key settings; refusing clearly when the operator has not set a passphrase."""
    settings = platform_settings(current_app.config)
    if settings is None:
        raise Unavailable(N_("平台签名口令未配置（SEALBID_SIGNING_PASSPHRASE），暂不能签名。"))
    return settings


def deposit_rate() -> Decimal:
    """The annual deposit rate refunds of cash bonds carry (条例第57条), as the operator configured it."""
    return Decimal(str(current_app.config["BOND_DEPOSIT_RATE"]))


def issuer_adapter() -> IssuerAdapter:
    """How the platform reaches guarantee issuers: their registered HTTP endpoints."""
    return HttpIssuerAdapter(timeout=float(current_app.config["ISSUER_TIMEOUT_SECONDS"]))


def close_db(_exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        session.close()
