"""Configuration classes; every setting can be overridden by an environment variable.

Why classes plus environment: the composition root (`create_app`) receives one object, tests
build their own, and operators override single settings without editing code.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    """Production-safe defaults."""

    SEALBID_INSTANCE: str = os.environ.get("SEALBID_INSTANCE", str(BASE_DIR / "instance"))
    DATABASE_URL: str | None = os.environ.get("DATABASE_URL")
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    # Largest single upload accepted by the web server (tender documents, bids).
    MAX_CONTENT_LENGTH: int = int(os.environ.get("SEALBID_MAX_UPLOAD_BYTES", str(2 * 1024**3)))
    # Largest single tender document kept in the file store.
    MAX_DOCUMENT_BYTES: int = int(os.environ.get("SEALBID_MAX_DOCUMENT_BYTES", str(512 * 1024**2)))
    # Largest sealed bid (envelope) accepted for one section.
    MAX_BID_BYTES: int = int(os.environ.get("SEALBID_MAX_BID_BYTES", str(2 * 1024**3)))
    # Size of the pieces the bid page uploads (resumable upload).
    BID_UPLOAD_CHUNK_BYTES: int = int(os.environ.get("SEALBID_BID_UPLOAD_CHUNK_BYTES", str(4 * 1024**2)))
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_SECURE: bool = _env_bool("SEALBID_SECURE_COOKIES", True)
    WTF_CSRF_ENABLED: bool = True
    WTF_CSRF_TIME_LIMIT: int | None = None
    BABEL_DEFAULT_LOCALE: str = "zh"
    BABEL_DEFAULT_TIMEZONE: str = "Asia/Shanghai"
    LANGUAGES: tuple[str, ...] = ("zh", "en")
    # The in-process scheduler runs for the embedded setup (`make run`); production runs
    # `flask scheduler run` as its own process instead.
    SCHEDULER_ENABLED: bool = _env_bool("SEALBID_SCHEDULER", False)
    SCHEDULER_INTERVAL_SECONDS: int = int(os.environ.get("SEALBID_SCHEDULER_INTERVAL", "15"))
    PAGE_SIZE: int = 20
    # Seals the platform's private keys (CA, platform seal, TSA) in the database; required to sign.
    SIGNING_PASSPHRASE: str | None = os.environ.get("SEALBID_SIGNING_PASSPHRASE")
    # Where people and validators reach the platform: the CRL address in every certificate.
    PUBLIC_URL: str = os.environ.get("SEALBID_PUBLIC_URL", "http://127.0.0.1:5000")
    # How long bidders have to decrypt at the opening ([L], typically 30-60 minutes).
    OPENING_DECRYPTION_MINUTES: int = int(os.environ.get("SEALBID_DECRYPTION_MINUTES", "30"))
    # Annual demand-deposit rate paid on refunded cash bonds (银行同期存款利息, 条例第57条); 0.05 % in 2025.
    BOND_DEPOSIT_RATE: str = os.environ.get("SEALBID_BOND_DEPOSIT_RATE", "0.0005")
    # Seconds to wait for a guarantee issuer's adapter endpoint.
    ISSUER_TIMEOUT_SECONDS: float = float(os.environ.get("SEALBID_ISSUER_TIMEOUT", "10"))
    # How often the scheduler signs a ledger checkpoint (seconds).
    CHECKPOINT_INTERVAL_SECONDS: int = int(os.environ.get("SEALBID_CHECKPOINT_INTERVAL", "900"))
    TESTING: bool = False


class DevelopmentConfig(Config):
    """`make run`: plain HTTP on loopback, so cookies cannot require TLS."""

    SESSION_COOKIE_SECURE = _env_bool("SEALBID_SECURE_COOKIES", False)
    SCHEDULER_ENABLED = _env_bool("SEALBID_SCHEDULER", True)
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-change-me")
    SIGNING_PASSPHRASE = os.environ.get("SEALBID_SIGNING_PASSPHRASE", "dev-only-signing-passphrase")


class TestConfig(Config):
    """Tests pass their own instance folder and database URL."""

    TESTING = True
    SESSION_COOKIE_SECURE = False
    SECRET_KEY = "test-secret"
    SIGNING_PASSPHRASE = "test-signing-passphrase"
    SCHEDULER_ENABLED = False


def database_url(config: dict) -> str:
    """The configured database, or SQLite in the instance folder."""
    url = config.get("DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{Path(config['SEALBID_INSTANCE']) / 'sealbid.db'}"
