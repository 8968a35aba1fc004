"""The sealed-bid envelope, version 1 (the format is docs/envelope.md; this module implements it).

Streaming in both directions: sealing and opening hold one chunk in memory, so a 1 GiB bid never
sits in memory. The content key is wrapped with HPKE for the bidder and, k of n, for the tender's
opening escrow, nested per k-subset so that no escrow private key exists as a whole.
"""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import json
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import N_, InvalidInput

MAGIC = b"SEALBID1"
VERSION = 1
CHUNK_SIZE = 64 * 1024
MAX_CHUNK_SIZE = 16 * 1024 * 1024
MAX_HEADER = 1024 * 1024
TAG = 16
# Each escrow layer adds an HPKE encapsulated key (32 bytes) and an AEAD tag (16 bytes).
WRAP_OVERHEAD = 32 + TAG
HPKE_NAME = "X25519-HKDF-SHA256-AES-256-GCM"
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
MAX_SUBSETS = 256


class EnvelopeError(InvalidInput):
    """The envelope is refused; the message says why (tampered, truncated, wrong key, …)."""

    code = "bad_envelope"


@dataclass(frozen=True)
class Binding:
    """What an envelope belongs to; every wrap is bound to it through the HPKE ``info``."""

    tender_code: str
    section: int
    bidder: str

    def info(self) -> bytes:
        return b"sealbid-envelope/1\x00" + "\x00".join((self.tender_code, str(self.section), self.bidder)).encode()

    def as_json(self) -> dict[str, Any]:
        return {"tender_code": self.tender_code, "section": self.section, "bidder": self.bidder}


# --- keys ---------------------------------------------------------------------------------------


def key_id(public_key: X25519PublicKey) -> str:
    return hashlib.sha256(raw_public(public_key)).hexdigest()


def raw_public(public_key: X25519PublicKey) -> bytes:
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def load_public(raw: bytes) -> X25519PublicKey:
    """A usable X25519 public key; a low-order point (e.g. all zeros) would make every seal to it fail."""
    if len(raw) != 32:
        raise InvalidInput(N_("加密公钥格式不正确（应为 32 字节 X25519 公钥）。"), field="public_key")
    key = X25519PublicKey.from_public_bytes(raw)
    try:
        X25519PrivateKey.generate().exchange(key)
    except ValueError as exc:
        raise InvalidInput(N_("加密公钥格式不正确（应为 32 字节 X25519 公钥）。"), field="public_key") from exc
    return key


def private_key_pem(private_key: X25519PrivateKey) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def load_private_pem(data: bytes) -> X25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InvalidInput(N_("密钥文件无法读取。"), field="key") from exc
    if not isinstance(key, X25519PrivateKey):
        raise InvalidInput(N_("密钥文件不是 X25519 加密密钥。"), field="key")
    return key


@dataclass(frozen=True)
class Escrow:
    """The tender's opening escrow: any ``k`` of ``holders`` together can unwrap a bid key."""

    k: int
    holders: tuple[X25519PublicKey, ...]

    def ordered(self) -> list[X25519PublicKey]:
        return sorted(self.holders, key=key_id)


# --- sealing ------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise EnvelopeError(N_("信封头格式不正确。"))
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise EnvelopeError(N_("信封头格式不正确。")) from exc


def _escrow_wraps(content_key: bytes, escrow: Escrow, info: bytes) -> list[dict[str, Any]]:
    holders = escrow.ordered()
    if not 1 <= escrow.k <= len(holders):
        raise InvalidInput(N_("开标密钥托管的门限 k 必须在 1 到托管人数之间。"))
    wraps = []
    for subset in itertools.combinations(holders, escrow.k):
        wrapped = content_key
        for holder in reversed(subset):
            wrapped = SUITE.encrypt(wrapped, holder, info=info)
        wraps.append({"holders": [key_id(h) for h in subset], "wrap": _b64(wrapped)})
    if len(wraps) > MAX_SUBSETS:
        raise InvalidInput(N_("托管人过多：组合数超过上限。"))
    return wraps


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def seal(plaintext: BinaryIO, out: BinaryIO, binding: Binding, bidder: X25519PublicKey, escrow: Escrow,
         chunk_size: int = CHUNK_SIZE) -> str:
    """Encrypt ``plaintext`` into ``out``; returns the envelope hash (SHA-256 of everything written)."""
    content_key = AESGCM.generate_key(bit_length=256)
    prefix = os.urandom(7)
    info = binding.info()
    header = {
        "v": VERSION,
        "aead": "AES-256-GCM",
        "hpke": HPKE_NAME,
        "binding": binding.as_json(),
        "chunk_size": chunk_size,
        "nonce_prefix": _b64(prefix),
        "bidder": {"key_id": key_id(bidder), "wrap": _b64(SUITE.encrypt(content_key, bidder, info=info))},
        "escrow": {"k": escrow.k, "holders": [key_id(h) for h in escrow.ordered()],
                   "wraps": _escrow_wraps(content_key, escrow, info)},
    }
    header_bytes = json.dumps(header, sort_keys=True, separators=(",", ":")).encode()
    lead = MAGIC + struct.pack(">I", len(header_bytes)) + header_bytes
    digest = hashlib.sha256(lead)
    out.write(lead)
    aad = hashlib.sha256(lead).digest()
    aead = AESGCM(content_key)
    index = 0
    current = plaintext.read(chunk_size)
    while True:
        following = plaintext.read(chunk_size) if len(current) == chunk_size else b""
        last = not following
        sealed = aead.encrypt(_nonce(prefix, index, last), current, aad)
        out.write(sealed)
        digest.update(sealed)
        if last:
            return digest.hexdigest()
        current, index = following, index + 1


