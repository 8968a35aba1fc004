"""PAdES baseline B-T signatures (pyHanko): a CMS signature with the signer's chain and a timestamp
from the platform TSA, each added as an incremental update so earlier signatures stay intact."""

from __future__ import annotations

import io

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko_certvalidator.registry import SimpleCertificateStore

from core.errors import N_, InvalidInput


def asn1_certificate(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def signer_for(cert: x509.Certificate, key: PrivateKeyTypes, chain: list[x509.Certificate]) -> signers.SimpleSigner:
    """A pyHanko signer carrying its chain, so validators can build the path without fetching."""
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return signers.SimpleSigner(
        signing_cert=asn1_certificate(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(der_key),
        cert_registry=SimpleCertificateStore.from_certs([asn1_certificate(c) for c in chain]),
    )


def sign(pdf: bytes, signer: signers.Signer, timestamper: TimeStamper, *, field_name: str, signer_name: str,
         reason: str, location: str = "") -> bytes:
    """Add one PAdES B-T signature to ``pdf`` in a new invisible field named ``field_name``."""
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        name=signer_name,
        reason=reason,
        location=location or None,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        return signers.sign_pdf(writer, meta, signer=signer, timestamper=timestamper).getvalue()
    except (PdfError, ValueError) as exc:
        raise InvalidInput(N_("无法在该文件上签名：%(problem)s"), problem=str(exc)) from exc
