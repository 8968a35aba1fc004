"""The sealed-bid envelope (docs/envelope.md): what opens, and every way a changed envelope is refused."""

from __future__ import annotations

import hashlib
import io
import itertools
import os

import pytest
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from signing import envelope
from signing.envelope import Binding, EnvelopeError, Escrow

BINDING = Binding("HZ-2026-001", 1, "91330100MA00000110")
CHUNK = 1024


@pytest.fixture
def keys():
    bidder = X25519PrivateKey.generate()
    holders = [X25519PrivateKey.generate() for _ in range(3)]
    return bidder, holders


def _seal(keys, plaintext: bytes, binding: Binding = BINDING, k: int = 2) -> bytes:
    bidder, holders = keys
    out = io.BytesIO()
    digest = envelope.seal(io.BytesIO(plaintext), out, binding, bidder.public_key(),
                           Escrow(k, tuple(h.public_key() for h in holders)), chunk_size=CHUNK)
    assert digest == hashlib.sha256(out.getvalue()).hexdigest()
    return out.getvalue()


def _open_with_bidder(data: bytes, bidder) -> bytes:
    stream = io.BytesIO(data)
    header = envelope.read_header(stream)
    key = envelope.unwrap_for_bidder(header, bidder)
    out = io.BytesIO()
    envelope.decrypt(stream, header, key, out)
    return out.getvalue()


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 5 * CHUNK + 7])
def test_bidder_opens_what_was_sealed(keys, size):
    plaintext = os.urandom(size)
    assert _open_with_bidder(_seal(keys, plaintext), keys[0]) == plaintext


def test_plaintext_does_not_appear_in_the_envelope(keys):
    plaintext = "投标总价：壹仟贰佰叁拾肆万伍仟陆佰柒拾捌元 12345678.00".encode() * 50
    data = _seal(keys, plaintext)
    assert b"12345678.00" not in data and "投标总价".encode() not in data


def test_any_two_of_three_holders_open_it_and_one_alone_cannot(keys):
    _bidder, holders = keys
    plaintext = b"sealed bid" * 300
    data = _seal(keys, plaintext)
    header = envelope.read_header(io.BytesIO(data))
    for pair in itertools.combinations(holders, 2):
        ordered = sorted(pair, key=lambda k: envelope.key_id(k.public_key()))
        layer = envelope.escrow_wrap(header, [envelope.key_id(k.public_key()) for k in ordered])
        for holder in ordered:
            layer = envelope.peel(layer, holder, header.binding)
        stream = io.BytesIO(data)
        envelope.read_header(stream)
        out = io.BytesIO()
        envelope.decrypt(stream, header, layer, out)
        assert out.getvalue() == plaintext
    first = sorted(holders, key=lambda k: envelope.key_id(k.public_key()))[0]
    with pytest.raises(EnvelopeError):
        envelope.escrow_wrap(header, [envelope.key_id(first.public_key())])
    # one holder peeling its layer gets the next holder's ciphertext (32 + 32 + 16 bytes), not the key
    layer = envelope.escrow_wrap(header, header.fields["escrow"]["wraps"][0]["holders"])
    inner = envelope.peel(layer, first, header.binding)
    assert len(inner) == 80
    stream = io.BytesIO(data)
    envelope.read_header(stream)
    with pytest.raises(EnvelopeError):
        envelope.decrypt(stream, header, inner[:32], io.BytesIO())


def test_flipping_any_byte_is_refused(keys):
    data = _seal(keys, os.urandom(3 * CHUNK + 100))
    header_length = envelope.read_header(io.BytesIO(data)).length
    for position in [0, 9, 20, header_length - 2, header_length, header_length + CHUNK + 20, len(data) - 1]:
        tampered = bytearray(data)
        tampered[position] ^= 0x01
        with pytest.raises(EnvelopeError):
            _open_with_bidder(bytes(tampered), keys[0])


