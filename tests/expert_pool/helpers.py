"""Experts, rosters and section parties for the expert-pool tests, made through the domain functions."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import parties
from bidding.models import Bid, Section, Tender
from core.actor import Actor, Role
from core.clock import Clock
from core.identity import Organisation
from expert_pool import draw, id_number, roster
from expert_pool.models import Expert
from expert_pool.recusal import OrgRef
from tests.world import PASSWORD, World

HEADER = ["姓名", "身份证号", "手机", "工作单位", "单位统一社会信用代码", "地区", "专业代码", "职称", "从业年限", "状态"]


def id_no(n: int, born: str = "19700101", area: str = "330106") -> str:
    """A valid resident ID number, different for every ``n`` (up to 999 per birth date)."""
    first17 = f"{area}{born}{n % 1000:03d}"
    return first17 + id_number.check_character(first17)


def row(name: str, n: int, *, region: str = "浙江省杭州市", codes: str = "A0101", employer: str = "浙江某设计研究院",
        credit_code: str = "", phone: str | None = None, title: str = "高级工程师", years: str = "12",
        status: str = "", born: str = "19700101") -> dict[str, str]:
    return {"姓名": name, "身份证号": id_no(n, born), "手机": phone or f"139{n:08d}", "工作单位": employer,
            "单位统一社会信用代码": credit_code, "地区": region, "专业代码": codes, "职称": title, "从业年限": years,
            "状态": status}


def roster_csv(rows: list[dict[str, str]], encoding: str = "utf-8", header: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or HEADER, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def add_experts(session: Session, clock: Clock, world: World, rows: list[dict[str, str]]) -> list[Expert]:
    """The rows imported as a roster by the administrator; the experts in row order."""
    result = roster.import_roster(session, clock, world.admin, roster_csv(rows), "roster.csv")
    assert not result.errors, [e.message for e in result.errors]
    numbers = [r["身份证号"] for r in rows]
    by_number = {e.id_number: e for e in session.scalars(select(Expert).where(Expert.id_number.in_(numbers)))}
    return [by_number[n] for n in numbers]


def expert_user(session: Session, clock: Clock, world: World, expert: Expert, username: str | None = None) -> Actor:
    """A sign-in account with the expert role, linked to ``expert``."""
    username = username or f"expert{expert.id}"
    user = parties.create_user(session, clock, world.admin, parties.UserInput(
        username=username, display_name=expert.name, password=PASSWORD, roles=(Role.EXPERT,)))
    roster.link_user(session, clock, world.admin, expert.id, user.id)
    return user.actor()


def org_ref(org: Organisation) -> OrgRef:
    return OrgRef(name=org.name, credit_code=org.credit_code, org_id=org.id)


def section_parties(session: Session, tender: Tender, number: int = 1,
                    bidder_org_ids: list[int] | None = None) -> draw.SectionParties:
    """What the bidding layer hands the draw: the section's tenderee, agent and bidders as plain values.

    Without ``bidder_org_ids`` the bidders are those with a bid in the section that was not withdrawn.
    """
    section = next(s for s in tender.sections if s.number == number)
    if bidder_org_ids is None:
        bidder_org_ids = list(session.scalars(select(Bid.bidder_org_id).where(
            Bid.section_id == section.id, Bid.status.not_in(("withdrawn",)))))
    bidders = tuple(org_ref(session.get(Organisation, i)) for i in bidder_org_ids)
    return draw.SectionParties(
        tender_id=tender.id, section_id=section.id, tender_code=tender.code, tender_title=tender.title,
        section_label=f"第 {section.number} 标段 {section.name}", bid_deadline=tender.bid_deadline,
        tenderee=org_ref(tender.tenderee), agent=org_ref(tender.agent), bidders=bidders)


def request(clock: Clock, *groups: draw.GroupRequest, **overrides: Any) -> draw.DrawRequest:
    values: dict[str, Any] = {"groups": groups, "evaluation_at": clock.now() + timedelta(days=1),
                              "place": "杭州市公共资源交易中心第 3 评标室", "representatives": 0}
    values.update(overrides)
    return draw.DrawRequest(**values)


def section_of(tender: Tender, number: int = 1) -> Section:
    return next(s for s in tender.sections if s.number == number)
