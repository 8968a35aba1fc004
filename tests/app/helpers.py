"""Driving the web pages like a browser: CSRF tokens scraped from real pages, sign-in through the form.

The API is small and meant to stay stable::

    login(client, "agent")                       # signs in through /login, asserts it worked
    token = csrf(client, "/agency/tenders/new")  # the token a page's form carries
    post(client, "/tenders/1/publish", {...})    # a form post with a valid token
    logout(client)

    client = signed_in(app, "tenderee")           # a signed-in client keeping its session's token
    post_token(client, "/award/1/accept")        # a form post with that token, no page fetched
    html = page_text(response)
    flash_messages(html)                         # the flashed messages shown on a page
    assert_refused(response, 400, "reason")      # a 4xx carrying the domain's message
    signed_in(app, outsider_bidder(session, clock, world))  # a bidder company that bid on nothing
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from app.demo import demo_code
from bidding import parties
from core.actor import OrgKind, Role
from tests.world import PASSWORD

__all__ = ["PASSWORD", "assert_refused", "csrf", "flash_messages", "login", "logout", "outsider_bidder", "page_text",
           "post", "post_token", "scrape_csrf", "signed_in"]

_FLASH = re.compile(r'<div class="flash [^"]*" role="alert">(.*?)</div>', re.S)
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


def signed_in(app: Flask, username: str) -> FlaskClient:
    """A new client signed in as ``username``, with its session's CSRF token kept as ``client.token``."""
    client = app.test_client()
    login(client, username)
    client.token = csrf(client, "/")  # bound to the session: one per signed-in client
    return client


def post_token(client: FlaskClient, path: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
    """POST ``data`` to ``path`` with the token of a :func:`signed_in` client (no page is fetched for it)."""
    return client.post(path, data={"csrf_token": client.token, **(data or {})}, **kwargs)


def page_text(response: TestResponse) -> str:
    """A response's body as text."""
    return response.get_data(as_text=True)


def flash_messages(html: str) -> list[str]:
    """The flashed messages a page shows, in order."""
    return _FLASH.findall(html)


def assert_refused(response: TestResponse, status: int, message: str) -> None:
    """The answer is ``status`` and the page shows ``message`` (the domain's reason)."""
    html = page_text(response)
    assert response.status_code == status and message in html, (
        response.status_code, flash_messages(html) or html[:300])


def outsider_bidder(session, clock, world) -> str:
    """A bidder company that bid on nothing, with a user: the username to sign in as ('bidder4')."""
    org = parties.create_organisation(session, clock, world.admin, parties.OrganisationInput(
        name="投标公司4", kind=OrgKind.BIDDER, credit_code=demo_code(14), legal_representative="法人",
        contact_name="联系人", contact_phone="010-12345678", region="北京市"))
    parties.create_user(session, clock, world.admin, parties.UserInput(
        username="bidder4", display_name="bidder4", password=PASSWORD, roles=(Role.BIDDER,), organisation_id=org.id))
    session.commit()
    return "bidder4"
