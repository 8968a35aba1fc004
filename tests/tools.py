"""External validators the tests call (poppler, NSS): missing in CI is a failure, elsewhere a skip."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path:
        return path
    message = f"{name} is not installed (Debian: poppler-utils / libnss3-tools); .ci/run installs it"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def nss_database(directory: Path, ca_pem: bytes, crl_der: bytes | None = None) -> str:
    """An NSS database trusting ``ca_pem`` (and knowing ``crl_der``), as pdfsig reads them."""
    certutil = require_tool("certutil")
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sql:{directory}"
    subprocess.run([certutil, "-N", "-d", db, "--empty-password"], check=True, capture_output=True)
    (directory / "ca.pem").write_bytes(ca_pem)
    subprocess.run([certutil, "-A", "-d", db, "-n", "sealbid-ca", "-t", "CT,C,C", "-i", str(directory / "ca.pem")],
                   check=True, capture_output=True)
    if crl_der is not None:
        (directory / "crl.der").write_bytes(crl_der)
        subprocess.run([require_tool("crlutil"), "-I", "-d", db, "-t", "1", "-i", str(directory / "crl.der")],
                       check=True, capture_output=True)
    return db


def pdfsig(path: Path, nss_db: str) -> str:
    """pdfsig's report; it exits 0 even when a check fails, so callers read the text."""
    result = subprocess.run([require_tool("pdfsig"), "-nssdir", nss_db, str(path)], capture_output=True, text=True)
    return result.stdout + result.stderr