# --- reading --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    fields: dict[str, Any]
    aad: bytes
    length: int  # bytes before the first chunk

    @property
    def binding(self) -> Binding:
        b = self.fields["binding"]
        return Binding(b["tender_code"], b["section"], b["bidder"])

    @property
    def chunk_size(self) -> int:
        return self.fields["chunk_size"]

    @property
    def escrow_holders(self) -> list[str]:
        return list(self.fields["escrow"]["holders"])

    @property
    def escrow_k(self) -> int:
        return self.fields["escrow"]["k"]

    @property
    def bidder_key_id(self) -> str:
        return self.fields["bidder"]["key_id"]


def read_header(stream: BinaryIO) -> Header:
    """Parse and check the header; the stream is left at the first chunk."""
    lead = stream.read(12)
    if len(lead) < 12 or lead[:8] != MAGIC:
        raise EnvelopeError(N_("这不是 sealbid 投标文件信封（文件头不符）。"))
    (length,) = struct.unpack(">I", lead[8:])
    if length > MAX_HEADER:
        raise EnvelopeError(N_("信封头过大。"))
    raw = stream.read(length)
    if len(raw) != length:
        raise EnvelopeError(N_("信封不完整（文件被截断）。"))
    try:
        fields = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise EnvelopeError(N_("信封头格式不正确。")) from exc
    _check_fields(fields)
    return Header(fields, hashlib.sha256(lead + raw).digest(), 12 + length)


def _check_fields(fields: Any) -> None:
    try:
        if fields["v"] != VERSION:
            raise EnvelopeError(N_("不支持的信封版本 %(v)s。"), v=str(fields["v"])[:10])
        ok = (
            fields["aead"] == "AES-256-GCM" and fields["hpke"] == HPKE_NAME
            and isinstance(fields["chunk_size"], int) and 1 <= fields["chunk_size"] <= MAX_CHUNK_SIZE
            and len(_unb64(fields["nonce_prefix"])) == 7
            and isinstance(fields["binding"]["tender_code"], str) and isinstance(fields["binding"]["section"], int)
            and isinstance(fields["binding"]["bidder"], str)
            and isinstance(fields["bidder"]["key_id"], str) and isinstance(fields["bidder"]["wrap"], str)
            and isinstance(fields["escrow"]["k"], int) and isinstance(fields["escrow"]["holders"], list)
            and isinstance(fields["escrow"]["wraps"], list)
        )
    except (KeyError, TypeError) as exc:
        raise EnvelopeError(N_("信封头格式不正确。")) from exc
    if not ok:
        raise EnvelopeError(N_("信封头格式不正确。"))


def check_recipients(header: Header, binding: Binding, escrow_key_ids: list[str], k: int) -> None:
    """The platform's check at upload: this tender, section and bidder, and this tender's escrow."""
    if header.binding != binding:
        raise EnvelopeError(N_("信封不属于本项目、本标段或本投标人。"))
    if sorted(header.escrow_holders) != sorted(escrow_key_ids) or header.escrow_k != k:
        raise EnvelopeError(N_("信封没有使用本项目的开标密钥托管人加密。"))
    expected = len(list(itertools.combinations(escrow_key_ids, k)))
    if len(header.fields["escrow"]["wraps"]) != expected:
        raise EnvelopeError(N_("信封没有使用本项目的开标密钥托管人加密。"))


def unwrap_for_bidder(header: Header, private_key: X25519PrivateKey) -> bytes:
    """The bidder's own way to the content key (decrypt-key at the opening)."""
    if key_id(private_key.public_key()) != header.bidder_key_id:
        raise EnvelopeError(N_("密钥与该投标文件不匹配。"))
    try:
        return SUITE.decrypt(_unb64(header.fields["bidder"]["wrap"]), private_key, info=header.binding.info())
    except InvalidTag as exc:
        raise EnvelopeError(N_("密钥与该投标文件不匹配。")) from exc


