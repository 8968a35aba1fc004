"""PAdES B-T signatures that pyHanko and poppler's pdfsig both accept, and the failures both catch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from core.actor import Actor
from core.errors import AuthenticationFailed, Conflict, InvalidInput, NotPermitted, render
from signing import pades, pki, records, seal
from signing.verify import verify_pdf
from tests.tools import nss_database, pdfsig

SETTINGS = pki.PlatformSettings(passphrase="platform-passphrase", crl_url="http://127.0.0.1:5000/pki/crl.der")
PIN = "246810"


@pytest.fixture
def platform(session, clock, world):
    assert pki.init_platform(session, clock, Actor.system(), SETTINGS)
    for name in ("agent", "tenderee"):
        user = world.users[name]
        pki.issue_person(session, clock, user.actor(), SETTINGS, user.id, user.display_name, "甲招标代理公司", PIN)
    session.commit()
    return world


def _record(title: str = "城东快速路工程施工招标公告") -> bytes:
    return records.render(records.Record(
        kind="tender_notice", title=title, tender_code="HZ-2026-001", record_id="rec-1",
        blocks=[records.Facts([("招标人", "市城建集团"), ("投标截止时间", "2026-03-27 09:00:00")]),
                records.Paragraph("本项目已具备招标条件，现对该项目进行公开招标。")],
    ))


def _roots(session):
    return pki.trust_roots(session)


def _ca_pem(session) -> bytes:
    return pki.ca(session).pem


def _sign(session, clock, user, pdf, field="agent"):
    return seal.sign_as_person(session, clock, SETTINGS, user.id, PIN, pdf, field_name=field, reason="招标公告发布")


def test_signed_record_validates_in_pyhanko_and_pdfsig(session, clock, platform, tmp_path):
    signed = _sign(session, clock, platform.users["agent"], _record())
    check = verify_pdf(signed, _roots(session), [pki.crl(session, clock, SETTINGS)], clock.now())
    assert check.ok, [render(p.text, p.params) for s in check.signatures for p in s.problems]
    [sig] = check.signatures
    assert sig.trusted and sig.intact and not sig.revoked and not sig.changed_after
    assert sig.timestamp == clock.now().replace(microsecond=0) or abs(sig.timestamp - clock.now()) < timedelta(seconds=2)
    assert "agent" in sig.signer
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed)
    report = pdfsig(path, nss_database(tmp_path / "nss", _ca_pem(session)))
    assert "Signature is Valid." in report and "Certificate is Trusted." in report


def test_flipping_one_byte_after_signing_is_reported_by_both(session, clock, platform, tmp_path):
    signed = bytearray(_sign(session, clock, platform.users["agent"], _record()))
    signed[signed.index(b"stream") + 30] ^= 0x01  # a byte of the first page's compressed content
    check = verify_pdf(bytes(signed), _roots(session), [], clock.now())
    assert not check.ok
    assert not check.signatures[0].intact
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(signed))
    report = pdfsig(path, nss_database(tmp_path / "nss", _ca_pem(session)))
    assert "Signature is Valid." not in report
    assert "Digest Mismatch" in report


def test_two_signatures_are_both_shown(session, clock, platform, tmp_path):
    once = _sign(session, clock, platform.users["agent"], _record())
    twice = _sign(session, clock, platform.users["tenderee"], once, field="tenderee")
    check = verify_pdf(twice, _roots(session), [pki.crl(session, clock, SETTINGS)], clock.now())
    assert check.ok
    assert [s.field for s in check.signatures] == ["agent", "tenderee"]
    path = tmp_path / "two.pdf"
    path.write_bytes(twice)
    report = pdfsig(path, nss_database(tmp_path / "nss", _ca_pem(session)))
    assert report.count("Signature is Valid.") == 2 and report.count("Certificate is Trusted.") == 2


def test_platform_signs_receipts(session, clock, platform):
    signed = seal.sign_as_platform(session, clock, SETTINGS, _record("投标回执"), field_name="platform",
                                   reason="投标回执")
    check = verify_pdf(signed, _roots(session), [pki.crl(session, clock, SETTINGS)], clock.now())
    assert check.ok and "电子签章" in check.signatures[0].signer


def test_wrong_pin_is_refused(session, clock, platform):
    with pytest.raises(AuthenticationFailed):
        seal.sign_as_person(session, clock, SETTINGS, platform.users["agent"].id, "000000", _record(),
                            field_name="agent", reason="x")


def test_short_pin_is_refused(session, clock, platform):
    user = platform.users["supervisor"]
    with pytest.raises(InvalidInput):
        pki.issue_person(session, clock, user.actor(), SETTINGS, user.id, "赵监督", "交易中心", "123")


def test_person_cannot_get_a_certificate_for_someone_else(session, clock, platform):
    with pytest.raises(NotPermitted):
        pki.issue_person(session, clock, platform.bidders[0], SETTINGS, platform.users["agent"].id, "冒名", None, PIN)


def test_revoked_certificate_shows_as_revoked_in_both(session, clock, platform, tmp_path):
    agent = platform.users["agent"]
    signed = _sign(session, clock, agent, _record())
    cert = pki.person_certificate(session, agent.id)
    clock.advance(timedelta(minutes=10))
    pki.revoke(session, clock, platform.admin, cert.id, "key_compromise")
    crl = pki.crl(session, clock, SETTINGS)
    check = verify_pdf(signed, _roots(session), [crl], clock.now())
    assert check.signatures[0].revoked and not check.ok
    path = tmp_path / "revoked.pdf"
    path.write_bytes(signed)
    report = pdfsig(path, nss_database(tmp_path / "nss", _ca_pem(session), crl))
    assert "Certificate has been Revoked." in report


def test_revoked_signer_cannot_sign_again(session, clock, platform):
    agent = platform.users["agent"]
    pki.revoke(session, clock, platform.admin, pki.person_certificate(session, agent.id).id, "affiliation_changed")
    with pytest.raises(NotPermitted) as refused:
        _sign(session, clock, agent, _record())
    assert "吊销" in str(refused.value)


def test_only_admins_revoke(session, clock, platform):
    cert = pki.person_certificate(session, platform.users["agent"].id)
    with pytest.raises(NotPermitted):
        pki.revoke(session, clock, platform.agent, cert.id, "key_compromise")


def _foreign_signer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "外部签名人")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    return pades.signer_for(cert, key, [])


def test_signature_from_a_foreign_ca_is_not_trusted(session, clock, platform):
    signed = pades.sign(_record(), _foreign_signer(), seal.timestamper(session, clock, SETTINGS), field_name="x",
                        signer_name="外部", reason="x")
    check = verify_pdf(signed, _roots(session), [pki.crl(session, clock, SETTINGS)], clock.now())
    assert not check.ok and not check.signatures[0].trusted


@pytest.mark.parametrize(
    ("data", "problem"),
    [(b"hello, not a pdf", "不是 PDF 文件"), (None, "没有电子签名"), ("truncate", "不完整")],
)
def test_bad_files_are_reported_not_raised(session, clock, platform, data, problem):
    if data is None:
        data = _record()
    elif data == "truncate":
        data = _sign(session, clock, platform.users["agent"], _record())[:-2000]
    check = verify_pdf(data, _roots(session), [], clock.now())
    assert not check.ok
    assert problem in render(check.problems[0].text, check.problems[0].params)


def test_ca_certificate_can_be_imported_instead(session, clock, world):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "外部运营 CA")])
    now = clock.now()
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    pki.import_external_ca(session, clock, Actor.system(), SETTINGS, pem, key_pem)
    user = world.users["agent"]
    pki.issue_person(session, clock, user.actor(), SETTINGS, user.id, "王代理", "甲招标代理公司", PIN)
    signed = _sign(session, clock, user, _record())
    assert verify_pdf(signed, _roots(session), [pki.crl(session, clock, SETTINGS)], clock.now()).ok
    with pytest.raises(Conflict):
        pki.import_external_ca(session, clock, Actor.system(), SETTINGS, pem, key_pem)


def test_unreadable_external_ca_is_refused(session, clock, world):
    with pytest.raises(InvalidInput):
        pki.import_external_ca(session, clock, Actor.system(), SETTINGS, b"junk", b"junk")
