"""What the reliability tests and the benchmarks share: the real server as its own processes, a plain HTTP
client, and a crowd of bidders seeded through the domain functions.

The servers run the production configuration (``wsgi:app`` under gunicorn, ``SEALBID_ENV=production``, the
scheduler as ``flask scheduler run``) on the database and instance folder the caller seeded, with the real
clock: no clock can be frozen across processes.

Why the seed runs on a clock set back in time: a compulsory tender needs 20 days from the documents' issue to
its deadline (法第24条) and a sale period of 5 days (条例第16条), and its timeline is checked against the
clock when it is created and published. To get a tender whose deadline is a minute from now, ``open_tender``
runs the domain functions with a ``FrozenClock`` set to when such a tender would have been published (25 days
and an hour before the deadline), and the bidders obtain the documents within the sale period by the same
clock. Nothing is written behind the domain's back and every rule is checked; only the timestamps of the
seed lie in the past, as they would for a real tender.

Signing PINs (and the platform's passphrase) are sealed with the Argon2id cost ``signing.pin.COST`` has in
the seeding process, and each sealed key carries its own cost parameters (signing/pin.py), so the servers
unseal at that cost without being patched. The test suite lowers it (tests/conftest.py); the benchmark
chooses (``cheap_kdfs``).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from sqlalchemy.orm import Session

import core.identity
import signing.pin
from app.demo import demo_code
from bidding import participation, parties
from bidding.escrow import require_escrow
from bidding.models import Tender
from core.actor import Actor, OrgKind, Role
from core.clock import Clock, FrozenClock
from core.files import FileStore
from core.identity import issue_api_token
from signing import encryption_keys, envelope, pki
from tests.bidding.sealing import container
from tests.world import (
    ESCROW_HOLDERS,
    PASSWORD,
    SIGNING,
    SIGNING_PIN,
    World,
    build_world,
    encryption_key,
    ensure_signing,
    published_tender,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
# Bidders' organisations get credit codes from here on (tests.world uses 1-13).
FIRST_CODE = 100_000


# --- seeding --------------------------------------------------------------------------------------------------


@contextmanager
def cheap_kdfs(*, pins: bool = True) -> Iterator[None]:
    """Argon2id at the test suite's tiny cost (as tests/conftest.py) for passwords hashed and, if ``pins``, for
    signing keys sealed meanwhile; with ``pins=False`` signing keys keep production's cost."""
    original, original_cost = core.identity._hasher, signing.pin.COST
    core.identity._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    if pins:
        signing.pin.COST = {"t": 1, "m": 8, "p": 1}
    try:
        yield
    finally:
        core.identity._hasher, signing.pin.COST = original, original_cost


@dataclass
class Bidder:
    """An approved company with one bidder account: signing certificate, encryption key, API token."""

    number: int
    actor: Actor
    org_id: int
    credit_code: str
    token: str
    key: X25519PrivateKey


@dataclass
class Crowd:
    world: World
    bidders: list[Bidder]


def seed_crowd(session: Session, clock: Clock, count: int) -> Crowd:
    """The usual people (tests.world), the platform CA, the escrow holders' keys, and ``count`` bidders."""
    world = build_world(session, clock)
    ensure_signing(session, clock, world)
    for name in ESCROW_HOLDERS:
        encryption_key(session, clock, world, name)
    session.commit()
    bidders = []
    for number in range(1, count + 1):
        code = demo_code(FIRST_CODE + number)
        org = parties.create_organisation(session, clock, world.admin, parties.OrganisationInput(
            name=f"冲刺投标公司{number}", kind=OrgKind.BIDDER, credit_code=code, legal_representative="法人",
            contact_name="联系人", contact_phone="010-12345678", region="北京市"))
        user = parties.create_user(session, clock, world.admin, parties.UserInput(
            username=f"rush{number}", display_name=f"投标人{number}", password=PASSWORD, roles=(Role.BIDDER,),
            organisation_id=org.id))
        actor = user.actor()
        pki.issue_person(session, clock, actor, SIGNING, user.id, user.display_name, org.name, SIGNING_PIN)
        key = X25519PrivateKey.generate()
        encryption_keys.register(session, clock, actor, envelope.raw_public(key.public_key()))
        token = issue_api_token(session, user, "rush", clock)
        bidders.append(Bidder(number=number, actor=actor, org_id=org.id, credit_code=code, token=token, key=key))
        if number % 50 == 0:
            session.commit()
    session.commit()
    return Crowd(world, bidders)


def open_tender(session: Session, store: FileStore, crowd: Crowd, deadline: datetime, code: str) -> Tender:
    """A compulsory tender published 25 days before ``deadline``; every bidder of the crowd obtained its documents.

    The domain runs on a clock set back to the publication (see the module's docstring).
    """
    sale_start = deadline - timedelta(days=25)
    clock = FrozenClock(sale_start - timedelta(hours=1))
    tender = published_tender(session, clock, store, crowd.world, code=code, title="截止冲刺测试工程",
                              sale_start=sale_start, sale_end=sale_start + timedelta(days=7),
                              clarification_deadline=sale_start + timedelta(days=10), bid_deadline=deadline)
    clock.set(sale_start + timedelta(days=1))
    for bidder in crowd.bidders:
        participation.obtain_documents(session, clock, bidder.actor, tender.id)
    session.commit()
    return tender


