"""The bidder client: seal, submit and open bids without a browser (`python -m bidding.client`).

Everything secret happens here, on the bidder's machine: the encryption key file is made and kept
here, bids are sealed here, and at the opening only the content key of one bid leaves it. The
platform is reached over its JSON API with a bearer token (`flask users token NAME`).

    python -m bidding.client keygen --out bidder.key
    python -m bidding.client register-key --server URL --token T --key bidder.key
    python -m bidding.client obtain --server URL --token T --tender 12
    python -m bidding.client seal --server URL --tender 12 --section 1 --bidder-code 9133… --key bidder.key \\
        --form bid-form.json --out bid.sealbid 技术标.pdf 商务标.pdf
    python -m bidding.client submit --server URL --token T --tender 12 --section 1 --pin PIN bid.sealbid
    python -m bidding.client status --server URL --token T --bid 7
    python -m bidding.client decrypt-key --key bidder.key bid.sealbid
    python -m bidding.client open --server URL --token T --bid 7 --key bidder.key bid.sealbid
    python -m bidding.client escrow-peel --server URL --token T --bid 7 --key holder.key
    python -m bidding.client verify-receipt --server URL receipt.pdf
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from core.errors import DomainError, render
from signing import envelope
from signing.verify import verify_pdf


class ClientError(Exception):
    """Something the bidder must fix; printed as one line, exit status 2."""


def _request(method: str, url: str, token: str | None = None, body: bytes | None = None,
             headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            data = response.read()
            return json.loads(data) if response.headers.get_content_type() == "application/json" else data
    except urllib.error.HTTPError as exc:
        raise ClientError(_error_text(exc)) from exc
    except urllib.error.URLError as exc:
        raise ClientError(f"cannot reach {url}: {exc.reason}") from exc


def _error_text(exc: urllib.error.HTTPError) -> str:
    try:
        error = json.loads(exc.read())["error"]
        return f"{exc.code} {error['code']}: {error['message']}"
    except (ValueError, KeyError, TypeError):
        return f"{exc.code} {exc.reason}"


def _load_key(path: str) -> X25519PrivateKey:
    try:
        return envelope.load_private_pem(Path(path).read_bytes())
    except OSError as exc:
        raise ClientError(f"cannot read key file {path}: {exc.strerror}") from exc


def keygen(args: argparse.Namespace) -> None:
    out = Path(args.out)
    if out.exists():
        raise ClientError(f"{out} exists; refusing to overwrite a key file")
    key = X25519PrivateKey.generate()
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(envelope.private_key_pem(key))
    public = envelope.raw_public(key.public_key())
    print(f"key file: {out} (keep it; it never leaves this machine)")
    print(f"public key: {base64.b64encode(public).decode()}")
    print(f"key id: {envelope.key_id(key.public_key())}")


def register_key(args: argparse.Namespace) -> None:
    public = envelope.raw_public(_load_key(args.key).public_key())
    body = json.dumps({"public_key": base64.b64encode(public).decode()}).encode()
    answer = _request("POST", f"{args.server}/api/v1/keys/encryption", args.token, body,
                      {"Content-Type": "application/json"})
    print(f"registered key id {answer['key_id']}")


def obtain(args: argparse.Namespace) -> None:
    answer = _request("POST", f"{args.server}/api/v1/tenders/{args.tender}/obtain", args.token, b"{}",
                      {"Content-Type": "application/json"})
    print(f"documents of tender {answer['tender_id']} obtained at {answer['obtained_at']}")


def seal(args: argparse.Namespace) -> None:
    escrow_info = _request("GET", f"{args.server}/api/v1/tenders/{args.tender}/escrow")
    if not escrow_info.get("k"):
        raise ClientError("this tender has no opening escrow yet; bids cannot be sealed for it")
    holders = tuple(envelope.load_public(base64.b64decode(h["public_key"])) for h in escrow_info["holders"])
    try:
        form = json.loads(Path(args.form).read_text(encoding="utf-8")) if args.form else {}
    except (OSError, ValueError) as exc:
        raise ClientError(f"cannot read the bid form {args.form}: {exc}") from exc
    files = []
    for name in args.files:
        path = Path(name)
        if not path.is_file():
            raise ClientError(f"not a file: {name}")
        files.append(envelope.SealedFile(path.name, str(path)))
    key = _load_key(args.key)
    binding = envelope.Binding(escrow_info["tender_code"], args.section, args.bidder_code.strip().upper())
    manifest = envelope.manifest_for(form, files)
    with open(args.out, "xb") as out:
        digest = envelope.seal(envelope.container(manifest, files), out, binding, key.public_key(),
                               envelope.Escrow(escrow_info["k"], holders))
    print(f"sealed {len(files)} file(s) into {args.out}; envelope SHA-256 {digest}")


def submit(args: argparse.Namespace) -> None:
    path = Path(args.envelope)
    size = path.stat().st_size
    parsed = urllib.parse.urlsplit(args.server)
    connection_class = http.client.HTTPSConnection if parsed.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parsed.netloc, timeout=600)
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/octet-stream",
               "Content-Length": str(size), "X-Sealbid-Pin": args.pin,
               "X-Client-Fingerprint": f"sealbid-client/1 {sys.platform}"}
    with path.open("rb") as body:  # streamed: a 1 GiB bid is never read into memory
        connection.request("POST", f"{parsed.path}/api/v1/tenders/{args.tender}/sections/{args.section}/bids",
                           body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    if response.status >= 400:
        try:
            error = json.loads(data)["error"]
        except (ValueError, KeyError, TypeError):
            raise ClientError(f"{response.status} {response.reason}") from None
        raise ClientError(f"{response.status} {error['code']}: {error['message']}")
    receipt = json.loads(data)
    print(json.dumps(receipt, ensure_ascii=False, indent=2))
    if receipt.get("receipt_url") and args.receipt_out:
        Path(args.receipt_out).write_bytes(_request("GET", f"{args.server}{receipt['receipt_url']}", args.token))
        print(f"signed receipt saved to {args.receipt_out}")


def status(args: argparse.Namespace) -> None:
    print(json.dumps(_request("GET", f"{args.server}/api/v1/bids/{args.bid}", args.token), ensure_ascii=False, indent=2))


def decrypt_key(args: argparse.Namespace) -> None:
    with open(args.envelope, "rb") as handle:
        header = envelope.read_header(handle)
    content_key = envelope.unwrap_for_bidder(header, _load_key(args.key))
    print(content_key.hex())


def open_bid(args: argparse.Namespace) -> None:
    """At the opening: unwrap the content key locally and hand only that key to the platform."""
    with open(args.envelope, "rb") as handle:
        header = envelope.read_header(handle)
    content_key = envelope.unwrap_for_bidder(header, _load_key(args.key))
    body = json.dumps({"content_key": content_key.hex()}).encode()
    answer = _request("POST", f"{args.server}/api/v1/bids/{args.bid}/decrypt", args.token, body,
                      {"Content-Type": "application/json"})
    print(f"bid {answer['bid_id']}: {answer['status']}; files: {', '.join(answer['files']) or '-'}")


def escrow_peel(args: argparse.Namespace) -> None:
    """An escrow holder removes its layer of a bid's key on its own machine and hands back the rest."""
    current = _request("GET", f"{args.server}/api/v1/bids/{args.bid}/escrow/layer", args.token)
    b = current["binding"]
    layer = envelope.peel(base64.b64decode(current["layer"]), _load_key(args.key),
                          envelope.Binding(b["tender_code"], b["section"], b["bidder"]))
    body = json.dumps({"layer": base64.b64encode(layer).decode()}).encode()
    answer = _request("POST", f"{args.server}/api/v1/bids/{args.bid}/escrow/layer", args.token, body,
                      {"Content-Type": "application/json"})
    print(f"bid {answer['bid_id']}: {answer['status']}")


