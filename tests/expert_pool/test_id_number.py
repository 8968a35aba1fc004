"""The resident ID number check (GB 11643-1999): length, birth date and the ISO 7064 MOD 11-2 check character."""

from __future__ import annotations

import random
from datetime import date

import pytest

from expert_pool import id_number

# The standard's worked example (ending in X) and a Hangzhou number of 1980.
VALID = ["11010519491231002X", "330106198001011235"]


@pytest.mark.parametrize("number", VALID)
def test_valid_numbers_pass(number):
    assert id_number.problem(number) is None
    assert id_number.is_valid(number.lower())  # a typed lower-case x is the same number


def test_wrong_check_character_is_named():
    assert id_number.problem("110105194912310021") == "check"
    assert id_number.problem("330106198001011236") == "check"


@pytest.mark.parametrize("number", ["110105194902300012", "110105194913010010", "110105189912310016"])
def test_impossible_birth_dates_are_refused(number):
    first17 = number[:17]
    fixed = first17 + id_number.check_character(first17)  # the check character is right: only the date is wrong
    assert id_number.problem(fixed) == "birth_date"


def test_birth_in_the_future_is_refused_when_today_is_known():
    first17 = "33010620300101001"
    number = first17 + id_number.check_character(first17)
    assert id_number.problem(number) is None
    assert id_number.problem(number, today=date(2026, 3, 2)) == "birth_date"


@pytest.mark.parametrize("number", ["", "1101051949123100", "11010519491231002XX", "1101051949123100A2", "X10105194912310021"])
def test_wrong_length_or_characters(number):
    assert id_number.problem(number) in ("length", "characters")


def _samples(n: int) -> list[str]:
    rng = random.Random(20260302)  # fixed: the same cases on every run (hypothesis is not installed)
    out = []
    for _ in range(n):
        born = date(1930, 1, 1).toordinal() + rng.randrange(80 * 365)
        first17 = f"{rng.randrange(110000, 660000)}{date.fromordinal(born):%Y%m%d}{rng.randrange(1000):03d}"
        out.append(first17 + id_number.check_character(first17))
    return out


@pytest.mark.parametrize("number", _samples(40))
def test_every_single_digit_error_is_caught(number):
    """MOD 11-2 detects every substitution of one character: change any one digit and the check fails."""
    assert id_number.is_valid(number)
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1:]
            assert id_number.problem(changed) in ("check", "birth_date"), changed


def test_masked_keeps_area_and_tail_only():
    assert id_number.masked("11010519491231002X") == "110105********002X"