def escrow_wrap(header: Header, holder_ids: list[str]) -> bytes:
    """The nested wrap for exactly these holders (in key-id order)."""
    wanted = sorted(holder_ids)
    for entry in header.fields["escrow"]["wraps"]:
        if entry.get("holders") == wanted:
            return _unb64(entry.get("wrap"))
    raise EnvelopeError(N_("这些托管人的组合无法解开该信封。"))


def peel(layer: bytes, private_key: X25519PrivateKey, binding: Binding) -> bytes:
    """One escrow holder removes its layer; after the k-th layer the result is the content key."""
    try:
        return SUITE.decrypt(layer, private_key, info=binding.info())
    except InvalidTag as exc:
        raise EnvelopeError(N_("托管人的密钥无法解开这一层。")) from exc


def decrypt(stream: BinaryIO, header: Header, content_key: bytes, out: BinaryIO) -> int:
    """Decrypt the chunks after the header into ``out``, checking every tag; returns the plaintext size.

    Refuses truncation (no last-flagged chunk), trailing data, reordering and any changed byte.
    """
    if len(content_key) != 32:
        raise EnvelopeError(N_("密钥与该投标文件不匹配。"))
    aead = AESGCM(content_key)
    prefix = _unb64(header.fields["nonce_prefix"])
    size = header.chunk_size + TAG
    index = 0
    total = 0
    current = stream.read(size)
    while True:
        following = stream.read(size) if len(current) == size else b""
        last = not following
        if len(current) < TAG:
            raise EnvelopeError(N_("信封不完整（文件被截断）。"))
        try:
            plain = aead.decrypt(_nonce(prefix, index, last), current, header.aad)
        except InvalidTag as exc:
            raise EnvelopeError(N_("投标文件已被篡改、截断或密钥不正确（第 %(n)s 块校验失败）。"), n=index + 1) from exc
        out.write(plain)
        total += len(plain)
        if last:
            return total
        current, index = following, index + 1


# --- the sealed container (bid form, manifest, files) -------------------------------------------------


@dataclass(frozen=True)
class SealedFile:
    name: str
    path: str


def manifest_for(bid_form: dict[str, Any], files: list[SealedFile]) -> dict[str, Any]:
    entries = []
    for f in files:
        digest = hashlib.sha256()
        size = 0
        with open(f.path, "rb") as handle:
            while block := handle.read(1024 * 1024):
                digest.update(block)
                size += len(block)
        entries.append({"name": f.name, "size": size, "sha256": digest.hexdigest()})
    return {"v": 1, "bid_form": bid_form, "files": entries}


class _Chain(io.RawIOBase):
    """Several streams read as one, so the container is never assembled in memory."""

    def __init__(self, parts: Iterator[BinaryIO]) -> None:
        self._parts = parts
        self._current: BinaryIO | None = next(parts, None)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while self._current is not None:
            data = self._current.read(len(buffer))
            if data:
                buffer[: len(data)] = data
                return len(data)
            self._current.close()
            self._current = next(self._parts, None)
        return 0


def container(manifest: dict[str, Any], files: list[SealedFile]) -> BinaryIO:
    """The plaintext to seal: manifest length, manifest, then every file's bytes in order."""
    body = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    def parts() -> Iterator[BinaryIO]:
        yield io.BytesIO(struct.pack(">I", len(body)) + body)
        for f in files:
            yield open(f.path, "rb")

    return io.BufferedReader(_Chain(parts()), buffer_size=1024 * 1024)


def read_container(plaintext: BinaryIO, write_file) -> dict[str, Any]:
    """Split an opened container; ``write_file(name)`` gives a writable stream for each file.

    Every file's size and SHA-256 must match the sealed manifest.
    """
    lead = plaintext.read(4)
    if len(lead) != 4:
        raise EnvelopeError(N_("投标文件内容不完整。"))
    (length,) = struct.unpack(">I", lead)
    try:
        manifest = json.loads(plaintext.read(length))
        files = manifest["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise EnvelopeError(N_("投标文件清单格式不正确。")) from exc
    for entry in files:
        remaining = int(entry["size"])
        digest = hashlib.sha256()
        with write_file(entry["name"]) as out:
            while remaining:
                block = plaintext.read(min(remaining, 1024 * 1024))
                if not block:
                    raise EnvelopeError(N_("投标文件内容不完整。"))
                digest.update(block)
                out.write(block)
                remaining -= len(block)
        if digest.hexdigest() != entry["sha256"]:
            raise EnvelopeError(N_("文件 %(name)s 与密封清单不符。"), name=str(entry["name"])[:200])
    if plaintext.read(1):
        raise EnvelopeError(N_("投标文件内容与密封清单不符（有多余数据）。"))
    return manifest
