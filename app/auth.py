"""Sign-in state: a signed session cookie for people, a bearer token for API clients."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, g, redirect, request, session, url_for

from app.services import db
from core.actor import Actor, Role
from core.identity import User


def current_user() -> User | None:
    if "user" not in g:
        user = None
        uid = session.get("uid")
        if isinstance(uid, int):
            user = db().get(User, uid)
            if user is not None and (not user.active or session.get("pw") != user.password_hash[-16:]):
                user = None
        g.user = user
    return g.user


def current_actor() -> Actor:
    user = current_user()
    return user.actor() if user else Actor.anonymous()


def sign_in(user: User) -> None:
    """A fresh session for the user (never reuse the anonymous one: no session fixation)."""
    lang = session.get("lang")
    session.clear()
    session["uid"] = user.id
    # Changing the password ends every session of that user.
    session["pw"] = user.password_hash[-16:]
    if lang:
        session["lang"] = lang
    session.permanent = False
    g.pop("user", None)


def sign_out() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    g.pop("user", None)


def login_required(*roles: Role) -> Callable:
    """Pages: send strangers to the sign-in page, and refuse people without one of ``roles``."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if not actor.signed_in:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and not actor.has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
