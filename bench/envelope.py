"""Benchmark of the sealed-bid envelope (`python bench/envelope.py`): throughput, and the server's memory.

1. Throughput: ``signing.envelope`` seals a 256 MiB file on disk and opens it again (header, bidder's unwrap,
   every chunk checked) into another file, with the default 64 KiB chunks and with 1 MiB chunks; the median of
   ``--runs`` runs in MB/s (10^6 bytes/s). In the same run it measures ``openssl speed -evp aes-256-gcm`` on
   16 KiB blocks and AES-256-GCM alone through ``cryptography`` on 64 KiB chunks in memory, and prints the ratios:
   how much of the machine's raw AEAD speed the envelope keeps once it also hashes and reads and writes files.
   Files live in the page cache (no fsync), as they do while a bidder seals.
2. Memory: the real server (``wsgi:app`` under gunicorn, one sync worker, production configuration, SQLite in a
   temporary instance) receives a 1 GiB bid through ``POST /api/v1/tenders/<id>/sections/1/bids`` and, after the
   deadline, opens it through ``POST /api/v1/bids/<id>/decrypt``. The worker's peak resident set above idle (idle:
   after the same requests with small bids, so everything is imported and warm) is read from ``VmHWM`` after
   resetting it through ``/proc/<pid>/clear_refs``, and from ``VmRSS`` sampled every 20 ms. The target is at most
   64 MiB above idle. The tender's deadline is ``--lead`` seconds after it is made (the server runs on the real
   clock); the throughput part runs while the deadline approaches, and the closing and the start of the opening run
   in this process through the domain functions, as the scheduler would.

Everything goes under a temporary folder in /tmp (about 6 GiB at the peak), removed at the end; the figures are
written to bench/out/envelope.json.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey  # noqa: E402
from cryptography.hazmat.primitives.ciphers.aead import AESGCM  # noqa: E402

from signing import envelope  # noqa: E402

MiB = 1024 * 1024
THROUGHPUT_BYTES = 256 * MiB
BIG_BID_BYTES = 1024 * MiB
SMALL_BID_BYTES = 64 * 1024
TARGET_MIB = 64
CHUNKS = {"64 KiB": 64 * 1024, "1 MiB": MiB}


def mb_per_s(size: int, seconds: float) -> float:
    return size / seconds / 1e6


def random_file(path: Path, size: int) -> Path:
    block = os.urandom(4 * MiB)  # a random block repeated with a counter: incompressible enough, and quick to write
    with path.open("wb") as out:
        for i in range(0, size, len(block)):
            piece = i.to_bytes(8, "big") + block[8:]
            out.write(piece[: min(len(block), size - i)])
    return path


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(4 * MiB):
            digest.update(block)
    return digest.hexdigest()


# --- 1. throughput --------------------------------------------------------------------------------------------


def test_keys() -> tuple[X25519PrivateKey, envelope.Escrow]:
    holders = tuple(X25519PrivateKey.generate().public_key() for _ in range(3))
    return X25519PrivateKey.generate(), envelope.Escrow(k=2, holders=holders)


def seal_file(plain: Path, out: Path, bidder: X25519PrivateKey, escrow: envelope.Escrow, chunk: int) -> float:
    started = time.perf_counter()
    with plain.open("rb") as src, out.open("wb") as dst:
        envelope.seal(src, dst, envelope.Binding("BENCH-001", 1, "91330100MA00000110"), bidder.public_key(), escrow,
                      chunk_size=chunk)
    return time.perf_counter() - started


def open_file(sealed: Path, out: Path, bidder: X25519PrivateKey) -> float:
    started = time.perf_counter()
    with sealed.open("rb") as src, out.open("wb") as dst:
        header = envelope.read_header(src)
        envelope.decrypt(src, header, envelope.unwrap_for_bidder(header, bidder), dst)
    return time.perf_counter() - started


def openssl_aes_gcm(seconds: int) -> float:
    """``openssl speed -evp aes-256-gcm`` on 16 KiB blocks, in MB/s."""
    run = subprocess.run(["openssl", "speed", "-evp", "aes-256-gcm", "-bytes", "16384", "-seconds", str(seconds)],
                         capture_output=True, text=True, timeout=seconds * 10 + 30, check=True)
    header = next(line for line in run.stdout.splitlines() if line.startswith("type"))
    row = next(line for line in run.stdout.splitlines() if line.upper().startswith("AES-256-GCM"))
    columns = re.findall(r"(\d+) bytes", header)
    values = row.split()[-len(columns):]
    value = values[columns.index("16384")]
    return float(value.rstrip("k")) * 1000 / 1e6


def python_aes_gcm(size: int) -> float:
    """AES-256-GCM through ``cryptography`` on 64 KiB chunks in memory (no hashing, no files), in MB/s."""
    aead, chunk = AESGCM(AESGCM.generate_key(bit_length=256)), os.urandom(64 * 1024)
    started = time.perf_counter()
    for i in range(size // len(chunk)):
        aead.encrypt(i.to_bytes(12, "big"), chunk, b"aad")
    return mb_per_s(size, time.perf_counter() - started)


def python_sha256(size: int) -> float:
    """SHA-256 through ``hashlib`` in memory (sealing hashes what it writes: the envelope hash), in MB/s."""
    digest, block = hashlib.sha256(), os.urandom(MiB)
    started = time.perf_counter()
    for _ in range(size // MiB):
        digest.update(block)
    return mb_per_s(size, time.perf_counter() - started)


def libraries() -> dict[str, str]:
    """The OpenSSL behind ``cryptography`` (its own build) and the ``openssl`` command: they may differ."""
    from cryptography.hazmat.backends.openssl.backend import backend

    cli = subprocess.run(["openssl", "version"], capture_output=True, text=True, check=True).stdout.strip()
    return {"cryptography": backend.openssl_version_text(), "openssl_command": cli}


def throughput(work: Path, runs: int, openssl_seconds: int) -> dict:
    plain = random_file(work / "plain-256.bin", THROUGHPUT_BYTES)
    bidder, escrow = test_keys()
    expected = sha256_file(plain)
    results: dict[str, dict[str, float]] = {}
    for label, chunk in CHUNKS.items():
        sealed, opened = work / "sealed.bin", work / "opened.bin"
        seal_times, open_times = [], []
        for _ in range(runs):
            seal_times.append(seal_file(plain, sealed, bidder, escrow, chunk))
            open_times.append(open_file(sealed, opened, bidder))
        if sha256_file(opened) != expected:
            raise SystemExit("the opened file differs from the sealed one")
        results[label] = {"seal_mb_s": round(mb_per_s(THROUGHPUT_BYTES, statistics.median(seal_times)), 1),
                          "open_mb_s": round(mb_per_s(THROUGHPUT_BYTES, statistics.median(open_times)), 1)}
        sealed.unlink()
        opened.unlink()
    plain.unlink()
    return {"bytes": THROUGHPUT_BYTES, "runs": runs, "envelope": results,
            "python_aes_gcm_64k_mb_s": round(python_aes_gcm(THROUGHPUT_BYTES), 1),
            "python_sha256_mb_s": round(python_sha256(THROUGHPUT_BYTES), 1), "libraries": libraries(),
            "openssl_aes_256_gcm_16k_mb_s": round(openssl_aes_gcm(openssl_seconds), 1)}


def print_throughput(t: dict) -> None:
    ossl, py = t["openssl_aes_256_gcm_16k_mb_s"], t["python_aes_gcm_64k_mb_s"]
    print(f"\nthroughput on {t['bytes'] // MiB} MiB (median of {t['runs']}), MB/s = 10^6 bytes/s; "
          f"cryptography uses {t['libraries']['cryptography']}, the command is {t['libraries']['openssl_command']}:")
    print(f"  openssl speed -evp aes-256-gcm, 16 KiB blocks : {ossl:8.1f} MB/s")
    print(f"  AES-256-GCM via cryptography, 64 KiB, memory  : {py:8.1f} MB/s  ({py / ossl:.2f} of openssl)")
    print(f"  SHA-256 via hashlib, memory                   : {t['python_sha256_mb_s']:8.1f} MB/s")
    for label, r in t["envelope"].items():
        print(f"  envelope seal, {label:<7} chunks, file to file : {r['seal_mb_s']:8.1f} MB/s  "
              f"({r['seal_mb_s'] / ossl:.2f} of openssl)")
        print(f"  envelope open, {label:<7} chunks, file to file : {r['open_mb_s']:8.1f} MB/s  "
              f"({r['open_mb_s'] / ossl:.2f} of openssl)")


# --- 2. the server's memory -----------------------------------------------------------------------------------


class Sampler:
    """VmRSS of one process every 20 ms, on a thread, between start() and stop()."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak_kib, self._stop = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        from tests.reliability.harness import proc_status_kib

        while not self._stop.is_set():
            try:
                self.peak_kib = max(self.peak_kib, proc_status_kib(self.pid, "VmRSS"))
            except (OSError, KeyError):
                return
            time.sleep(0.02)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def reset_peak(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux: writing 5 to clear_refs); False where that is not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def measure(pid: int, action) -> dict:
    """Run ``action()`` while watching the worker; the peak RSS above the idle RSS just before, in MiB."""
    from tests.reliability.harness import proc_status_kib

    idle = proc_status_kib(pid, "VmRSS")
    hwm_reset = reset_peak(pid)
    started = time.perf_counter()
    with Sampler(pid) as sampler:
        answer = action()
    seconds = time.perf_counter() - started
    hwm = proc_status_kib(pid, "VmHWM")
    return {"answer": answer, "seconds": round(seconds, 1), "idle_mib": round(idle / 1024, 1),
            "peak_above_idle_mib_hwm": round((hwm - idle) / 1024, 1) if hwm_reset else None,
            "peak_above_idle_mib_sampled": round((sampler.peak_kib - idle) / 1024, 1)}


