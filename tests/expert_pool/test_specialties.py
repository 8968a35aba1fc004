"""The shipped specialty code list: hierarchical by prefix, every parent present."""

from __future__ import annotations

from expert_pool import specialties


def test_the_list_is_realistic_and_every_code_has_its_parent():
    codes = specialties.all_specialties()
    assert 40 <= len(codes) <= 60
    assert {s.code for s in specialties.children()} == {"A", "B", "C"}
    for spec in codes.values():
        assert spec.parent_code is None or spec.parent_code in codes


def test_names_paths_and_descent():
    assert specialties.path_name("A0101") == "工程/房屋建筑工程/土建"
    assert specialties.get("a0501").name == "建筑工程造价"
    assert specialties.within("A0101", "A01") and specialties.within("A0101", "A")
    assert not specialties.within("A0201", "A01")
    assert not specialties.exists("Z99") and specialties.path_name("Z99") == "Z99"
    assert [s.code for s in specialties.children("A05")] == ["A0501", "A0502", "A0503"]