def test_truncated_envelope_is_refused(keys):
    data = _seal(keys, os.urandom(3 * CHUNK + 100))
    header_length = envelope.read_header(io.BytesIO(data)).length
    for cut in [5, header_length - 1, header_length + CHUNK + 16, len(data) - 1]:
        with pytest.raises(EnvelopeError):
            _open_with_bidder(data[:cut], keys[0])


def test_reordered_chunks_and_trailing_data_are_refused(keys):
    data = _seal(keys, os.urandom(3 * CHUNK))
    h = envelope.read_header(io.BytesIO(data)).length
    size = CHUNK + 16
    chunks = [data[h + i * size: h + (i + 1) * size] for i in range(3)]
    with pytest.raises(EnvelopeError):
        _open_with_bidder(data[:h] + chunks[1] + chunks[0] + chunks[2], keys[0])
    with pytest.raises(EnvelopeError):
        _open_with_bidder(data + chunks[2], keys[0])


def test_key_from_another_bid_is_refused(keys):
    data = _seal(keys, b"bid one" * 100)
    other = _seal(keys, b"bid two" * 100)
    other_key = envelope.unwrap_for_bidder(envelope.read_header(io.BytesIO(other)), keys[0])
    stream = io.BytesIO(data)
    header = envelope.read_header(stream)
    with pytest.raises(EnvelopeError):
        envelope.decrypt(stream, header, other_key, io.BytesIO())


def test_another_bidders_key_is_refused(keys):
    data = _seal(keys, b"bid" * 100)
    with pytest.raises(EnvelopeError):
        _open_with_bidder(data, X25519PrivateKey.generate())


def test_platform_refuses_an_envelope_for_another_tender_or_escrow(keys):
    _bidder, holders = keys
    data = _seal(keys, b"bid" * 100)
    header = envelope.read_header(io.BytesIO(data))
    ids = [envelope.key_id(h.public_key()) for h in holders]
    envelope.check_recipients(header, BINDING, ids, 2)
    with pytest.raises(EnvelopeError):
        envelope.check_recipients(header, Binding("HZ-2026-002", 1, BINDING.bidder), ids, 2)
    with pytest.raises(EnvelopeError):
        envelope.check_recipients(header, BINDING, [*ids[:2], envelope.key_id(X25519PrivateKey.generate().public_key())], 2)
    with pytest.raises(EnvelopeError):
        envelope.check_recipients(header, BINDING, ids, 3)


@pytest.mark.parametrize("data", [b"", b"not an envelope at all", b"SEALBID1\xff\xff\xff\xff", b"SEALBID1\x00\x00\x00\x05{oops"])
def test_garbage_is_not_an_envelope(data):
    with pytest.raises(EnvelopeError):
        envelope.read_header(io.BytesIO(data))


def test_container_checks_every_file_against_the_manifest(keys, tmp_path):
    (tmp_path / "tech.pdf").write_bytes(b"%PDF tech" * 1000)
    (tmp_path / "price.xlsx").write_bytes(b"price sheet")
    files = [envelope.SealedFile("技术标.pdf", str(tmp_path / "tech.pdf")),
             envelope.SealedFile("报价.xlsx", str(tmp_path / "price.xlsx"))]
    manifest = envelope.manifest_for({"price": "12345678.00", "duration_days": 365}, files)
    plaintext = envelope.container(manifest, files).read()
    opened: dict[str, io.BytesIO] = {}

    class Sink(io.BytesIO):
        def __init__(self, name):
            super().__init__()
            opened[name] = self

        def close(self):  # keep the bytes readable after the with-block
            pass

    assert envelope.read_container(io.BytesIO(plaintext), Sink)["bid_form"]["price"] == "12345678.00"
    assert opened["报价.xlsx"].getvalue() == b"price sheet"
    tampered = plaintext.replace(b"price sheet", b"price sheeT")
    with pytest.raises(EnvelopeError):
        envelope.read_container(io.BytesIO(tampered), Sink)
