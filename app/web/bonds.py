"""投标保证金 pages (bidding/bonds.py, guarantees.py, bank_transfers.py, bond_release.py):

- the bidder, before the deadline: its basic account, and per section the requirement, its bond and what it may do
  (cash into its sub-account, an electronic guarantee file, a signed credit commitment, asking the issuer);
- the agent or tenderee, from the opening: every bid's bond, the signed contract, refunds, conversion, forfeiture,
  and the refunds due on its dashboard;
- the platform operator holding the bond account: the guarantee issuers it trusts and the bank's statements.

Views only parse, call one domain function and render; every rule and refusal is the domain's.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from app.api.v1.bonds import statement_bytes
from app.auth import current_actor, login_required
from app.i18n import translate
from app.services import clock, db, deposit_rate, issuer_adapter, signing_settings, store
from app.web.forms import attempt, local_time, required_id, row_id, text
from app.web.responses import flashed
from bidding import (
    award_state,
    bank_transfers,
    bond_release,
    bonds,
    guarantees,
    participation,
    publicity,
    rules,
    tenders,
)
from bidding.access import require_manager
from bidding.bond_models import Bond, BondPayment
from bidding.notices import Signing
from bidding.opening import bids_at_opening
from bidding.schemas import MAX_MONEY, BondForm, BondPolicy
from core.actor import Role
from core.errors import N_, InvalidInput, NotFound, phrase
from signing import pki

bp = Blueprint("bonds", __name__)

MAX_CERTIFICATE_BYTES = 64 * 1024
RECENT_PAYMENTS = 50
GUARANTEE_FORMS = [form.value for form in (BondForm.BANK_GUARANTEE, BondForm.INSURANCE_GUARANTEE,
                                           BondForm.GUARANTOR_GUARANTEE)]
# What the issuer answered when asked about a guarantee (guarantees.ISSUER_STATUSES), and how it is shown.
ISSUER_ANSWERS = {
    "valid": (N_("出函机构确认：保函 %(number)s 有效。"), "success"),
    "cancelled": (N_("出函机构答复：保函 %(number)s 已被撤销，本标段的保证金视为未提交。"), "error"),
    "released": (N_("出函机构答复：保函 %(number)s 已释放。"), "info"),
    "unknown": (N_("出函机构答复：查无保函 %(number)s，请联系出函机构核实。"), "error"),
}


# --- reading forms ------------------------------------------------------------------------------------------


def upload_bytes(field: str, limit: int, missing: str, too_large: str | None = None, suffixes: tuple[str, ...] = ()
                 ) -> bytes:
    """The posted file's bytes; a missing file or one of the wrong kind is refused. Beyond ``limit`` bytes it is
    refused with ``too_large`` or, without one, handed on cut at ``limit + 1`` bytes for the domain to refuse."""
    upload = request.files.get(field)
    if upload is None or not upload.filename or (suffixes and not upload.filename.lower().endswith(suffixes)):
        raise InvalidInput(missing, field=field)
    data = upload.stream.read(limit + 1)
    if too_large is not None and len(data) > limit:
        raise InvalidInput(too_large, field=field, limit=limit // 1024)
    return data


def _money(name: str, label: str, *, required: bool) -> Decimal | None:
    value = text(name).replace(",", "").replace("，", "")
    if not value:
        if required:
            raise InvalidInput(N_("%(label)s：必填。"), field=name, label=phrase(label))
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite() or not 0 <= amount <= MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
        raise InvalidInput(N_("%(label)s：请填写以元为单位的金额，最多两位小数。"), field=name, label=phrase(label))
    return amount


def _bond_of(tender_id: int, bond_id: int) -> Bond:
    """The bond named in the address must belong to the tender named there (the domain checks who may act)."""
    bond = db().get(Bond, bond_id) if bond_id else None
    if bond is None or bond.tender_id != tender_id:
        raise NotFound(N_("保证金记录不存在。"))
    return bond


def _checked(bond_id: int):
    """Flash the issuer's answer about a guarantee."""

    def done(status: str):
        message, category = ISSUER_ANSWERS.get(status, ISSUER_ANSWERS["unknown"])
        bond = db().get(Bond, bond_id)
        flash(translate(message, number=bond.guarantee_number if bond else ""), category)

    return done


# --- the bidder ---------------------------------------------------------------------------------------------


