"""Bid bonds over the API (bidding/bonds.py, bank_transfers.py): the bidder's bonds and basic account, and the
bond account's bank adapter posting transfers or statements with the platform operator's token.

    GET  /tenders/<id>/bonds                              → the bidder's own bonds; all of them for the tender's
                                                            agent, tenderee and supervisors (from the opening)
    POST /tenders/<id>/sections/<n>/bond/cash             → the sub-account to pay into from the basic account
    POST /tenders/<id>/sections/<n>/bond/guarantee        body = the guarantee file (sealbid-guarantee/1 JSON)
    POST /tenders/<id>/sections/<n>/bond/commitment       {"pin": "…"}: signs the credit commitment
    PUT  /account/basic-account                           {"bank_name", "account_no"}
    POST /bank/transfers                                  [{serial, received_at, payer_name, payer_account,
                                                            payer_bank, virtual_account, amount, memo}, …]
    POST /bank/statements                                 body = the bank's CSV statement
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext

from app.api.v1 import api
from app.api.v1.common import actor, json_body, json_value, token_required
from app.i18n import translate
from app.services import clock, db, signing_settings, store
from bidding import bank_transfers, bonds, guarantees, tenders
from bidding.access import require_role
from bidding.bond_models import BasicAccount, Bond, BondPayment
from bidding.models import Tender
from bidding.notices import Signing
from bidding.schemas import BOND_FORM_LABELS, BOND_POLICY_LABELS, BondForm, BondPolicy
from core.actor import Role
from core.errors import N_, InvalidInput

TRANSFER_FIELDS = ("serial", "received_at", "payer_name", "payer_account", "payer_bank", "virtual_account", "amount",
                   "memo")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _money(value: Any) -> str | None:
    return f"{value:.2f}" if value is not None else None


def bond_json(bond: Bond, *, with_bidder: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": bond.id,
        "section": bond.section.number,
        "form": bond.form,
        "form_label": gettext(BOND_FORM_LABELS[BondForm(bond.form)]),
        "status": bond.status,
        "status_label": gettext(bonds.BOND_STATUS_LABELS.get(bond.status, bond.status)),
        "amount": _money(bond.amount),
        "provided_at": _iso(bond.provided_at),
        "virtual_account": bond.virtual_account,
        "paid_at": _iso(bond.paid_at),
        "paid_amount": _money(bond.paid_amount),
        "payer_account": bond.payer_account,
        "guarantee_number": bond.guarantee_number,
        "issuer": bond.issuer.name if bond.issuer else None,
        "valid_until": _iso(bond.valid_until),
        "commitment_url": url_for("records.download", record_id=bond.record_id) if bond.record_id else None,
        "release_due_at": _iso(bond.release_due_at),
        "released_at": _iso(bond.released_at),
        "interest": _money(bond.interest),
        "release_reference": bond.release_reference or None,
    }
    if with_bidder:
        body["bidder"] = {"name": bond.bidder.name, "credit_code": bond.bidder.credit_code}
    return body


def _account_json(account: BasicAccount | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {"bank_name": account.bank_name, "account_no": account.account_no, "updated_at": _iso(account.updated_at)}


def _section_json(tender: Tender) -> list[dict[str, Any]]:
    return [{"number": s.number, "name": s.name, "bond_policy": s.bond_policy,
             "bond_policy_label": gettext(BOND_POLICY_LABELS[BondPolicy(s.bond_policy)]),
             "bond_amount": _money(s.bond_amount), "bond_forms": s.accepted_bond_forms,
             "bond_waiver_basis": s.bond_waiver_basis} for s in tender.sections]


@api.get("/tenders/<int:tender_id>/bonds")
@token_required
def list_bonds(tender_id: int):
    who = actor()
    tender = tenders.get_tender(db(), who, tender_id)
    body: dict[str, Any] = {"tender_id": tender.id, "bid_deadline": _iso(tender.bid_deadline),
                            "sections": _section_json(tender)}
    if who.has(Role.BIDDER):
        own = bonds.own_bonds(db(), who, tender.id)
        body["bonds"] = [bond_json(b, with_bidder=False) for b in sorted(own.values(), key=lambda b: b.section.number)]
        body["basic_account"] = _account_json(bonds.basic_account(db(), who.org_id))
    else:
        body["bonds"] = [bond_json(b, with_bidder=True) for b in bonds.tender_bonds(db(), who, tender)]
    return jsonify(body)


@api.post("/tenders/<int:tender_id>/sections/<int:section>/bond/cash")
@token_required
def choose_cash(tender_id: int, section: int):
    """Cash: pay ``amount`` into ``virtual_account`` from the basic account before ``bid_deadline``."""
    who = actor()
    bond = bonds.choose_cash(db(), clock(), who, tender_id, section)
    db().commit()
    tender = db().get(Tender, bond.tender_id)
    return jsonify({"bond": bond_json(bond, with_bidder=False), "pay_to": bond.virtual_account,
                    "amount": _money(bond.amount), "bid_deadline": _iso(tender.bid_deadline),
                    "from_account": _account_json(bonds.basic_account(db(), bond.bidder_org_id))})


@api.post("/tenders/<int:tender_id>/sections/<int:section>/bond/guarantee")
@token_required
def submit_guarantee(tender_id: int, section: int):
    """The request body is the guarantee file as the issuer gave it (``application/json``, at most 256 KiB)."""
    document = request.stream.read(guarantees.MAX_DOCUMENT_BYTES + 1)
    if not document:
        raise InvalidInput(N_("请在请求体中发送出函机构出具的电子保函文件（JSON）。"), field="guarantee")
    if len(document) > guarantees.MAX_DOCUMENT_BYTES:
        raise InvalidInput(N_("电子保函文件不能超过 %(limit)s KB。"), field="guarantee",
                           limit=guarantees.MAX_DOCUMENT_BYTES // 1024)
    bond = bonds.submit_guarantee(db(), clock(), actor(), store(), tender_id, section, document)
    db().commit()
    return jsonify({"bond": bond_json(bond, with_bidder=False)}), 201


@api.post("/tenders/<int:tender_id>/sections/<int:section>/bond/commitment")
@token_required
def sign_commitment(tender_id: int, section: int):
    """``{"pin": "…"}``: the bidder signs the credit commitment letter where it replaces the bond."""
    pin = json_body().get("pin")
    if not isinstance(pin, str):
        raise InvalidInput(N_("请提供签名口令（pin）。"), field="pin")
    bond = bonds.sign_commitment(db(), clock(), actor(), Signing(signing_settings(), store(), pin), tender_id, section)
    db().commit()
    return jsonify({"bond": bond_json(bond, with_bidder=False)}), 201


@api.put("/account/basic-account")
@token_required
def set_basic_account():
    body = json_body()
    bank_name, account_no = body.get("bank_name"), body.get("account_no")
    if not isinstance(bank_name, str) or "\x00" in bank_name:
        raise InvalidInput(N_("请填写开户银行。"), field="bank_name")
    if not isinstance(account_no, str):
        raise InvalidInput(N_("银行账号应为 6 到 32 位数字。"), field="account_no")
    account = bonds.set_basic_account(db(), clock(), actor(), bank_name, account_no)
    db().commit()
    return jsonify(_account_json(account))


# --- the bond account's bank ----------------------------------------------------------------------------------


def _payment_json(payment: BondPayment) -> dict[str, Any]:
    body = {"serial": payment.bank_serial, "received_at": _iso(payment.received_at), "amount": _money(payment.amount),
            "payer_name": payment.payer_name, "payer_account": payment.payer_account,
            "virtual_account": payment.virtual_account, "bond_id": payment.bond_id, "status": payment.status}
    if payment.reason:
        body["reason"] = payment.reason
        body["reason_label"] = translate(bank_transfers.refusal_text(payment.reason).text)
    return body


def _result_json(result: bank_transfers.ImportResult, errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {"accepted": [_payment_json(p) for p in result.accepted],
            "refused": [_payment_json(p) for p in result.refused],
            "skipped": result.skipped, "errors": errors}


def statement_bytes(data: bytes) -> bytes:
    """A bank's CSV in UTF-8 or GBK never holds a NUL byte (and PostgreSQL refuses one in any text column)."""
    if b"\x00" in data:
        raise InvalidInput(N_("对账单文件含有 NUL 字符：请导出为 UTF-8 或 GBK 编码的 CSV 后重新导入。"), field="file")
    return data