def post_file(port: int, path: str, token: str, pin: str, file: Path, timeout: float) -> tuple[int, bytes]:
    """Stream a file as the request body, as ``python -m bidding.client submit`` does."""
    from tests.reliability.harness import HOST

    conn = http.client.HTTPConnection(HOST, port, timeout=timeout, blocksize=MiB)
    try:
        with file.open("rb") as body:
            conn.request("POST", path, body=body, headers={
                "Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream",
                "Content-Length": str(file.stat().st_size), "X-Sealbid-Pin": pin, "Accept": "application/json"})
            response = conn.getresponse()
            return response.status, response.read()
    finally:
        conn.close()


def memory(work: Path, args: argparse.Namespace, while_waiting) -> dict:
    from sqlalchemy import select

    import bidding.models  # noqa: F401  (registers the tables)
    from app.cli import upgrade
    from bidding import bids, opening
    from bidding.escrow import require_escrow
    from bidding.models import Bid
    from core.clock import FrozenClock, SystemClock
    from core.db import make_engine, make_session_factory
    from core.files import LocalFileStore
    from tests.reliability.harness import (
        Gunicorn,
        call,
        cheap_kdfs,
        content_key,
        open_tender,
        seal_bid,
        seed_crowd,
        server_env,
        submit_bid,
    )
    from tests.world import SIGNING_PIN

    instance = work / "instance"
    url = f"sqlite:///{instance / 'sealbid.db'}"
    instance.mkdir()
    upgrade(url)
    engine = make_engine(url)
    session = make_session_factory(engine)()
    real = SystemClock()
    with cheap_kdfs():
        crowd = seed_crowd(session, FrozenClock(real.now() - timedelta(days=30)), 3)
    web = Gunicorn(server_env(url, instance), work / "gunicorn.log", workers=1, timeout=args.timeout).start()
    try:
        deadline = (real.now() + timedelta(seconds=args.lead)).replace(microsecond=0)
        tender = open_tender(session, LocalFileStore(instance / "files"), crowd, deadline, "MEM-2026-001")
        big, small = crowd.bidders[0], crowd.bidders[1:]
        plain = random_file(work / "plain-1g.bin", BIG_BID_BYTES)
        sealed = work / "bid-1g.sealbid"
        files = [envelope.SealedFile("技术标.bin", str(plain))]
        with sealed.open("wb") as out:
            envelope.seal(envelope.container(envelope.manifest_for({"price": "1.00"}, files), files), out,
                          envelope.Binding(tender.code, 1, big.credit_code), big.key.public_key(),
                          require_escrow(tender))
        plain.unlink()
        small_envelopes = {b.number: seal_bid(tender, b, SMALL_BID_BYTES) for b in small}
        for b in small:  # warm: the submission path and its receipt, with a small bid
            answer = submit_bid(web.port, tender.id, b, small_envelopes[b.number])
            assert answer.status == 201, answer.body[:300]
        worker = web.worker_pids()[0]
        path = f"/api/v1/tenders/{tender.id}/sections/1/bids"
        upload = measure(worker, lambda: post_file(web.port, path, big.token, SIGNING_PIN, sealed, args.timeout + 60))
        status, body = upload.pop("answer")
        if status != 201:
            raise SystemExit(f"the 1 GiB upload was refused with {status}: {body[:300]!r}\n{web.log_tail()}")
        big_bid = json.loads(body)["bid_id"]
        if web.worker_pids() != [worker]:
            raise SystemExit("the worker was replaced during the upload (gunicorn timeout?)")
        upload["mb_s"] = round(mb_per_s(sealed.stat().st_size, upload["seconds"]), 1)
        if real.now() >= deadline:
            raise SystemExit(f"the upload ended after the deadline: run again with a larger --lead than {args.lead}")

        extra = while_waiting()
        wait = (deadline - real.now()).total_seconds()
        if wait > 0:
            print(f"waiting {wait:.0f} s for the tender's deadline")
            time.sleep(wait + 0.5)
        bids.close_due_tenders(session, real)
        session.commit()
        assert opening.start_due_openings(session, real, timedelta(minutes=30)) == [tender.id]
        session.commit()

        with sealed.open("rb") as f:
            big_key = envelope.unwrap_for_bidder(envelope.read_header(f), big.key)
        small_bids = {b.number: session.scalar(select(Bid.id).where(Bid.bidder_org_id == b.org_id)) for b in small}
        first = small[0]  # warm: the decryption path with a small bid
        warm = call(web.port, "POST", f"/api/v1/bids/{small_bids[first.number]}/decrypt", token=first.token,
                    body=json.dumps({"content_key": content_key(small_envelopes[first.number], first).hex()}).encode(),
                    headers={"Content-Type": "application/json"})
        assert warm.status == 200, warm.body[:300]
        opened = measure(worker, lambda: call(
            web.port, "POST", f"/api/v1/bids/{big_bid}/decrypt", token=big.token,
            body=json.dumps({"content_key": big_key.hex()}).encode(), headers={"Content-Type": "application/json"},
            timeout=args.timeout + 60))
        answer = opened.pop("answer")
        if answer.status != 200:
            raise SystemExit(f"the opening of the 1 GiB bid failed with {answer.status}: {answer.body[:300]!r}\n"
                             f"{web.log_tail()}")
        opened["mb_s"] = round(mb_per_s(sealed.stat().st_size, opened["seconds"]), 1)
        if web.worker_pids() != [worker]:
            raise SystemExit("the worker was replaced during the opening (gunicorn timeout?)")
    finally:
        web.stop()
        session.close()
        engine.dispose()
    return {"bid_bytes": BIG_BID_BYTES, "gunicorn_timeout_s": args.timeout, "upload": upload, "open": opened,
            **extra}


