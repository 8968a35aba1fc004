"""The demo's expert roster: experts in two cities (a main and a sub venue for remote evaluation), imported
the way an administrator imports one (the CSV is also left in the instance folder to try the import page),
and the sixteen of 道路与桥梁 with sign-in accounts (expert1 … expert16)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.actor import Actor
from core.clock import Clock
from core.identity import User
from expert_pool import id_number, roster
from expert_pool.models import Expert

EXPERT_ACCOUNTS = 16
SURNAMES = "张王李赵陈刘杨黄周吴徐孙朱马胡郭林何高罗"
GIVEN = ("建国", "晓明", "海燕", "志强", "丽华", "文博", "静怡", "国平", "思远", "雪梅", "立新", "春生", "红梅", "子涵",
         "振华", "玉兰", "德明", "秀英", "永康", "佳琪")
# (region, area code of the ID number, employers) — the employers are none of the demo's parties.
CITIES = (
    ("浙江省杭州市", "330102",
     ("浙江大学建筑设计研究院", "杭州市市政工程设计院", "浙江省交通规划设计研究院", "中建三局杭州分公司")),
    ("浙江省宁波市", "330203", ("宁波市政工程设计院", "宁波大学", "宁波建工集团", "宁波工程造价咨询事务所")),
)
SPECIALTIES = ("A0201;A0202", "A0201", "A0202;A0203", "A0501;A0503", "A0503", "A0101;A0102", "A0603;A0201")
TITLES = ("正高级工程师", "高级工程师", "高级经济师", "教授级高级工程师")
PER_CITY = 16


def _id_number(area: str, n: int) -> str:
    first17 = f"{area}{1960 + n % 25}{1 + n % 12:02d}{1 + n % 28:02d}{100 + n:03d}"
    return first17 + id_number.check_character(first17)


def roster_csv() -> bytes:
    """Sixteen experts per city, each with a valid ID number, a senior title and more than 8 years' practice."""
    lines = ["姓名,身份证号,手机,工作单位,地区,专业代码,职称,从业年限"]
    n = 0
    for region, area, employers in CITIES:
        for i in range(PER_CITY):
            name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n * 7) % len(GIVEN)]
            lines.append(",".join([name, _id_number(area, n), f"139{n:08d}", employers[i % len(employers)], region,
                                   SPECIALTIES[i % len(SPECIALTIES)], TITLES[i % len(TITLES)], str(10 + n % 20)]))
            n += 1
    return ("\n".join(lines) + "\n").encode()


def load(session: Session, clock: Clock, admin: Actor, make_user: Callable[[str, str], User], folder: Path) -> None:
    """Import the roster and give every expert of 道路与桥梁 (A0201) — eight in 杭州, eight in 宁波 — a demo
    account (expert1 … expert16), so any draw of them reaches people who can sign in."""
    data = roster_csv()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "expert-roster.csv").write_bytes(data)
    roster.import_roster(session, clock, admin, data, "expert-roster.csv")
    road = [e for e in session.scalars(select(Expert).order_by(Expert.id)) if "A0201" in e.specialties]
    hangzhou = [e for e in road if e.region == CITIES[0][0]]
    ningbo = [e for e in road if e.region == CITIES[1][0]]
    for i, expert in enumerate([*hangzhou, *ningbo], start=1):
        roster.link_user(session, clock, admin, expert.id, make_user(f"expert{i}", expert.name).id)