def _transfer_values(item: Any) -> dict[str, str] | None:
    """One posted transfer as the text values the statement's rows have; None if it is not an object of them."""
    if not isinstance(item, dict):
        return None
    values: dict[str, str] = {}
    for name in TRANSFER_FIELDS:
        value = item.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float) or "\x00" in str(value):
            return None
        values[name] = str(value)
    return values


@api.post("/bank/transfers")
@token_required
def post_transfers():
    """The bank adapter's notifications; each item is checked on its own, so a bad one does not stop the others."""
    who = actor()
    require_role(who, Role.ADMIN)
    items = json_value()
    if not isinstance(items, list):
        raise InvalidInput(N_("请求体必须是转账记录的 JSON 数组。"))
    if len(items) > bank_transfers.MAX_ROWS:
        raise InvalidInput(N_("一次最多提交 %(max)s 笔转账，请分批提交。"), max=bank_transfers.MAX_ROWS)
    transfers: list[bank_transfers.Transfer] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        values = _transfer_values(item)
        if values is None:
            errors.append({"index": index, "message": translate(N_("第 %(n)s 笔：应为含转账各字段（文本或数字）的 JSON 对象。"),
                                                                 n=index + 1)})
            continue
        checked = bank_transfers.transfer_from(values, index + 1)
        if isinstance(checked, bank_transfers.RowError):
            errors.append({"index": index, "message": translate(checked.message.text, **checked.message.params)})
        else:
            transfers.append(checked)
    result = bank_transfers.record_transfers(db(), clock(), who, transfers, "api")
    db().commit()
    return jsonify(_result_json(result, errors))


@api.post("/bank/statements")
@token_required
def post_statement():
    """The request body is the bank's CSV statement, as the admin page imports it."""
    who = actor()
    require_role(who, Role.ADMIN)
    data = request.stream.read(bank_transfers.MAX_STATEMENT_BYTES + 1)
    if not data:
        raise InvalidInput(N_("请在请求体中发送银行对账单（CSV）。"), field="file")
    result = bank_transfers.import_statement(db(), clock(), who, statement_bytes(data))
    db().commit()
    return jsonify(_result_json(result, [{"line": e.row, "message": translate(e.message.text, **e.message.params)}
                                         for e in result.errors]))