def _bidder_page(tender_id: int):
    actor = current_actor()
    tender = tenders.get_tender(db(), actor, tender_id)
    now = clock().now()
    return render_template(
        "bonds/bidder.html",
        tender=tender,
        bonds=bonds.own_bonds(db(), actor, tender.id),
        account=bonds.basic_account(db(), actor.org_id),
        obtained=participation.obtained(db(), tender.id, actor.org_id),
        # Only whether to offer the forms: the domain decides (and says why) when they are posted.
        accepting=tender.status == "published" and now < tender.bid_deadline,
        has_certificate=pki.person_certificate(db(), actor.user_id) is not None,
        guarantee_forms=GUARANTEE_FORMS,
        commitment_text=bonds.COMMITMENT_TEXT,
        max_kb=guarantees.MAX_DOCUMENT_BYTES // 1024,
        BondPolicy=BondPolicy,
    )


def _to_bidder_page(tender_id: int, section: int | None = None):
    anchor = f"section-{section}" if section else None
    return redirect(url_for("bonds.bidder_page", tender_id=tender_id, _anchor=anchor))


@bp.get("/bidder/tenders/<int:tender_id>/bonds")
@login_required(Role.BIDDER)
def bidder_page(tender_id: int):
    return _bidder_page(tender_id)


def _basic_account_page():
    actor = current_actor()
    back = row_id(request.values.get("tender_id", ""))
    return render_template("bonds/basic_account.html", account=bonds.basic_account(db(), actor.org_id), back=back)


@bp.route("/bidder/basic-account", methods=["GET", "POST"])
@login_required(Role.BIDDER)
def basic_account():
    """基本账户: cash bonds must come from it; posted from here or from a tender's bond page (``tender_id``)."""
    if request.method == "GET":
        return _basic_account_page()
    back = row_id(text("tender_id"))

    def done(account):
        flash(gettext("基本账户已登记：%(bank)s %(account)s。", bank=account.bank_name, account=account.account_no),
              "success")
        return _to_bidder_page(back) if back else redirect(url_for("bonds.basic_account"))

    return attempt(lambda: bonds.set_basic_account(db(), clock(), current_actor(), text("bank_name"), text("account_no")),
                   done, lambda: _bidder_page(back) if back else _basic_account_page())


@bp.post("/bidder/tenders/<int:tender_id>/sections/<int:section>/bond/cash")
@login_required(Role.BIDDER)
def choose_cash(tender_id: int, section: int):
    def done(bond):
        account = bonds.basic_account(db(), bond.bidder_org_id)
        flash(gettext("已选择现金缴纳。请在投标截止前从贵单位基本账户 %(account)s 向收款子账号 %(sub)s 转账 %(amount)s 元。",
                      account=account.account_no if account else "—", sub=bond.virtual_account,
                      amount=f"{bond.amount:,.2f}"), "success")
        return _to_bidder_page(tender_id, section)

    return attempt(lambda: bonds.choose_cash(db(), clock(), current_actor(), tender_id, section), done,
                   lambda: _bidder_page(tender_id))


@bp.post("/bidder/tenders/<int:tender_id>/sections/<int:section>/bond/guarantee")
@login_required(Role.BIDDER)
def submit_guarantee(tender_id: int, section: int):
    def action():
        document = upload_bytes("file", guarantees.MAX_DOCUMENT_BYTES, N_("请选择出函机构出具的电子保函文件（.json）。"),
                                N_("电子保函文件不能超过 %(limit)s KB。"), (".json",))
        return bonds.submit_guarantee(db(), clock(), current_actor(), store(), tender_id, section, document)

    def done(bond):
        flash(gettext("电子保函已核验通过：%(number)s，%(amount)s 元。", number=bond.guarantee_number,
                      amount=f"{bond.amount:,.2f}"), "success")
        return _to_bidder_page(tender_id, section)

    return attempt(action, done, lambda: _bidder_page(tender_id))


@bp.post("/bidder/tenders/<int:tender_id>/sections/<int:section>/bond/commitment")
@login_required(Role.BIDDER)
def sign_commitment(tender_id: int, section: int):
    def done(_bond):
        flash(gettext("信用承诺书已签署。"), "success")
        return _to_bidder_page(tender_id, section)

    return attempt(lambda: bonds.sign_commitment(db(), clock(), current_actor(),
                                                 Signing(signing_settings(), store(), request.form.get("pin", "")),
                                                 tender_id, section),
                   done, lambda: _bidder_page(tender_id))