def seal_bid(tender: Tender, bidder: Bidder, size: int, *, section: int = 1, chunk_size: int = envelope.CHUNK_SIZE,
             ) -> bytes:
    """The bidder's envelope for the tender: a bid form and one file of ``size`` random bytes."""
    plaintext = container({"price": f"{9_000_000 + bidder.number}.00", "duration_days": 365},
                          {"技术标.pdf": os.urandom(size)})
    out = io.BytesIO()
    envelope.seal(io.BytesIO(plaintext), out, envelope.Binding(tender.code, section, bidder.credit_code),
                  bidder.key.public_key(), require_escrow(tender), chunk_size=chunk_size)
    return out.getvalue()


def content_key(data: bytes, bidder: Bidder) -> bytes:
    """What the bidder unwraps on its own machine at the opening."""
    header = envelope.read_header(io.BytesIO(data))
    return envelope.unwrap_for_bidder(header, bidder.key)


# --- client ---------------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: bytes
    seconds: float

    def json(self) -> dict:
        return json.loads(self.body)


def call(port: int, method: str, path: str, *, token: str | None = None, body: bytes | None = None,
         headers: dict[str, str] | None = None, timeout: float = 180) -> Answer:
    """One request on a fresh loopback connection."""
    sent = {"Accept": "application/json", **(headers or {})}
    if token:
        sent["Authorization"] = f"Bearer {token}"
    started = time.perf_counter()
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=sent)
        response = conn.getresponse()
        return Answer(response.status, response.read(), time.perf_counter() - started)
    finally:
        conn.close()


def submit_bid(port: int, tender_id: int, bidder: Bidder, data: bytes, *, section: int = 1,
               timeout: float = 180) -> Answer:
    return call(port, "POST", f"/api/v1/tenders/{tender_id}/sections/{section}/bids", token=bidder.token, body=data,
                headers={"Content-Type": "application/octet-stream", "X-Sealbid-Pin": SIGNING_PIN,
                         "X-Client-Fingerprint": f"rush-client/{bidder.number}"}, timeout=timeout)


# --- servers --------------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def server_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    """The production configuration on this database and instance folder; the platform passphrase of the seed."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("SEALBID_") and k not in {"DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY"}}
    env.update({"SEALBID_ENV": "production", "SECRET_KEY": "reliability-" + os.urandom(16).hex(),
                "SEALBID_SIGNING_PASSPHRASE": SIGNING.passphrase, "DATABASE_URL": database_url,
                "SEALBID_INSTANCE": str(instance), "SEALBID_SCHEDULER": "0", "PYTHONDONTWRITEBYTECODE": "1", **extra})
    return env


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (gunicorn's workers), from each process's parent in /proc."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return sorted(found)


def proc_status_kib(pid: int, field: str) -> int:
    """A ``/proc/<pid>/status`` figure in KiB, e.g. VmRSS or VmHWM (the peak resident set)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


class Gunicorn:
    """``wsgi:app`` under gunicorn with sync workers on a free loopback port; started and stopped by its owner."""

    def __init__(self, env: dict[str, str], log: Path, *, workers: int = 2, timeout: int = 30,
                 port: int | None = None) -> None:
        self.env, self.log, self.workers, self.timeout = env, log, workers, timeout
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    def start(self, seconds: float = 60.0) -> Gunicorn:
        command = [str(BIN / "gunicorn"), "--workers", str(self.workers), "--bind", f"{HOST}:{self.port}",
                   "--timeout", str(self.timeout), "--graceful-timeout", "5", "--log-level", "warning",
                   "--error-logfile", str(self.log), "wsgi:app"]
        with self.log.open("ab") as out:  # the app's own messages (tracebacks) go to the same file
            self.process = subprocess.Popen(command, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=out,
                                            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if call(self.port, "GET", "/", timeout=10).status == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s:\n{self.log_tail()}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:] if self.log.exists() else ""

    @property
    def master_pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children(self.master_pid) if self.process else []

    def kill(self) -> None:
        """``kill -9`` the workers and the master, as a power cut or the OOM killer would."""
        assert self.process is not None
        workers = self.worker_pids()
        os.kill(self.master_pid, signal.SIGKILL)
        for pid in workers:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=10)
        for pid in workers:  # orphans are reaped by init; wait until they are gone
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists() or _zombie(pid):
                    break
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            terminate(self.process)


def terminate(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it does not stop within 20 s: how every server started here is stopped."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


class Scheduler:
    """``flask --app wsgi scheduler run``: production's scheduler, its own process."""

    def __init__(self, env: dict[str, str], log: Path, interval: int = 1) -> None:
        self.log = log
        self._out = log.open("ab")
        self.process = subprocess.Popen(
            [str(BIN / "flask"), "--app", "wsgi", "scheduler", "run"], cwd=ROOT,
            env={**env, "SEALBID_SCHEDULER_INTERVAL": str(interval)}, stdin=subprocess.DEVNULL,
            stdout=self._out, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        terminate(self.process)
        self._out.close()
