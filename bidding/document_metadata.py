"""Metadata of decrypted bid documents: who made them, with what, when.

Identical authors, software or creation times across competing bids are classic signs of bid rigging
(条例第40条: documents made by the same person or unit); the rigging checks of a later issue compare
what is recorded here. Only read after the opening, from the decrypted files.
"""

from __future__ import annotations

import io
from typing import BinaryIO

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader

FIELDS = {"/Author": "author", "/Creator": "creator", "/Producer": "producer", "/CreationDate": "created",
          "/ModDate": "modified"}
MAX_VALUE = 200


def pdf_metadata(stream: BinaryIO) -> dict[str, str]:
    """The PDF's document information dictionary (empty for anything that is not a readable PDF)."""
    head = stream.read(5)
    if head != b"%PDF-":
        return {}
    try:
        reader = PdfFileReader(io.BytesIO(head + stream.read()), strict=False)
        info = reader.trailer["/Info"]
        return {name: str(info[key])[:MAX_VALUE] for key, name in FIELDS.items() if key in info}
    except (PdfError, ValueError, KeyError, TypeError, AttributeError):
        return {}
