"""Sealing and submitting bids in tests, as a bidder's client would."""

from __future__ import annotations

import hashlib
import io
import json

from bidding import bids
from bidding.escrow import require_escrow
from bidding.models import Tender
from core.identity import Organisation
from signing import envelope
from tests.world import SIGNING, SIGNING_PIN

PRICE = "98765432.10"
SECRET = "本投标人承诺工期三百六十五日历天"


def container(bid_form: dict, files: dict[str, bytes]) -> bytes:
    """The sealed plaintext of docs/envelope.md: manifest length, manifest, the files."""
    manifest = {"v": 1, "bid_form": bid_form,
                "files": [{"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()} for n, b in files.items()]}
    body = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return len(body).to_bytes(4, "big") + body + b"".join(files.values())


def sealed(session, world, tender: Tender, number: int = 1, section: int = 1, *, tender_code: str | None = None,
           plaintext: bytes | None = None, escrow=None) -> bytes:
    org = session.get(Organisation, world.bidders[number - 1].org_id)
    binding = envelope.Binding(tender_code or tender.code, section, org.credit_code)
    content = plaintext if plaintext is not None else container({"price": PRICE, "duration_days": 365},
                                                                {"技术标.pdf": f"%PDF {SECRET}".encode() * 20})
    out = io.BytesIO()
    envelope.seal(io.BytesIO(content), out, binding, world.encryption_keys[f"bidder{number}"].public_key(),
                  escrow or require_escrow(tender), chunk_size=4096)
    return out.getvalue()


def submit(session, clock, store, world, tender, data: bytes, number: int = 1, section: int = 1, max_bytes=10**7):
    result = bids.submit(session, clock, world.bidders[number - 1], SIGNING, store, tender.id, section,
                         io.BytesIO(data), pin=SIGNING_PIN, max_bytes=max_bytes,
                         signals=bids.Signals("203.0.113.7", "client/1.0"))
    session.commit()
    return result


