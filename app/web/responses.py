"""Answers the pages share: a file to save under a translated name, and a form's success that flashes and moves on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Response, flash, redirect, url_for


def attachment(data: bytes, mimetype: str, ascii_name: str, name: str, *, no_store: bool = True) -> Response:
    """``data`` to be saved: an ASCII name for old clients, the translated ``name`` (RFC 6266/5987) for the others;
    not kept in caches unless ``no_store`` is False (what anyone may read)."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def flashed(message: str, endpoint: str, **values: Any) -> Callable[[Any], Any]:
    """For :func:`app.web.forms.attempt`: on success flash ``message`` and go to ``endpoint`` with ``values``."""

    def done(_result: Any) -> Any:
        flash(message, "success")
        return redirect(url_for(endpoint, **values))

    return done
