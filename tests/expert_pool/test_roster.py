"""The administrator's roster import: Excel and CSV (UTF-8 or GBK), row errors with their line, re-import updates."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from sqlalchemy import func, select

from core.errors import InvalidInput, NotPermitted, render
from core.identity import Organisation
from expert_pool import roster
from expert_pool.models import Expert
from signing import ledger
from tests.expert_pool.helpers import HEADER, id_no, roster_csv, row


def _messages(result) -> list[str]:
    return [render(e.message.text, e.message.params) for e in result.errors]


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Expert))


def test_csv_import_keeps_valid_rows_and_reports_each_bad_one_by_line(session, clock, world):
    bad_check = id_no(3)[:17] + ("0" if id_no(3)[17] != "0" else "1")
    rows = [
        row("张三", 1, codes="A0101；A0501"),
        row("李四", 2, codes="A0101、Z99"),  # line 3: unknown specialty code
        row("王五", 3) | {"身份证号": bad_check},  # line 4: wrong check digit
        row("", 4),  # line 5: no name
        row("赵六", 5, phone="12345"),  # line 6: bad phone
        row("孙七", 6, years="十二"),  # line 7: years not a number
        row("周八", 7, years="5"),  # line 8: fewer than 8 years (法第37条)
        row("吴九", 8) | {"身份证号": "330106" + "19990230" + "0011"},  # line 9: no such birth date
        row("郑十", 9, region="浙江省宁波市"),
    ]
    result = roster.import_roster(session, clock, world.admin, roster_csv(rows), "roster.csv")
    assert len(result.created) == 2 and result.updated == []
    messages = _messages(result)
    assert [e.line for e in result.errors] == [3, 4, 5, 6, 7, 8, 9]
    assert messages[0] == "第 3 行：专业代码“Z99”不在专业分类中。"
    assert messages[1].startswith("第 4 行：身份证号") and "校验位不正确" in messages[1]
    assert messages[2] == "第 5 行：姓名缺失或过长。"
    assert messages[3] == "第 6 行：手机号“12345”不正确（应为 11 位手机号码）。"
    assert messages[4] == "第 7 行：从业年限“十二”不是 0 至 70 之间的整数。"
    assert "不满 8 年" in messages[5] and "法第37条" in messages[5]
    assert "出生日期不正确" in messages[6]
    zhang = session.scalars(select(Expert).where(Expert.name == "张三")).one()
    assert zhang.specialties == ["A0101", "A0501"] and zhang.status == "active" and zhang.credit_score == 100
    entries = [e for e in ledger.entries(session) if e.action == "expert.create"]
    assert len(entries) == 2 and entries[0].data["after"]["id_number"] == id_number_masked(id_no(1))
    assert id_no(1) not in "".join(e.payload for e in ledger.entries(session))  # the ledger never holds the full number


def id_number_masked(number: str) -> str:
    return number[:6] + "********" + number[14:]


def test_a_row_with_several_problems_reports_each(session, clock, world):
    result = roster.import_roster(session, clock, world.admin, roster_csv([row("", 1, phone="1", years="x")]), "r.csv")
    assert [e.line for e in result.errors] == [2, 2, 2] and not result.created


def test_gbk_csv_from_chinese_excel(session, clock, world):
    data = roster_csv([row("张三", 1), row("李四", 2)], encoding="gbk")
    result = roster.import_roster(session, clock, world.admin, data, "专家名册.csv")
    assert len(result.created) == 2 and not result.errors
    assert {e.name for e in session.scalars(select(Expert))} == {"张三", "李四"}


def _xlsx(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue()


def test_xlsx_import_with_numeric_cells_and_a_blank_row(session, clock, world):
    good = row("张三", 1)
    frame = pd.DataFrame([
        {**good, "手机": 13900000001, "从业年限": 15},  # Excel stores these as numbers
        dict.fromkeys(HEADER, None),  # a blank line 3 keeps the line numbers of what follows
        {**row("李四", 2), "专业代码": "B0101, C01"},
        {**row("王五", 3), "从业年限": 3.5},  # line 5
    ])
    result = roster.import_roster(session, clock, world.admin, _xlsx(frame), "专家名册.xlsx")
    assert len(result.created) == 2
    assert [(e.line, "从业年限" in m) for e, m in zip(result.errors, _messages(result), strict=True)] == [(5, True)]
    zhang = session.scalars(select(Expert).where(Expert.name == "张三")).one()
    assert zhang.phone == "13900000001" and zhang.years_of_practice == 15
    li = session.scalars(select(Expert).where(Expert.name == "李四")).one()
    assert li.specialties == ["B0101", "C01"]


def test_reimport_updates_the_same_id_number_instead_of_duplicating(session, clock, world):
    tenderee = session.get(Organisation, world.tenderee_org_id)
    roster.import_roster(session, clock, world.admin, roster_csv([row("张三", 1), row("李四", 2)]), "r.csv")
    changed = row("张三", 1, phone="13800000009", codes="A0102", employer=tenderee.name, credit_code=tenderee.credit_code,
                  status="暂停")
    result = roster.import_roster(session, clock, world.admin, roster_csv([changed, row("李四", 2)]), "r.csv")
    assert result.created == [] and len(result.updated) == 1 and result.unchanged == 1
    assert _count(session) == 2
    zhang = session.scalars(select(Expert).where(Expert.name == "张三")).one()
    assert zhang.phone == "13800000009" and zhang.specialties == ["A0102"] and zhang.status == "suspended"
    assert zhang.employer_org_id == tenderee.id  # linked by the credit code
    update = [e for e in ledger.entries(session) if e.action == "expert.update"][-1]
    assert update.data["after"]["changed"] == ["employer_credit_code", "employer_name", "employer_org_id", "phone",
                                               "specialties", "status"]


def test_the_same_id_number_twice_in_one_file(session, clock, world):
    result = roster.import_roster(session, clock, world.admin, roster_csv([row("张三", 1), row("张三丰", 1)]), "r.csv")
    assert len(result.created) == 1 and _messages(result) == ["第 3 行：身份证号与第 2 行重复。"]


@pytest.mark.parametrize("data, name", [
    (b"\x00\x01garbage\xff\xfe", "r.csv"),
    (b"PK\x03\x04 not really a workbook", "r.xlsx"),
    (b"\xd0\xcf\x11\xe0 old excel", "r.xls"),
    ("姓名,手机\n张三,13900000001\n".encode(), "r.csv"),
])
def test_unusable_files_are_refused_whole(session, clock, world, data, name):
    with pytest.raises(InvalidInput):
        roster.import_roster(session, clock, world.admin, data, name)
    assert _count(session) == 0


def test_missing_columns_are_named(session, clock, world):
    with pytest.raises(InvalidInput) as refused:
        roster.import_roster(session, clock, world.admin, "姓名,手机\n张三,13900000001\n".encode(), "r.csv")
    assert "身份证号" in str(refused.value) and "专业代码" in str(refused.value)


def test_only_the_administrator_imports(session, clock, world):
    with pytest.raises(NotPermitted):
        roster.import_roster(session, clock, world.agent, roster_csv([row("张三", 1)]), "r.csv")


def test_status_is_set_by_admin_or_supervisor_with_a_reason(session, clock, world):
    roster.import_roster(session, clock, world.admin, roster_csv([row("张三", 1)]), "r.csv")
    expert = session.scalars(select(Expert)).one()
    with pytest.raises(InvalidInput):
        roster.set_status(session, clock, world.supervisor, expert.id, "suspended", "")
    with pytest.raises(NotPermitted):
        roster.set_status(session, clock, world.agent, expert.id, "removed", "受贿")
    roster.set_status(session, clock, world.supervisor, expert.id, "removed", "条例第72条：收受投标人财物")
    assert expert.status == "removed"
    with pytest.raises(NotPermitted):
        roster.set_status(session, clock, world.supervisor, expert.id, "active", "")
