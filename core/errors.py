"""Typed domain errors. The web and API layers turn them into HTTP answers in the user's language.

Messages are gettext message ids written in Chinese (the platform's first language) with
``%(name)s`` placeholders; ``N_`` marks them for extraction without translating here, since the
domain never knows the user's language.
"""

from __future__ import annotations

from typing import Any, NamedTuple


def N_(message: str) -> str:
    """Mark a message id for translation; translation happens in the app layer."""
    return message


class Msg(NamedTuple):
    """A message id with its parameters, for a parameter that is itself a translatable phrase."""

    text: str
    params: dict[str, Any]


def phrase(text: str) -> Msg:
    """A parameter that is itself a translatable phrase (a field label, a status, an article)."""
    return Msg(text, {})


def render(message: str, params: dict[str, Any], translate=lambda s: s) -> str:
    """Format ``message`` with ``params``, translating the message and every ``Msg`` parameter.

    Plain strings are values people typed (names, codes) and are never translated.
    """

    def value(v: Any) -> Any:
        if isinstance(v, Msg):
            return render(v.text, v.params, translate)
        return v

    text = translate(message)
    return text % {k: value(v) for k, v in params.items()} if params else text


class DomainError(Exception):
    """Base class; ``code`` is stable for API clients, ``message`` is a translatable message id."""

    code = "domain_error"

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None, **params: object) -> None:
        if rule is not None:
            params["rule"] = phrase(rule)
        super().__init__(render(message, params))
        self.message = message
        self.params = params
        self.field = field
        self.rule = rule


class NotFound(DomainError):
    code = "not_found"


class NotPermitted(DomainError):
    code = "not_permitted"


class InvalidInput(DomainError):
    code = "invalid_input"


class RuleViolation(DomainError):
    """A legal rule refuses the action; ``rule`` names the article (e.g. 法第24条)."""

    code = "rule_violation"


class DeadlinePassed(RuleViolation):
    code = "deadline_passed"


class Conflict(DomainError):
    """The object is not in the state the action needs, or a unique value is taken."""

    code = "conflict"


class Unavailable(DomainError):
    """The platform is not set up for this yet (e.g. no signing passphrase configured)."""

    code = "unavailable"


class AuthenticationFailed(DomainError):
    code = "authentication_failed"


class Throttled(DomainError):
    code = "throttled"