@bp.post("/bidder/tenders/<int:tender_id>/bonds/<int:bond_id>/check")
@login_required(Role.BIDDER)
def bidder_check(tender_id: int, bond_id: int):
    def action():
        _bond_of(tender_id, bond_id)
        return bonds.check_with_issuer(db(), clock(), current_actor(), issuer_adapter(), bond_id)

    def done(status):
        _checked(bond_id)(status)
        return _to_bidder_page(tender_id)

    return attempt(action, done, lambda: _bidder_page(tender_id))


# --- the agent and the tenderee -----------------------------------------------------------------------------


def _agency_page(tender_id: int):
    actor = current_actor()
    tender = tenders.get_tender(db(), actor, tender_id)
    require_manager(actor, tender)
    rows = bonds.tender_bonds(db(), actor, tender)
    now = clock().now()
    bids = bids_at_opening(db(), tender) if tender.opened_at else []
    contracts = bond_release.contracts_of(db(), actor, tender)
    rate = deposit_rate()
    return render_template(
        "bonds/agency.html",
        tender=tender,
        bonds=rows,
        disclosed=bonds.bids_disclosed(tender),
        bids={(b.section_id, b.bidder_org_id): b for b in bids},
        contracts=contracts,
        awards={a.section_id: a for a in award_state.awards_of_tender(db(), tender.id)},
        winning_price=publicity.winning_price, contract_due=bond_release.contract_due,
        rate=f"{(rate * 100).normalize():f}%",
        interest={b.id: rules.deposit_interest(b.paid_amount, rate, b.paid_at, now)
                  for b in rows if b.status == "paid" and b.paid_at and b.paid_amount is not None},
    )


def _to_agency_page(tender_id: int, message: str):
    return flashed(message, "bonds.agency_page", tender_id=tender_id)


@bp.get("/agency/tenders/<int:tender_id>/bonds")
@login_required(Role.AGENT, Role.TENDEREE)
def agency_page(tender_id: int):
    return _agency_page(tender_id)


@bp.post("/agency/tenders/<int:tender_id>/sections/<int:section>/contract")
@login_required(Role.AGENT, Role.TENDEREE)
def record_contract(tender_id: int, section: int):
    def action():
        winner = required_id("winner_org_id", N_("请选择中标人。"))
        return bond_release.record_contract(
            db(), clock(), current_actor(), tender_id, section, winner_org_id=winner,
            price=_money("price", N_("合同金额"), required=True),
            signed_at=local_time("signed_at", N_("合同签订时间")),
            performance_bond=_money("performance_bond", N_("履约保证金"), required=False))

    done = _to_agency_page(tender_id, gettext("合同已登记。现金保证金应在 5 日内退还（条例第57条）；保函和信用承诺书已释放。"))
    return attempt(action, done, lambda: _agency_page(tender_id))


@bp.post("/agency/tenders/<int:tender_id>/bonds/<int:bond_id>/refund")
@login_required(Role.AGENT, Role.TENDEREE)
def refund(tender_id: int, bond_id: int):
    def action():
        _bond_of(tender_id, bond_id)
        return bond_release.refund_cash(db(), clock(), current_actor(), bond_id, text("reference"), deposit_rate())

    def done(bond):
        flash(gettext("已登记退还：本金 %(amount)s 元，利息 %(interest)s 元。", amount=f"{bond.paid_amount:,.2f}",
                      interest=f"{bond.interest:,.2f}"), "success")
        return redirect(url_for("bonds.agency_page", tender_id=tender_id))

    return attempt(action, done, lambda: _agency_page(tender_id))


@bp.post("/agency/tenders/<int:tender_id>/bonds/<int:bond_id>/convert")
@login_required(Role.AGENT, Role.TENDEREE)
def convert(tender_id: int, bond_id: int):
    def action():
        _bond_of(tender_id, bond_id)
        return bond_release.convert_to_performance_bond(db(), clock(), current_actor(), bond_id)

    return attempt(action, _to_agency_page(tender_id, gettext("投标保证金已转为履约保证金。")),
                   lambda: _agency_page(tender_id))


