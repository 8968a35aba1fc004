"""Cash bonds paid by bank transfer: the bank's notifications, read from its CSV statement (with pandas)
or posted by its adapter, matched to bonds by sub-account and checked against the rules.

A transfer counts as the bond only if it reached the bidder's sub-account before the deadline, for
at least the required amount, from the bidder's own basic account on a compulsory project (B7
条例第26条). Anything else is kept as refused, with its reason, so it is returned to the payer. A
statement may be imported again: serial numbers already seen are skipped. Two bidders paying from
one account is a statutory collusion indicator (条例第40条(六)), recorded for the supervisor.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.access import require_role
from bidding.bond_models import BasicAccount, Bond, BondPayment
from bidding.models import Bid, Tender
from bidding.schemas import MAX_MONEY
from bidding.signals import record_signal
from core.actor import Actor, Role
from core.clock import Clock, from_local
from core.encodings import decode_chinese
from core.errors import N_, InvalidInput, Msg, phrase
from signing import ledger

MAX_STATEMENT_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# The statement's columns (the bond account's bank exports these names) and our names for them.
COLUMNS = {
    "交易流水号": "serial",
    "交易时间": "received_at",
    "付款人名称": "payer_name",
    "付款人账号": "payer_account",
    "付款人开户行": "payer_bank",
    "收款子账号": "virtual_account",
    "金额": "amount",
    "摘要": "memo",
}
OPTIONAL = {"payer_bank", "memo"}
ACCOUNT = re.compile(r"^[0-9]{6,32}$")
SERIAL = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
REFUSAL_LABELS = {
    "unknown_account": N_("收款子账号不对应任何保证金"),
    "already_paid": N_("该保证金已缴纳或已改用其他形式"),
    "late": N_("投标截止时间后到账"),
    "third_party": N_("非投标人基本账户转出（条例第26条）"),
    "insufficient": N_("金额不足"),
}


@dataclass(frozen=True)
class Transfer:
    """One incoming transfer as the bank reports it."""

    serial: str
    received_at: datetime
    payer_name: str
    payer_account: str
    virtual_account: str
    amount: Decimal
    payer_bank: str = ""
    memo: str = ""


@dataclass(frozen=True)
class RowError:
    row: int  # the line in the file (the header is line 1)
    message: Msg


@dataclass
class ImportResult:
    accepted: list[BondPayment] = field(default_factory=list)
    refused: list[BondPayment] = field(default_factory=list)
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)


def _decode(data: bytes) -> str:
    text = decode_chinese(data)
    if text is not None:
        return text
    raise InvalidInput(N_("对账单文件无法识别编码，请导出为 UTF-8 或 GBK 编码的 CSV。"), field="file")


def _row_error(row: int, text: str, **params: object) -> RowError:
    return RowError(row, Msg(text, params))


def transfer_from(values: dict[str, str], line: int) -> Transfer | RowError:
    """Check one row's values; the first problem is the row's error."""
    if any("\x00" in str(value) for value in values.values()):
        return _row_error(line, N_("第 %(line)s 行：含有不可见的控制字符（NUL）。"), line=line)
    serial = values.get("serial", "").strip()
    if not SERIAL.match(serial):
        return _row_error(line, N_("第 %(line)s 行：交易流水号缺失或格式不正确。"), line=line)
    try:
        received = from_local(datetime.fromisoformat(values.get("received_at", "").strip().replace("/", "-")))
    except ValueError:
        return _row_error(line, N_("第 %(line)s 行：交易时间“%(value)s”无法识别（应为 2026-03-02 10:00:00）。"),
                          line=line, value=values.get("received_at", "")[:40])
    try:
        amount = Decimal(values.get("amount", "").strip().replace(",", ""))
    except InvalidOperation:
        amount = Decimal(-1)
    if not amount.is_finite() or amount <= 0 or amount > MAX_MONEY or amount != amount.quantize(Decimal("0.01")):
        return _row_error(line, N_("第 %(line)s 行：金额“%(value)s”不正确。"), line=line, value=values.get("amount", "")[:40])
    payer_account = re.sub(r"[\s-]", "", values.get("payer_account", ""))
    virtual_account = re.sub(r"[\s-]", "", values.get("virtual_account", ""))
    if not ACCOUNT.match(payer_account) or not ACCOUNT.match(virtual_account):
        return _row_error(line, N_("第 %(line)s 行：付款人账号或收款子账号不正确。"), line=line)
    payer_name = values.get("payer_name", "").strip()
    if not 1 <= len(payer_name) <= 200:
        return _row_error(line, N_("第 %(line)s 行：付款人名称缺失。"), line=line)
    return Transfer(serial=serial, received_at=received, payer_name=payer_name, payer_account=payer_account,
                    virtual_account=virtual_account, amount=amount, payer_bank=values.get("payer_bank", "").strip()[:100],
                    memo=values.get("memo", "").strip()[:200])


def read_statement(data: bytes) -> tuple[list[Transfer], list[RowError]]:
    """Read the bank's CSV statement: the valid transfers, and an error for each row that is not one."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise InvalidInput(N_("对账单文件过大（上限 20 MB）。"), field="file")
    try:
        frame = pd.read_csv(io.StringIO(_decode(data)), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InvalidInput(N_("对账单不是有效的 CSV 文件。"), field="file") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [name for name, ours in COLUMNS.items() if ours not in OPTIONAL and name not in frame.columns]
    if missing:
        raise InvalidInput(N_("对账单缺少列：%(columns)s。"), field="file", columns="、".join(missing))
    if len(frame) > MAX_ROWS:
        raise InvalidInput(N_("对账单行数过多（上限 %(max)s 行），请分批导入。"), field="file", max=MAX_ROWS)
    frame = frame.rename(columns=COLUMNS)
    transfers: list[Transfer] = []
    errors: list[RowError] = []
    for line, values in enumerate(frame.to_dict("records"), start=2):
        result = transfer_from({k: str(v) for k, v in values.items()}, line)
        (errors if isinstance(result, RowError) else transfers).append(result)
    return transfers, errors


def _refusal(session: Session, tender: Tender, bond: Bond, transfer: Transfer) -> str:
    if bond.status != "awaiting_payment":
        return "already_paid"
    if transfer.received_at >= tender.bid_deadline:
        return "late"
    account = session.scalars(select(BasicAccount).where(BasicAccount.org_id == bond.bidder_org_id)).one_or_none()
    if tender.is_compulsory and (account is None or account.account_no != transfer.payer_account):
        return "third_party"
    if transfer.amount < bond.amount:
        return "insufficient"
    return ""


def record_transfers(session: Session, clock: Clock, actor: Actor, transfers: list[Transfer], source: str
                     ) -> ImportResult:
    """Record the bank's transfers: pay the bonds they pay, keep the others as refused with the reason."""
    require_role(actor, Role.ADMIN)
    result = ImportResult()
    tenders: set[int] = set()
    for transfer in transfers:
        if session.scalars(select(BondPayment.id).where(BondPayment.bank_serial == transfer.serial)).first():
            result.skipped += 1
            continue
        bond = session.scalars(select(Bond).where(Bond.virtual_account == transfer.virtual_account)).one_or_none()
        tender = session.get(Tender, bond.tender_id) if bond else None
        reason = "unknown_account" if bond is None else _refusal(session, tender, bond, transfer)
        payment = BondPayment(bank_serial=transfer.serial, received_at=transfer.received_at,
                              payer_name=transfer.payer_name, payer_account=transfer.payer_account,
                              payer_bank=transfer.payer_bank, virtual_account=transfer.virtual_account,
                              amount=transfer.amount, memo=transfer.memo, bond_id=bond.id if bond else None,
                              tender_id=tender.id if tender else None, status="refused" if reason else "accepted",
                              reason=reason, source=source, imported_by=actor.user_id, imported_at=clock.now())
        session.add(payment)
        if not reason:
            bond.status, bond.paid_at, bond.paid_amount = "paid", transfer.received_at, transfer.amount
            bond.payer_account = transfer.payer_account
        session.flush()
        ledger.append(session, clock, actor, "bond.transfer", "bond_payment", payment.id,
                      tender_id=tender.id if tender else None,
                      after={"serial": transfer.serial, "amount": transfer.amount, "payer_account": transfer.payer_account,
                             "virtual_account": transfer.virtual_account, "status": payment.status, "reason": reason})
        (result.refused if reason else result.accepted).append(payment)
        if tender is not None:
            tenders.add(tender.id)
    for tender_id in sorted(tenders):
        detect_shared_payers(session, clock, tender_id)
    return result


def import_statement(session: Session, clock: Clock, actor: Actor, data: bytes) -> ImportResult:
    """The bank's CSV statement: valid rows are recorded, each malformed row is reported and skipped."""
    require_role(actor, Role.ADMIN)
    transfers, errors = read_statement(data)
    result = record_transfers(session, clock, actor, transfers, "statement")
    result.errors = errors
    return result


def detect_shared_payers(session: Session, clock: Clock, tender_id: int) -> None:
    """条例第40条(六): bonds of different bidders paid from one account, or from another bidder's basic account."""
    rows = session.execute(select(BondPayment.payer_account, Bond.bidder_org_id)
                           .join(Bond, Bond.id == BondPayment.bond_id).where(BondPayment.tender_id == tender_id)).all()
    bidders = set(session.scalars(select(Bid.bidder_org_id).where(Bid.tender_id == tender_id)))
    bidders |= {org for _, org in rows}
    owners = dict(session.execute(select(BasicAccount.account_no, BasicAccount.org_id)
                                  .where(BasicAccount.org_id.in_(bidders))).all()) if bidders else {}
    by_account: dict[str, set[int]] = {}
    for account, org in rows:
        by_account.setdefault(account, set()).add(org)
    for account, orgs in by_account.items():
        if account in owners:
            orgs = orgs | {owners[account]}
        if len(orgs) > 1:
            record_signal(session, clock, tender_id, "same_bond_payer", account, orgs)


def refusal_text(reason: str) -> Msg:
    return phrase(REFUSAL_LABELS.get(reason, reason))


def recent_payments(session: Session, actor: Actor, limit: int = 50) -> list[BondPayment]:
    """The latest transfers into the bond account, for the operator who holds it."""
    require_role(actor, Role.ADMIN)
    return list(session.scalars(select(BondPayment).order_by(BondPayment.imported_at.desc(), BondPayment.id.desc())
                                .limit(limit)))
