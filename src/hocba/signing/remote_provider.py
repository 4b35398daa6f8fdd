"""A local remote-signing provider, so the remote path is exercised end to end (issue 5 §2).

VNPT SmartCA, Viettel MySign and the Cipher Committee's service keep the signer's key and sign
*hashes* after the holder confirms on their phone, many hashes per confirmation (DOMAIN.md §3.4;
CV 2088 PL1 ``ma_kieu_chu_ky`` = REMOTE_SIGNING). This server speaks a Cloud Signature
Consortium API v2-style JSON dialect over HTTP, with the asynchronous confirmation those
services add (the CSC's own ``credentials/authorize`` is synchronous):

    POST /csc/v2/info                       who we are
    POST /csc/v2/auth/login                 HTTP Basic → {"access_token"} (or a bearer given out)
    POST /csc/v2/credentials/list           {"credentialIDs": [...]} of the bearer
    POST /csc/v2/credentials/info           key, certificate chain (base64 DER)
    POST /csc/v2/credentials/authorize      {"credentialID", "numSignatures", "hashes"}
                                            → 202 {"authorizationID", "status": "pending"}
    POST /csc/v2/credentials/authorizeCheck {"authorizationID"} → pending | approved (+ "SAD")
                                            | declined | expired
    POST /csc/v2/signatures/signHash        {"credentialID", "SAD", "hashes"} → {"signatures"}

The holder's phone is played by a policy per credential (``approve``, ``decline``, ``never``:
no answer, so the client times out; ``manual``: wait for) ``POST /_demo/confirm/<id>`` or
``/_demo/decline/<id>``; ``GET /_demo/pending`` lists what waits. Keys come from the demo PKI's
PKCS#12 files (``add_credential``, or all of them with ``add_demo_pki``). DEMO ONLY: no TLS,
bearer tokens in memory, the ``/_demo`` routes unauthenticated.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from hocba.signing.backends import Pkcs12Signer, SigningError
from hocba.signing.loopback import BackgroundService
from hocba.signing.pki import DEMO_PKCS12_PASSWORD

__all__ = ["SHA256_OID", "Confirmation", "RemoteSigningProvider", "sign_algorithm_oid"]

SHA256_OID = "2.16.840.1.101.3.4.2.1"
ECDSA_SHA256_OID = "1.2.840.10045.4.3.2"
RSA_OID = "1.2.840.113549.1.1.1"  # PKCS#1 v1.5 over the given hash (CSC signAlgo rsaEncryption)
MAX_HASHES = 20_000  # a whole school's records in one confirmation (issue 5 "Done when")
MAX_BODY = 4 * 1024 * 1024
_STEM = re.compile(r"[A-Za-z0-9_-]{1,64}")  # a demo PKCS#12 file stem, never a path


class Confirmation(StrEnum):
    """What the holder does on their phone when asked to confirm."""

    APPROVE = "approve"
    DECLINE = "decline"
    NEVER = "never"  # never answers: the request expires, the client times out
    MANUAL = "manual"  # waits for /_demo/confirm/<id> or /_demo/decline/<id>


def sign_algorithm_oid(signer: Pkcs12Signer) -> str:
    return ECDSA_SHA256_OID if isinstance(signer.key, ec.EllipticCurvePrivateKey) else RSA_OID


@dataclass
class _Credential:
    owner: str
    signer: Pkcs12Signer
    confirmation: Confirmation


@dataclass
class _Authorization:
    id: str
    credential_id: str
    owner: str
    hashes: list[bytes]
    expires: float
    status: str = "pending"
    sad: str | None = None
    signed: set[bytes] = field(default_factory=set)


class RemoteSigningProvider(BackgroundService):
    """The provider's server and its in-memory accounts, credentials and confirmations."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *,
                 confirm_within: float = 300.0, approve_after: float = 0.2) -> None:
        self.confirm_within = confirm_within  # seconds a request waits for the holder
        self.approve_after = approve_after  # the "approve" holder's reaction time
        self._lock = threading.Lock()
        self._passwords: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self._credentials: dict[str, _Credential] = {}
        self._authorizations: dict[str, _Authorization] = {}
        self._demo: tuple[Path, Confirmation] | None = None
        server = _Server((host, port), _Handler)
        server.provider = self
        self._bind(server)

    def add_user(self, user_id: str, password: str) -> str:
        """An account; returns a bearer token (``/auth/login`` hands out more)."""
        with self._lock:
            self._passwords[user_id] = password
            token = secrets.token_urlsafe(24)
            self._tokens[token] = user_id
            return token

    def add_credential(self, user_id: str, credential_id: str, pkcs12_path: Path,
                       password: bytes,
                       confirmation: Confirmation = Confirmation.APPROVE) -> None:
        signer = Pkcs12Signer.load(pkcs12_path, password)
        with self._lock:
            self._credentials[credential_id] = _Credential(user_id, signer, confirmation)

    def add_demo_pki(self, pki_directory: Path,
                     confirmation: Confirmation = Confirmation.APPROVE) -> None:
        """Every PKCS#12 of the demo PKI, now or issued later, is a credential named by its
        file stem (``CCCD-<12 digits>``, ``MA_TRUONG-<code>``), held by an account of the same
        name whose password is the demo keys' published one (DEMO ONLY)."""
        self._demo = (pki_directory / "issued", confirmation)

    def set_confirmation(self, credential_id: str, confirmation: Confirmation) -> None:
        with self._lock:
            self._credentials[credential_id].confirmation = confirmation

    def authorizations(self, credential_id: str) -> list[dict[str, Any]]:
        """Every confirmation asked for this credential: id, status, number of hashes."""
        with self._lock:
            return [{"id": a.id, "status": self._status(a), "hashes": len(a.hashes)}
                    for a in self._authorizations.values() if a.credential_id == credential_id]

    def answer(self, authorization_id: str, approve: bool) -> bool:
        """The holder taps "confirm" or "decline"; False if nothing waits under that id."""
        with self._lock:
            found = self._authorizations.get(authorization_id)
            if found is None or self._status(found) != "pending":
                return False
            found.status = "approved" if approve else "declined"
            if approve:
                found.sad = secrets.token_urlsafe(32)
            return True

    def start(self) -> str:
        if not self.serving:
            self._serve_in_background("remote-signing")
        return self.base_url

    def __enter__(self) -> RemoteSigningProvider:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()

    # --- the API, called by the handler with the parsed JSON body -----------------------

    def call(self, path: str, bearer: str | None, basic: tuple[str, str] | None,
             body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if path == "/csc/v2/info":
            return 200, {"specs": "2.0.0.2", "name": "hocba Demo Remote Signing",
                         "region": "VN", "lang": "vi-VN", "authType": ["basic", "bearer"],
                         "methods": sorted(_METHODS)}
        if path == "/csc/v2/auth/login":
            return self._login(basic)
        with self._lock:
            user = self._tokens.get(bearer or "")
        if user is None:
            return 401, _error("invalid_token", "Phiên làm việc với dịch vụ ký số từ xa không "
                                                "hợp lệ hoặc đã hết hạn; hãy đăng nhập lại.")
        if path == "/csc/v2/credentials/list":
            self._demo_credential(user, user)
            with self._lock:
                ids = sorted(k for k, c in self._credentials.items() if c.owner == user)
            return 200, {"credentialIDs": ids}
        if path == "/csc/v2/credentials/authorizeCheck":
            return self._check(user, str(body.get("authorizationID", "")))
        credential_id = str(body.get("credentialID", ""))
        self._demo_credential(user, credential_id)
        with self._lock:
            credential = self._credentials.get(credential_id)
        if credential is None or credential.owner != user:
            return 400, _error("invalid_request",
                               f"Không tìm thấy chứng thư số «{credential_id}» của tài khoản.")
        if path == "/csc/v2/credentials/info":
            return 200, _info(credential)
        if path == "/csc/v2/credentials/authorize":
            return self._authorize(user, credential_id, credential, body)
        if path == "/csc/v2/signatures/signHash":
            return self._sign_hash(credential_id, credential, body)
        return 404, _error("invalid_request", f"Không có phương thức «{path}».")

    def _demo_file(self, stem: str) -> Path | None:
        if self._demo is None or not _STEM.fullmatch(stem):
            return None
        path = self._demo[0] / f"{stem}.p12"
        return path if path.is_file() else None

    def _demo_credential(self, user: str, credential_id: str) -> None:
        """A demo account's own PKCS#12, loaded on first use (the PKI issues while we run)."""
        if user != credential_id or self._demo is None:
            return
        path = self._demo_file(credential_id)
        with self._lock:
            known = credential_id in self._credentials
        if path is not None and not known:
            self.add_credential(user, credential_id, path, DEMO_PKCS12_PASSWORD, self._demo[1])

    def _login(self, basic: tuple[str, str] | None) -> tuple[int, dict[str, Any]]:
        if basic is not None and self._demo_file(basic[0]) is not None \
                and basic[1] == DEMO_PKCS12_PASSWORD.decode():
            with self._lock:
                self._passwords.setdefault(basic[0], basic[1])
        with self._lock:
            if basic is None or self._passwords.get(basic[0]) != basic[1]:
                return 401, _error("invalid_grant", "Sai tên đăng nhập hoặc mật khẩu.")
            token = secrets.token_urlsafe(24)
            self._tokens[token] = basic[0]
        return 200, {"access_token": token, "expires_in": 3600}

    def _authorize(self, user: str, credential_id: str, credential: _Credential,
                   body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        hashes = _hashes(body.get("hashes"))
        if hashes is None or body.get("numSignatures") != len(hashes):
            return 400, _error("invalid_request", "«hashes» phải là danh sách giá trị băm "
                                                  "SHA-256 (base64), đúng «numSignatures» phần tử.")
        if len(hashes) > MAX_HASHES:
            return 400, _error("invalid_request",
                               f"Mỗi lần xác nhận ký tối đa {MAX_HASHES} giá trị băm.")
        if body.get("hashAlgorithmOID", SHA256_OID) != SHA256_OID:
            return 400, _error("invalid_request", "Chỉ hỗ trợ giá trị băm SHA-256.")
        now = time.monotonic()
        authorization = _Authorization(secrets.token_urlsafe(16), credential_id, user, hashes,
                                       now + self.confirm_within)
        with self._lock:
            self._authorizations[authorization.id] = authorization
        if credential.confirmation in (Confirmation.APPROVE, Confirmation.DECLINE):
            approve = credential.confirmation is Confirmation.APPROVE
            timer = threading.Timer(self.approve_after, self.answer,
                                    (authorization.id, approve))
            timer.daemon = True
            timer.start()
        return 202, {"authorizationID": authorization.id, "status": "pending",
                     "expires_in": int(self.confirm_within)}

    def _check(self, user: str, authorization_id: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            found = self._authorizations.get(authorization_id)
            if found is None or found.owner != user:
                return 400, _error("invalid_request",
                                   f"Không có yêu cầu xác nhận «{authorization_id}».")
            status = self._status(found)
            answer: dict[str, Any] = {"status": status}
            if status == "approved":
                answer["SAD"] = found.sad
        return 200, answer

    def _sign_hash(self, credential_id: str, credential: _Credential,
                   body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        hashes = _hashes(body.get("hashes"))
        if hashes is None:
            return 400, _error("invalid_request", "«hashes» không hợp lệ.")
        with self._lock:
            found = next((a for a in self._authorizations.values()
                          if a.sad is not None and secrets.compare_digest(
                              a.sad, str(body.get("SAD", "")))), None)
            if found is None or found.credential_id != credential_id \
                    or self._status(found) != "approved":
                return 400, _error("invalid_request", "SAD không hợp lệ hoặc đã hết hạn; "
                                                      "hãy xin xác nhận ký lại.")
            allowed = set(found.hashes) - found.signed
            if not set(hashes) <= allowed:
                return 400, _error("invalid_request", "Có giá trị băm chưa được người ký xác "
                                                      "nhận (hoặc đã ký rồi).")
            found.signed.update(hashes)
        signatures = credential.signer.sign_digests(hashes)
        return 200, {"signatures": [base64.b64encode(s).decode("ascii") for s in signatures]}

    def _status(self, authorization: _Authorization) -> str:
        if authorization.status in ("pending", "approved") \
                and time.monotonic() > authorization.expires:
            authorization.status, authorization.sad = "expired", None
        return authorization.status

    def pending(self) -> list[dict[str, Any]]:
        with self._lock:
            return [{"id": a.id, "credentialID": a.credential_id, "hashes": len(a.hashes)}
                    for a in self._authorizations.values() if self._status(a) == "pending"]


_METHODS = {"info", "auth/login", "credentials/list", "credentials/info",
            "credentials/authorize", "credentials/authorizeCheck", "signatures/signHash"}


def _error(code: str, description: str) -> dict[str, Any]:
    return {"error": code, "error_description": description}


def _hashes(value: Any) -> list[bytes] | None:
    if not isinstance(value, list) or not value:
        return None
    try:
        decoded = [base64.b64decode(item, validate=True) for item in value]
    except (binascii.Error, TypeError, ValueError):
        return None
    return decoded if all(len(h) == 32 for h in decoded) else None


def _info(credential: _Credential) -> dict[str, Any]:
    signer = credential.signer
    certificate = signer.certificate
    der = [c.public_bytes(serialization.Encoding.DER) for c in (certificate, *signer.chain)]
    stamp = "%Y%m%d%H%M%SZ"
    return {
        "key": {"status": "enabled", "algo": [sign_algorithm_oid(signer)],
                "len": signer.key.key_size},
        "cert": {"status": "valid",
                 "certificates": [base64.b64encode(d).decode("ascii") for d in der],
                 "issuerDN": certificate.issuer.rfc4514_string(),
                 "serialNumber": format(certificate.serial_number, "X"),
                 "subjectDN": certificate.subject.rfc4514_string(),
                 "validFrom": certificate.not_valid_before_utc.strftime(stamp),
                 "validTo": certificate.not_valid_after_utc.strftime(stamp)},
        "authMode": "oauth2code", "SCAL": "2", "multisign": MAX_HASHES,
        "lang": "vi-VN",
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    provider: RemoteSigningProvider


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # two writes per reply: no 40 ms delayed-ACK stall
    server: _Server

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            return self._json(413, _error("invalid_request", "Yêu cầu quá lớn."))
        raw = self.rfile.read(length)
        provider = self.server.provider
        if path.startswith(("/_demo/confirm/", "/_demo/decline/")):
            approve = path.startswith("/_demo/confirm/")
            done = provider.answer(path.rsplit("/", 1)[1], approve)
            return self._json(200 if done else 404, {"done": done})
        try:
            body = json.loads(raw or b"{}")
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return self._json(400, _error("invalid_request", "Thân yêu cầu phải là JSON."))
        try:
            status, answer = provider.call(path, self._bearer(), self._basic(), body)
        except SigningError as exc:
            status, answer = 500, _error("server_error", str(exc))
        self._json(status, answer)

    def do_GET(self) -> None:
        if self.path.split("?", 1)[0] == "/_demo/pending":
            return self._json(200, {"pending": self.server.provider.pending()})
        self._json(404, _error("invalid_request", "Không có tài nguyên này."))

    def _bearer(self) -> str | None:
        header = self.headers.get("Authorization", "")
        return header[7:].strip() if header.startswith("Bearer ") else None

    def _basic(self) -> tuple[str, str] | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return user, password

    def _json(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass  # the demo provider is quiet; the client reports what matters

