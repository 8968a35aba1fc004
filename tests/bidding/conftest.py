"""Fixtures of the bidding tests: a published tender every bidder can bid on."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bidding import participation
from tests.world import encryption_key, ensure_signing, published_tender


@pytest.fixture
def tender(session, clock, store, world):
    """Published, sale period begun; the three bidders obtained the documents and hold keys."""
    t = published_tender(session, clock, store, world)
    clock.advance(timedelta(hours=2))
    for i, bidder in enumerate(world.bidders, start=1):
        participation.obtain_documents(session, clock, bidder, t.id)
        ensure_signing(session, clock, world, f"bidder{i}")
        encryption_key(session, clock, world, f"bidder{i}")
    session.commit()
    return t
