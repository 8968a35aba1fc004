"""The agent's and tenderee's pages: plans, tender drafts, documents, publishing, amendments, answers."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.auth import current_actor, login_required
from app.services import clock, db, signing_settings, store
from app.web.forms import attempt, checkbox, local_datetime, optional, text, uploads
from app.web.public import render_tender
from bidding import award_rules, escrow, participation, parties, tenders
from bidding.access import manages
from bidding.notices import Signing
from bidding.rules import amendment_needs_new_deadline
from bidding.schemas import REQUIRED_BOND_FORMS, AmendmentInput, PlanInput, TenderInput, parse
from core.actor import Role
from core.errors import N_, InvalidInput, NotPermitted

bp = Blueprint("agency", __name__, url_prefix="/agency")
SECTION_FIELD = re.compile(r"^sections-(\d+)-(\w+)$")


def _tender_form_data() -> dict[str, Any]:
    """The tender form as the input shape's plain values (sections-N-field rows)."""
    sections = []
    for row in _posted_sections():
        if not any(row.get(k) for k in ("name", "estimated_price", "bond_amount", "bond_waiver_basis")):
            continue
        sections.append({
            "name": row.get("name", ""),
            "estimated_price": row.get("estimated_price") or None,
            "bond_policy": row.get("bond_policy") or "required",
            "bond_amount": row.get("bond_amount") or None,
            "bond_forms": row.get("bond_forms", []),
            "bond_waiver_basis": row.get("bond_waiver_basis", ""),
            "evaluation_method": row.get("evaluation_method") or "comprehensive",
        })
    return {
        "code": text("code"),
        "title": text("title"),
        "tenderee_org_id": text("tenderee_org_id") or None,
        "plan_id": optional("plan_id"),
        "category": text("category"),
        "method": text("method") or "open",
        "is_compulsory": checkbox("is_compulsory"),
        "is_state_funded": checkbox("is_state_funded"),
        "region": text("region"),
        "description": text("description"),
        "sale_start": local_datetime("sale_start"),
        "sale_end": local_datetime("sale_end"),
        "clarification_deadline": local_datetime("clarification_deadline"),
        "bid_deadline": local_datetime("bid_deadline"),
        "bid_validity_days": text("bid_validity_days") or None,
        "sections": sections,
        **_award_plan_data(),
    }


def _award_plan_data() -> dict[str, Any]:
    """The award plan fieldset: mode, rule set, and for 评定分离 the method, committee size and its parameters."""
    mode = text("award_mode") or "ranked"
    if mode != "separated":
        return {"award_mode": mode, "rule_set": text("rule_set") or "national"}
    params: dict[str, Any] = {}
    for name in ("majority", "tie"):
        if text(f"award_{name}"):
            params[name] = text(f"award_{name}")
    for name in ("max_rounds", "shortlist"):
        value = text(f"award_{name}")
        if value:
            if not value.isdigit():
                raise InvalidInput(N_("请填写整数。"), field=f"award_{name}")
            params[name] = int(value)
    size = text("award_committee_size")
    if not size.isdigit():
        raise InvalidInput(N_("请填写定标委员会人数。"), field="award_committee_size")
    return {"award_mode": mode, "rule_set": text("rule_set") or "national", "award_method": text("award_method"),
            "award_committee_size": int(size), "award_params": params}


def _posted_sections() -> list[dict[str, Any]]:
    """The form's section rows (sections-N-field), in order; bond_forms is a list of ticked forms."""
    rows: dict[int, dict[str, Any]] = {}
    for key in request.form:
        match = SECTION_FIELD.match(key)
        if match:
            row = rows.setdefault(int(match.group(1)), {})
            name = match.group(2)
            row[name] = request.form.getlist(key) if name == "bond_forms" else request.form.get(key, "").strip()
    return [row for _, row in sorted(rows.items())]


