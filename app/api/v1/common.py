"""What every API endpoint shares: the bearer-token actor and the JSON body."""

from __future__ import annotations

from functools import wraps

from flask import g, request
from flask_babel import gettext

from app.errors import error_response
from app.services import db
from core.actor import Actor
from core.errors import N_, InvalidInput
from core.identity import user_for_token


def token_actor() -> Actor | None:
    """The actor of the request's bearer token; cookies are never read here (so no CSRF risk)."""
    header = request.headers.get("Authorization", "")
    token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
    user = user_for_token(db(), token) if token else None
    return user.actor() if user else None


def actor() -> Actor:
    return g.get("api_actor") or token_actor() or Actor.anonymous()


def token_required(view):
    """Clients send ``Authorization: Bearer <token>``."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        actor = token_actor()
        if actor is None:
            return error_response(401, "unauthorized", gettext("缺少或无效的访问令牌。"))
        g.api_actor = actor
        return view(*args, **kwargs)

    return wrapped


def json_value() -> object:
    """The request's JSON; a NUL character in any string is refused (it is never text, and PostgreSQL
    refuses it), as the app refuses it in forms and query strings."""
    body = request.get_json(silent=True)
    if _has_nul(body):
        raise InvalidInput(N_("请求中含有不可见的控制字符（NUL）。"))
    return body


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def json_body() -> dict:
    body = json_value()
    if not isinstance(body, dict):
        raise InvalidInput(N_("请求体必须是 JSON 对象。"))
    return body
