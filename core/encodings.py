"""Text files people in China export: UTF-8 (with or without a BOM) or GBK (Excel's "CSV" on Chinese Windows)."""

from __future__ import annotations

CHINESE_ENCODINGS = ("utf-8-sig", "gb18030")


def decode_chinese(data: bytes) -> str | None:
    """The text in the first encoding that reads it whole, or None; the caller says what the file should be."""
    for encoding in CHINESE_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None
