"""Who sees the drawn names (法第37条: confidential; supervisors see everything), and the signed draw record."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest

from core.actor import Actor
from core.errors import NotPermitted
from expert_pool import draw, draw_record
from signing import pki, records, signed_records
from signing.verify import verify_pdf
from tests.expert_pool.helpers import expert_user
from tests.expert_pool.test_draw import make_draw
from tests.tools import nss_database, pdfsig, require_tool
from tests.world import SIGNING, ensure_signing


def _complete(session, clock, world, d):
    for pick in [p for p in d.picks if p.status == "notified"]:
        draw.respond(session, clock, expert_user(session, clock, world, pick.expert), pick.id, True)
    assert d.status == "complete"


def test_supervisors_see_names_at_once_agents_and_tenderee_only_counts(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    supervisor = draw.visible_picks(world.supervisor, d)
    assert supervisor.names_visible and len(supervisor.groups[0].picks) == 7
    assert {p.name for p in supervisor.groups[0].picks} <= {e.name for e in pool}
    for actor in (world.agent, world.tenderee):
        view = draw.visible_picks(actor, d)
        assert not view.names_visible and all(g.picks is None for g in view.groups)
        assert [(g.count, g.waiting, g.confirmed, g.backups_left, g.pool_size) for g in view.groups] == [
            (5, 5, 0, 2, 8), (2, 2, 0, 1, 4)]
        assert view.seed is None and view.seed_commitment == d.seed_commitment
        assert not any(e.name in repr(view) for e in pool)
    for actor in (world.other_agent, world.bidders[0], world.expert, world.admin, Actor.anonymous()):
        with pytest.raises(NotPermitted):
            draw.visible_picks(actor, d)


def test_names_open_to_agent_and_tenderee_when_the_evaluation_ends(session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    _complete(session, clock, world, d)
    clock.set(d.evaluation_at + timedelta(hours=3))
    draw.reveal_seed(session, clock, Actor.system(), d.id)  # what the evaluation calls at its end
    view = draw.visible_picks(world.agent, d)
    assert view.names_visible and view.seed == d.seed_hex
    assert draw.visible_picks(world.tenderee, d).names_visible


def test_the_draw_record_is_signed_by_the_platform_and_validates(session, clock, store, world, closed_tender, pool,
                                                                  tmp_path):
    ensure_signing(session, clock, world)
    d = make_draw(session, clock, world, closed_tender)
    signed = draw_record.sign_draw_record(session, clock, world.agent, d.id, SIGNING, store)
    assert signed.kind == "draw_record" and signed.tender_id == closed_tender.id and signed.subject_id == d.id
    assert d.record_id == signed.id and signed_records.for_tender(session, closed_tender.id, "draw_record") == [signed]
    pdf = store.open(signed.pdf_sha256).read()
    check = verify_pdf(pdf, pki.trust_roots(session), [pki.crl(session, clock, SIGNING)], clock.now())
    assert check.ok and "电子签章" in check.signatures[0].signer
    content = records.canonical_content(draw_record.draw_record(d, signed.id, "x"))
    assert d.snapshot_sha256 in content and d.seed_commitment in content and "评标结束后公开" in content
    assert all(p.expert.name in content for p in d.picks) and d.seed_hex not in content
    assert pool[0].id_number not in content and pool[0].phone not in content
    path = tmp_path / "draw.pdf"
    path.write_bytes(pdf)
    text = subprocess.run([require_tool("pdftotext"), "-raw", str(path), "-"], capture_output=True, text=True).stdout
    text = text.replace("\n", "")  # table cells wrap
    assert "评标专家抽取记录" in text and "宁波市公共资源交易中心副场" in text
    report = pdfsig(path, nss_database(tmp_path / "nss", pki.ca(session).pem))
    assert "Signature is Valid." in report and "Certificate is Trusted." in report


def test_the_record_after_the_evaluation_shows_the_seed_and_the_answers(session, clock, store, world, closed_tender,
                                                                         pool):
    ensure_signing(session, clock, world)
    d = make_draw(session, clock, world, closed_tender,
                  tenderee_exclusions=(draw.TendereeExclusion("杭州专家8", "曾参与本项目初步设计评审"),))
    _complete(session, clock, world, d)
    clock.set(d.evaluation_at + timedelta(hours=3))
    draw.reveal_seed(session, clock, world.supervisor, d.id)
    signed = draw_record.sign_draw_record(session, clock, world.supervisor, d.id, SIGNING, store)
    content = records.canonical_content(draw_record.draw_record(d, signed.id, "x"))
    assert d.seed_hex in content and "确认参加" in content
    assert "曾参与本项目初步设计评审" in content and "杭州专家8" in content
    with pytest.raises(NotPermitted):
        draw_record.sign_draw_record(session, clock, world.bidders[0], d.id, SIGNING, store)
