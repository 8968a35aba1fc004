"""The sealed-bid envelope in the browser (app/static/js/envelope.js) against RFC 9180 and signing/envelope.py.

The script is loaded into a blank page served from 127.0.0.1 (WebCrypto exists only in a secure context, and
about:blank is not one). Bytes cross between Python and the page as base64 text.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import os
import struct
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from signing import envelope
from signing.envelope import Binding, EnvelopeError, Escrow
from tests.e2e.conftest import TIMEOUT_MS

pytestmark = pytest.mark.browser

ENVELOPE_JS = Path(__file__).resolve().parents[2] / "app" / "static" / "js" / "envelope.js"
BLANK_PAGE = b'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>envelope.js</title></html>'
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
# A binding that needs escaping in the header: non-ASCII (written as \uXXXX), a quote, a backslash.
BINDING = Binding('HZ-2026-001 "道路" \\ 改造', 2, "91330100MA00000110")

# RFC 9180 appendix A.1.1: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base. The appendix has
# no X25519 vector with AES-256-GCM (0x0002), so this checks every shared step (DeriveKeyPair, DH, the labeled
# HKDF, the key schedule, the nonce, AES-GCM); AES-256-GCM is checked against `cryptography`'s HPKE below.
RFC9180_A11 = {
    "info": "4f6465206f6e2061204772656369616e2055726e",
    "ikmE": "7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
    "pkEm": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    "skEm": "52c4a758a802cd8b936eceea314432798d5baf2d7e9235dc084ab1b9cfa2f736",
    "ikmR": "6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
    "pkRm": "3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
    "skRm": "4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
    "enc": "37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
    "shared_secret": "fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
    "key_schedule_context": "00725611c9d98c07c03f60095cd32d400d8347d45ed67097bbad50fc56da742d07cb6cffde367bb0565ba28"
                            "bb02c90744a20f5ef37f30523526106f637abb05449",
    "secret": "12fff91991e93b48de37e7daddb52981084bd8aa64289c3788471d9a9712f397",
    "key": "4531685d41d65f03dc48f6b8302c05b0",
    "base_nonce": "56d890e5accaaf011cff4b7d",
    "exporter_secret": "45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
    # sequence number 0, the only message of a single-shot seal
    "pt": "4265617574792069732074727574682c20747275746820626561757479",
    "aad": "436f756e742d30",
    "ct": "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a",
}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


class _BlankPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(BLANK_PAGE)))
        self.end_headers()
        self.wfile.write(BLANK_PAGE)

    def log_message(self, format: str, *args) -> None:  # quiet: no request log in the test output
        pass


@pytest.fixture(scope="module")
def blank_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _BlankPage)
    thread = threading.Thread(target=server.serve_forever, name="envelope-page", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def page(browser, blank_url):
    """One page with envelope.js loaded, for the whole module (the package's Chromium, see conftest.py)."""
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(blank_url)
    assert page.evaluate("isSecureContext")
    page.add_script_tag(path=str(ENVELOPE_JS))
    assert page.evaluate("typeof SealbidEnvelope.seal") == "function"
    yield page
    context.close()


def keypair() -> tuple[X25519PrivateKey, bytes]:
    key = X25519PrivateKey.generate()
    return key, envelope.raw_public(key.public_key())


def js_seal(page, plaintext: bytes, binding: Binding, bidder: bytes, k: int, holders: list[bytes],
            chunk_size: int | None = None) -> tuple[bytes, list[dict]]:
    """Seals in the browser; returns the envelope and the progress reports."""
    result = page.evaluate(
        """async ([pt, binding, bidder, k, holders, chunkSize]) => {
            const E = SealbidEnvelope, U = E.util;
            const progress = [];
            const blob = await E.seal(new Blob([U.b64decode(pt)]), binding, U.b64decode(bidder),
                                      {k, holders: holders.map(U.b64decode)},
                                      {chunkSize: chunkSize ?? undefined, onProgress: (p) => progress.push(p)});
            return {envelope: U.b64encode(new Uint8Array(await blob.arrayBuffer())), progress,
                    type: blob.type};
        }""",
        [b64(plaintext), binding.as_json(), b64(bidder), k, [b64(h) for h in holders], chunk_size],
    )
    assert result["type"] == "application/octet-stream"
    return unb64(result["envelope"]), result["progress"]


def py_open(data: bytes, bidder_key: X25519PrivateKey) -> tuple[envelope.Header, bytes, bytes]:
    """Python opens an envelope: header, content key (the bidder's way) and plaintext."""
    stream = io.BytesIO(data)
    header = envelope.read_header(stream)
    content_key = envelope.unwrap_for_bidder(header, bidder_key)
    out = io.BytesIO()
    envelope.decrypt(stream, header, content_key, out)
    return header, content_key, out.getvalue()


# --- 1. RFC 9180 --------------------------------------------------------------------------------------------


def test_hpke_matches_rfc9180_a11_known_answers(page):
    v = RFC9180_A11
    got = page.evaluate(
        """async (v) => {
            const E = SealbidEnvelope, H = E.hpke, U = E.util, hex = U.toHex, un = U.fromHex;
            const eph = await H.deriveKeyPair(un(v.ikmE));
            const rcp = await H.deriveKeyPair(un(v.ikmR));
            const {sharedSecret, enc} = await H.encap(un(v.pkRm), un(v.skEm));
            const ks = await H.keySchedule(sharedSecret, un(v.info), H.AES_128_GCM);
            const sealed = await H.seal(un(v.pkRm), un(v.info), un(v.pt),
                                        {aad: un(v.aad), aead: H.AES_128_GCM, ephemeral: un(v.skEm)});
            const skR = await H.importPrivateRaw(un(v.skRm));
            const opened = await H.open(skR, un(v.info), un(v.enc + v.ct), {aad: un(v.aad), aead: H.AES_128_GCM});
            let tampered = null;
            try {
                await H.open(skR, un(v.info), un(v.enc + v.ct.slice(0, -2) + "00"), {aad: un(v.aad), aead: H.AES_128_GCM});
            } catch (e) { tampered = e.name; }
            return {
                skEm: hex(eph.skRaw), pkEm: hex(eph.publicRaw), skRm: hex(rcp.skRaw), pkRm: hex(rcp.publicRaw),
                enc: hex(enc), shared_secret: hex(sharedSecret), decap: hex(await H.decap(un(v.enc), skR)),
                key_schedule_context: hex(ks.keyScheduleContext), secret: hex(ks.secret), key: hex(ks.key),
                base_nonce: hex(ks.baseNonce), exporter_secret: hex(ks.exporterSecret),
                sealed: hex(sealed), opened: hex(opened), tampered,
            };
        }""",
        v,
    )
    for name in ("skEm", "pkEm", "skRm", "pkRm", "enc", "shared_secret", "key_schedule_context", "secret", "key",
                 "base_nonce", "exporter_secret"):
        assert got[name] == v[name], name
    assert got["decap"] == v["shared_secret"]
    assert got["sealed"] == v["enc"] + v["ct"]
    assert got["opened"] == v["pt"]
    assert got["tampered"] == "OperationError"


# --- 2. HPKE against cryptography's -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 32, 1000])
def test_js_hpke_seal_opens_in_cryptography(page, size):
    key, public = keypair()
    info = BINDING.info()
    plaintext = os.urandom(size)
    sealed = unb64(page.evaluate(
        "async ([pk, info, pt]) => { const U = SealbidEnvelope.util;"
        " return U.b64encode(await SealbidEnvelope.hpke.seal(U.b64decode(pk), U.b64decode(info), U.b64decode(pt))); }",
        [b64(public), b64(info), b64(plaintext)],
    ))
    assert len(sealed) == 32 + size + 16
    assert SUITE.decrypt(sealed, key, info=info) == plaintext
    with pytest.raises(InvalidTag):
        SUITE.decrypt(sealed, key, info=info + b"x")


@pytest.mark.parametrize("size", [0, 32, 1000])
def test_cryptography_hpke_seal_opens_in_js(page, size):
    key, _ = keypair()
    info = BINDING.info()
    plaintext = os.urandom(size)
    sealed = SUITE.encrypt(plaintext, key.public_key(), info=info)
    opened = page.evaluate(
        """async ([pem, info, sealed]) => {
            const E = SealbidEnvelope, U = E.util;
            const {privateKey} = await E.importPrivatePem(pem);
            const pt = U.b64encode(await E.hpke.open(privateKey, U.b64decode(info), U.b64decode(sealed)));
            let wrongInfo = null;
            try { await E.hpke.open(privateKey, U.b64decode(info).slice(1), U.b64decode(sealed)); }
            catch (e) { wrongInfo = e.name; }
            return {pt, wrongInfo};
        }""",
        [envelope.private_key_pem(key).decode(), b64(info), b64(sealed)],
    )
    assert unb64(opened["pt"]) == plaintext
    assert opened["wrongInfo"] == "OperationError"


# --- 3. JS seals, Python opens ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "chunk_size"), [
    (300_000, 65536),  # 5 chunks, the last short
    (3 * 65536, 65536),  # an exact multiple: no empty chunk at the end
    (0, 65536),  # one empty, last-flagged chunk
    (65536, None),  # exactly one chunk, the default chunk size
    (10_007, 1000),  # many chunks, with a short slice boundary in the reader
])
def test_js_envelope_opens_in_python_for_the_bidder_and_the_escrow(page, size, chunk_size):
    bidder_key, bidder_public = keypair()
    holder_keys = [X25519PrivateKey.generate() for _ in range(3)]
    holders = [envelope.raw_public(h.public_key()) for h in holder_keys]
    plaintext = os.urandom(size)

    data, progress = js_seal(page, plaintext, BINDING, bidder_public, 2, holders, chunk_size)

    chunk = chunk_size or envelope.CHUNK_SIZE
    chunks = max(1, -(-size // chunk))
    header, content_key, opened = py_open(data, bidder_key)
    assert opened == plaintext
    assert len(data) == header.length + size + 16 * chunks
    assert progress[-1] == {"done": size, "total": size}
    assert [p["done"] for p in progress] == sorted(p["done"] for p in progress)

    # The header is the canonical JSON Python would write for the same fields, byte for byte.
    raw_header = data[12:header.length]
    assert raw_header == json.dumps(header.fields, sort_keys=True, separators=(",", ":")).encode()
    assert raw_header.isascii() and "\\u9053\\u8def" in raw_header.decode()
    assert header.binding == BINDING
    assert header.chunk_size == chunk
    assert header.bidder_key_id == envelope.key_id(bidder_key.public_key())
    escrow_ids = [envelope.key_id(h.public_key()) for h in holder_keys]
    envelope.check_recipients(header, BINDING, escrow_ids, 2)
    assert header.escrow_holders == sorted(escrow_ids)

    # Every 2-of-3 subset opens it too, layer by layer, outermost first.
    by_id = {envelope.key_id(h.public_key()): h for h in holder_keys}
    for subset in itertools.combinations(sorted(escrow_ids), 2):
        layer = envelope.escrow_wrap(header, list(subset))
        for holder_id in subset:
            layer = envelope.peel(layer, by_id[holder_id], header.binding)
        assert layer == content_key
        out = io.BytesIO()
        stream = io.BytesIO(data)
        envelope.read_header(stream)
        envelope.decrypt(stream, header, layer, out)
        assert out.getvalue() == plaintext
    # One holder alone has only an outer layer, not the key.
    first = envelope.escrow_wrap(header, list(sorted(escrow_ids)[:2]))
    assert envelope.peel(first, by_id[sorted(escrow_ids)[0]], header.binding) != content_key


def test_seal_to_streams_the_envelope_and_its_hash(page):
    """sealTo() hands the bytes on in order, awaiting the writer, and returns the envelope hash Python computes."""
    bidder_key, bidder_public = keypair()
    holders = [keypair()[1] for _ in range(3)]
    plaintext = os.urandom(9 * 1024 * 1024 + 5)  # three 4 MiB read slices
    got = page.evaluate(
        """async ([pt, bidder, holders]) => {
            const E = SealbidEnvelope, U = E.util;
            const pieces = [];
            const write = async (piece) => {  // a slow consumer, like an upload
                await new Promise((r) => setTimeout(r, 5));
                pieces.push(U.b64encode(piece));
            };
            const result = await E.sealTo(write, new Blob([U.b64decode(pt)]), {tender_code: "T", section: 1,
                                          bidder: "B"}, U.b64decode(bidder), {k: 2, holders: holders.map(U.b64decode)});
            const noHash = await E.sealTo(() => {}, new Blob([]), {tender_code: "T", section: 1, bidder: "B"},
                                          U.b64decode(bidder), {k: 1, holders: holders.map(U.b64decode)}, {hash: false});
            return {pieces, result, noHash};
        }""",
        [b64(plaintext), b64(bidder_public), [b64(h) for h in holders]],
    )
    data = b"".join(unb64(p) for p in got["pieces"])
    assert len(got["pieces"]) == 4  # the header, then one piece per read slice
    assert got["result"] == {"size": len(data), "hash": hashlib.sha256(data).hexdigest()}
    assert py_open(data, bidder_key)[2] == plaintext
    assert got["noHash"]["hash"] is None


def test_js_seal_refuses_a_bad_escrow_threshold(page):
    _, bidder_public = keypair()
    holders = [keypair()[1] for _ in range(2)]
    for k in (0, 3):
        message = page.evaluate(
            """async ([bidder, holders, k]) => {
                const E = SealbidEnvelope, U = E.util;
                try { await E.seal(new Blob([]), {tender_code: "T", section: 1, bidder: "B"}, U.b64decode(bidder),
                                   {k, holders: holders.map(U.b64decode)}); }
                catch (e) { return e.message; }
                return null;
            }""",
            [b64(bidder_public), [b64(h) for h in holders], k],
        )
        assert message == "开标密钥托管的门限 k 必须在 1 到托管人数之间。"


def test_canonical_json_is_pythons_byte_for_byte(page):
    value = {
        "ascii": "plain text ~",
        "escapes": 'quote " backslash \\ newline \n tab \t cr \r bs \b ff \f nul \x00 us \x1f del \x7f',
        "bmp": "道路改造 é \u2028 \ufeff",
        "astral": "😀 𠀋",
        "numbers": [0, -1, 2**53 - 1, True, False, None],
        "nested": {"b": 1, "a": [{"z": 1, "y": 2}]},
        # sorted by code point, as Python compares str: U+FF21 comes before U+1F600 (not so in UTF-16 order)
        "\uff21": 1, "😀": 2, "é": 3, "Z": 4,
    }
    got = page.evaluate("(v) => SealbidEnvelope.canonicalJson(v)", value)
    assert got == json.dumps(value, sort_keys=True, separators=(",", ":"))


# --- 4. Python seals, JS unwraps ---------------------------------------------------------------------------------


def test_python_envelope_unwraps_in_js_for_the_bidder_and_the_escrow(page):
    bidder_key, _ = keypair()
    holder_keys = [X25519PrivateKey.generate() for _ in range(3)]
    escrow = Escrow(2, tuple(h.public_key() for h in holder_keys))
    plaintext = os.urandom(150_000)
    out = io.BytesIO()
    envelope.seal(io.BytesIO(plaintext), out, BINDING, bidder_key.public_key(), escrow)
    data = out.getvalue()
    header, content_key, _ = py_open(data, bidder_key)
    ids = sorted(envelope.key_id(h.public_key()) for h in holder_keys)
    by_id = {envelope.key_id(h.public_key()): h for h in holder_keys}

    got = page.evaluate(
        """async ([data, pem, otherPem, holderIds, holderPems]) => {
            const E = SealbidEnvelope, U = E.util;
            const blob = new Blob([U.b64decode(data)]);
            const header = await E.readHeader(blob);
            const fromBlob = await E.unwrapForBidder(blob, pem);
            const fromHeaderBytes = await E.unwrapForBidder(header.lead, (await E.importPrivatePem(pem)).privateKey);
            let wrongKey = null;
            try { await E.unwrapForBidder(header, otherPem); } catch (e) { wrongKey = [e.name, e.message]; }
            let layer = await E.escrowWrap(header, holderIds);
            for (const p of holderPems) layer = await E.peel(layer, p, header.binding);
            return {fields: header.fields, aad: U.b64encode(header.aad), length: header.length,
                    key: U.b64encode(fromBlob), key2: U.b64encode(fromHeaderBytes), wrongKey,
                    escrowKey: U.b64encode(layer)};
        }""",
        [b64(data), envelope.private_key_pem(bidder_key).decode(),
         envelope.private_key_pem(X25519PrivateKey.generate()).decode(),
         ids[1:], [envelope.private_key_pem(by_id[i]).decode() for i in ids[1:]]],
    )
    assert got["fields"] == header.fields
    assert unb64(got["aad"]) == header.aad
    assert got["length"] == header.length
    assert unb64(got["key"]) == content_key
    assert unb64(got["key2"]) == content_key
    assert unb64(got["escrowKey"]) == content_key
    assert got["wrongKey"] == ["EnvelopeError", "密钥与该投标文件不匹配。"]


def test_js_read_header_refuses_what_python_refuses(page):
    bidder_key, _ = keypair()
    out = io.BytesIO()
    envelope.seal(io.BytesIO(b"x"), out, BINDING, bidder_key.public_key(), Escrow(1, (bidder_key.public_key(),)))
    data = out.getvalue()
    hlen = struct.unpack(">I", data[8:12])[0]
    cases = {
        "magic": b"SEALBID2" + data[8:],
        "truncated": data[: 12 + hlen - 1],
        "version": data.replace(b'"v":1', b'"v":2'),
    }
    for name, bad in cases.items():
        with pytest.raises(EnvelopeError):
            envelope.read_header(io.BytesIO(bad))
        error = page.evaluate(
            "async (d) => { try { await SealbidEnvelope.readHeader(new Blob([SealbidEnvelope.util.b64decode(d)])); }"
            " catch (e) { return e.name; } return null; }",
            b64(bad),
        )
        assert error == "EnvelopeError", name


# --- 5. key files -----------------------------------------------------------------------------------------------------


def test_python_key_file_works_in_js_and_js_key_file_in_python(page):
    key, public = keypair()
    pem = envelope.private_key_pem(key).decode()
    got = page.evaluate(
        """async (pem) => {
            const E = SealbidEnvelope, U = E.util;
            const imported = await E.importPrivatePem(pem, {extractable: true});
            const made = await E.generateKeyPair();
            let notAKey = null;
            try { await E.importPrivatePem("-----BEGIN PRIVATE KEY-----\\nAAAA\\n-----END PRIVATE KEY-----\\n"); }
            catch (e) { notAKey = e.message; }
            return {publicRaw: U.b64encode(imported.publicRaw), keyId: imported.keyId,
                    reexported: await E.exportPrivatePem(imported.privateKey),
                    madePem: await E.exportPrivatePem(made.privateKey), madePublic: U.b64encode(made.publicRaw),
                    madeKeyId: made.keyId, madeKeyIdAgain: await E.keyId(made.publicRaw), notAKey};
        }""",
        pem,
    )
    # Python → JS: the same public key, key id and even the same PEM bytes back out.
    assert unb64(got["publicRaw"]) == public
    assert got["keyId"] == envelope.key_id(key.public_key()) == hashlib.sha256(public).hexdigest()
    assert got["reexported"] == pem
    # JS → Python.
    made = envelope.load_private_pem(got["madePem"].encode())
    assert envelope.raw_public(made.public_key()) == unb64(got["madePublic"])
    assert got["madeKeyId"] == got["madeKeyIdAgain"] == envelope.key_id(made.public_key())
    assert envelope.private_key_pem(made).decode() == got["madePem"]
    assert got["notAKey"] == "密钥文件不是 X25519 加密密钥。"


# --- 6. tampering ------------------------------------------------------------------------------------------------------


def _refused(data: bytes, bidder_key: X25519PrivateKey) -> bool:
    try:
        py_open(data, bidder_key)
    except EnvelopeError:
        return True
    return False


def test_a_tampered_js_envelope_is_refused_by_python(page):
    bidder_key, bidder_public = keypair()
    holders = [keypair()[1] for _ in range(3)]
    plaintext = os.urandom(200_000)
    data, _ = js_seal(page, plaintext, BINDING, bidder_public, 2, holders, 65536)
    assert py_open(data, bidder_key)[2] == plaintext
    hlen = struct.unpack(">I", data[8:12])[0]
    body = 12 + hlen
    size = 65536 + 16

    def flip(at: int) -> bytes:
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]

    # A header byte inside an escrow wrap, swapped for another base64 letter: the header still parses and the
    # bidder's own wrap is intact, so only the chunks' associated data (the header's hash) can catch it.
    wraps_at = data.index(b'"wraps":[{"holders":', 12)
    wrap_at = data.index(b'"wrap":"', wraps_at) + len(b'"wrap":"') + 5
    letter = data[wrap_at:wrap_at + 1]
    header_flip = data[:wrap_at] + (b"B" if letter != b"B" else b"C") + data[wrap_at + 1:]
    envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(header_flip)), bidder_key)  # still unwraps

    cases = {
        "header": header_flip,
        "first chunk": flip(body + 10),
        "middle chunk": flip(body + size + 1000),
        "last tag": flip(len(data) - 1),
        "hlen": data[:11] + bytes([data[11] ^ 0x01]) + data[12:],
        "truncated to whole chunks": data[: body + 3 * size],
        "one byte short": data[:-1],
        "trailing data": data + b"\x00",
        "chunks swapped": data[:body] + data[body + size: body + 2 * size] + data[body: body + size]
        + data[body + 2 * size:],
    }
    for name, bad in cases.items():
        assert _refused(bad, bidder_key), name


