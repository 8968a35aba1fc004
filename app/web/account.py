"""A person's own signing certificate: set a signing PIN and receive a certificate from the platform CA."""

from __future__ import annotations

import base64
import binascii

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, current_user, login_required
from app.services import clock, db, signing_settings
from app.web.forms import attempt
from core.errors import N_, InvalidInput
from signing import encryption_keys, pki

bp = Blueprint("account", __name__, url_prefix="/account")


def _page():
    user = current_user()
    return render_template("account/signing.html", certificate=pki.person_certificate(db(), user.id),
                           encryption_key=encryption_keys.current(db(), user.id))


@bp.post("/encryption-key")
@login_required()
def register_encryption_key():
    """Only the public half is sent: the browser or the bidder client keeps the private key file."""

    def action():
        value = request.form.get("public_key", "").strip()
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise InvalidInput(N_("请提供 base64 编码的公钥。"), field="public_key") from exc
        return encryption_keys.register(db(), clock(), current_actor(), raw)

    def done(row):
        flash(gettext("加密公钥已登记（%(id)s）。", id=row.key_id[:16]), "success")
        return redirect(url_for("account.signing"))

    return attempt(action, done, _page)


@bp.get("/signing")
@login_required()
def signing():
    return _page()


@bp.post("/signing")
@login_required()
def request_certificate():
    def action():
        pin, again = request.form.get("pin", ""), request.form.get("pin_again", "")
        if pin != again:
            raise InvalidInput(N_("两次输入的签名口令不一致。"), field="pin_again")
        user = current_user()
        return pki.issue_person(db(), clock(), current_actor(), signing_settings(), user.id, user.display_name,
                                user.organisation.name if user.organisation else None, pin)

    def done(certificate):
        flash(gettext("签名证书已签发（序列号 %(serial)s）。请牢记签名口令，平台无法找回。", serial=certificate.serial),
              "success")
        return redirect(url_for("account.signing"))

    return attempt(action, done, _page)