def verify_receipt(args: argparse.Namespace) -> None:
    if args.ca:
        roots = [x509.load_pem_x509_certificate(Path(args.ca).read_bytes())]
        crls = [Path(args.crl).read_bytes()] if args.crl else []
    else:
        roots = [x509.load_pem_x509_certificate(_request("GET", f"{args.server}/pki/ca.pem"))]
        crls = [_request("GET", f"{args.server}/pki/crl.der")]
    at = None
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError as exc:
            raise ClientError(f"--at is not an ISO 8601 time: {args.at}") from exc
        if at.tzinfo is None:
            raise ClientError("--at needs a time zone, e.g. 2026-03-02T09:00:00+08:00")
    check = verify_pdf(Path(args.receipt).read_bytes(), roots, crls, at)
    for problem in [*check.problems, *(p for s in check.signatures for p in s.problems)]:
        print(f"FAIL: {render(problem.text, problem.params)}")
    for sig in check.signatures:
        print(f"signed by {sig.signer} at {sig.timestamp.isoformat() if sig.timestamp else '?'}")
    if not check.ok:
        raise SystemExit(1)
    print("receipt OK")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="python -m bidding.client", description=__doc__.splitlines()[0])
    commands = root.add_subparsers(dest="command", required=True)

    def command(name: str, handler, help_text: str, *, server: bool = False, token: bool = False):
        sub = commands.add_parser(name, help=help_text)
        sub.set_defaults(handler=handler)
        if server:
            sub.add_argument("--server", required=True, help="the platform, e.g. http://127.0.0.1:5000")
        if token:
            sub.add_argument("--token", required=True, help="API token (flask users token NAME)")
        return sub

    command("keygen", keygen, "make an encryption key file").add_argument("--out", required=True)
    sub = command("register-key", register_key, "register the key file's public half", server=True, token=True)
    sub.add_argument("--key", required=True)
    sub = command("obtain", obtain, "obtain a tender's documents (needed before bidding)", server=True, token=True)
    sub.add_argument("--tender", type=int, required=True)
    sub = command("seal", seal, "seal a bid for a tender section", server=True)
    sub.add_argument("--tender", type=int, required=True)
    sub.add_argument("--section", type=int, required=True)
    sub.add_argument("--bidder-code", required=True, help="your unified social credit code")
    sub.add_argument("--key", required=True)
    sub.add_argument("--form", help="the bid form (开标一览表) as a JSON file")
    sub.add_argument("--out", required=True)
    sub.add_argument("files", nargs="+")
    sub = command("submit", submit, "upload a sealed bid; prints the receipt", server=True, token=True)
    sub.add_argument("--tender", type=int, required=True)
    sub.add_argument("--section", type=int, required=True)
    sub.add_argument("--pin", required=True, help="your signing PIN (signs the envelope hash)")
    sub.add_argument("--receipt-out", help="save the signed PDF receipt here")
    sub.add_argument("envelope")
    sub = command("status", status, "a bid's status and history", server=True, token=True)
    sub.add_argument("--bid", type=int, required=True)
    sub = command("decrypt-key", decrypt_key, "unwrap a bid's content key with your key file (at the opening)")
    sub.add_argument("--key", required=True)
    sub.add_argument("envelope")
    sub = command("open", open_bid, "at the opening: decrypt your bid's key here and hand it over", server=True,
                  token=True)
    sub.add_argument("--bid", type=int, required=True)
    sub.add_argument("--key", required=True)
    sub.add_argument("envelope")
    sub = command("escrow-peel", escrow_peel, "escrow holders: remove your layer of a bid's key", server=True,
                  token=True)
    sub.add_argument("--bid", type=int, required=True)
    sub.add_argument("--key", required=True)
    sub = command("verify-receipt", verify_receipt, "check a receipt's signature")
    sub.add_argument("--server", help="fetch the CA and CRL from the platform")
    sub.add_argument("--ca", help="trust this CA certificate (PEM) instead")
    sub.add_argument("--crl", help="with --ca: a CRL (DER)")
    sub.add_argument("--at", help="validate as of this time (ISO 8601 with zone); default now")
    sub.add_argument("receipt")
    return root


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "verify-receipt" and not (args.server or args.ca):
        print("error: give --server or --ca", file=sys.stderr)
        return 2
    try:
        args.handler(args)
    except (ClientError, DomainError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.filename or ''}: {exc.strerror}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