# --- streaming and hashing ---------------------------------------------------------------------------------------------


def test_sha256_streams_like_hashlib(page):
    sizes = [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 4 * 1024 * 1024 + 3]
    data = [os.urandom(n) for n in sizes[:-1]]
    got = page.evaluate(
        """async (items) => {
            const E = SealbidEnvelope, U = E.util;
            const out = [];
            for (const b of items) {
                const bytes = U.b64decode(b);
                const split = new E.Sha256().update(bytes.subarray(0, 7)).update(bytes.subarray(7)).digest();
                out.push([await E.sha256Hex(new Blob([bytes])), U.toHex(split)]);
            }
            // 4 MiB + 3 of a repeating pattern, made here: more than one read slice
            const big = new Uint8Array(4 * 1024 * 1024 + 3);
            for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff;
            out.push([await E.sha256Hex(new Blob([big])), U.toHex(new E.Sha256().update(big).digest())]);
            return out;
        }""",
        [b64(d) for d in data],
    )
    big = bytes((i * 31 + 7) & 0xFF for i in range(sizes[-1]))
    for expected, (streamed, split) in zip([*data, big], got, strict=True):
        assert streamed == split == hashlib.sha256(expected).hexdigest()


def test_js_seals_20_mib_in_slices(page, record_property):
    """A larger plaintext made in the page: several read slices and a folded output Blob; the hash is Python's."""
    bidder_key, bidder_public = keypair()
    holders = [keypair()[1] for _ in range(3)]
    got = page.evaluate(
        """async ([bidder, holders, pem]) => {
            const E = SealbidEnvelope, U = E.util;
            const pt = new Uint8Array(20 * 1024 * 1024);
            for (let at = 0; at < pt.length; at += 65536) crypto.getRandomValues(pt.subarray(at, at + 65536));
            const progress = [];
            const t0 = performance.now();
            const blob = await E.seal(new Blob([pt]), {tender_code: "T-1", section: 1, bidder: "B"},
                                      U.b64decode(bidder), {k: 2, holders: holders.map(U.b64decode)},
                                      {onProgress: (p) => progress.push(p.done)});
            const sealMs = performance.now() - t0;
            const t1 = performance.now();
            const hash = await E.sha256Hex(blob);
            const hashMs = performance.now() - t1;
            const header = await E.readHeader(blob);
            const key = await E.unwrapForBidder(blob, pem);
            // decrypt the last chunk in the page, to see it is the plaintext's tail
            const last = new Uint8Array(await blob.slice(blob.size - 65536 - 16).arrayBuffer());
            const aes = await crypto.subtle.importKey("raw", key, "AES-GCM", false, ["decrypt"]);
            const nonce = U.concat(U.b64decode(header.fields.nonce_prefix), [0, 0, 1, 63, 1]);
            const tail = new Uint8Array(await crypto.subtle.decrypt({name: "AES-GCM", iv: nonce,
                                        additionalData: header.aad}, aes, last));
            const tailOk = tail.every((b, i) => b === pt[pt.length - 65536 + i]);
            return {size: blob.size, headerLength: header.length, progress, sealMs, hashMs, hash, tailOk};
        }""",
        [b64(bidder_public), [b64(h) for h in holders], envelope.private_key_pem(bidder_key).decode()],
    )
    total = 20 * 1024 * 1024
    assert got["size"] == got["headerLength"] + total + 16 * (total // 65536)
    assert got["progress"][-1] == total and len(got["progress"]) == 5  # 4 MiB slices
    assert got["tailOk"]
    assert len(got["hash"]) == 64
    record_property("seal_MiB_per_s", round(20 / (got["sealMs"] / 1000), 1))
    record_property("sha256_MiB_per_s", round(20 / (got["hashMs"] / 1000), 1))
