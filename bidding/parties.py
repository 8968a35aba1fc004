"""The parties to procurement: company registration (企业入库) and their administration.

A bidder company registers once and, once approved, takes part in any tender (一网通投).
Administrators manage agencies, tenderees, the trading centre and every user's roles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding.access import require_role
from bidding.schemas import MAX_ID
from bidding.tenders import Upload
from core import credit_code
from core.actor import Actor, OrgKind, Role
from core.clock import Clock
from core.errors import N_, Conflict, InvalidInput, NotFound
from core.files import FileStore
from core.identity import Organisation, OrganisationCertificate, User, UserRole, hash_password
from signing import ledger

USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.\-]{2,39}$")
PHONE = re.compile(r"^[0-9+\-() ]{6,40}$")
MIN_PASSWORD = 10
MAX_CERTIFICATE_BYTES = 20 * 1024 * 1024
ORG_KIND_LABELS = {
    OrgKind.AGENCY: N_("招标代理机构"),
    OrgKind.TENDEREE: N_("招标人"),
    OrgKind.BIDDER: N_("投标企业"),
    OrgKind.CENTRE: N_("交易中心"),
}
ROLE_LABELS = {
    Role.AGENT: N_("招标代理"),
    Role.TENDEREE: N_("招标人"),
    Role.BIDDER: N_("投标人"),
    Role.EXPERT: N_("评标专家"),
    Role.SUPERVISOR: N_("监督人员"),
    Role.ADMIN: N_("管理员"),
}
ORG_STATUS_LABELS = {
    "pending": N_("待审核"),
    "approved": N_("已通过"),
    "rejected": N_("已驳回"),
    "suspended": N_("已暂停"),
}


@dataclass(frozen=True)
class OrganisationInput:
    name: str
    kind: str
    credit_code: str
    legal_representative: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    address: str = ""
    region: str = ""


@dataclass(frozen=True)
class UserInput:
    username: str
    display_name: str
    password: str
    roles: tuple[str, ...] = ()
    organisation_id: int | None = None


def _clean_org(data: OrganisationInput) -> dict[str, str]:
    name = data.name.strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput(N_("请填写单位名称（2 到 200 字）。"), field="name")
    if data.kind not in set(OrgKind):
        raise InvalidInput(N_("单位类型不正确。"), field="kind")
    code = credit_code.normalise(data.credit_code)
    if not credit_code.is_valid(code):
        raise InvalidInput(
            N_("统一社会信用代码 %(code)s 不正确：应为 18 位，且校验位符合 GB 32100-2015。"), field="credit_code", code=code
        )
    if data.contact_phone.strip() and not PHONE.match(data.contact_phone.strip()):
        raise InvalidInput(N_("联系电话格式不正确。"), field="contact_phone")
    values = {
        "name": name,
        "kind": data.kind,
        "credit_code": code,
        "legal_representative": data.legal_representative.strip()[:100],
        "contact_name": data.contact_name.strip()[:100],
        "contact_phone": data.contact_phone.strip()[:40],
        "contact_email": data.contact_email.strip()[:200],
        "address": data.address.strip()[:300],
        "region": data.region.strip()[:100],
    }
    if data.kind == OrgKind.BIDDER and not (values["legal_representative"] and values["contact_name"]
                                             and values["contact_phone"]):
        raise InvalidInput(N_("请填写法定代表人、联系人和联系电话。"), field="legal_representative")
    return values


def _clean_user(session: Session, data: UserInput) -> tuple[str, str]:
    username = data.username.strip().lower()
    if not USERNAME.match(username):
        raise InvalidInput(N_("用户名需为 3 到 40 位小写字母、数字或 _ . -。"), field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(N_("用户名 %(username)s 已被使用。"), field="username", username=username)
    display = data.display_name.strip()
    if not 1 <= len(display) <= 100:
        raise InvalidInput(N_("请填写姓名。"), field="display_name")
    if len(data.password) < MIN_PASSWORD or len(data.password) > 200:
        raise InvalidInput(N_("密码至少 %(n)s 位。"), field="password", n=MIN_PASSWORD)
    for role in data.roles:
        if role not in set(Role):
            raise InvalidInput(N_("角色不正确。"), field="roles")
    return username, display


def _ensure_code_free(session: Session, code: str, org_id: int | None = None) -> None:
    query = select(Organisation.id).where(Organisation.credit_code == code)
    if org_id is not None:
        query = query.where(Organisation.id != org_id)
    if session.scalar(query) is not None:
        raise Conflict(N_("统一社会信用代码 %(code)s 已登记。"), field="credit_code", code=code)


def _new_user(session: Session, clock: Clock, data: UserInput, username: str, display: str,
              org_id: int | None) -> User:
    user = User(
        username=username,
        display_name=display,
        password_hash=hash_password(data.password),
        organisation_id=org_id,
        active=True,
        created_at=clock.now(),
        role_rows=[UserRole(role=r) for r in dict.fromkeys(data.roles)],
    )
    session.add(user)
    session.flush()
    return user


def register_company(session: Session, clock: Clock, store: FileStore, org: OrganisationInput, user: UserInput,
                     certificates: list[Upload]) -> Organisation:
    """企业入库: the company and its first bidder account, pending an administrator's approval."""
    values = _clean_org(OrganisationInput(**{**org.__dict__, "kind": OrgKind.BIDDER}))
    _ensure_code_free(session, values["credit_code"])
    username, display = _clean_user(session, UserInput(user.username, user.display_name, user.password))
    if not certificates:
        raise InvalidInput(N_("请上传至少一份资质证书。"), field="certificates")
    organisation = Organisation(**values, status="pending", created_at=clock.now())
    session.add(organisation)
    session.flush()
    for upload in certificates:
        stored = store.put(upload.stream, MAX_CERTIFICATE_BYTES)
        session.add(OrganisationCertificate(
            organisation_id=organisation.id,
            title=(upload.title.strip() or upload.filename)[:200],
            filename=upload.filename[:255],
            sha256=stored.sha256,
            size=stored.size,
            uploaded_at=clock.now(),
        ))
    account = _new_user(session, clock, UserInput(username, display, user.password, (Role.BIDDER,)), username,
                        display, organisation.id)
    actor = Actor(user_id=account.id, org_id=organisation.id, roles=frozenset({Role.BIDDER}), name=display)
    ledger.append(session, clock, actor, "organisation.register", "organisation", organisation.id,
                  after={"name": values["name"], "credit_code": values["credit_code"]})
    return organisation


