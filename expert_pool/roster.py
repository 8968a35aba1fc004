"""The administrator's roster of experts: import from Excel or CSV, account links and status.

The import keeps every valid row and reports each invalid one with its line number and what is wrong,
so a roster of thousands is not refused for one typo. Experts are identified by their ID number: a
re-import updates the expert instead of adding a second one, and the administrator's file is
authoritative for the fields it holds (an expert's own later edits are overwritten by the next import).

The ledger gets an entry per created or changed expert, with the ID number masked: the ledger is
append-only and cannot forget, so it holds no more personal data than it needs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.clock import Clock, to_shanghai
from core.encodings import decode_chinese
from core.errors import N_, Conflict, InvalidInput, Msg, NotFound, NotPermitted
from core.identity import Organisation, User
from expert_pool import fields, id_number
from expert_pool.fields import FieldProblem
from expert_pool.models import EXPERT_STATUSES, Expert, ExpertSpecialty
from signing import ledger

MAX_ROSTER_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# The roster's columns as administrators name them, and ours.
COLUMNS = {
    "姓名": "name",
    "身份证号": "id_number",
    "手机": "phone",
    "工作单位": "employer_name",
    "单位统一社会信用代码": "employer_credit_code",
    "地区": "region",
    "专业代码": "specialties",
    "职称": "title",
    "从业年限": "years_of_practice",
    "状态": "status",
}
OPTIONAL = {"employer_credit_code", "status"}
UPDATABLE = ("name", "phone", "employer_name", "employer_credit_code", "employer_org_id", "region", "title",
             "years_of_practice")


@dataclass(frozen=True)
class RosterRow:
    line: int
    name: str
    id_number: str
    phone: str
    employer_name: str
    employer_credit_code: str | None
    region: str
    specialties: tuple[str, ...]
    title: str
    years_of_practice: int
    status: str | None  # None: leave as it is (new experts start active)


@dataclass(frozen=True)
class RowError:
    line: int  # the line of the file (the header is line 1)
    message: Msg


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def _require_admin(actor: Actor) -> None:
    if not actor.has(Role.ADMIN):
        raise NotPermitted(N_("只有管理员可以管理评标专家库。"))


def _decode(data: bytes) -> str:
    text = decode_chinese(data)
    if text is not None:
        return text
    raise InvalidInput(N_("专家名册无法识别编码，请保存为 UTF-8 或 GBK 编码的 CSV，或 Excel（.xlsx）文件。"), field="file")


def _is_xlsx(data: bytes, filename: str) -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith(".xlsx")


def _frame(data: bytes, filename: str) -> pd.DataFrame:
    if len(data) > MAX_ROSTER_BYTES:
        raise InvalidInput(N_("专家名册文件过大（上限 20 MB）。"), field="file")
    if filename.lower().endswith(".xls") or data[:4] == b"\xd0\xcf\x11\xe0":
        raise InvalidInput(N_("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV。"), field="file")
    try:
        if _is_xlsx(data, filename):
            return pd.read_excel(io.BytesIO(data), dtype=str, keep_default_na=False, engine="openpyxl")
        return pd.read_csv(io.StringIO(_decode(data)), dtype=str, keep_default_na=False, skip_blank_lines=False)
    except InvalidInput:
        raise
    except Exception as exc:  # pandas, zipfile and openpyxl each raise their own errors for a damaged file
        raise InvalidInput(N_("专家名册不是有效的 Excel（.xlsx）或 CSV 文件。"), field="file") from exc


def _row_error(line: int, problem: FieldProblem) -> RowError:
    return RowError(line, Msg(N_("第 %(line)s 行：%(problem)s"), {"line": line, "problem": Msg(problem.message,
                                                                                               problem.params)}))


def row_from(values: dict[str, str], line: int, today: date | None) -> RosterRow | list[RowError]:
    """One row's values checked; every problem of the row is reported, not only the first."""
    errors: list[RowError] = []
    checked: dict[str, Any] = {}
    checks = (("name", fields.name), ("id_number", lambda v: fields.id_card(v, today)), ("phone", fields.phone),
              ("employer_name", fields.employer), ("employer_credit_code", fields.optional_credit_code),
              ("region", fields.region), ("specialties", fields.specialty_codes), ("title", fields.title),
              ("years_of_practice", fields.years), ("status", fields.status))
    for key, check in checks:
        try:
            checked[key] = check(values.get(key, ""))
        except FieldProblem as problem:
            errors.append(_row_error(line, problem))
    if errors:
        return errors
    return RosterRow(line=line, **checked)


