"""The platform's timestamp authority over HTTP, checked by OpenSSL as an independent RFC 3161 client."""

from __future__ import annotations

import subprocess

import pytest

from signing import pki
from tests.tools import require_tool
from tests.world import build_world, ensure_signing


@pytest.fixture
def ready(app, session, clock):
    world = build_world(session, clock)
    ensure_signing(session, clock, world)
    session.commit()
    return world


def test_openssl_accepts_the_platforms_timestamp(client, ready, session, tmp_path):
    openssl = require_tool("openssl")
    data = tmp_path / "bid.bin"
    data.write_bytes(b"sealed bid ciphertext")
    subprocess.run([openssl, "ts", "-query", "-data", str(data), "-sha256", "-cert", "-out", str(tmp_path / "q.tsq")],
                   check=True, capture_output=True)
    response = client.post("/tsa", data=(tmp_path / "q.tsq").read_bytes(),
                           headers={"Content-Type": "application/timestamp-query"})
    assert response.status_code == 200 and response.mimetype == "application/timestamp-reply"
    (tmp_path / "r.tsr").write_bytes(response.data)
    (tmp_path / "ca.pem").write_bytes(pki.ca(session).pem)
    tsa = pki.platform_certificate(session, "tsa")
    (tmp_path / "tsa.pem").write_bytes(tsa.pem)
    result = subprocess.run([openssl, "ts", "-verify", "-data", str(data), "-in", str(tmp_path / "r.tsr"),
                             "-CAfile", str(tmp_path / "ca.pem"), "-untrusted", str(tmp_path / "tsa.pem")],
                            capture_output=True, text=True)
    assert "Verification: OK" in result.stdout, result.stdout + result.stderr


def test_malformed_timestamp_request_is_400(client, ready):
    response = client.post("/tsa", data=b"not asn.1", headers={"Content-Type": "application/timestamp-query"})
    assert response.status_code == 400