def review_company(session: Session, clock: Clock, actor: Actor, org_id: int, approve: bool,
                   note: str = "") -> Organisation:
    require_role(actor, Role.ADMIN)
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(N_("单位不存在。"))
    if org.status != "pending":
        raise Conflict(N_("该单位已审核。"))
    if not approve and len(note.strip()) < 2:
        raise InvalidInput(N_("驳回时请说明理由。"), field="note")
    org.status = "approved" if approve else "rejected"
    org.review_note = note.strip()[:500]
    ledger.append(session, clock, actor, "organisation.review", "organisation", org.id,
                  before={"status": "pending"}, after={"status": org.status, "note": org.review_note})
    return org


def set_organisation_status(session: Session, clock: Clock, actor: Actor, org_id: int, status: str) -> Organisation:
    """Suspend or reinstate an approved organisation."""
    require_role(actor, Role.ADMIN)
    org = session.get(Organisation, org_id)
    if org is None:
        raise NotFound(N_("单位不存在。"))
    if status not in {"approved", "suspended"} or org.status not in {"approved", "suspended"}:
        raise Conflict(N_("该单位当前状态不能这样变更。"))
    before = org.status
    org.status = status
    ledger.append(session, clock, actor, "organisation.status", "organisation", org.id,
                  before={"status": before}, after={"status": status})
    return org


def create_organisation(session: Session, clock: Clock, actor: Actor, data: OrganisationInput) -> Organisation:
    """An administrator enters an agency, tenderee, trading centre or company directly (approved)."""
    require_role(actor, Role.ADMIN)
    values = _clean_org(data)
    _ensure_code_free(session, values["credit_code"])
    org = Organisation(**values, status="approved", created_at=clock.now())
    session.add(org)
    session.flush()
    ledger.append(session, clock, actor, "organisation.create", "organisation", org.id,
                  after={"name": org.name, "kind": org.kind, "credit_code": org.credit_code})
    return org


def create_user(session: Session, clock: Clock, actor: Actor, data: UserInput) -> User:
    require_role(actor, Role.ADMIN)
    username, display = _clean_user(session, data)
    if data.organisation_id is not None and (
        not 0 < data.organisation_id <= MAX_ID or session.get(Organisation, data.organisation_id) is None
    ):
        raise InvalidInput(N_("单位不存在。"), field="organisation_id")
    user = _new_user(session, clock, data, username, display, data.organisation_id)
    ledger.append(session, clock, actor, "user.create", "user", user.id,
                  after={"username": username, "roles": sorted(data.roles), "organisation_id": data.organisation_id})
    return user


def update_user(session: Session, clock: Clock, actor: Actor, user_id: int, roles: list[str],
                active: bool) -> User:
    require_role(actor, Role.ADMIN)
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("用户不存在。"))
    for role in roles:
        if role not in set(Role):
            raise InvalidInput(N_("角色不正确。"), field="roles")
    if user.id == actor.user_id and (Role.ADMIN not in roles or not active):
        raise Conflict(N_("不能取消自己的管理员权限或停用自己。"))
    before = {"roles": sorted(user.roles), "active": user.active}
    wanted = set(roles)
    user.role_rows = [row for row in user.role_rows if row.role in wanted]
    have = {row.role for row in user.role_rows}
    user.role_rows.extend(UserRole(role=r) for r in dict.fromkeys(roles) if r not in have)
    user.active = active
    session.flush()
    ledger.append(session, clock, actor, "user.update", "user", user.id, before=before,
                  after={"roles": sorted(dict.fromkeys(roles)), "active": active})
    return user


def organisations(session: Session, actor: Actor, kind: str = "", status: str = "") -> list[Organisation]:
    require_role(actor, Role.ADMIN, Role.SUPERVISOR)
    query = select(Organisation).order_by(Organisation.id)
    if kind:
        query = query.where(Organisation.kind == kind)
    if status:
        query = query.where(Organisation.status == status)
    return list(session.scalars(query))


def users(session: Session, actor: Actor) -> list[User]:
    require_role(actor, Role.ADMIN)
    return list(session.scalars(select(User).order_by(User.id)))


def tenderees(session: Session) -> list[Organisation]:
    """Approved tenderees, for the agent's tender form."""
    return list(session.scalars(
        select(Organisation).where(Organisation.kind == OrgKind.TENDEREE, Organisation.status == "approved")
        .order_by(func.lower(Organisation.name))
    ))
