"""Clients of a CA's online services: RFC 3161 time stamps and RFC 6960 OCSP answers.

What a PAdES B-T/B-LT signature (and XAdES-T) needs at signing time: a time-stamp token over
the signature value, and the signer's revocation status to embed for long-term validation
(DOMAIN.md §3.5; TT 15/2025/TT-BKHCN Phụ lục II asks that this evidence be kept). The demo
points them at ``hocba.signing.services``; production at the CA's own TSA and responder.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import http.client
import threading
import urllib.parse
from typing import Any

from asn1crypto import cms, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, handle_tsp_response

from hocba.signing.backends import SigningError

__all__ = ["HttpTimestamper", "OnlineServiceError", "TimeStampResponse", "fetch_ocsp"]

TIMEOUT = 10.0  # seconds; a loopback or in-country CA answers in milliseconds


class OnlineServiceError(SigningError):
    """A TSA or OCSP responder did not answer usefully; the message names the address."""


class TimeStampResponse(tsp.TimeStampResp):
    """RFC 3161 §2.4.2 ``TimeStampResp``: a refusal carries no token (asn1crypto's class
    requires one, so a TSA's "rejection" would not even parse)."""

    _fields = [
        ("status", tsp.PKIStatusInfo),
        ("time_stamp_token", cms.ContentInfo, {"optional": True}),
    ]


class KeepAliveConnection:
    """One kept-alive HTTP connection to one origin, one request at a time (thread-safe).

    Shared by the TSA/OCSP clients here and the remote-signing client: a server that closed
    the kept-alive socket gets one reconnect; a second failure raises ``ConnectionError``
    for the caller to word.
    """

    def __init__(self, parts: urllib.parse.SplitResult, timeout: float) -> None:
        self._parts, self._timeout = parts, timeout
        self._lock = threading.Lock()
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """``(status, body)`` of one POST."""
        with self._lock:
            for attempt in (1, 2):  # a kept-alive socket the server closed: reconnect once
                try:
                    connection = self._connection or self._connect()
                    connection.request("POST", path, body=body, headers=headers)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as exc:
                    self._close()
                    if attempt == 2:
                        raise ConnectionError(str(exc)) from exc
                    continue
                if response.will_close:
                    self._close()
                return response.status, data
        raise AssertionError("unreachable")

    def _connect(self) -> http.client.HTTPConnection:
        kind = (http.client.HTTPSConnection if self._parts.scheme == "https"
                else http.client.HTTPConnection)
        self._connection = kind(self._parts.hostname or "", self._parts.port,
                                timeout=self._timeout)
        return self._connection

    def _close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


class _Connection:
    """A TSA's or OCSP responder's address: POST one DER message, get one back (HTTP 200)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise OnlineServiceError(f"Địa chỉ dịch vụ «{url}» không hợp lệ.")
        self.url, self._path = url, parts.path or "/"
        self._http = KeepAliveConnection(parts, timeout)

    def post(self, body: bytes, content_type: str, accept: str) -> bytes:
        try:
            status, data = self._http.post(
                self._path, body, {"Content-Type": content_type, "Accept": accept})
        except ConnectionError as exc:
            raise OnlineServiceError(
                f"Không kết nối được dịch vụ «{self.url}»: {exc}") from exc
        if status != 200:
            raise OnlineServiceError(f"Dịch vụ «{self.url}» trả lời lỗi HTTP {status}.")
        return data


class HttpTimestamper(TimeStamper):
    """RFC 3161 over HTTP with one kept-alive connection, safe to share between threads.

    ``timestamp(imprint)`` serves our own signers; as a pyHanko ``TimeStamper`` it can also
    be passed to pyHanko as ``timestamper=`` (reuse one instance: pyHanko asks each new one
    for a dummy token first, STACK.md §2).
    """

    def __init__(self, url: str, *, timeout: float = TIMEOUT) -> None:
        super().__init__(include_nonce=True)
        self.url = url
        self._connection = _Connection(url, timeout)

    def timestamp(self, message_imprint: bytes) -> bytes:
        """A DER ``TimeStampToken`` (CMS ContentInfo) over a SHA-256 ``message_imprint``."""
        if len(message_imprint) != 32:
            raise OnlineServiceError("Dấu thời gian chỉ xin cho giá trị băm SHA-256 (32 byte).")
        return self._request(message_imprint, "sha256").dump()

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return await asyncio.to_thread(self._exchange, req)

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        return await asyncio.to_thread(self._request, message_digest, md_algorithm)

    def _request(self, digest: bytes, algorithm: str) -> cms.ContentInfo:
        nonce, request = self.request_cms(digest, algorithm)
        try:
            token = handle_tsp_response(self._exchange(request), nonce)
            info = token["content"]["encap_content_info"]["content"].parsed
            imprint = info["message_imprint"].native
        except TimestampRequestError as exc:
            raise OnlineServiceError(
                f"Dịch vụ cấp dấu thời gian «{self.url}» từ chối: {exc}") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise OnlineServiceError(
                f"Dịch vụ «{self.url}» trả về dấu thời gian RFC 3161 hỏng.") from exc
        if imprint != request["message_imprint"].native:
            raise OnlineServiceError(
                f"Dịch vụ cấp dấu thời gian «{self.url}» đóng dấu cho một giá trị băm khác.")
        return token

    def _exchange(self, request: tsp.TimeStampReq) -> tsp.TimeStampResp:
        data = self._connection.post(request.dump(), "application/timestamp-query",
                                     "application/timestamp-reply")
        try:
            # Lazily parsed, so the token's DER is handed on as received (re-encoding it
            # in asn1crypto costs ~100 ms); broken content surfaces in _request.
            response = TimeStampResponse.load(data, strict=True)
        except ValueError as exc:
            raise OnlineServiceError(
                f"Dịch vụ «{self.url}» không trả về dấu thời gian RFC 3161.") from exc
        return response


_ocsp_cache: dict[tuple[bytes, int], tuple[bytes, dt.datetime]] = {}
_ocsp_lock = threading.Lock()
_connections: dict[str, _Connection] = {}


def fetch_ocsp(certificate: x509.Certificate | asn1_x509.Certificate,
               issuer: x509.Certificate | asn1_x509.Certificate,
               url: str | None = None) -> bytes:
    """The DER ``OCSPResponse`` for ``certificate``, kept until its nextUpdate.

    ``url`` defaults to the certificate's AIA OCSP address. The answer is checked before it
    is returned: successful, about this serial, signed by the issuer or a responder it
    delegated to (RFC 6960 §4.2.2.2). "revoked" is returned too: deciding is the verifier's.
    """
    cert, ca = _pyca(certificate), _pyca(issuer)
    key = (ca.fingerprint(hashes.SHA256()), cert.serial_number)
    now = dt.datetime.now(dt.UTC)
    with _ocsp_lock:
        cached = _ocsp_cache.get(key)
    if cached is not None and cached[1] > now:
        return cached[0]
    address = url or _ocsp_url(cert)
    request = (ocsp.OCSPRequestBuilder().add_certificate(cert, ca, hashes.SHA256())
               .build().public_bytes(serialization.Encoding.DER))
    with _ocsp_lock:
        connection = _connections.setdefault(address, _Connection(address, TIMEOUT))
    data = connection.post(request, "application/ocsp-request", "application/ocsp-response")
    response = _checked(data, cert, ca, address)
    if response.next_update_utc is not None:
        with _ocsp_lock:
            _ocsp_cache[key] = (data, response.next_update_utc)
    return data


def _checked(data: bytes, cert: x509.Certificate, ca: x509.Certificate,
             address: str) -> ocsp.OCSPResponse:
    problem = f"Máy chủ OCSP «{address}» trả lời không dùng được cho chứng thư số "
    problem += f"số hiệu {cert.serial_number:X}"
    try:
        response = ocsp.load_der_ocsp_response(data)
    except ValueError as exc:
        raise OnlineServiceError(f"{problem}: không phải OCSPResponse.") from exc
    if response.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OnlineServiceError(f"{problem}: {response.response_status.name}.")
    if response.serial_number != cert.serial_number:
        raise OnlineServiceError(f"{problem}: câu trả lời nói về chứng thư số khác.")
    signer = ca
    if response.certificates:
        signer = response.certificates[0]
        if not _delegated(signer, ca):
            raise OnlineServiceError(f"{problem}: người ký câu trả lời không được CA uỷ quyền.")
    try:
        _verify(signer, response.signature, response.tbs_response_bytes,
                response.signature_hash_algorithm)
    except (InvalidSignature, TypeError, ValueError) as exc:
        raise OnlineServiceError(f"{problem}: chữ ký của câu trả lời không đúng.") from exc
    return response


def _delegated(responder: x509.Certificate, ca: x509.Certificate) -> bool:
    if responder == ca:
        return True
    try:
        responder.verify_directly_issued_by(ca)
        usage = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usage


def _verify(signer: x509.Certificate, signature: bytes, data: bytes,
            algorithm: hashes.HashAlgorithm | None) -> None:
    key: Any = signer.public_key()
    chosen = algorithm or hashes.SHA256()
    if isinstance(key, ec.EllipticCurvePublicKey):
        key.verify(signature, data, ec.ECDSA(chosen))
    elif isinstance(key, rsa.RSAPublicKey):
        key.verify(signature, data, padding.PKCS1v15(), chosen)
    else:
        raise TypeError("unsupported responder key")


def _ocsp_url(cert: x509.Certificate) -> str:
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        aia = None
    for description in aia or ():
        if description.access_method == AuthorityInformationAccessOID.OCSP:
            return str(description.access_location.value)
    raise OnlineServiceError(
        f"Chứng thư số số hiệu {cert.serial_number:X} không ghi địa chỉ OCSP (AIA).")


def _pyca(certificate: x509.Certificate | asn1_x509.Certificate) -> x509.Certificate:
    if isinstance(certificate, x509.Certificate):
        return certificate
    return x509.load_der_x509_certificate(certificate.dump())

