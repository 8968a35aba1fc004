"""Every failure becomes a clear answer in the user's language: a page, or JSON under /api/."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from app.i18n import error_message
from core.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    NotPermitted,
    RuleViolation,
    Throttled,
    Unavailable,
)

log = logging.getLogger(__name__)

STATUS = {
    NotFound: 404,
    NotPermitted: 403,
    InvalidInput: 400,
    RuleViolation: 422,
    Conflict: 409,
    AuthenticationFailed: 401,
    Throttled: 429,
    Unavailable: 503,
}


def status_for(error: DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


def _http_messages() -> dict[int, str]:
    return {
        400: gettext("请求无效，请检查填写的内容。"),
        401: gettext("请先登录。"),
        403: gettext("您没有访问此页面的权限。"),
        404: gettext("页面或记录不存在。"),
        405: gettext("不支持此操作方式。"),
        413: gettext("上传的文件太大。"),
        429: gettext("操作过于频繁，请稍后再试。"),
        500: gettext("系统内部错误，请稍后再试；问题已记录。"),
        503: gettext("服务暂不可用，请稍后再试。"),
    }


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, field: str | None = None):
    if wants_json():
        body = {"error": {"code": code, "message": message}}
        if field:
            body["error"]["field"] = field
        return jsonify(body), status
    return render_template("error.html", status=status, message=message), status


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        return error_response(status_for(error), error.code, error_message(error), error.field)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        return error_response(400, "csrf", gettext("表单已过期或缺少安全令牌，请返回刷新页面后重试。"))

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge):
        return error_response(413, "too_large", _http_messages()[413])

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        message = _http_messages().get(status, error.description or "")
        return error_response(status, error.name.lower().replace(" ", "_"), message)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error", exc_info=error)
        return error_response(500, "internal", _http_messages()[500])
