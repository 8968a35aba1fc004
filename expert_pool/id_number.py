"""The resident identity card number (居民身份证号码), GB 11643-1999.

18 characters: a 6-digit address code, the birth date as YYYYMMDD, a 3-digit sequence number and a
check character computed over the first 17 with ISO 7064 MOD 11-2 (weights 2^(17-i) mod 11, result
``X`` for 10). The roster refuses any number that fails these checks: an expert who cannot be
identified cannot be checked for conflicts either.
"""

from __future__ import annotations

from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11 (GB 11643-1999, section 5.4)
EARLIEST_BIRTH = date(1900, 1, 1)


def normalise(number: str) -> str:
    """Without surrounding spaces and with an upper-case ``X`` (people type both cases)."""
    return number.strip().upper()


def check_character(first17: str) -> str:
    """The check character for the first 17 digits (ISO 7064 MOD 11-2)."""
    total = sum(int(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def birth_date(number: str) -> date | None:
    """The birth date the number encodes, or None when it is not a real date."""
    digits = normalise(number)[6:14]
    if len(digits) != 8 or not digits.isdigit():
        return None
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


def problem(number: str, today: date | None = None) -> str | None:
    """What is wrong with ``number`` ("length", "characters", "birth_date", "check"), or None if it is valid.

    ``today`` bounds the birth date (nobody is born in the future); without it only the calendar is checked.
    """
    number = normalise(number)
    if len(number) != 18:
        return "length"
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        return "characters"
    born = birth_date(number)
    if born is None or born < EARLIEST_BIRTH or (today is not None and born > today):
        return "birth_date"
    if check_character(number[:17]) != number[17]:
        return "check"
    return None


def is_valid(number: str, today: date | None = None) -> bool:
    return problem(number, today) is None


def masked(number: str) -> str:
    """For logs and the ledger: the region and the last four characters only (个人信息保护法 data minimisation)."""
    number = normalise(number)
    return number[:6] + "*" * 8 + number[14:] if len(number) == 18 else "*" * len(number)
