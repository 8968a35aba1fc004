"""The demo tenderee's award-member pool (定标委员库): ten of its staff, leaders, managers and engineers, who can
sign in as staff1 … staff10 and sit on an award committee (评定分离) drawn for the demo tenders."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import award_pool
from core.actor import Actor
from core.clock import Clock
from core.identity import User

# name, position, category; the first is the principal who may sit as chair without being drawn
STAFF = (
    ("周建国", "党委书记、董事长", "leadership"),
    ("吴晓明", "总经理", "leadership"),
    ("郑海燕", "副总经理", "leadership"),
    ("孙立群", "工程管理部经理", "management"),
    ("钱文斌", "成本合约部经理", "management"),
    ("冯雪梅", "财务部经理", "management"),
    ("陈志远", "总工程师", "technical"),
    ("褚玉兰", "高级工程师（给排水）", "technical"),
    ("卫东升", "高级工程师（市政道路）", "technical"),
    ("蒋丽华", "造价工程师", "technical"),
)


def load(session: Session, clock: Clock, tenderee: Actor) -> None:
    """The tenderee puts its staff accounts staff1 … staff10 in its pool."""
    for i, (_, position, category) in enumerate(STAFF, start=1):
        user = session.scalars(select(User).where(User.username == f"staff{i}")).one()
        award_pool.add_pool_member(session, clock, tenderee, user.id, category, position=position, principal=i == 1)
