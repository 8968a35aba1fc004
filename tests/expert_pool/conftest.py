"""Fixtures of the expert-pool tests: a tender past its bid deadline and a pool of experts in two cities."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.expert_pool.helpers import add_experts, row
from tests.world import published_tender


@pytest.fixture
def closed_tender(session, clock, store, world):
    """A published tender whose bid deadline passed an hour ago (the draw comes after the deadline)."""
    tender = published_tender(session, clock, store, world)
    clock.set(tender.bid_deadline + timedelta(hours=1))
    return tender


@pytest.fixture
def pool(session, clock, world):
    """8 civil-works experts in 杭州, 4 in 宁波 (two of them cost engineers), 2 road engineers in 杭州."""
    rows = [row(f"杭州专家{i}", i) for i in range(1, 9)]
    rows += [row(f"宁波专家{i}", 20 + i, region="浙江省宁波市", codes="A0101;A0501" if i <= 2 else "A0101")
             for i in range(1, 5)]
    rows += [row(f"道路专家{i}", 40 + i, codes="A0201") for i in range(1, 3)]
    experts = add_experts(session, clock, world, rows)
    session.commit()
    return experts
