"""Test databases are built by the migrations (never create_all), on SQLite or on the PostgreSQL
server named by TEST_DATABASE_URL; every test starts from empty tables and a frozen clock."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from flask import Flask
from sqlalchemy import text
from sqlalchemy.orm import Session
from werkzeug.serving import BaseWSGIServer, make_server

import bidding.award_models
import bidding.bond_models
import bidding.evaluation_models
import bidding.models
import bidding.uploads  # noqa: F401  (registers the tables for the clean-up below)
import core.identity
import expert_pool.models  # noqa: F401
import signing.checkpoints
import signing.encryption_keys
import signing.ledger
import signing.pin
import signing.pki
import signing.signed_records
from app.cli import upgrade
from app.factory import create_app
from core.clock import SHANGHAI, FrozenClock
from core.db import Base, make_engine, make_session_factory
from core.files import LocalFileStore
from tests.world import ESCROW_HOLDERS, SIGNING, World, build_world, encryption_key, ensure_signing

# A Monday morning in Beijing; tests move the clock from here.
START = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing():
    """Argon2id with tiny costs for passwords and signing PINs: the same code path, much faster."""
    original, original_cost = core.identity._hasher, signing.pin.COST
    core.identity._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    signing.pin.COST = {"t": 1, "m": 8, "p": 1}
    yield
    core.identity._hasher, signing.pin.COST = original, original_cost


def worker_schema_url(url: str, worker: str) -> tuple[str, str]:
    """The schema this test process owns on the shared PostgreSQL database, and the URL that selects it.

    Under pytest-xdist each worker gets a schema of its own (``gw0``, ``gw1``, …) through the connection's
    ``search_path``, so the workers' tables never meet; a single process keeps ``public``.
    """
    if worker in ("", "master"):
        return "public", url
    schema = f"test_{worker}"
    separator = "&" if "?" in url else "?"
    return schema, f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        schema, url = worker_schema_url(url, worker_id)
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _empty_tables(request):
    """Leave every table empty (and the ledger at its genesis) after each test that used the database."""
    yield
    if "engine" not in request.fixturenames:
        return
    engine = request.getfixturevalue("engine")
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name != "ledger_head":
                conn.execute(table.delete())
        conn.execute(text("UPDATE ledger_head SET seq = 0, entry_hash = :h WHERE id = 1"), {"h": "0" * 64})


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def session(engine):
    with make_session_factory(engine)() as s:
        yield s


@pytest.fixture
def store(tmp_path) -> LocalFileStore:
    return LocalFileStore(tmp_path / "files")


@pytest.fixture
def world(session, clock) -> World:
    """An admin, an agency with its agent, a tenderee, three approved bidders, an expert, a supervisor."""
    w = build_world(session, clock)
    session.commit()
    return w


@pytest.fixture
def app(database_url, engine, clock, tmp_path):
    application = create_app(
        {"DATABASE_URL": database_url, "SEALBID_INSTANCE": str(tmp_path / "instance"), "TESTING": True,
         "SECRET_KEY": "test-secret", "SESSION_COOKIE_SECURE": False, "SCHEDULER_ENABLED": False,
         "SIGNING_PASSPHRASE": SIGNING.passphrase},
        clock=clock,
    )
    yield application
    application.extensions["sealbid"].engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def files_dir(tmp_path) -> Path:
    return tmp_path


@dataclass
class LiveServer:
    url: str
    app: Flask
    clock: FrozenClock
    world: World


@pytest.fixture
def live_server(app: Flask, clock: FrozenClock, world: World, session: Session) -> Iterator[LiveServer]:
    """The `app` fixture's application (test database, tmp instance, frozen clock) on 127.0.0.1:<free port>.

    The platform CA is set up, the agent holds a signing certificate (PIN ``tests.world.SIGNING_PIN``) and the
    escrow holders (``tests.world.ESCROW_HOLDERS``) have registered encryption keys.
    """
    ensure_signing(session, clock, world)
    for name in ESCROW_HOLDERS:
        encryption_key(session, clock, world, name)
    session.commit()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, clock=clock, world=world)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
