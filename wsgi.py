"""WSGI entry point for gunicorn and `flask run`."""

from app.factory import create_app

app = create_app()
