"""Operator commands: `flask db upgrade`, `flask demo load`, `flask demo --out DIR`, `flask ledger verify`, `flask scheduler run`,
`flask users token`."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from cryptography import x509
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

import config as config_module
from app import demo_run
from app.services import signing_settings
from core.actor import Actor
from core.clock import to_shanghai
from core.errors import DomainError, render
from core.identity import User, issue_api_token
from signing import checkpoints, ledger, pki
from signing.verify import verify_pdf

ROOT = Path(__file__).resolve().parent.parent

db_cli = AppGroup("db", help="Database schema (Alembic migrations).")
ledger_cli = AppGroup("ledger", help="The tamper-evident ledger.")
signing_cli = AppGroup("signing", help="The platform's certificate authority, seal and timestamp authority.")
records_cli = AppGroup("records", help="Signed records (PDF).")
scheduler_cli = AppGroup("scheduler", help="The scheduler that moves tenders when their time comes.")
users_cli = AppGroup("users", help="User accounts.")
experts_cli = AppGroup("experts", help="The expert pool and expert draws.")


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


@click.group("demo", cls=AppGroup, invoke_without_command=True,
             help="Demonstration data: `flask demo load`, or a whole tender lifecycle with `flask demo --out DIR`.")
@click.option("--out", type=click.Path(path_type=Path),
              help="Run a fresh demo tender through every stage and write its signed records, receipts and the "
                   "ledger export into this new or empty directory.")
@click.option("--until", type=click.Choice(demo_run.STAGE_NAMES),
              help="Stop after this stage (default: every stage that is built).")
@click.pass_context
@with_appcontext
def demo_cli(ctx: click.Context, out: Path | None, until: str | None) -> None:
    if ctx.invoked_subcommand is not None:
        if out is not None or until is not None:
            raise click.UsageError(f"--out and --until go with `flask demo` alone, not with `{ctx.invoked_subcommand}`")
        return
    if out is None:
        if until is not None:
            raise click.UsageError("--until needs --out DIR")
        click.echo(ctx.get_help())
        return
    _demo_lifecycle(out, until)


def _migrated_or_empty(url: str) -> bool:
    """True when the database has no tables yet (so the demo may create them); refuses one that is behind."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    from core.db import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            if not inspect(conn).get_table_names():
                return True
            current = set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()
    if current != set(ScriptDirectory.from_config(alembic_config(url)).get_heads()):
        raise click.ClickException("the database is not at the newest migration: run `flask db upgrade` first")
    return False


