"""A signer whose key stays at a remote-signing provider (ký số từ xa, DOMAIN.md §3.4).

VNPT SmartCA, Viettel MySign and the Cipher Committee's service sign hashes after the holder
confirms on their phone. ``RemoteSigner.sign_digests`` asks for *one* confirmation covering
every digest (a class's or a school's records at once), waits for it, then fetches the
signatures. It speaks the CSC API v2-style dialect of ``remote_provider`` (the local provider
the tests and the demo run); a vendor's own API differs in names, not in these steps.

Each returned signature is checked against the certificate before anyone embeds it: a wrong
answer from the provider is an error here, never an invalid record later.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.parse
from collections.abc import Sequence
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from hocba.signing.backends import (
    SigningDeclined,
    SigningError,
    SigningTimedOut,
    signature_matches,
)
from hocba.signing.online import KeepAliveConnection

__all__ = ["RemoteSigner"]

SHA256_OID = "2.16.840.1.101.3.4.2.1"
ECDSA_SHA256_OID = "1.2.840.10045.4.3.2"
RSA_OID = "1.2.840.113549.1.1.1"


class RemoteSigner:
    """``SignerBackend`` over a credential at a CSC-style remote-signing service."""

    def __init__(self, base_url: str, credential_id: str, token: str,
                 confirm_timeout: float = 120.0, *, poll_interval: float = 0.5,
                 request_timeout: float = 30.0) -> None:
        self.credential_id = credential_id
        self.confirm_timeout = confirm_timeout
        self.poll_interval = poll_interval
        self._api = _JsonApi(base_url, token, request_timeout)
        info = self._api.call("credentials/info",
                              {"credentialID": credential_id, "certificates": "chain"})
        try:
            der = [base64.b64decode(item) for item in info["cert"]["certificates"]]
            certificates = [x509.load_der_x509_certificate(item) for item in der]
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise SigningError(f"Dịch vụ ký số từ xa «{base_url}» không trả về chứng thư số "
                               f"của «{credential_id}».") from exc
        if not certificates:
            raise SigningError(f"Dịch vụ ký số từ xa không có chứng thư số «{credential_id}».")
        self.certificate = certificates[0]
        self.chain = tuple(c for c in certificates[1:] if c.issuer != c.subject)
        public = self.certificate.public_key()
        if not isinstance(public, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
            raise SigningError("Chứng thư số dùng loại khoá chưa được hỗ trợ (chỉ ECDSA hoặc RSA).")
        self._public = public

    @classmethod
    def login(cls, base_url: str, account: str, password: str, credential_id: str,
              confirm_timeout: float = 120.0, **options: Any) -> RemoteSigner:
        """Log in with the holder's account at the service (HTTP Basic → bearer token)."""
        basic = base64.b64encode(f"{account}:{password}".encode()).decode("ascii")
        answer = _JsonApi(base_url, "", options.get("request_timeout", 30.0)).call(
            "auth/login", {}, authorization=f"Basic {basic}")
        token = answer.get("access_token")
        if not isinstance(token, str) or not token:
            raise SigningError(f"Dịch vụ ký số từ xa «{base_url}» không cấp phiên làm việc "
                               f"cho tài khoản «{account}».")
        return cls(base_url, credential_id, token, confirm_timeout, **options)

    def sign_digests(self, digests: Sequence[bytes]) -> list[bytes]:
        """One confirmation on the holder's phone for all ``digests``, then their signatures."""
        if not digests:
            return []
        for digest in digests:
            if len(digest) != 32:
                raise SigningError("Chỉ ký được giá trị băm SHA-256 (32 byte).")
        encoded = [base64.b64encode(d).decode("ascii") for d in digests]
        pending = self._api.call("credentials/authorize", {
            "credentialID": self.credential_id, "numSignatures": len(encoded),
            "hashes": encoded, "hashAlgorithmOID": SHA256_OID,
            "description": f"hocba: ký {len(encoded)} văn bản",
        })
        sad = self._wait_for_confirmation(str(pending.get("authorizationID", "")),
                                          len(encoded))
        signed = self._api.call("signatures/signHash", {
            "credentialID": self.credential_id, "SAD": sad, "hashes": encoded,
            "hashAlgorithmOID": SHA256_OID, "signAlgo": self._sign_algo(),
        })
        try:
            signatures = [base64.b64decode(s) for s in signed["signatures"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise SigningError("Dịch vụ ký số từ xa trả về chữ ký không đọc được.") from exc
        if len(signatures) != len(digests):
            raise SigningError(f"Dịch vụ ký số từ xa trả về {len(signatures)} chữ ký cho "
                               f"{len(digests)} giá trị băm.")
        for number, (digest, signature) in enumerate(zip(digests, signatures, strict=True), 1):
            if not signature_matches(self.certificate, digest, signature):
                raise SigningError(f"Chữ ký thứ {number} do dịch vụ ký số từ xa trả về không "
                                   "khớp với chứng thư số; không dùng chữ ký nào.")
        return signatures

    def _wait_for_confirmation(self, authorization_id: str, count: int) -> str:
        deadline = time.monotonic() + self.confirm_timeout
        while True:
            answer = self._api.call("credentials/authorizeCheck",
                                    {"authorizationID": authorization_id})
            status = answer.get("status")
            if status == "approved" and answer.get("SAD"):
                return str(answer["SAD"])
            if status == "declined":
                raise SigningDeclined(f"Người ký đã từ chối yêu cầu ký {count} văn bản trên "
                                      "ứng dụng ký số; chưa văn bản nào được ký.")
            if status == "expired" or time.monotonic() >= deadline:
                raise SigningTimedOut(
                    f"Người ký chưa xác nhận yêu cầu ký {count} văn bản trên ứng dụng ký số "
                    f"trong {self.confirm_timeout:g} giây; chưa văn bản nào được ký. "
                    "Hãy mở ứng dụng trên điện thoại và ký lại.")
            time.sleep(min(self.poll_interval, max(0.0, deadline - time.monotonic())))

    def _sign_algo(self) -> str:
        return ECDSA_SHA256_OID if isinstance(self._public, ec.EllipticCurvePublicKey) \
            else RSA_OID


class _JsonApi:
    """POST JSON to ``<base>/csc/v2/<method>`` over one kept-alive connection."""

    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SigningError(f"Địa chỉ dịch vụ ký số từ xa «{base_url}» không hợp lệ.")
        self.base_url = base_url.rstrip("/")
        self._prefix = parts.path.rstrip("/") + "/csc/v2/"
        self._token = token
        self._http = KeepAliveConnection(parts, timeout)

    def call(self, method: str, body: dict[str, Any], *,
             authorization: str | None = None) -> dict[str, Any]:
        data = json.dumps(body).encode("utf-8")
        headers = {"Content-Type": "application/json",
                   "Authorization": authorization or f"Bearer {self._token}"}
        try:
            status, raw = self._http.post(self._prefix + method, data, headers)
        except ConnectionError as exc:
            raise SigningError(f"Không kết nối được dịch vụ ký số từ xa "
                               f"«{self.base_url}»: {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise SigningError(f"Dịch vụ ký số từ xa «{self.base_url}» trả lời không phải JSON "
                               f"(HTTP {status}).")
        if status >= 400:
            description = answer.get("error_description") or answer.get("error") or ""
            raise SigningError(f"Dịch vụ ký số từ xa từ chối ({method}): {description}")
        return answer