def print_memory(m: dict) -> None:
    print(f"\nserver memory, one gunicorn sync worker, a {m['bid_bytes'] // MiB} MiB bid (target: at most "
          f"{TARGET_MIB} MiB above idle):")
    for name, r in (("upload (POST …/bids)", m["upload"]), ("opening (POST …/decrypt)", m["open"])):
        hwm = r["peak_above_idle_mib_hwm"]
        peak = max(x for x in (hwm, r["peak_above_idle_mib_sampled"]) if x is not None)
        print(f"  {name:<25} idle {r['idle_mib']:6.1f} MiB; peak above idle: VmHWM "
              f"{'-' if hwm is None else f'{hwm:.1f}'} MiB, sampled VmRSS {r['peak_above_idle_mib_sampled']:.1f} MiB "
              f"{'OK' if peak <= TARGET_MIB else 'OVER TARGET'}; {r['seconds']:.1f} s ({r['mb_s']:.0f} MB/s)")


# --- main -----------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each throughput measurement (median)")
    parser.add_argument("--openssl-seconds", type=int, default=3)
    parser.add_argument("--lead", type=int, default=60,
                        help="seconds from making the tender to its deadline (the 1 GiB bid must be in before)")
    parser.add_argument("--timeout", type=int, default=30, help="gunicorn worker timeout (gunicorn's default: 30)")
    parser.add_argument("--skip-memory", action="store_true", help="only the throughput part")
    args = parser.parse_args()

    started = time.perf_counter()
    out_dir = ROOT / "bench" / "out"
    out_dir.mkdir(parents=True, exist_ok=True)
    report: dict = {"when": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="sealbid-bench-envelope-", dir="/tmp") as tmp:
        work = Path(tmp)
        if args.skip_memory:
            report["throughput"] = throughput(work, args.runs, args.openssl_seconds)
        else:
            def while_waiting() -> dict:
                return {"throughput": throughput(work, args.runs, args.openssl_seconds)}

            report["memory"] = memory(work, args, while_waiting)
            report["throughput"] = report["memory"].pop("throughput")
    print_throughput(report["throughput"])
    if "memory" in report:
        print_memory(report["memory"])
    (out_dir / "envelope.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(f"\nwritten to {out_dir / 'envelope.json'} in {time.perf_counter() - started:.0f} s in all")
    over = "memory" in report and any(
        max(v for v in (r["peak_above_idle_mib_hwm"], r["peak_above_idle_mib_sampled"]) if v is not None) > TARGET_MIB
        for r in (report["memory"]["upload"], report["memory"]["open"]))
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
