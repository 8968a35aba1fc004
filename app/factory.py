"""create_app: configuration, extensions, blueprints, CLI and error pages (DESIGN.md section 1)."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, abort, request
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

import config as config_module
from app import errors, filters
from app.i18n import select_locale
from app.services import Services, close_db
from bidding.schemas import MAX_ID
from core.clock import Clock, SystemClock
from core.db import make_engine, make_session_factory
from core.files import LocalFileStore

CONFIGS = {
    "production": config_module.Config,
    "development": config_module.DevelopmentConfig,
    "test": config_module.TestConfig,
}

csrf = CSRFProtect()
babel = Babel()


def create_app(overrides: dict | None = None, clock: Clock | None = None) -> Flask:
    """The application; ``overrides`` and ``clock`` let tests and tools build their own."""
    app = Flask(__name__)
    app.config.from_object(CONFIGS[os.environ.get("SEALBID_ENV", "production")])
    app.config.update(overrides or {})
    app.json.ensure_ascii = False
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY (or SEALBID_ENV=development for a demo).")
    instance = Path(app.config["SEALBID_INSTANCE"])
    instance.mkdir(parents=True, exist_ok=True)
    engine = make_engine(config_module.database_url(app.config))
    app.extensions["sealbid"] = Services(
        engine=engine,
        sessions=make_session_factory(engine),
        clock=clock or SystemClock(),
        store=LocalFileStore(instance / "files"),
    )
    app.teardown_appcontext(close_db)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_translation_directories="translations")
    filters.register(app)
    errors.register(app)
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_nul)
    _blueprints(app)
    from app import cli

    cli.register(app)
    if app.config["SCHEDULER_ENABLED"] and not app.config["TESTING"]:
        from app.scheduler import start_in_process

        start_in_process(app)
    return app


class IdConverter(IntegerConverter):
    """``<int:…>`` beyond the largest row id names no row: it becomes 0, which every lookup answers with 404.

    (Refusing the match instead would turn some such URLs into 405s, as werkzeug then tries other rules.)
    """

    def to_python(self, value: str) -> int:
        number = int(value)
        return number if number <= MAX_ID else 0


def _refuse_nul() -> None:
    """A NUL character is never legitimate text, and PostgreSQL refuses it in every text column."""
    if "\x00" in request.path or any("\x00" in v for v in request.args.values()):
        abort(400)
    if request.mimetype in {"application/x-www-form-urlencoded", "multipart/form-data"} and any(
        "\x00" in v for v in request.form.values()
    ):
        abort(400)


def _blueprints(app: Flask) -> None:
    from app.api.v1 import api
    from app.web import (
        account,
        admin,
        agency,
        auth,
        award,
        bid,
        bidder,
        bonds,
        complaints,
        evaluation,
        experts,
        opening,
        public,
        publicity,
        records,
        supervisor,
    )

    for module in (public, auth, account, records, agency, bidder, bid, bonds, opening, supervisor, admin, experts,
                   evaluation, award, publicity, complaints):
        app.register_blueprint(module.bp)
    csrf.exempt(api)
    csrf.exempt("app.web.records.timestamp")  # a protocol endpoint for machines, not a form
    app.register_blueprint(api)
