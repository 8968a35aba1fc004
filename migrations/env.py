"""Alembic environment: the only way sealbid's schema comes to exist, on SQLite and PostgreSQL."""

from __future__ import annotations

import os

from alembic import context

import bidding.award_models
import bidding.bond_models
import bidding.evaluation_models
import bidding.models
import bidding.uploads  # noqa: F401  (each import registers its tables on the metadata)
import core.identity  # noqa: F401
import expert_pool.models  # noqa: F401
import signing.checkpoints
import signing.encryption_keys
import signing.ledger
import signing.pki
import signing.signed_records  # noqa: F401
from config import Config, database_url
from core.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.attributes.get("url") or os.environ.get("DATABASE_URL") or database_url(vars(Config))


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(_url())
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
