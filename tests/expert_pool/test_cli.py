"""`flask experts import` and `flask experts verify-draw`."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from expert_pool import draw
from expert_pool.models import Expert
from tests.expert_pool.helpers import roster_csv, row
from tests.expert_pool.test_draw import make_draw


def test_import_prints_counts_and_row_errors(app, session, tmp_path):
    path = tmp_path / "专家名册.csv"
    path.write_bytes(roster_csv([row("张三", 1), row("李四", 2, phone="123"), row("王五", 3)]))
    result = app.test_cli_runner().invoke(args=["experts", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0, rows with errors 1" in result.output
    assert "第 3 行：手机号“123”不正确" in result.output
    again = app.test_cli_runner().invoke(args=["experts", "import", str(path)])
    assert "created 0, updated 0, unchanged 2" in again.output
    assert session.scalar(select(func.count()).select_from(Expert)) == 2


def test_import_of_an_unusable_file_exits_1(app, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_text("名字,电话\n张三,1\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["experts", "import", str(path)])
    assert result.exit_code == 1 and "缺少列" in result.output
    missing = app.test_cli_runner().invoke(args=["experts", "import", str(tmp_path / "none.csv")])
    assert missing.exit_code == 1


def test_verify_draw_ok_then_tampered(app, session, clock, world, closed_tender, pool):
    d = make_draw(session, clock, world, closed_tender)
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["experts", "verify-draw", str(d.id)])
    assert ok.exit_code == 0 and "OK: draw" in ok.output and "10 picks" in ok.output
    snapshot = json.loads(d.snapshot)
    snapshot["groups"][1]["eligible"] = snapshot["groups"][1]["eligible"][:3]
    session.execute(text("UPDATE expert_draw SET snapshot = :s WHERE id = :id"),
                    {"s": draw.canonical_json(snapshot), "id": d.id})
    session.commit()
    failed = runner.invoke(args=["experts", "verify-draw", str(d.id)])
    assert failed.exit_code == 1 and "FAIL: 快照已被改动" in failed.output
    assert "第 2 组快照中的候选人数为 3，记录为 4。" in failed.output
    unknown = runner.invoke(args=["experts", "verify-draw", "9999"])
    assert unknown.exit_code == 2 and "不存在" in unknown.output
