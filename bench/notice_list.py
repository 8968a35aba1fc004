"""Benchmark of the public notice list (`make bench`): how fast is `/` with 10,000 published tenders?

What it does, in about a minute on the 2-core machine:
1. builds a fresh instance folder with an SQLite database migrated by Alembic (`app.cli.upgrade`);
2. makes the usual people with `tests.world.build_world`, then bulk-inserts 10,000 published tenders with one
   section each through SQLAlchemy Core;
3. serves the real app (`wsgi:app`, SEALBID_ENV=production) with gunicorn, 2 sync workers, and, the same way, a
   bare Flask app that returns a tiny page: the bare figure is the ceiling this machine, gunicorn and the client
   allow, so the ratio says how much of it the notice list keeps;
4. loads each endpoint from a few client threads on loopback (bounded in requests and in seconds), prints
   requests/second, latency percentiles and the ratio to the bare endpoint, and writes bench/out/notice_list.json;
5. stops both servers and removes the instance folder.

The client runs on the same two cores as the servers, so the figures are comparable with each other and with
earlier runs on the same kind of machine, not absolute capacity.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.reliability.harness import HOST, free_port, terminate  # noqa: E402  (after the path above)

TENDERS = 10_000
WORKERS = 2
CLIENT_THREADS = 4
MAX_REQUESTS = 20_000  # per endpoint
MAX_SECONDS = 8.0  # per endpoint
WARMUP_REQUESTS = 40
SEARCH_WORD = "道路"
ENDPOINTS = {
    "first page": "/",
    "page 250": "/?page=250",
    "search + category": "/?q=" + "%E9%81%93%E8%B7%AF" + "&category=works",  # q=道路
}
REGIONS = ["北京市朝阳区", "上海市浦东新区", "广州市天河区", "深圳市南山区", "成都市武侯区", "杭州市西湖区"]
SUBJECTS = ["道路改造工程", "办公设备采购", "物业管理服务", "污水处理厂扩建", "医疗设备采购", "园林绿化养护"]
CATEGORY_OF = {"道路改造工程": "works", "污水处理厂扩建": "works", "办公设备采购": "goods", "医疗设备采购": "goods",
               "物业管理服务": "services", "园林绿化养护": "services"}


def bare_app():
    """The baseline: Flask with one route and a tiny page (gunicorn calls this factory)."""
    from flask import Flask

    bare = Flask("bare")

    @bare.get("/")
    def index():
        return "<!doctype html><title>ok</title><p>ok</p>"

    return bare


# --- seeding --------------------------------------------------------------------------------------------------


def seed(url: str, count: int) -> None:
    from sqlalchemy import insert, text

    import bidding.models  # noqa: F401  (registers the tables)
    from app.cli import upgrade
    from bidding.models import Section, Tender
    from core.clock import SystemClock
    from core.db import make_engine, make_session_factory
    from tests.world import build_world

    upgrade(url)
    engine = make_engine(url)
    clock = SystemClock()
    with make_session_factory(engine)() as session:
        world = build_world(session, clock)
        session.commit()
    agent_org = world.agent.org_id
    creator = world.agent.user_id
    now = clock.now()
    rng = random.Random(20260302)
    tenders, sections = [], []
    for i in range(1, count + 1):
        subject = SUBJECTS[i % len(SUBJECTS)]
        region = REGIONS[rng.randrange(len(REGIONS))]
        published = now - timedelta(minutes=count - i)  # tender 1 is the oldest
        sale_start = published + timedelta(hours=1)
        tenders.append({
            "id": i, "code": f"BENCH-{i:06d}", "title": f"{region}{subject}（第{i}批）", "plan_id": None,
            "tenderee_org_id": world.tenderee_org_id, "agent_org_id": agent_org,
            "category": CATEGORY_OF[subject], "method": "open", "is_compulsory": True, "is_state_funded": i % 2 == 0,
            "region": region, "description": "基准测试数据。", "status": "published", "resume_status": None,
            "sale_start": sale_start, "sale_end": sale_start + timedelta(days=7),
            "clarification_deadline": sale_start + timedelta(days=10),
            "bid_deadline": sale_start + timedelta(days=25), "bid_validity_days": 90,
            "published_at": published, "created_by": creator, "created_at": published,
        })
        price = Decimal(rng.randrange(1_000, 500_000) * 100)
        sections.append({
            "tender_id": i, "number": 1, "name": "一标段", "estimated_price": price, "bond_policy": "required",
            "bond_forms": "cash,bank_guarantee",
            "bond_amount": (price * Decimal("0.01")).quantize(Decimal("0.01")), "evaluation_method": "comprehensive",
        })
    with engine.begin() as conn:
        conn.execute(insert(Tender.__table__), tenders)
        conn.execute(insert(Section.__table__), sections)
        if engine.dialect.name == "sqlite":
            conn.execute(text("ANALYZE"))
    engine.dispose()


# --- servers --------------------------------------------------------------------------------------------------



class Gunicorn:
    """gunicorn with WORKERS sync workers on loopback, started and stopped by this script only."""

    def __init__(self, target: str, env: dict[str, str], log: Path, pythonpath: str | None = None) -> None:
        self.port = free_port()
        command = [str(Path(sys.executable).with_name("gunicorn")), "--workers", str(WORKERS),
                   "--bind", f"{HOST}:{self.port}", "--log-level", "warning", "--error-logfile", str(log)]
        if pythonpath:
            command += ["--pythonpath", pythonpath]
        self.log = log
        self.process = subprocess.Popen([*command, target], cwd=ROOT, env=env, stdin=subprocess.DEVNULL)

    def wait_ready(self, path: str = "/", seconds: float = 60.0) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode}; see {self.log}:\n"
                                   + self.log.read_text(errors="replace")[-3000:])
            try:
                status, _ = get(self.port, path)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {seconds:.0f} s")

    def stop(self) -> None:
        terminate(self.process)


# --- client ---------------------------------------------------------------------------------------------------


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        conn.request("GET", path, headers={"Accept-Language": "zh-CN"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@dataclass
class Result:
    name: str
    path: str
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    max_ms: float
    ratio_to_bare: float | None = None


def load(name: str, port: int, path: str, max_requests: int, max_seconds: float, threads: int) -> Result:
    """Bounded load: stops after max_requests or max_seconds, whichever comes first."""
    for _ in range(WARMUP_REQUESTS):
        get(port, path)
    lock = threading.Lock()
    issued = 0
    latencies: list[float] = []
    errors = 0
    start = time.perf_counter()
    deadline = start + max_seconds

    def worker() -> None:
        nonlocal issued, errors
        own: list[float] = []
        own_errors = 0
        while True:
            with lock:
                if issued >= max_requests or time.perf_counter() >= deadline:
                    break
                issued += 1
            t0 = time.perf_counter()
            try:
                status, _ = get(port, path)
                ok = status == 200
            except OSError:
                ok = False
            own.append(time.perf_counter() - t0)
            own_errors += not ok
        with lock:
            latencies.extend(own)
            errors += own_errors

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=max_seconds + 60)
    elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return Result(
        name=name, path=path, requests=n, errors=errors, seconds=round(elapsed, 2),
        rps=round(n / elapsed, 1) if elapsed else 0.0,
        p50_ms=round(statistics.median(latencies) * 1000, 1) if n else 0.0,
        p95_ms=round(latencies[min(n - 1, int(n * 0.95))] * 1000, 1) if n else 0.0,
        max_ms=round(latencies[-1] * 1000, 1) if n else 0.0,
    )


def check_pages(port: int, count: int) -> None:
    """The endpoints answer with what they should before they are timed (20 notices a page)."""
    status, body = get(port, "/")
    page = body.decode()
    assert status == 200 and f"BENCH-{count:06d}" in page, "the first page should show the newest tender"
    status, body = get(port, "/?page=250")
    page = body.decode()
    if count >= 250 * 20:
        newest_on_page = count - 249 * 20
        assert status == 200 and f"BENCH-{newest_on_page:06d}" in page, "page 250 should start at the 4,981st"
    status, body = get(port, ENDPOINTS["search + category"])
    page = body.decode()
    assert status == 200 and SEARCH_WORD in page and "BENCH-" in page, "the search should find road works"


# --- main -----------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tenders", type=int, default=TENDERS)
    parser.add_argument("--requests", type=int, default=MAX_REQUESTS, help="most requests per endpoint")
    parser.add_argument("--seconds", type=float, default=MAX_SECONDS, help="most seconds per endpoint")
    parser.add_argument("--threads", type=int, default=CLIENT_THREADS, help="client threads")
    args = parser.parse_args()

    started = time.perf_counter()
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sealbid-bench-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        url = f"sqlite:///{instance / 'sealbid.db'}"
        t0 = time.perf_counter()
        seed(url, args.tenders)
        print(f"seeded {args.tenders:,} published tenders in {time.perf_counter() - t0:.1f} s ({url})")

        env = {k: v for k, v in os.environ.items() if not k.startswith(("SEALBID_", "DATABASE_URL"))}
        env.update({"SEALBID_ENV": "production", "SECRET_KEY": "bench-" + os.urandom(16).hex(),
                    "DATABASE_URL": url, "SEALBID_INSTANCE": str(instance), "SEALBID_SCHEDULER": "0",
                    "PYTHONDONTWRITEBYTECODE": "1"})
        servers: list[Gunicorn] = []
        try:
            app_server = Gunicorn("wsgi:app", env, Path(tmp) / "app.log")
            servers.append(app_server)
            bare_server = Gunicorn("notice_list:bare_app()", env, Path(tmp) / "bare.log",
                                   pythonpath=str(ROOT / "bench"))
            servers.append(bare_server)
            app_server.wait_ready()
            bare_server.wait_ready()
            check_pages(app_server.port, args.tenders)

            results = [load("bare Flask page", bare_server.port, "/", args.requests, args.seconds, args.threads)]
            for name, path in ENDPOINTS.items():
                results.append(load(name, app_server.port, path, args.requests, args.seconds, args.threads))
        finally:
            for server in servers:
                server.stop()

    bare_rps = results[0].rps
    for r in results:
        r.ratio_to_bare = round(r.rps / bare_rps, 3) if bare_rps else None
    print(f"\ngunicorn {WORKERS} sync workers, {args.threads} client threads, "
          f"at most {args.requests} requests or {args.seconds:.0f} s per endpoint, {os.cpu_count()} CPUs")
    print(f"{'endpoint':<20} {'path':<36} {'requests':>8} {'errors':>6} {'req/s':>8} "
          f"{'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'vs bare':>8}")
    for r in results:
        print(f"{r.name:<20} {r.path:<36} {r.requests:>8} {r.errors:>6} {r.rps:>8.1f} "
              f"{r.p50_ms:>7.1f} {r.p95_ms:>7.1f} {r.max_ms:>7.1f} {r.ratio_to_bare:>8.3f}")
    report = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "tenders": args.tenders,
              "workers": WORKERS, "client_threads": args.threads, "cpus": os.cpu_count(),
              "results": [asdict(r) for r in results]}
    (out_dir / "notice_list.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {out_dir / 'notice_list.json'} in {time.perf_counter() - started:.0f} s in all")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
