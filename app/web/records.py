"""Signed records for everyone: download a record, check any signed PDF, fetch the CA and CRL."""

from __future__ import annotations

import io
import uuid

from asn1crypto import tsp
from flask import Blueprint, Response, render_template, request, send_file

from app.auth import current_actor
from app.i18n import translate
from app.services import clock, db, signing_settings, store
from bidding import award, award_notice, award_state, bids, bonds, complaints, receipts, tenders
from core.errors import N_, InvalidInput
from expert_pool import draw_record
from signing import pki, seal, signed_records
from signing.verify import verify_pdf

bp = Blueprint("records", __name__)

# A record to check is read into memory: signed records are small (a 50-page report is ~200 KB).
MAX_VERIFY_BYTES = 50 * 1024 * 1024


@bp.get("/records/<uuid:record_id>.pdf")
def download(record_id: uuid.UUID):
    """A signed record; tender records are as public as their tender."""
    record = signed_records.get(db(), str(record_id))
    if record.kind == receipts.KIND:  # a receipt is the bidder's own until the opening
        bids.own_bid(db(), current_actor(), record.subject_id or 0)
    elif record.kind == bonds.COMMITMENT_KIND:  # names a bidder: secret until the opening too
        bonds.commitment_for_download(db(), current_actor(), record.subject_id)
    elif record.kind == draw_record.KIND:  # names the experts: supervisors only until the evaluation ends
        draw_record.readable(db(), current_actor(), record.subject_id)
    elif record.kind == award.RECORD_KIND:  # names the award committee and its ballots
        award.require_record_reader(current_actor(), award_state.get_award(db(), record.subject_id or 0))
    elif record.kind in award_notice.KINDS:  # addressed to one bidder
        award_notice.notice_of_record(db(), current_actor(), record.id)
    elif record.kind == complaints.KIND:  # the complainant's, the tender's managers' and the supervisors'
        complaints.visible(db(), current_actor(), complaints.get_complaint(db(), record.subject_id or 0))
    elif record.tender_id is not None:
        tenders.get_tender(db(), current_actor(), record.tender_id)
    return send_file(store().open(record.pdf_sha256), mimetype="application/pdf", as_attachment=False,
                     download_name=f"{record.kind}-{record.id}.pdf", etag=record.pdf_sha256)


def _messages(problems) -> list[str]:
    return [translate(p.text, **p.params) for p in problems]


@bp.route("/records/verify", methods=["GET", "POST"])
def verify():
    """Anyone uploads a PDF and sees each signature checked against the platform CA and CRL."""
    if request.method == "GET":
        return render_template("records/verify.html", check=None)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput(N_("请选择要验证的 PDF 文件。"), field="file")
    data = upload.stream.read(MAX_VERIFY_BYTES + 1)
    if len(data) > MAX_VERIFY_BYTES:
        raise InvalidInput(N_("文件超过大小上限（%(limit)s MB）。"), field="file", limit=MAX_VERIFY_BYTES // 1024 // 1024)
    session = db()
    crl = pki.crl(session, clock(), signing_settings())
    session.commit()
    check = verify_pdf(data, pki.trust_roots(session), [crl], clock().now())
    status = 200 if check.ok else 422
    return render_template("records/verify.html", check=check, filename=upload.filename,
                           problems=_messages(check.problems),
                           signature_problems=[_messages(s.problems) for s in check.signatures]), status


@bp.get("/pki/ca.pem")
def ca_certificate():
    return Response(pki.ca(db()).pem, mimetype="application/x-pem-file",
                    headers={"Content-Disposition": "attachment; filename=sealbid-ca.pem"})


@bp.post("/tsa")
def timestamp():
    """The platform TSA over HTTP (RFC 3161 section 3.4): a DER TimeStampReq in, a TimeStampResp out."""
    try:
        query = tsp.TimeStampReq.load(request.get_data(cache=False)[:65536])
        _ = query.native  # parse fully now: a malformed request is the client's error, not ours
    except (ValueError, TypeError) as exc:
        raise InvalidInput(N_("时间戳请求格式不正确（需要 DER 编码的 TimeStampReq）。")) from exc
    answer = seal.timestamper(db(), clock(), signing_settings()).respond(query)
    return Response(answer.dump(), mimetype="application/timestamp-reply")


@bp.get("/pki/crl.der")
def crl():
    session = db()
    der = pki.crl(session, clock(), signing_settings())
    session.commit()
    return send_file(io.BytesIO(der), mimetype="application/pkix-crl", download_name="crl.der")
