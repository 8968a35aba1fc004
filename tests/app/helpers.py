"""Driving the web pages like a browser: CSRF tokens scraped from real pages, sign-in through the form.

The API is small and meant to stay stable::

    login(client, "agent")                       # signs in through /login, asserts it worked
    token = csrf(client, "/agency/tenders/new")  # the token a page's form carries
    post(client, "/tenders/1/publish", {...})    # a form post with a valid token
    logout(client)
"""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.world import PASSWORD

__all__ = ["PASSWORD", "csrf", "login", "logout", "post", "scrape_csrf"]

_TOKEN = re.compile(
    r"""<input\b(?=[^>]*\bname=["']csrf_token["'])[^>]*\bvalue=["']([^"']+)["']""", re.IGNORECASE)


def scrape_csrf(html: str) -> str | None:
    """The first csrf_token hidden field's value in a page, or None."""
    match = _TOKEN.search(html)
    return match.group(1) if match else None


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token a form on ``path`` carries (following redirects), for this client's session.

    The token is bound to the session, not to the form, so any page with a form will do; when
    ``path`` shows none, the sign-in page (or, when signed in, the header's sign-out form) does.
    """
    for page in dict.fromkeys((path, "/login", "/")):
        response = client.get(page, follow_redirects=True)
        token = scrape_csrf(response.get_data(as_text=True))
        if token:
            return token
    raise AssertionError(f"no csrf_token field on {path}, /login or /")


def post(client: FlaskClient, path: str, data: dict[str, Any] | None = None, form_page: str | None = None,
         **kwargs: Any) -> TestResponse:
    """POST ``data`` to ``path`` with a valid CSRF token scraped from ``form_page`` (default: ``path``).

    File fields may be ``(io.BytesIO(b"..."), "name.pdf")`` tuples; extra keyword arguments
    (``follow_redirects=True``, ``headers=...``) go to the test client.
    """
    fields = dict(data or {})
    fields.setdefault("csrf_token", csrf(client, form_page or path))
    return client.post(path, data=fields, **kwargs)


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> TestResponse:
    """Sign in through the real form; fails the test unless the site accepted the password."""
    response = post(client, "/login", {"username": username, "password": password})
    assert response.status_code == 302, (
        f"sign-in as {username!r} failed: {response.status_code} {response.get_data(as_text=True)[:300]}")
    return response


def logout(client: FlaskClient) -> TestResponse:
    """Sign out through the header's form."""
    return post(client, "/logout", form_page="/")