def _section_rows(tender) -> list[dict[str, Any]]:
    """What the section fieldsets show: the posted rows, the draft's sections, or one empty section."""
    if request.method == "POST":
        rows = _posted_sections()
    elif tender is not None:
        rows = [{"name": s.name, "estimated_price": s.estimated_price, "bond_policy": s.bond_policy,
                 "bond_amount": s.bond_amount, "bond_forms": s.accepted_bond_forms,
                 "bond_waiver_basis": s.bond_waiver_basis, "evaluation_method": s.evaluation_method}
                for s in tender.sections]
    else:
        rows = []
    return rows or [{"name": "", "estimated_price": "", "bond_policy": "required", "bond_amount": "",
                     "bond_forms": list(REQUIRED_BOND_FORMS), "bond_waiver_basis": "",
                     "evaluation_method": "comprehensive"}]


def _form(template: str, **context: Any):
    actor = current_actor()
    return render_template(template, tenderees=parties.tenderees(db()), plans=tenders.agency_plans(db(), actor),
                           section_rows=_section_rows(context.get("tender")), required_forms=REQUIRED_BOND_FORMS,
                           rule_sets=award_rules.RULE_SETS, award_modes=award_rules.MODE_LABELS,
                           award_methods=award_rules.METHOD_LABELS, tie_rules=award_rules.TIE_RULES,
                           award_params=award_rules.plan_params(context["tender"].award_params)
                           if context.get("tender") else {}, **context)


@bp.get("/")
@login_required(Role.AGENT, Role.TENDEREE)
def dashboard():
    actor = current_actor()
    plans = tenders.agency_plans(db(), actor) if actor.has(Role.AGENT) else []
    return render_template("agency/dashboard.html", tenders=tenders.managed_tenders(db(), actor), plans=plans)


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required(Role.AGENT)
def new_plan():
    if request.method == "GET":
        return _form("agency/plan_form.html")

    def action():
        data = parse(PlanInput, {
            "title": text("title"), "tenderee_org_id": text("tenderee_org_id") or None, "category": text("category"),
            "region": text("region"), "estimated_amount": text("estimated_amount") or None,
            "expected_notice_date": local_datetime("expected_notice_date"), "description": text("description"),
        })
        plan = tenders.create_plan(db(), clock(), current_actor(), data)
        return tenders.publish_plan(db(), clock(), current_actor(), plan.id)

    def done(plan):
        flash(gettext("招标计划“%(title)s”已发布。", title=plan.title), "success")
        return redirect(url_for("agency.dashboard"))

    return attempt(action, done, lambda: _form("agency/plan_form.html"))


@bp.route("/tenders/new", methods=["GET", "POST"])
@login_required(Role.AGENT)
def new_tender():
    if request.method == "GET":
        return _form("agency/tender_form.html", tender=None)

    def action():
        return tenders.create_tender(db(), clock(), current_actor(), parse(TenderInput, _tender_form_data()))

    def done(tender):
        flash(gettext("招标项目已保存为草稿。请上传招标文件后发布。"), "success")
        return redirect(url_for("agency.manage", tender_id=tender.id))

    return attempt(action, done, lambda: _form("agency/tender_form.html", tender=None))


@bp.route("/tenders/<int:tender_id>/edit", methods=["GET", "POST"])
@login_required(Role.AGENT)
def edit_tender(tender_id: int):
    tender = _managed(tender_id)
    if request.method == "GET":
        return _form("agency/tender_form.html", tender=tender)

    def action():
        return tenders.update_tender(db(), clock(), current_actor(), tender_id, parse(TenderInput, _tender_form_data()))

    def done(_tender):
        flash(gettext("草稿已更新。"), "success")
        return redirect(url_for("agency.manage", tender_id=tender_id))

    return attempt(action, done, lambda: _form("agency/tender_form.html", tender=tender))


def _managed(tender_id: int):
    actor = current_actor()
    tender = tenders.get_tender(db(), actor, tender_id)
    if not manages(actor, tender):
        raise NotPermitted(N_("只有本项目的招标代理或招标人可以执行此操作。"))
    return tender


def _manage_page(tender_id: int):
    tender = _managed(tender_id)
    now = clock().now()
    try:
        obtainers = participation.obtainers(db(), clock(), current_actor(), tender.id)
    except NotPermitted:
        obtainers = None
    return render_template(
        "agency/manage.html", tender=tender, documents=tenders.current_documents(tender),
        all_documents=tender.documents, obtainers=obtainers,
        amendment_moves_deadline=amendment_needs_new_deadline(now, tender.bid_deadline),
        open_questions=[q for q in participation.questions(db(), tender, answered_only=False) if q.answer is None],
        open_objections=participation.open_objections(db(), tender.id),
        escrow_candidates=escrow.candidates(db(), tender) if tender.status == "draft" else [],
        max_mb=current_app.config["MAX_DOCUMENT_BYTES"] // (1024 * 1024),
    )


