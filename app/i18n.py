"""Language choice (zh-CN first, English available) and translation of domain messages."""

from __future__ import annotations

from flask import current_app, request, session
from flask_babel import gettext

from core.errors import DomainError, render


def select_locale() -> str:
    chosen = session.get("lang")
    if chosen in current_app.config["LANGUAGES"]:
        return chosen
    requested = request.args.get("lang")
    if requested in current_app.config["LANGUAGES"]:
        return requested
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def translate(message: str, **params: object) -> str:
    """A domain message id with its parameters, in the user's language."""
    return render(message, params, gettext)


def error_message(error: DomainError) -> str:
    return render(error.message, error.params, gettext)