def read_roster(data: bytes, filename: str = "", *, today: date | None = None) -> tuple[list[RosterRow], list[RowError]]:
    """The roster's valid rows and an error for each invalid one; an unusable file raises ``InvalidInput``."""
    frame = _frame(data, filename)
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [name for name, ours in COLUMNS.items() if ours not in OPTIONAL and name not in frame.columns]
    if missing:
        raise InvalidInput(N_("专家名册缺少列：%(columns)s。"), field="file", columns="、".join(missing))
    if len(frame) > MAX_ROWS:
        raise InvalidInput(N_("专家名册行数过多（上限 %(max)s 行），请分批导入。"), field="file", max=MAX_ROWS)
    frame = frame.rename(columns=COLUMNS)
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    first_line: dict[str, int] = {}
    for line, values in enumerate(frame.to_dict("records"), start=2):
        values = {k: str(v) for k, v in values.items() if k in COLUMNS.values()}
        if not any(v.strip() for v in values.values()):
            continue  # a blank line: nothing to import, nothing wrong
        result = row_from(values, line, today)
        if isinstance(result, list):
            errors.extend(result)
            continue
        if result.id_number in first_line:
            errors.append(RowError(line, Msg(N_("第 %(line)s 行：身份证号与第 %(first)s 行重复。"),
                                             {"line": line, "first": first_line[result.id_number]})))
            continue
        first_line[result.id_number] = line
        rows.append(result)
    return rows, errors


def _in_chunks(values: list[str], size: int = 500):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _values(row: RosterRow, org_ids: dict[str, int]) -> dict[str, Any]:
    return {"name": row.name, "phone": row.phone, "employer_name": row.employer_name,
            "employer_credit_code": row.employer_credit_code,
            "employer_org_id": org_ids.get(row.employer_credit_code) if row.employer_credit_code else None,
            "region": row.region, "title": row.title, "years_of_practice": row.years_of_practice}


def apply_rows(session: Session, clock: Clock, actor: Actor, rows: list[RosterRow]) -> ImportResult:
    """Create the new experts and update the known ones (matched by ID number)."""
    _require_admin(actor)
    result = ImportResult()
    numbers = [r.id_number for r in rows]
    existing: dict[str, Expert] = {}
    for chunk in _in_chunks(numbers):
        existing.update({e.id_number: e for e in session.scalars(select(Expert).where(Expert.id_number.in_(chunk)))})
    codes = sorted({r.employer_credit_code for r in rows if r.employer_credit_code})
    org_ids: dict[str, int] = {}
    for chunk in _in_chunks(codes):
        org_ids.update(dict(session.execute(select(Organisation.credit_code, Organisation.id)
                                            .where(Organisation.credit_code.in_(chunk))).all()))
    now = clock.now()
    for row in rows:
        values = _values(row, org_ids)
        expert = existing.get(row.id_number)
        if expert is None:
            expert = Expert(id_number=row.id_number, status=row.status or "active", status_note="", credit_score=100,
                            email="", created_at=now, updated_at=now, **values,
                            specialty_rows=[ExpertSpecialty(code=c) for c in row.specialties])
            session.add(expert)
            session.flush()
            ledger.append(session, clock, actor, "expert.create", "expert", expert.id,
                          after={"name": expert.name, "id_number": id_number.masked(expert.id_number),
                                 "region": expert.region, "specialties": list(row.specialties),
                                 "status": expert.status, "line": row.line})
            result.created.append(expert.id)
            continue
        changed = sorted(k for k, v in values.items() if getattr(expert, k) != v)
        if set(expert.specialties) != set(row.specialties):
            changed.append("specialties")
            wanted = set(row.specialties)
            expert.specialty_rows = [s for s in expert.specialty_rows if s.code in wanted] + [
                ExpertSpecialty(code=c) for c in row.specialties if c not in set(expert.specialties)]
        if row.status is not None and row.status != expert.status:
            changed.append("status")
            expert.status = row.status
        if not changed:
            result.unchanged += 1
            continue
        for key, value in values.items():
            setattr(expert, key, value)
        expert.updated_at = now
        session.flush()
        ledger.append(session, clock, actor, "expert.update", "expert", expert.id,
                      after={"id_number": id_number.masked(expert.id_number), "changed": changed,
                             "status": expert.status, "line": row.line})
        result.updated.append(expert.id)
    return result