@bp.get("/tenders/<int:tender_id>")
@login_required(Role.AGENT, Role.TENDEREE)
def manage(tender_id: int):
    return _manage_page(tender_id)


@bp.post("/tenders/<int:tender_id>/documents")
@login_required(Role.AGENT, Role.TENDEREE)
def upload_document(tender_id: int):
    def action():
        files = uploads("file", "title")
        if not files:
            raise InvalidInput(N_("请选择要上传的文件。"), field="file")
        return [tenders.add_document(db(), clock(), current_actor(), store(), tender_id, f,
                                     current_app.config["MAX_DOCUMENT_BYTES"]) for f in files]

    def done(docs):
        flash(gettext("已上传 %(n)s 个文件。", n=len(docs)), "success")
        return redirect(url_for("agency.manage", tender_id=tender_id))

    return attempt(action, done, lambda: _manage_page(tender_id))


@bp.post("/tenders/<int:tender_id>/escrow")
@login_required(Role.AGENT, Role.TENDEREE)
def set_escrow(tender_id: int):
    def action():
        holders = [int(v) for v in request.form.getlist("holders") if v.isdigit() and len(v) < 10]
        k = text("k")
        return escrow.set_escrow(db(), clock(), current_actor(), tender_id, holders, int(k) if k.isdigit() else 0)

    def done(_tender):
        flash(gettext("开标密钥托管人已设定。"), "success")
        return redirect(url_for("agency.manage", tender_id=tender_id))

    return attempt(action, done, lambda: _manage_page(tender_id))


@bp.post("/tenders/<int:tender_id>/publish")
@login_required(Role.AGENT)
def publish(tender_id: int):
    def done(tender):
        flash(gettext("招标公告已发布，公告已由您电子签名。"), "success")
        return redirect(url_for("public.tender", tender_id=tender.id))

    return attempt(lambda: tenders.publish_tender(db(), clock(), current_actor(), tender_id,
                                                  Signing(signing_settings(), store(), request.form.get("pin", ""))),
                   done, lambda: _manage_page(tender_id))


@bp.post("/tenders/<int:tender_id>/amendments")
@login_required(Role.AGENT, Role.TENDEREE)
def amend(tender_id: int):
    def action():
        data = parse(AmendmentInput, {"kind": text("kind"), "title": text("title"), "body": text("body"),
                                      "new_deadline": local_datetime("new_deadline")})
        return tenders.amend_tender(db(), clock(), current_actor(), store(), tender_id, data, uploads("files"),
                                    current_app.config["MAX_DOCUMENT_BYTES"])

    def done(amendment):
        flash(gettext("第 %(n)s 号澄清/修改已发布。", n=amendment.number), "success")
        return redirect(url_for("public.tender", tender_id=tender_id))

    return attempt(action, done, lambda: _manage_page(tender_id))


@bp.post("/tenders/<int:tender_id>/questions/<int:question_id>/answer")
@login_required(Role.AGENT, Role.TENDEREE)
def answer_question(tender_id: int, question_id: int):
    def done(_q):
        flash(gettext("答复已公开。"), "success")
        return redirect(url_for("public.tender", tender_id=tender_id))

    return attempt(lambda: participation.answer_question(db(), clock(), current_actor(), tender_id, question_id,
                                                         text("answer")), done, lambda: render_tender(tender_id))


@bp.post("/tenders/<int:tender_id>/objections/<int:objection_id>/answer")
@login_required(Role.AGENT, Role.TENDEREE)
def answer_objection(tender_id: int, objection_id: int):
    def done(_o):
        flash(gettext("异议已答复。"), "success")
        return redirect(url_for("public.tender", tender_id=tender_id))

    return attempt(lambda: participation.answer_objection(db(), clock(), current_actor(), tender_id, objection_id,
                                                          text("answer")), done, lambda: render_tender(tender_id))
