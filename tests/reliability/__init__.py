"""Reliability tests: the real server (gunicorn workers, the scheduler as its own process) under a deadline
rush, and killed in the middle of an upload."""
