"""The specialty code list (评标专家专业分类), shipped as ``specialties.csv`` beside this module.

条例第45条 wants one national classification of expert specialties; until the platform loads the
official one, this file holds a realistic subset in the same shape. Codes are hierarchical by prefix:
a letter for the class (A 工程, B 货物, C 服务), two digits per further level (A01 房屋建筑工程 >
A0101 土建). An expert registered under A0101 is therefore also an expert of A01 and A: a draw for
"A01" may take anyone whose code starts with it.
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).with_name("specialties.csv")


@dataclass(frozen=True)
class Specialty:
    code: str
    name: str

    @property
    def parent_code(self) -> str | None:
        """A → None, A01 → A, A0101 → A01."""
        return None if len(self.code) == 1 else self.code[:-2]

    @property
    def level(self) -> int:
        return 1 + (len(self.code) - 1) // 2


def _parse(path: Path) -> dict[str, Specialty]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    result: dict[str, Specialty] = {}
    for row in rows:
        code, name = row["代码"].strip().upper(), row["名称"].strip()
        if not code or not name or len(code) % 2 == 0 or not code[0].isalpha() or not (code[1:].isdigit() or len(code) == 1):
            raise ValueError(f"{path.name}: malformed specialty row {row!r}")
        if code in result:
            raise ValueError(f"{path.name}: specialty {code} appears twice")
        result[code] = Specialty(code, name)
    for spec in result.values():
        if spec.parent_code is not None and spec.parent_code not in result:
            raise ValueError(f"{path.name}: specialty {spec.code} has no parent {spec.parent_code}")
    return result


@functools.cache
def all_specialties() -> dict[str, Specialty]:
    """Every specialty by code, in the file's order (read once per process)."""
    return _parse(DATA)


def normalise(code: str) -> str:
    return code.strip().upper()


def exists(code: str) -> bool:
    return normalise(code) in all_specialties()


def get(code: str) -> Specialty | None:
    return all_specialties().get(normalise(code))


def path_name(code: str) -> str:
    """The full name from the top, e.g. "工程/房屋建筑工程/土建"; the code itself when unknown."""
    spec = get(code)
    if spec is None:
        return code
    names = []
    while spec is not None:
        names.append(spec.name)
        spec = get(spec.parent_code) if spec.parent_code else None
    return "/".join(reversed(names))


def within(code: str, ancestor: str) -> bool:
    """Whether ``code`` is ``ancestor`` or lies below it in the hierarchy."""
    return normalise(code).startswith(normalise(ancestor))


def children(code: str | None = None) -> list[Specialty]:
    """The direct children of ``code`` (the top classes for None), for pickers."""
    return [s for s in all_specialties().values() if s.parent_code == (normalise(code) if code else None)]