def _demo_lifecycle(out: Path, until: str | None) -> None:
    """`flask demo --out DIR`: see app/demo_run.py."""
    try:
        demo_run.check_out_dir(out)
        stages = demo_run.stages_until(until)
    except demo_run.RunError as exc:
        raise click.UsageError(str(exc)) from exc
    began = time.monotonic()
    url = config_module.database_url(current_app.config)
    if _migrated_or_empty(url):
        upgrade(url)
        click.echo("empty database: migrated to the newest schema")
    services = current_app.extensions["sealbid"]
    instance = Path(current_app.config["SEALBID_INSTANCE"])
    with services.sessions() as session:
        settings = _cli_domain(signing_settings)
        try:
            outcome = _cli_domain(lambda: demo_run.run(session, services.clock, services.store, settings, instance,
                                                       stages))
        except demo_run.RunError as exc:
            raise click.ClickException(str(exc)) from exc
        files = demo_run.export(session, services.store, outcome.tender_id, out)  # before the commit: all or nothing
        session.commit()
    if outcome.prepared:
        click.echo("platform signing and demo data set up (as `flask signing init` and `flask demo load`)")
    click.echo(f"demo tender {outcome.code}: {to_shanghai(outcome.started_at):%Y-%m-%d %H:%M} to "
               f"{to_shanghai(outcome.ended_at):%Y-%m-%d %H:%M} (Beijing time, on a clock started in the past)")
    if outcome.ended_at > services.clock.now():
        click.echo(f"note: the platform's certificates are younger than the demo's timeline, so the tender runs into "
                   f"the future; its records verify from {to_shanghai(outcome.ended_at):%Y-%m-%d %H:%M}", err=True)
    click.echo("stages run:")
    for stage in demo_run.STAGES:
        if stage.name in outcome.stages:
            click.echo(f"  {stage.name:<11} {stage.what}")
    if outcome.not_run:
        click.echo(f"stages not run: {', '.join(outcome.not_run)}")
    for number, names in outcome.candidates.items():
        click.echo(f"section {number}: candidates recommended by the committee: {', '.join(names)}")
    for number, name in outcome.winners.items():
        click.echo(f"section {number}: winner {name}")
    click.echo(f"files in {out}:")
    for path, size in files:
        click.echo(f"  {path.name:<64} {size:>9,} bytes")
    pdfs = [path for path, _ in files if path.suffix == ".pdf"]
    if pdfs:
        example = next((p for p in pdfs if p.name.startswith("notice-")), pdfs[0])
        click.echo(f"verify a record: flask records verify {example}; the ledger: flask ledger verify")
    click.echo(f"done in {time.monotonic() - began:.1f} s")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo organisations, accounts and tenders (safe to run again)."""
    from app.demo import ACCOUNTS, load

    services = current_app.extensions["sealbid"]
    with services.sessions() as session:
        key_dir = Path(current_app.config["SEALBID_INSTANCE"]) / "demo-keys"
        created = _cli_domain(lambda: load(session, services.clock, services.store, signing_settings(), key_dir))
        session.commit()
    click.echo("demo data loaded" if created else "demo data already present")
    click.echo(f"demo accounts (password for all: {ACCOUNTS.password}; signing PIN: {ACCOUNTS.signing_pin}):")
    for username, role, name in ACCOUNTS.rows:
        click.echo(f"  {username:<12} {role:<11} {name}")
    click.echo(f"demo encryption key files (private, stay on the person's machine): {key_dir}")
    click.echo(f"demo bond files (bank guarantees to upload, the bank's CSV statement to import): "
               f"{key_dir.parent / 'demo-files'}")


@ledger_cli.command("verify")
def ledger_verify() -> None:
    """Check the hash chain and every signed checkpoint; say what is wrong and exit 1 if anything is."""
    with current_app.extensions["sealbid"].sessions() as session:
        report = ledger.verify(session)
        problems = checkpoints.verify(session)
        count = session.scalar(select(func.count()).select_from(checkpoints.LedgerCheckpoint)) or 0
    ok = report.ok and not problems
    if report.ok:
        click.echo(f"hash chain OK: {report.entries} entries, head {report.head_hash}")
    else:
        click.echo(f"hash chain BROKEN at entry {report.first_bad_seq}: {report.problem} "
                   f"({report.entries} entries verified before it)", err=True)
    for problem in problems:
        click.echo(f"checkpoint {problem.checkpoint_id} (size {problem.seq}) FAILS: {problem.problem}", err=True)
    if not problems:
        click.echo(f"signed checkpoints OK: {count}")
    if not ok:
        sys.exit(1)


@ledger_cli.command("checkpoint")
def ledger_checkpoint() -> None:
    """Sign and timestamp the current head of the ledger now."""
    services = current_app.extensions["sealbid"]
    with services.sessions() as session:
        cp = _cli_domain(lambda: checkpoints.checkpoint(session, services.clock, signing_settings()))
        session.commit()
    click.echo(f"checkpoint at size {cp.seq}, Merkle root {cp.merkle_root}" if cp else "nothing new to checkpoint")


def _cli_domain(action):
    """Run a domain action; a refusal becomes a message on stderr and exit status 2."""
    try:
        return action()
    except DomainError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


@signing_cli.command("init")
@click.option("--ca-cert", type=click.Path(exists=True, dir_okay=False), help="Issuing CA certificate (PEM) to import.")
@click.option("--ca-key", type=click.Path(exists=True, dir_okay=False), help="Its private key (PEM).")
def signing_init(ca_cert: str | None, ca_key: str | None) -> None:
    """Create the platform CA, seal and TSA once, or build them on an imported CA."""
    services = current_app.extensions["sealbid"]
    with services.sessions() as session:
        settings = _cli_domain(signing_settings)
        if ca_cert or ca_key:
            if not (ca_cert and ca_key):
                click.echo("--ca-cert and --ca-key go together", err=True)
                sys.exit(2)
            _cli_domain(lambda: pki.import_external_ca(session, services.clock, Actor.system(), settings,
                                                       Path(ca_cert).read_bytes(), Path(ca_key).read_bytes()))
            created = True
        else:
            created = _cli_domain(lambda: pki.init_platform(session, services.clock, Actor.system(), settings))
        session.commit()
        click.echo("platform CA, seal and timestamp authority ready" if created else "already initialised")
        click.echo(f"CA certificate: {pki.ca(session).subject}")


@records_cli.command("verify")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--ca", "ca_path", type=click.Path(exists=True, dir_okay=False),
              help="Trust this CA (PEM) instead of the platform's database.")
@click.option("--crl", "crl_path", type=click.Path(exists=True, dir_okay=False), help="A CRL (DER) to check against.")
def records_verify(path: str, ca_path: str | None, crl_path: str | None) -> None:
    """Check every signature of a signed PDF: signer, time, integrity, later changes, chain, revocation."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        click.echo(f"cannot read {path}: {exc.strerror}", err=True)
        sys.exit(2)
    services = current_app.extensions["sealbid"]
    with services.sessions() as session:
        if ca_path:
            roots = [x509.load_pem_x509_certificate(Path(ca_path).read_bytes())]
            crls = [Path(crl_path).read_bytes()] if crl_path else []
        else:
            _cli_domain(lambda: pki.ca(session))  # says clearly when the platform has no CA yet
            roots = pki.trust_roots(session)
            crls = [_cli_domain(lambda: pki.crl(session, services.clock, signing_settings()))]
            session.commit()
    check = verify_pdf(data, roots, crls, services.clock.now())
    for problem in check.problems:
        click.echo(f"FAIL: {render(problem.text, problem.params)}", err=True)
    for number, sig in enumerate(check.signatures, start=1):
        click.echo(f"signature {number} ({sig.field}): {sig.signer}")
        click.echo(f"  signing time : {sig.signing_time.isoformat() if sig.signing_time else '-'}")
        click.echo(f"  timestamp    : {sig.timestamp.isoformat() if sig.timestamp else '-'}")
        click.echo(f"  intact       : {'yes' if sig.intact else 'NO'}")
        click.echo(f"  changed after: {'YES' if sig.changed_after else 'no'}")
        click.echo(f"  platform CA  : {'yes' if sig.trusted else 'NO'}")
        click.echo(f"  revoked      : {'YES' if sig.revoked else 'no'}")
        for problem in sig.problems:
            click.echo(f"  FAIL: {render(problem.text, problem.params)}", err=True)
    if not check.ok:
        sys.exit(1)
    click.echo(f"OK: {len(check.signatures)} valid signature(s)")


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


