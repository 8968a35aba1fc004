"""JSON API v1 (DESIGN.md section 7): token auth, errors as {"error": {"code", "message"}}."""

from flask import Blueprint

api = Blueprint("api_v1", __name__, url_prefix="/api/v1")

from app.api.v1 import bids, bonds, keys, opening, tenders, uploads  # noqa: E402,F401  (registers the routes on the blueprint)
