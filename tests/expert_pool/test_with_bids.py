"""The draw on an opened tender: the bidders come from the section's real bids, as the bidding layer passes them."""

from __future__ import annotations

from core.identity import Organisation
from expert_pool import draw
from expert_pool.draw import GroupRequest
from tests.bidding.conftest import tender  # noqa: F401  (fixture)
from tests.bidding.test_bond_release import _open_all, bonded  # noqa: F401  (fixture)
from tests.expert_pool.helpers import add_experts, request, row, section_parties


def test_staff_of_a_real_bidder_are_never_drawn(session, clock, store, world, tender, bonded):  # noqa: F811
    _, _, placed = bonded
    _open_all(session, clock, store, world, tender, placed)
    bidder = session.get(Organisation, world.bidders[2].org_id)
    experts = add_experts(session, clock, world, [
        *[row(f"专家{i}", i, region="北京市朝阳区") for i in range(1, 6)],
        row("投标人职工", 6, region="北京市朝阳区", employer=bidder.name, credit_code=bidder.credit_code),
    ])
    parties = section_parties(session, tender)  # bidders read from the section's bids
    assert {b.credit_code for b in parties.bidders} == {
        session.get(Organisation, b.org_id).credit_code for b in world.bidders}
    d = draw.request_draw(session, clock, world.agent, parties, request(clock, GroupRequest("A0101", 5, "北京市")))
    assert experts[5].id not in {p.expert_id for p in d.picks}
    assert d.groups[0].matching == 6 and d.groups[0].pool_size == 5
    assert draw.verify_draw(session, d.id).ok
