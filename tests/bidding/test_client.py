"""The bidder client end to end against a live server: keygen, register, seal, submit, status, open, verify."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from bidding import participation
from bidding.client import main
from core.identity import issue_api_token
from signing import envelope
from tests.bidding import sealing
from tests.bidding.sealing import submit
from tests.world import SIGNING_PIN, encryption_key, ensure_signing, published_tender


@pytest.fixture
def ready(live_server, session):
    world, clock = live_server.world, live_server.clock
    tender = published_tender(session, clock, live_server.app.extensions["sealbid"].store, world)
    clock.advance(timedelta(hours=2))
    ensure_signing(session, clock, world, "bidder1")
    token = issue_api_token(session, world.users["bidder1"], "client", clock)
    session.commit()
    return live_server, tender, token


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_bid_goes_from_the_bidders_disk_to_a_verified_receipt(ready, tmp_path, capsys, session):
    server, tender, token = ready
    key = tmp_path / "bidder.key"
    assert run(capsys, "keygen", "--out", str(key))[0] == 0
    assert run(capsys, "keygen", "--out", str(key))[0] == 2  # never overwrites a key file
    code, out, err = run(capsys, "register-key", "--server", server.url, "--token", token, "--key", str(key))
    assert code == 0, err
    code, out, err = run(capsys, "obtain", "--server", server.url, "--token", token, "--tender", str(tender.id))
    assert code == 0 and "obtained at" in out, err
    (tmp_path / "技术标.pdf").write_bytes(b"%PDF technical proposal " * 500)
    (tmp_path / "form.json").write_text(json.dumps({"price": "12345678.00", "duration_days": 365}), encoding="utf-8")
    sealed = tmp_path / "bid.sealbid"
    code, out, err = run(capsys, "seal", "--server", server.url, "--tender", str(tender.id), "--section", "1",
                         "--bidder-code", _credit_code(session, server), "--key", str(key),
                         "--form", str(tmp_path / "form.json"), "--out", str(sealed), str(tmp_path / "技术标.pdf"))
    assert code == 0, err
    assert b"12345678.00" not in sealed.read_bytes()
    receipt_pdf = tmp_path / "receipt.pdf"
    code, out, err = run(capsys, "submit", "--server", server.url, "--token", token, "--tender", str(tender.id),
                         "--section", "1", "--pin", SIGNING_PIN, "--receipt-out", str(receipt_pdf), str(sealed))
    assert code == 0, err
    receipt = json.loads(out[: out.rindex("}") + 1])
    assert receipt["action"] == "submit" and receipt["size"] == sealed.stat().st_size
    code, out, err = run(capsys, "status", "--server", server.url, "--token", token, "--bid", str(receipt["bid_id"]))
    assert code == 0 and json.loads(out)["status"] == "submitted"
    code, out, err = run(capsys, "verify-receipt", "--server", server.url, "--at", server.clock.now().isoformat(),
                         str(receipt_pdf))
    assert code == 0 and "receipt OK" in out, out + err
    code, out, err = run(capsys, "decrypt-key", "--key", str(key), str(sealed))
    assert code == 0
    content_key = bytes.fromhex(out.strip())
    with sealed.open("rb") as stream:
        header = envelope.read_header(stream)
        plain = io.BytesIO()
        envelope.decrypt(stream, header, content_key, plain)
    plain.seek(0)
    files: dict[str, io.BytesIO] = {}

    class Sink(io.BytesIO):
        def __init__(self, name):
            super().__init__()
            files[name] = self

        def close(self):
            pass

    manifest = envelope.read_container(plain, Sink)
    assert manifest["bid_form"]["price"] == "12345678.00"
    assert files["技术标.pdf"].getvalue().startswith(b"%PDF technical")


def _credit_code(session, server) -> str:
    from core.identity import Organisation

    return session.get(Organisation, server.world.bidders[0].org_id).credit_code


def test_client_errors_are_one_line_and_exit_2(ready, tmp_path, capsys):
    server, _, token = ready
    code, _, err = run(capsys, "status", "--server", server.url, "--token", "wrong", "--bid", "1")
    assert code == 2 and "401" in err
    code, _, err = run(capsys, "decrypt-key", "--key", str(tmp_path / "missing.key"), str(tmp_path / "x"))
    assert code == 2 and "No such file" in err
    code, _, err = run(capsys, "status", "--server", "http://127.0.0.1:9", "--token", token, "--bid", "1")
    assert code == 2 and "cannot reach" in err


def test_at_the_opening_the_client_hands_over_only_the_key(ready, tmp_path, capsys, session):
    from bidding import bids, opening

    server, tender, token = ready
    key = tmp_path / "bidder.key"
    run(capsys, "keygen", "--out", str(key))
    run(capsys, "register-key", "--server", server.url, "--token", token, "--key", str(key))
    run(capsys, "obtain", "--server", server.url, "--token", token, "--tender", str(tender.id))
    (tmp_path / "商务标.pdf").write_bytes(b"%PDF commercial")
    sealed = tmp_path / "bid.sealbid"
    run(capsys, "seal", "--server", server.url, "--tender", str(tender.id), "--section", "1", "--bidder-code",
        _credit_code(session, server), "--key", str(key), "--out", str(sealed), str(tmp_path / "商务标.pdf"))
    code, out, err = run(capsys, "submit", "--server", server.url, "--token", token, "--tender", str(tender.id),
                         "--section", "1", "--pin", SIGNING_PIN, str(sealed))
    bid_id = json.loads(out)["bid_id"]
    code, _, err = run(capsys, "open", "--server", server.url, "--token", token, "--bid", str(bid_id), "--key",
                       str(key), str(sealed))
    assert code == 2 and "开标" in err  # not before the opening
    world, store = server.world, server.app.extensions["sealbid"].store
    for number in (2, 3):  # two more bidders, so the section proceeds to the opening
        participation.obtain_documents(session, server.clock, world.bidders[number - 1], tender.id)
        ensure_signing(session, server.clock, world, f"bidder{number}")
        encryption_key(session, server.clock, world, f"bidder{number}")
        submit(session, server.clock, store, world, tender, sealing.sealed(session, world, tender, number), number)
    server.clock.set(tender.bid_deadline)
    bids.close_due_tenders(session, server.clock)
    assert opening.start_due_openings(session, server.clock, timedelta(minutes=30)) == [tender.id]
    session.commit()
    code, out, err = run(capsys, "open", "--server", server.url, "--token", token, "--bid", str(bid_id), "--key",
                         str(key), str(sealed))
    assert code == 0, err
    assert "decrypted" in out and "商务标.pdf" in out
