"""Checks of an expert's fields, shared by the roster import (row errors) and the expert's own profile (refusals).

Each check returns the cleaned value, or raises :class:`FieldProblem` carrying a Chinese message id and its
parameters; the roster turns that into a row error with the line number, the profile into ``InvalidInput``.
"""

from __future__ import annotations

import re
from datetime import date

from core import credit_code
from core.errors import N_, phrase
from expert_pool import id_number, specialties
from expert_pool.models import CONFLICT_KINDS, EXPERT_STATUSES

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
SPECIALTY_SEPARATORS = re.compile(r"[;；、,，\s]+")
MIN_YEARS = 8  # 法第37条: 从事相关领域工作满八年
MAX_YEARS = 70
STATUS_WORDS = {
    "": None,
    "在库": "active", "正常": "active", "有效": "active", "启用": "active",
    "暂停": "suspended", "已暂停": "suspended",
    "清退": "removed", "已清退": "removed", "移除": "removed",
    **{s: s for s in EXPERT_STATUSES},
}


class FieldProblem(ValueError):
    def __init__(self, message: str, field: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.params = params


def name(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 50:
        raise FieldProblem(N_("姓名缺失或过长。"), "name")
    return value


def id_card(value: str, today: date | None) -> str:
    number = id_number.normalise(value)
    problem = id_number.problem(number, today)
    if problem in ("length", "characters"):
        raise FieldProblem(N_("身份证号“%(value)s”应为 18 位（17 位数字加一位数字或 X）。"), "id_number", value=number[:30])
    if problem == "birth_date":
        raise FieldProblem(N_("身份证号“%(value)s”中的出生日期不正确。"), "id_number", value=number)
    if problem == "check":
        raise FieldProblem(N_("身份证号“%(value)s”的校验位不正确。"), "id_number", value=number)
    return number


def phone(value: str) -> str:
    number = re.sub(r"[\s\-()]", "", value)
    number = number.removeprefix("+86").removeprefix("0086")
    if number.endswith(".0"):  # a spreadsheet that stored the number as a number
        number = number[:-2]
    if not MOBILE.match(number):
        raise FieldProblem(N_("手机号“%(value)s”不正确（应为 11 位手机号码）。"), "phone", value=value.strip()[:30])
    return number


def email(value: str) -> str:
    value = value.strip()
    if value and not EMAIL.match(value):
        raise FieldProblem(N_("电子邮箱“%(value)s”不正确。"), "email", value=value[:60])
    return value


def employer(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 200:
        raise FieldProblem(N_("工作单位缺失或过长。"), "employer_name")
    return value


def optional_credit_code(value: str) -> str | None:
    code = credit_code.normalise(value)
    if not code:
        return None
    if not credit_code.is_valid(code):
        raise FieldProblem(N_("统一社会信用代码“%(value)s”不正确。"), "employer_credit_code", value=code[:30])
    return code


def region(value: str) -> str:
    value = value.strip()
    if not 2 <= len(value) <= 100:
        raise FieldProblem(N_("地区缺失或过长（如：浙江省杭州市）。"), "region")
    return value


def specialty_codes(value: str) -> tuple[str, ...]:
    codes = [specialties.normalise(c) for c in SPECIALTY_SEPARATORS.split(value) if c.strip()]
    if not codes:
        raise FieldProblem(N_("专业代码缺失。"), "specialties")
    unknown = [c for c in codes if not specialties.exists(c)]
    if unknown:
        raise FieldProblem(N_("专业代码“%(codes)s”不在专业分类中。"), "specialties", codes="、".join(unknown)[:100])
    return tuple(dict.fromkeys(codes))


def title(value: str) -> str:
    value = value.strip()
    if not 1 <= len(value) <= 50:
        raise FieldProblem(N_("职称缺失或过长。"), "title")
    return value


def years(value: str | int) -> int:
    text = str(value).strip()
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if not (number.is_integer() and 0 <= number <= MAX_YEARS):
        raise FieldProblem(N_("从业年限“%(value)s”不是 0 至 70 之间的整数。"), "years_of_practice", value=text[:20])
    if number < MIN_YEARS:
        raise FieldProblem(N_("从业年限 %(value)s 年，不满 8 年，不能担任评标专家（%(rule)s）。"), "years_of_practice",
                           value=int(number), rule=phrase(N_("法第37条")))
    return int(number)


def status(value: str) -> str | None:
    """The status a roster cell sets, or None for "leave as it is" (an empty cell)."""
    word = value.strip().lower() if value.strip().isascii() else value.strip()
    if word not in STATUS_WORDS:
        raise FieldProblem(N_("状态“%(value)s”无法识别（可填：在库、暂停、清退）。"), "status", value=value.strip()[:20])
    return STATUS_WORDS[word]


def conflict_kind(value: str) -> str:
    if value not in CONFLICT_KINDS:
        raise FieldProblem(N_("利害关系类型不正确。"), "kind")
    return value