@bp.post("/agency/tenders/<int:tender_id>/bonds/<int:bond_id>/forfeit")
@login_required(Role.AGENT, Role.TENDEREE)
def forfeit(tender_id: int, bond_id: int):
    def action():
        _bond_of(tender_id, bond_id)
        return bond_release.forfeit(db(), clock(), current_actor(), bond_id, text("reason"))

    return attempt(action, _to_agency_page(tender_id, gettext("已登记保证金不予退还。")), lambda: _agency_page(tender_id))


@bp.post("/agency/tenders/<int:tender_id>/bonds/<int:bond_id>/check")
@login_required(Role.AGENT, Role.TENDEREE)
def agency_check(tender_id: int, bond_id: int):
    def action():
        _bond_of(tender_id, bond_id)
        return bonds.check_with_issuer(db(), clock(), current_actor(), issuer_adapter(), bond_id)

    def done(status):
        _checked(bond_id)(status)
        return redirect(url_for("bonds.agency_page", tender_id=tender_id))

    return attempt(action, done, lambda: _agency_page(tender_id))


@bp.app_template_global()
def bond_refunds_due() -> list[Bond]:
    """For the agency dashboard: cash refunds waiting on the signed-in agent's or tenderee's tenders, soonest first."""
    actor = current_actor()
    if not actor.has(Role.AGENT, Role.TENDEREE):
        return []
    return bond_release.refunds_due(db(), actor)


# --- the platform operator ----------------------------------------------------------------------------------


def _issuers_page():
    return render_template("bonds/issuers.html", issuers=guarantees.issuers(db()), kinds=guarantees.ISSUER_KINDS)


@bp.route("/admin/issuers", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def issuers():
    if request.method == "GET":
        return _issuers_page()

    def action():
        certificate = upload_bytes("certificate", MAX_CERTIFICATE_BYTES,
                                   N_("请上传出函机构签署保函所用的证书文件（PEM 或 DER）。"),
                                   N_("证书文件不能超过 %(limit)s KB。"))
        return guarantees.register_issuer(db(), clock(), current_actor(), name=text("name"),
                                          credit_code=text("credit_code"), kind=text("kind"), certificate=certificate,
                                          api_url=text("api_url"))

    def done(issuer):
        flash(gettext("出函机构“%(name)s”已登记，今后接受其签署的电子保函。", name=issuer.name), "success")
        return redirect(url_for("bonds.issuers"))

    return attempt(action, done, _issuers_page)


@bp.post("/admin/issuers/<int:issuer_id>/revoke")
@login_required(Role.ADMIN)
def revoke_issuer(issuer_id: int):
    def done(issuer):
        flash(gettext("出函机构“%(name)s”的证书已注销，今后不再接受其保函。", name=issuer.name), "success")
        return redirect(url_for("bonds.issuers"))

    return attempt(lambda: guarantees.revoke_issuer(db(), clock(), current_actor(), issuer_id, text("reason")), done,
                   _issuers_page)


def _recent_payments() -> list[BondPayment]:
    return bank_transfers.recent_payments(db(), current_actor(), RECENT_PAYMENTS)


def _bank_page(result: bank_transfers.ImportResult | None = None, filename: str = ""):
    return render_template("bonds/bank.html", result=result, filename=filename, payments=_recent_payments(),
                           refusal=lambda reason: translate(bank_transfers.refusal_text(reason).text),
                           row_error=lambda error: translate(error.message.text, **error.message.params),
                           max_mb=bank_transfers.MAX_STATEMENT_BYTES // 1024 // 1024,
                           # the bank's own column names, as its export writes them
                           required_columns=[c for c, ours in bank_transfers.COLUMNS.items()
                                             if ours not in bank_transfers.OPTIONAL],
                           optional_columns=[c for c, ours in bank_transfers.COLUMNS.items()
                                             if ours in bank_transfers.OPTIONAL])


@bp.route("/admin/bank", methods=["GET", "POST"])
@login_required(Role.ADMIN)
def bank():
    """The bond account's bank statement (CSV): each row pays a bond, is refused with its reason, or is reported."""
    if request.method == "GET":
        return _bank_page()

    def action():
        data = upload_bytes("file", bank_transfers.MAX_STATEMENT_BYTES, N_("请选择银行导出的对账单文件（CSV）。"))
        return bank_transfers.import_statement(db(), clock(), current_actor(), statement_bytes(data))

    def done(result):
        upload = request.files.get("file")
        return _bank_page(result, upload.filename if upload else "")

    return attempt(action, done, _bank_page)