def import_roster(session: Session, clock: Clock, actor: Actor, data: bytes, filename: str = "") -> ImportResult:
    """The administrator imports an .xlsx or CSV roster: valid rows are saved, each invalid row is reported."""
    _require_admin(actor)
    rows, errors = read_roster(data, filename, today=to_shanghai(clock.now()).date())
    result = apply_rows(session, clock, actor, rows)
    result.errors = sorted(errors, key=lambda e: e.line)
    return result


def get_expert(session: Session, expert_id: int) -> Expert:
    expert = session.get(Expert, expert_id)
    if expert is None:
        raise NotFound(N_("评标专家不存在。"))
    return expert


def link_user(session: Session, clock: Clock, actor: Actor, expert_id: int, user_id: int) -> Expert:
    """Give an expert their sign-in account (a user with the expert role), so they can answer and keep their profile."""
    _require_admin(actor)
    expert = get_expert(session, expert_id)
    user = session.get(User, user_id)
    if user is None or Role.EXPERT not in user.roles:
        raise InvalidInput(N_("只能关联具有评标专家角色的用户。"), field="user_id")
    other = session.scalars(select(Expert.id).where(Expert.user_id == user_id, Expert.id != expert.id)).first()
    if other is not None:
        raise Conflict(N_("该用户已关联其他评标专家。"))
    before = expert.user_id
    expert.user_id, expert.updated_at = user_id, clock.now()
    session.flush()
    ledger.append(session, clock, actor, "expert.link_user", "expert", expert.id, before={"user_id": before},
                  after={"user_id": user_id})
    return expert


def set_status(session: Session, clock: Clock, actor: Actor, expert_id: int, status: str, note: str) -> Expert:
    """Suspend (暂停), remove (清退) or reinstate an expert (条例第71、72条); a suspended or removed expert is never
    drawn. The administrator or a supervisor decides, and writes why."""
    if not actor.has(Role.ADMIN, Role.SUPERVISOR):
        raise NotPermitted(N_("只有管理员或监督人员可以暂停或清退评标专家。"))
    if status not in EXPERT_STATUSES:
        raise InvalidInput(N_("专家状态不正确。"), field="status")
    if status != "active" and not note.strip():
        raise InvalidInput(N_("暂停或清退评标专家须写明理由。"), field="note")
    expert = get_expert(session, expert_id)
    if expert.status == "removed" and status != "removed" and not actor.has(Role.ADMIN):
        raise NotPermitted(N_("已清退的专家只能由管理员恢复。"))
    before = expert.status
    expert.status, expert.status_note, expert.updated_at = status, note.strip()[:500], clock.now()
    session.flush()
    ledger.append(session, clock, actor, "expert.status", "expert", expert.id, before={"status": before},
                  after={"status": status, "note": expert.status_note})
    return expert


@dataclass
class ExpertPage:
    """One page of the administrator's roster list."""

    items: list[Expert]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(session: Session, actor: Actor, *, q: str = "", specialty: str = "", region: str = "", status: str = "",
           page: int = 1, per_page: int = 20) -> ExpertPage:
    """The roster for the administrator: by name (or the last characters of the ID number), specialty (the code or
    below it), region (within it) and status; by name, then id. Unknown statuses and codes simply match nobody."""
    _require_admin(actor)
    query = select(Expert)
    q = q.strip()[:50]
    if q:
        query = query.where(Expert.name.contains(q, autoescape=True) | Expert.id_number.endswith(q.upper(),
                                                                                               autoescape=True))
    code = specialty.strip().upper()[:10]
    if code:
        query = query.where(Expert.specialty_rows.any(ExpertSpecialty.code.startswith(code, autoescape=True)))
    if region.strip():
        query = query.where(Expert.region.startswith(region.strip()[:100], autoescape=True))
    if status:
        query = query.where(Expert.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    items = session.scalars(query.order_by(Expert.name, Expert.id).offset((page - 1) * per_page).limit(per_page)).all()
    return ExpertPage(list(items), total, page, per_page)
