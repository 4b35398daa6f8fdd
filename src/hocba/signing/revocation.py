"""Validation data for B-LT: each certificate's status (OCSP, or the CRL when a certificate
names no responder), fetched once per certificate per batch.

TT 15/2025/TT-BKHCN Phụ lục II asks the signing software to keep the certificate status at
signing time; PAdES B-LT keeps it in the document's DSS, so an issued record verifies offline
decades later. A batch signs hundreds of records with the same few certificates (the seal,
the principal, a few teachers): OCSP answers come from ``online.fetch_ocsp`` (kept until their
nextUpdate, one kept-alive connection per responder) and CRLs are kept here the same way.
"""

from __future__ import annotations

import datetime as dt
import threading
import urllib.request
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtensionOID

from hocba.signing.backends import SigningError
from hocba.signing.online import fetch_ocsp

TIMEOUT = 10.0


class RevocationError(SigningError):
    """No usable status for a certificate, or it is revoked (Vietnamese, names the holder)."""


@dataclass
class ValidationData:
    """What goes into a DSS: DER certificates, OCSP responses and CRLs."""

    certificates: list[bytes] = field(default_factory=list)
    ocsp_responses: list[bytes] = field(default_factory=list)
    crls: list[bytes] = field(default_factory=list)

    def extend(self, other: ValidationData) -> None:
        self.certificates += other.certificates
        self.ocsp_responses += other.ocsp_responses
        self.crls += other.crls


def holder(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def _extension(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> object:
    try:
        return certificate.extensions.get_extension_for_oid(oid).value
    except x509.ExtensionNotFound:
        return None


def has_ocsp(certificate: x509.Certificate) -> bool:
    aia = _extension(certificate, ExtensionOID.AUTHORITY_INFORMATION_ACCESS)
    return any(d.access_method == AuthorityInformationAccessOID.OCSP
               for d in aia or ())  # type: ignore[attr-defined]


def crl_urls(certificate: x509.Certificate) -> list[str]:
    points = _extension(certificate, ExtensionOID.CRL_DISTRIBUTION_POINTS)
    return [str(name.value) for point in points or ()  # type: ignore[attr-defined]
            for name in point.full_name or ()
            if isinstance(name, x509.UniformResourceIdentifier)]


class RevocationFetcher:
    """Status evidence for signing certificates, cached for a batch (thread-safe)."""

    def __init__(self, *, max_age: dt.timedelta = dt.timedelta(hours=1)) -> None:
        self.max_age = max_age
        self._crls: dict[str, tuple[dt.datetime, bytes]] = {}
        self._lock = threading.Lock()

    def ocsp(self, certificate: x509.Certificate, issuer: x509.Certificate) -> bytes:
        answer = fetch_ocsp(certificate, issuer)
        if ocsp.load_der_ocsp_response(answer).certificate_status == ocsp.OCSPCertStatus.REVOKED:
            raise RevocationError(f"Chứng thư số của {holder(certificate)} đã bị thu hồi: "
                                  "không ký được.")
        return answer

    def crl(self, url: str) -> bytes:
        now = dt.datetime.now(dt.UTC)
        with self._lock:
            cached = self._crls.get(url)
        if cached and cached[0] > now:
            return cached[1]
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310
                answer: bytes = response.read()
            crl = x509.load_der_x509_crl(answer)
        except (OSError, ValueError) as exc:
            raise RevocationError(f"Không tải được danh sách thu hồi «{url}»: {exc}") from exc
        until = min(crl.next_update_utc or now + self.max_age, now + self.max_age)
        with self._lock:
            self._crls[url] = (until, answer)
        return answer

    def for_chain(self, chain: list[x509.Certificate]) -> ValidationData:
        """Certificates and status evidence for ``chain`` (a certificate, then its issuers; a
        self-signed anchor needs no status, a CA naming no service gets none)."""
        data = ValidationData()
        by_subject = {c.subject: c for c in chain}
        for certificate in chain:
            data.certificates.append(certificate.public_bytes(serialization.Encoding.DER))
            if certificate.issuer == certificate.subject:
                continue
            issuer = by_subject.get(certificate.issuer)
            if issuer is not None and has_ocsp(certificate):
                data.ocsp_responses.append(self.ocsp(certificate, issuer))
            else:
                data.crls += [self.crl(url) for url in crl_urls(certificate)[:1]]
        return data
