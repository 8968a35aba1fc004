"""Reading HTML forms into the domain's input shapes, and showing domain refusals on the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from flask import flash, redirect, request
from werkzeug.datastructures import FileStorage

from app.errors import status_for
from app.i18n import error_message
from app.services import db
from bidding.schemas import MAX_ID, YEARS
from bidding.tenders import Upload
from core.clock import from_local
from core.errors import N_, DomainError, InvalidInput, phrase

T = TypeVar("T")


def text(name: str) -> str:
    return request.form.get(name, "").strip()


def checkbox(name: str) -> bool:
    return request.form.get(name) in {"on", "1", "true", "yes"}


def optional(name: str) -> str | None:
    value = text(name)
    return value or None


def row_id(value: str) -> int | None:
    """A row id typed or posted as text; anything else (or beyond the largest id) is None."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) < 11 and 0 < int(value) <= MAX_ID:
        return int(value)
    return None


def required_id(name: str, message: str) -> int:
    """The row id in field ``name``; refused with ``message`` when it is missing or not a row id."""
    value = row_id(text(name))
    if value is None:
        raise InvalidInput(message, field=name)
    return value


def optional_id(name: str, message: str) -> int | None:
    """The row id in field ``name``, None when the field is empty; refused with ``message`` when it is not an id."""
    return required_id(name, message) if text(name) else None


def local_datetime(name: str) -> str | None:
    """<input type=datetime-local> gives 'YYYY-MM-DDTHH:MM'; the schema reads it as Shanghai time."""
    value = text(name)
    if not value:
        return None
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return "invalid"
    return value


def local_time(name: str, label: str) -> datetime:
    """<input type=datetime-local>, read as Beijing time; refused with the field's label when it is not a time."""
    try:
        value = datetime.fromisoformat(text(name))
    except ValueError:
        value = None
    if value is None or value.year not in YEARS:
        raise InvalidInput(N_("%(label)s：请按“年-月-日 时:分”填写北京时间。"), field=name, label=phrase(label))
    return from_local(value)


def form_rows(pattern: re.Pattern[str]) -> list[dict[str, str]]:
    """A form's repeated rows (``prefix-N-field``, ``pattern`` capturing N and field), in order of N."""
    rows: dict[int, dict[str, str]] = {}
    for key in request.form:
        match = pattern.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = request.form.get(key, "").strip()
    return [row for _, row in sorted(rows.items())]


def uploads(field: str, title_field: str | None = None) -> list[Upload]:
    files: list[FileStorage] = [f for f in request.files.getlist(field) if f and f.filename]
    title = text(title_field) if title_field else ""
    return [
        Upload(title=title if len(files) == 1 and title else (f.filename or ""), filename=f.filename or "",
               content_type=f.mimetype or "application/octet-stream", stream=f.stream)
        for f in files
    ]


def attempt(action: Callable[[], T], success: Callable[[T], Any], failure: Callable[[], Any]) -> Any:
    """Run one domain action and commit; on a refusal roll back, flash why and show the form again."""
    session = db()
    try:
        result = action()
        session.commit()
    except DomainError as error:
        session.rollback()
        flash(error_message(error), "error")
        response = failure()
        if isinstance(response, tuple):
            return response
        return response, status_for(error)
    return success(result)


def back(default: str) -> Any:
    return redirect(request.referrer or default)
