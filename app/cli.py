"""Operator commands: `flask db upgrade`, `flask demo load`, `flask ledger verify`, `flask scheduler run`,
`flask users token`."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

import config as config_module
from core.errors import DomainError
from core.identity import User, issue_api_token
from signing import ledger

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
demo_cli = AppGroup("demo", help="Demonstration data.")
ledger_cli = AppGroup("ledger", help="The tamper-evident ledger.")
scheduler_cli = AppGroup("scheduler", help="The scheduler that moves tenders when their time comes.")
users_cli = AppGroup("users", help="User accounts.")


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["url"] = url
    return cfg


def upgrade(url: str) -> None:
    command.upgrade(alembic_config(url), "head")


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema to the newest migration."""
    upgrade(config_module.database_url(current_app.config))
    click.echo("database is at the newest migration")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo organisations, accounts and tenders (safe to run again)."""
    from app.demo import ACCOUNTS, load

    services = current_app.extensions["sealbid"]
    with services.sessions() as session:
        created = load(session, services.clock, services.store)
        session.commit()
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo(f"demo accounts (password for all: {ACCOUNTS.password}):")
    for username, role, name in ACCOUNTS.rows:
        click.echo(f"  {username:<12} {role:<11} {name}")


@ledger_cli.command("verify")
def ledger_verify() -> None:
    """Check the whole hash chain; name the first bad entry and exit 1 if there is one."""
    with current_app.extensions["sealbid"].sessions() as session:
        report = ledger.verify(session)
    if report.ok:
        click.echo(f"ledger OK: {report.entries} entries, head {report.head_hash}")
        return
    click.echo(f"ledger BROKEN at entry {report.first_bad_seq}: {report.problem} "
               f"({report.entries} entries verified before it)", err=True)
    sys.exit(1)


@scheduler_cli.command("run")
def scheduler_run() -> None:
    """Run the scheduler in the foreground (production runs it as its own process)."""
    from app.scheduler import run_forever

    run_forever(current_app._get_current_object())


@scheduler_cli.command("tick")
def scheduler_tick() -> None:
    """Run every due transition once, now."""
    from app.scheduler import tick

    closed = tick(current_app._get_current_object())
    click.echo(f"closed {len(closed)} tender(s)")


@users_cli.command("token")
@click.argument("username")
@click.option("--label", default="cli", help="What the token is for.")
def users_token(username: str, label: str) -> None:
    """Issue an API bearer token for USERNAME (printed once)."""
    services = current_app.extensions["sealbid"]
    with services.sessions() as session:
        user = session.scalars(select(User).where(User.username == username.lower())).one_or_none()
        if user is None:
            click.echo(f"no user named {username}", err=True)
            sys.exit(2)
        try:
            token = issue_api_token(session, user, label, services.clock)
        except DomainError as exc:
            click.echo(str(exc), err=True)
            sys.exit(2)
        session.commit()
    click.echo(token)


def register(app: Flask) -> None:
    for group in (db_cli, demo_cli, ledger_cli, scheduler_cli, users_cli):
        app.cli.add_command(group)
