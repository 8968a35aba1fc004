"""The supervisor's bond page: the headline, the table and its SVG chart, the Excel export with the same
filters, the overdue refunds and the rigging signals; nobody else sees it, and bad filters are a 400."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from tests.app.helpers import login
from tests.bidding.test_bond_statistics import build_statistics
from tests.bonding import BASIC_ACCOUNTS
from tests.world import build_world


@pytest.fixture
def statistics(app, session, clock):
    world = build_world(session, clock)
    session.commit()
    return build_statistics(session, clock, app.extensions["sealbid"].store, world)


def test_supervisor_sees_the_statistics_chart_overdue_refunds_and_signals(client, statistics):
    login(client, "supervisor")
    assert "/supervisor/bonds" in client.get("/supervisor/").get_data(as_text=True)
    response = client.get("/supervisor/bonds")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "为 2 个项目的投标人减免投标保证金 178.00 万元" in page
    assert "逾期未退 1 笔，共 200,000.00 元" in page
    # the table: one row per period, tenderee and category
    assert "1,600,000.00" in page and "180,000.00" in page and "某县水务局" in page
    # the chart: three bars per period, inline SVG, no script
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group(0)
    assert svg.count("<rect") == 9 and "2026-03" in svg and "2026-05" in svg
    assert "<script" not in page.split("<main>")[1].split("</main>")[0]
    # the overdue refund and the signal
    overdue = page.split('id="overdue"')[1].split('id="signals"')[0]
    assert "BJ-2026-101" in overdue and "投标公司3" in overdue and "200,000.00" in overdue and ">16<" in overdue
    signals = page.split('id="signals"')[1]
    assert BASIC_ACCOUNTS[2] in signals and "投标公司2、投标公司3" in signals and "条例第40条" in signals


def test_filters_narrow_the_table_and_the_chart(client, statistics):
    login(client, "supervisor")
    page = client.get("/supervisor/bonds?start=2026-04&end=2026-04&by=category").get_data(as_text=True)
    assert "为 1 个项目的投标人减免投标保证金 18.00 万元" in page
    table = page.split('class="bond-statistics"')[1].split("</table>")[0]
    assert "货物" in table and "工程" not in table and "某县水务局" not in table
    svg = re.search(r"<svg[^>]*role=\"img\".*?</svg>", page, re.S).group(0)
    assert svg.count("<rect") == 3
    assert "/supervisor/bonds.xlsx?start=2026-04&amp;end=2026-04&amp;by=category" in page
    assert 'href="/supervisor/bonds.xlsx?by=period&amp;by=tenderee&amp;by=category"' in client.get(
        "/supervisor/bonds").get_data(as_text=True)


def test_excel_download(client, statistics):
    login(client, "supervisor")
    response = client.get("/supervisor/bonds.xlsx?start=2026-03&end=2026-04&by=period")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    disposition = response.headers["Content-Disposition"]
    assert 'filename="bond-statistics-2026-03-2026-04.xlsx"' in disposition
    assert "filename*=UTF-8''%E6%8A%95%E6%A0%87%E4%BF%9D%E8%AF%81%E9%87%91%E7%BB%9F%E8%AE%A1-2026-03-2026-04.xlsx" in disposition
    sheets = pd.read_excel(io.BytesIO(response.data), sheet_name=None, dtype={"期间": str})
    assert list(sheets) == ["汇总", "明细"]
    assert sheets["汇总"][["期间", "减免保证金金额", "保函替代现金金额", "逾期未退笔数"]].values.tolist() == [
        ["2026-03", 1600000.0, 200000.0, 1], ["2026-04", 180000.0, 40000.0, 0]]
    assert len(sheets["明细"]) == 11


def test_excel_in_english_has_english_sheets(client, statistics):
    login(client, "supervisor")
    client.get("/lang/en")
    response = client.get("/supervisor/bonds.xlsx")
    assert response.status_code == 200
    sheets = pd.read_excel(io.BytesIO(response.data), sheet_name=None)
    assert len(sheets) == 2


def test_empty_platform_page(client, app, session, clock):
    build_world(session, clock)
    session.commit()
    login(client, "supervisor")
    page = client.get("/supervisor/bonds").get_data(as_text=True)
    assert "为 0 个项目的投标人减免投标保证金 0.00 万元" in page and "没有逾期未退的保证金" in page
    assert client.get("/supervisor/bonds.xlsx").status_code == 200


@pytest.mark.parametrize("username", ["agent", "tenderee", "bidder1", "expert", "admin"])
def test_others_are_refused(client, world, username):
    login(client, username)
    assert client.get("/supervisor/bonds").status_code == 403
    assert client.get("/supervisor/bonds.xlsx").status_code == 403


def test_strangers_are_sent_to_sign_in(client, world):
    for path in ("/supervisor/bonds", "/supervisor/bonds.xlsx"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize(("query", "message"), [
    ("start=2026-13", "不是有效的月份"),
    ("start=abc", "不是有效的月份"),
    ("end=2026-3", "不是有效的月份"),
    ("start=2026-05&end=2026-04", "起始期间不能晚于截止期间"),
    ("by=region", "分组方式只能是期间、招标人或类别"),
])
def test_bad_filters_are_a_400_with_the_reason(client, world, query, message):
    login(client, "supervisor")
    for path in ("/supervisor/bonds", "/supervisor/bonds.xlsx"):
        response = client.get(f"{path}?{query}")
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
