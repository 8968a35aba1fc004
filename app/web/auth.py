"""Sign in, sign out, and company registration (企业入库)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, sign_in, sign_out
from app.services import clock, db, store
from app.web.forms import attempt, text, uploads
from bidding import parties
from core.identity import authenticate

bp = Blueprint("auth", __name__)


def _safe_next(default: str) -> str:
    target = request.args.get("next") or request.form.get("next") or ""
    return target if target.startswith("/") and not target.startswith("//") else default


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("auth/login.html")

    def done(user):
        sign_in(user)
        flash(gettext("欢迎，%(name)s。", name=user.display_name), "success")
        return redirect(_safe_next(url_for("public.index")))

    return attempt(lambda: authenticate(db(), text("username"), request.form.get("password", ""), clock()),
                   done, lambda: render_template("auth/login.html"))


@bp.post("/logout")
def logout():
    sign_out()
    flash(gettext("您已退出登录。"), "info")
    return redirect(url_for("public.index"))


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_actor().signed_in:
        return redirect(url_for("public.index"))
    if request.method == "GET":
        return render_template("auth/register.html")

    def action():
        return parties.register_company(
            db(), clock(), store(),
            parties.OrganisationInput(
                name=text("name"), kind="bidder", credit_code=text("credit_code"),
                legal_representative=text("legal_representative"), contact_name=text("contact_name"),
                contact_phone=text("contact_phone"), contact_email=text("contact_email"), address=text("address"),
                region=text("region")),
            parties.UserInput(username=text("username"), display_name=text("display_name"),
                              password=request.form.get("password", "")),
            uploads("certificates"),
        )

    def done(org):
        flash(gettext("%(name)s 的入库申请已提交，管理员审核通过后即可参与投标。现在可以登录查看审核状态。", name=org.name),
              "success")
        return redirect(url_for("auth.login"))

    return attempt(action, done, lambda: render_template("auth/register.html"))
