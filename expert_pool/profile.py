"""What an expert keeps up to date about themselves: contact details, employer, the days they cannot
evaluate and the interests they declare (former employers, relatives' companies, shareholdings).

The expert acts only on their own record (the user account the administrator linked). Specialties,
status and credit score are not theirs to change: the administrator's roster and the supervisors'
ratings decide those. Declared conflicts are never deleted, only withdrawn with a date, because a
conflict that existed at the time of a draw must still be visible when the draw is examined.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor, Role
from core.clock import Clock, to_shanghai
from core.errors import N_, Conflict, InvalidInput, NotFound, NotPermitted
from core.identity import Organisation
from expert_pool import fields
from expert_pool.fields import FieldProblem
from expert_pool.models import Expert, ExpertConflict, ExpertUnavailable
from signing import ledger

MAX_UNAVAILABLE_DAYS_AHEAD = 366


@dataclass(frozen=True)
class ProfileInput:
    phone: str
    email: str
    employer_name: str
    employer_credit_code: str
    region: str
    title: str
    years_of_practice: int


@dataclass(frozen=True)
class ConflictInput:
    """An organisation the expert must not evaluate: by credit code, by name, or both."""

    kind: str  # former_employer | relative | shareholder | other
    org_name: str = ""
    org_credit_code: str = ""
    note: str = ""


def _invalid(problem: FieldProblem) -> InvalidInput:
    return InvalidInput(problem.message, field=problem.field, **problem.params)


def own_expert(session: Session, actor: Actor) -> Expert:
    """The expert record linked to the signed-in expert."""
    if not actor.has(Role.EXPERT) or actor.user_id is None:
        raise NotPermitted(N_("只有评标专家本人可以维护专家信息。"))
    expert = session.scalars(select(Expert).where(Expert.user_id == actor.user_id)).one_or_none()
    if expert is None:
        raise NotFound(N_("您的账号尚未关联专家库中的专家，请联系管理员。"))
    return expert


def update_profile(session: Session, clock: Clock, actor: Actor, data: ProfileInput) -> Expert:
    expert = own_expert(session, actor)
    try:
        values = {"phone": fields.phone(data.phone), "email": fields.email(data.email),
                  "employer_name": fields.employer(data.employer_name),
                  "employer_credit_code": fields.optional_credit_code(data.employer_credit_code),
                  "region": fields.region(data.region), "title": fields.title(data.title),
                  "years_of_practice": fields.years(data.years_of_practice)}
    except FieldProblem as problem:
        raise _invalid(problem) from problem
    code = values["employer_credit_code"]
    values["employer_org_id"] = (session.scalars(select(Organisation.id).where(Organisation.credit_code == code)).first()
                                 if code else None)
    changed = sorted(k for k, v in values.items() if getattr(expert, k) != v)
    if not changed:
        return expert
    for key, value in values.items():
        setattr(expert, key, value)
    expert.updated_at = clock.now()
    session.flush()
    # the employer matters to recusal, so the ledger says what it became; contact details only that they changed
    ledger.append(session, clock, actor, "expert.profile", "expert", expert.id,
                  after={"changed": changed, "employer_name": expert.employer_name,
                         "employer_credit_code": expert.employer_credit_code, "region": expert.region})
    return expert


def add_unavailable(session: Session, clock: Clock, actor: Actor, day: date, note: str = "") -> ExpertUnavailable:
    """The expert cannot evaluate on ``day`` (a Beijing date): no draw for that day will pick them."""
    expert = own_expert(session, actor)
    today = to_shanghai(clock.now()).date()
    if day < today:
        raise InvalidInput(N_("不能登记已经过去的日期。"), field="day")
    if (day - today).days > MAX_UNAVAILABLE_DAYS_AHEAD:
        raise InvalidInput(N_("只能登记一年以内的日期。"), field="day")
    if session.scalars(select(ExpertUnavailable.id).where(ExpertUnavailable.expert_id == expert.id,
                                                          ExpertUnavailable.day == day)).first():
        raise Conflict(N_("该日期已登记为不能参加评标。"))
    row = ExpertUnavailable(expert_id=expert.id, day=day, note=note.strip()[:200], declared_at=clock.now())
    session.add(row)
    session.flush()
    ledger.append(session, clock, actor, "expert.unavailable.add", "expert", expert.id,
                  after={"day": day.isoformat()})
    return row


def remove_unavailable(session: Session, clock: Clock, actor: Actor, day: date) -> None:
    expert = own_expert(session, actor)
    row = session.scalars(select(ExpertUnavailable).where(ExpertUnavailable.expert_id == expert.id,
                                                          ExpertUnavailable.day == day)).one_or_none()
    if row is None:
        raise NotFound(N_("该日期没有登记。"))
    session.delete(row)
    session.flush()
    ledger.append(session, clock, actor, "expert.unavailable.remove", "expert", expert.id,
                  before={"day": day.isoformat()})


def declare_conflict(session: Session, clock: Clock, actor: Actor, data: ConflictInput) -> ExpertConflict:
    """The expert declares an interest in an organisation (12号令第12条; GP条例第9条: employment, directorship or
    control in the past 3 years, close relatives): no draw involving it will pick them."""
    expert = own_expert(session, actor)
    try:
        kind = fields.conflict_kind(data.kind)
        code = fields.optional_credit_code(data.org_credit_code)
    except FieldProblem as problem:
        raise _invalid(problem) from problem
    name = data.org_name.strip()
    if not code and not name:
        raise InvalidInput(N_("请填写单位名称或统一社会信用代码。"), field="org_name")
    if len(name) > 200 or len(data.note) > 500:
        raise InvalidInput(N_("单位名称或说明过长。"), field="org_name")
    row = ExpertConflict(expert_id=expert.id, org_credit_code=code, org_name=name, kind=kind, note=data.note.strip(),
                         declared_at=clock.now())
    session.add(row)
    session.flush()
    ledger.append(session, clock, actor, "expert.conflict.declare", "expert", expert.id,
                  after={"conflict_id": row.id, "kind": kind, "org_name": name, "org_credit_code": code})
    return row


def withdraw_conflict(session: Session, clock: Clock, actor: Actor, conflict_id: int) -> ExpertConflict:
    """The interest has ended (e.g. three years after leaving the employer); the declaration stays, dated."""
    expert = own_expert(session, actor)
    row = session.get(ExpertConflict, conflict_id)
    if row is None or row.expert_id != expert.id:
        raise NotFound(N_("该利害关系申报不存在。"))
    if row.withdrawn_at is not None:
        return row
    row.withdrawn_at = clock.now()
    session.flush()
    ledger.append(session, clock, actor, "expert.conflict.withdraw", "expert", expert.id,
                  after={"conflict_id": row.id})
    return row