@experts_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def experts_import(path: str) -> None:
    """Import the expert roster (.xlsx or CSV in UTF-8/GBK): print what was created and updated and each row error."""
    from core.actor import Role
    from expert_pool import roster

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        click.echo(f"cannot read {path}: {exc.strerror}", err=True)
        sys.exit(1)
    services = current_app.extensions["sealbid"]
    # whoever runs the operator console acts as the administrator; the ledger names the command
    operator = Actor(user_id=None, org_id=None, roles=frozenset({Role.ADMIN}), name="flask experts import")
    with services.sessions() as session:
        try:
            result = roster.import_roster(session, services.clock, operator, data, Path(path).name)
        except DomainError as exc:
            click.echo(str(exc), err=True)
            sys.exit(1)
        session.commit()
    click.echo(f"created {len(result.created)}, updated {len(result.updated)}, unchanged {result.unchanged}, "
               f"rows with errors {len({e.line for e in result.errors})}")
    for error in result.errors:
        click.echo(render(error.message.text, error.message.params), err=True)


@experts_cli.command("verify-draw")
@click.argument("draw_id", type=int)
def experts_verify_draw(draw_id: int) -> None:
    """Re-run an expert draw from its frozen pool and seed; say what differs and exit 1 if anything does."""
    from expert_pool import draw as expert_draw

    with current_app.extensions["sealbid"].sessions() as session:
        result = _cli_domain(lambda: expert_draw.verify_draw(session, draw_id))
    for problem in result.problems:
        click.echo(f"FAIL: {render(problem.text, problem.params)}", err=True)
    if not result.ok:
        sys.exit(1)
    seed = "revealed" if result.seed_revealed else "not yet revealed"
    click.echo(f"OK: draw {draw_id} re-runs identically ({result.picks_checked} picks; seed {seed})")


def register(app: Flask) -> None:
    for group in (db_cli, demo_cli, ledger_cli, scheduler_cli, users_cli, signing_cli, records_cli, experts_cli):
        app.cli.add_command(group)
