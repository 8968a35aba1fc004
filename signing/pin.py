"""Private keys sealed under a person's signing PIN (or the platform's key passphrase).

The PIN is stretched with Argon2id (memory-hard, so a stolen database does not make PINs cheap to
guess) into an AES-256-GCM key that seals the PKCS#8 DER private key; the salt and the cost
parameters travel with the sealed key so they can be raised later.
"""

from __future__ import annotations

import json
import os

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.errors import N_, AuthenticationFailed, InvalidInput

# RFC 9106 second recommended option (64 MiB, t=3); tests may lower it through ``COST``.
COST = {"t": 3, "m": 64 * 1024, "p": 1}
MIN_PIN = 6


def _kdf(pin: str, salt: bytes, cost: dict[str, int]) -> bytes:
    return hash_secret_raw(pin.encode(), salt, time_cost=cost["t"], memory_cost=cost["m"], parallelism=cost["p"],
                           hash_len=32, type=Type.ID)


def check_pin(pin: str) -> None:
    if len(pin) < MIN_PIN or len(pin) > 128:
        raise InvalidInput(N_("签名口令至少 %(n)s 位。"), field="pin", n=MIN_PIN)


def seal(key: PrivateKeyTypes, pin: str) -> bytes:
    """The private key, sealed: a JSON header line, then nonce + ciphertext."""
    salt = os.urandom(16)
    nonce = os.urandom(12)
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    header = json.dumps({"v": 1, "kdf": "argon2id", "salt": salt.hex(), **COST}).encode()
    return header + b"\n" + nonce + AESGCM(_kdf(pin, salt, COST)).encrypt(nonce, der, header)


def unseal(sealed: bytes, pin: str) -> PrivateKeyTypes:
    """The private key, or ``AuthenticationFailed`` for a wrong PIN."""
    header, _, rest = sealed.partition(b"\n")
    params = json.loads(header)
    key = _kdf(pin, bytes.fromhex(params["salt"]), {"t": params["t"], "m": params["m"], "p": params["p"]})
    try:
        der = AESGCM(key).decrypt(rest[:12], rest[12:], header)
    except InvalidTag as exc:
        raise AuthenticationFailed(N_("签名口令不正确。")) from exc
    return serialization.load_der_private_key(der, password=None)
