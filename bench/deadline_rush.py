"""Benchmark of the deadline rush (`python bench/deadline_rush.py`): receipts per second and p99 receipt latency.

What it does, in about 80 s on the 2-core machine (30 s with `--pin-cost test`):
1. creates a fresh PostgreSQL database on ``--server`` (dropped at the end) and migrates it with Alembic;
2. seeds it with the rush test's code (tests/reliability/harness.py): the usual people, the platform CA, and
   ``--bidders`` approved companies (plus a few for warming up) with signing certificates, registered encryption
   keys, API tokens, and the documents of one tender obtained. Signing PINs are sealed at production's Argon2id
   cost (64 MiB, t=3), so every submission pays the PIN unseal it pays in production; ``--pin-cost test`` uses the
   test suite's tiny cost instead. Every bidder's envelope (``--size`` bytes of bid) is sealed in advance;
3. serves ``wsgi:app`` with gunicorn (``--workers`` sync workers, production configuration) and runs the
   scheduler as its own process (``flask scheduler run``, ticking every second);
4. warms every worker with two submissions each, times five lone submissions (the latency without a queue), then
   sends all ``--bidders`` submissions at once, one connection each (at most ``--clients`` at a time);
5. prints receipts per second (accepted submissions over the time from the first send to the last answer) and
   the latency of each submission from its send to its receipt answer (p50, p95, p99, max), writes
   bench/out/deadline_rush.json, and stops the servers.

The client shares the machine's cores with the servers and PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = "postgresql://postgres@127.0.0.1:5432"
BIDDERS = 200
LONE = 5


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def fresh_database(server: str, name: str) -> str:
    from sqlalchemy import text

    from core.db import make_engine

    admin = make_engine(f"{server}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"{server}/{name}"


def drop_database(server: str, name: str) -> None:
    from sqlalchemy import text

    from core.db import make_engine

    admin = make_engine(f"{server}/postgres").execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bidders", type=int, default=BIDDERS, help="concurrent submissions")
    parser.add_argument("--size", type=int, default=256 * 1024, help="bytes of bid sealed in each envelope")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--clients", type=int, default=0, help="most connections at a time (default: all)")
    parser.add_argument("--pin-cost", choices=("production", "test"), default="production",
                        help="Argon2id cost of the signing PINs (the server unseals one per submission)")
    parser.add_argument("--server", default=SERVER, help="PostgreSQL server (a database is created and dropped)")
    args = parser.parse_args()

    import bidding.models  # noqa: F401  (registers the tables)
    import signing.pin
    from app.cli import upgrade
    from core.clock import FrozenClock, SystemClock
    from core.db import make_engine, make_session_factory
    from core.files import LocalFileStore
    from tests.reliability.harness import (
        Gunicorn,
        Scheduler,
        cheap_kdfs,
        open_tender,
        seal_bid,
        seed_crowd,
        server_env,
        submit_bid,
    )

    started = time.perf_counter()
    warm_count = 2 * args.workers
    name = f"sealbid_bench_rush_{os.getpid()}"
    url = fresh_database(args.server, name)
    try:
        upgrade(url)
        engine = make_engine(url)
        real = SystemClock()
        with tempfile.TemporaryDirectory(prefix="sealbid-bench-rush-", dir="/tmp") as tmp:
            instance = Path(tmp) / "instance"
            t0 = time.perf_counter()
            with make_session_factory(engine)() as session, cheap_kdfs(pins=args.pin_cost == "test"):
                crowd = seed_crowd(session, FrozenClock(real.now() - timedelta(days=30)),
                                   args.bidders + warm_count + LONE)
                tender = open_tender(session, LocalFileStore(instance / "files"), crowd,
                                     (real.now() + timedelta(hours=1)).replace(microsecond=0), "RUSH-BENCH-001")
                envelopes = {b.number: seal_bid(tender, b, args.size) for b in crowd.bidders}
                tender_id = tender.id
            pin_cost = dict(signing.pin.COST) if args.pin_cost == "production" else {"t": 1, "m": 8, "p": 1}
            print(f"seeded {len(crowd.bidders)} bidders and sealed their envelopes ({args.size:,} bytes of bid each) "
                  f"in {time.perf_counter() - t0:.1f} s; PIN cost {pin_cost}")
            warm = crowd.bidders[:warm_count]
            lone = crowd.bidders[warm_count:warm_count + LONE]
            rush = crowd.bidders[warm_count + LONE:]

            env = server_env(url, instance)
            web = Gunicorn(env, Path(tmp) / "gunicorn.log", workers=args.workers, timeout=120)
            scheduler = None
            try:
                web.start()
                scheduler = Scheduler(env, Path(tmp) / "scheduler.log", interval=1)

                def send(bidder):
                    return submit_bid(web.port, tender_id, bidder, envelopes[bidder.number])

                with ThreadPoolExecutor(len(warm)) as pool:
                    warmed = list(pool.map(send, warm))
                alone = [send(b) for b in lone]
                clients = args.clients or len(rush)
                with ThreadPoolExecutor(clients) as pool:
                    t0 = time.perf_counter()
                    answers = list(pool.map(send, rush))
                    elapsed = time.perf_counter() - t0
                if not scheduler.alive():
                    raise SystemExit("the scheduler died: " + (Path(tmp) / "scheduler.log").read_text()[-2000:])
            finally:
                if scheduler is not None:
                    scheduler.stop()
                web.stop()
        engine.dispose()
    finally:
        drop_database(args.server, name)

    failures = [a for a in [*warmed, *alone, *answers] if a.status != 201]
    for a in failures[:3]:
        print(f"refused: {a.status} {a.body[:300]!r}")
    latencies = sorted(a.seconds for a in answers)
    ok = sum(a.status == 201 for a in answers)
    lone_ms = statistics.median(a.seconds for a in alone) * 1000
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "workers": args.workers,
        "bidders": len(rush), "clients": clients, "envelope_bytes": len(envelopes[rush[0].number]),
        "pin_cost": args.pin_cost, "accepted": ok, "errors": len(rush) - ok, "seconds": round(elapsed, 2),
        "receipts_per_s": round(ok / elapsed, 1), "lone_p50_ms": round(lone_ms),
        "p50_ms": round(percentile(latencies, 50) * 1000), "p95_ms": round(percentile(latencies, 95) * 1000),
        "p99_ms": round(percentile(latencies, 99) * 1000), "max_ms": round(latencies[-1] * 1000),
    }
    print(f"\ngunicorn {args.workers} sync workers + scheduler, PostgreSQL, {os.cpu_count()} CPUs; "
          f"{len(rush)} submissions at once from {clients} connections, {result['envelope_bytes']:,}-byte envelopes, "
          f"PIN cost: {args.pin_cost}")
    print(f"  lone submission (no queue)  : p50 {result['lone_p50_ms']} ms")
    print(f"  rush                        : {ok} receipts in {elapsed:.1f} s = {result['receipts_per_s']} receipts/s, "
          f"{result['errors']} errors")
    print(f"  receipt latency in the rush : p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
          f"p99 {result['p99_ms']} ms, max {result['max_ms']} ms")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "deadline_rush.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {out / 'deadline_rush.json'} in {time.perf_counter() - started:.0f} s in all")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
