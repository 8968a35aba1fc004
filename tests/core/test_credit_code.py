"""统一社会信用代码 (GB 32100-2015)."""

import pytest

from core.credit_code import check_character, is_valid


@pytest.mark.parametrize(
    "code", ["91350100M000100Y43", "91110000600037341L", "91330100MA0000010" + check_character("91330100MA0000010")]
)
def test_valid_codes_pass(code):
    assert is_valid(code)


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y44", "91350100M000100Y4", "91350100M000100Y433", "91350100I000100Y43", "", "abcdefghijklmnopqr"],
)
def test_wrong_check_character_length_or_alphabet_is_refused(code):
    assert not is_valid(code)


def test_lower_case_is_accepted_as_upper_case():
    assert is_valid("91350100m000100y43")
