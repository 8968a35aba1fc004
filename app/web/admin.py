"""The administrator's pages: organisations (with company approval) and users with roles."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.services import clock, db
from app.web.forms import attempt, text
from bidding import parties
from core.actor import Role
from signing import pki

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _organisations_page():
    actor = current_actor()
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    return render_template("admin/organisations.html",
                           organisations=parties.organisations(db(), actor, kind=kind, status=status))


@bp.get("/organisations")
@login_required(Role.ADMIN)
def organisations():
    return _organisations_page()


@bp.post("/organisations")
@login_required(Role.ADMIN)
def create_organisation():
    def action():
        return parties.create_organisation(db(), clock(), current_actor(), parties.OrganisationInput(
            name=text("name"), kind=text("kind"), credit_code=text("credit_code"),
            legal_representative=text("legal_representative"), contact_name=text("contact_name"),
            contact_phone=text("contact_phone"), region=text("region")))

    def done(org):
        flash(gettext("单位“%(name)s”已创建。", name=org.name), "success")
        return redirect(url_for("admin.organisations"))

    return attempt(action, done, _organisations_page)


@bp.post("/organisations/<int:org_id>/review")
@login_required(Role.ADMIN)
def review(org_id: int):
    approve = request.form.get("decision") == "approve"

    def done(org):
        flash(gettext("已审核：%(name)s — %(status)s", name=org.name,
                      status=gettext(parties.ORG_STATUS_LABELS[org.status])), "success")
        return redirect(url_for("admin.organisations"))

    return attempt(lambda: parties.review_company(db(), clock(), current_actor(), org_id, approve, text("note")),
                   done, _organisations_page)


@bp.post("/organisations/<int:org_id>/status")
@login_required(Role.ADMIN)
def organisation_status(org_id: int):
    def done(org):
        flash(gettext("单位状态已更新：%(name)s", name=org.name), "success")
        return redirect(url_for("admin.organisations"))

    return attempt(lambda: parties.set_organisation_status(db(), clock(), current_actor(), org_id, text("status")),
                   done, _organisations_page)


def _certificates_page():
    return render_template("admin/certificates.html", certificates=pki.person_certificates(db()),
                           users={u.id: u for u in parties.users(db(), current_actor())})


@bp.get("/certificates")
@login_required(Role.ADMIN)
def certificates():
    return _certificates_page()


@bp.post("/certificates/<int:certificate_id>/revoke")
@login_required(Role.ADMIN)
def revoke_certificate(certificate_id: int):
    def done(certificate):
        flash(gettext("证书 %(serial)s 已吊销，将列入证书吊销列表。", serial=certificate.serial), "success")
        return redirect(url_for("admin.certificates"))

    return attempt(lambda: pki.revoke(db(), clock(), current_actor(), certificate_id, text("reason")), done,
                   _certificates_page)


def _users_page():
    actor = current_actor()
    return render_template("admin/users.html", users=parties.users(db(), actor),
                           organisations=parties.organisations(db(), actor))


@bp.get("/users")
@login_required(Role.ADMIN)
def users():
    return _users_page()


@bp.post("/users")
@login_required(Role.ADMIN)
def create_user():
    def action():
        org = text("organisation_id")
        return parties.create_user(db(), clock(), current_actor(), parties.UserInput(
            username=text("username"), display_name=text("display_name"), password=request.form.get("password", ""),
            roles=tuple(request.form.getlist("roles")), organisation_id=int(org) if org.isdigit() else None))

    def done(user):
        flash(gettext("用户 %(username)s 已创建。", username=user.username), "success")
        return redirect(url_for("admin.users"))

    return attempt(action, done, _users_page)


@bp.post("/users/<int:user_id>")
@login_required(Role.ADMIN)
def update_user(user_id: int):
    def done(user):
        flash(gettext("用户 %(username)s 已更新。", username=user.username), "success")
        return redirect(url_for("admin.users"))

    return attempt(lambda: parties.update_user(db(), clock(), current_actor(), user_id,
                                               request.form.getlist("roles"), request.form.get("active") == "on"),
                   done, _users_page)
