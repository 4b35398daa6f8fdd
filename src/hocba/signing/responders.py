"""The demo PKI's time-stamp authority and OCSP responder: DER request in, DER reply out.

No HTTP here (``hocba.signing.services`` serves them) and no file read per request: keys are
loaded once (STACK.md §2 measured pyHanko's ``DummyTimeStamper`` re-parsing its key on every
request, ~50 ms with RSA), and the CRL and the list of issued serials are re-read only when
their files change. ECDSA P-256 with SHA-256, like the rest of the demo PKI (authority.py).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from asn1crypto import algos, cms, keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from pyhanko.sign.general import as_signing_certificate_v2, simple_cms_attribute

from hocba.signing.pki import DemoPki, ServiceKey

# A demo policy under the UUID arc (ITU-T X.667: 2.25.<uuid>), so it claims nobody's policy.
TSA_POLICY = "2.25.277153406212916386713373549786826404919"
OCSP_VALIDITY = dt.timedelta(hours=1)  # nextUpdate: how long a client may keep an answer
_IMPRINT_SIZES = {"sha256": 32, "sha384": 48, "sha512": 64}

__all__ = ["OCSP_VALIDITY", "TSA_POLICY", "OcspResponder", "TimeStampAuthority"]


def _der(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


class TimeStampAuthority:
    """RFC 3161 time-stamp tokens signed by the demo TSA certificate."""

    def __init__(self, service: ServiceKey, issuing: x509.Certificate) -> None:
        self._key = service.key
        certificate = _der(service.certificate)
        # The parts naming the TSA are encoded once and re-read per token: asn1crypto
        # re-encodes a certificate placed in a new structure (~6 ms a token, measured).
        self._chain = cms.CertificateSet(
            [certificate, _der(issuing)]).dump()
        self._tsa_name = asn1_x509.GeneralName(name="directory_name",
                                               value=certificate.subject).dump()
        self._sid = cms.SignerIdentifier(name="issuer_and_serial_number", value={
            "issuer": certificate.issuer, "serial_number": certificate.serial_number}).dump()
        self._signing_certificate = simple_cms_attribute(  # RFC 5816
            "signing_certificate_v2", as_signing_certificate_v2(certificate)).dump()

    def reply(self, query: bytes) -> bytes:
        """A ``TimeStampResp`` (granted, or rejected with the reason) for a ``TimeStampReq``."""
        try:
            request = tsp.TimeStampReq.load(query, strict=True)
            request.native  # noqa: B018 (asn1crypto parses lazily: find a broken one here)
            imprint = request["message_imprint"]
            algorithm = imprint["hash_algorithm"]["algorithm"].native
            hashed = imprint["hashed_message"].native
            policy = request["req_policy"].native
        except (ValueError, TypeError, KeyError):
            return _rejection("bad_data_format", "Yêu cầu dấu thời gian không đúng RFC 3161.")
        if _IMPRINT_SIZES.get(algorithm) != len(hashed):
            return _rejection("bad_alg", "Chỉ chấp nhận giá trị băm SHA-256, SHA-384, SHA-512.")
        if policy not in (None, TSA_POLICY):
            return _rejection("unaccepted_policy", f"Chính sách {policy} không được hỗ trợ.")
        token = self._token(request)
        return tsp.TimeStampResp({"status": {"status": "granted"},
                                  "time_stamp_token": token}).dump()

    def _token(self, request: tsp.TimeStampReq) -> cms.ContentInfo:
        info = {
            "version": "v1",
            "policy": TSA_POLICY,
            "message_imprint": request["message_imprint"],
            "serial_number": secrets.randbits(63),
            "gen_time": dt.datetime.now(dt.UTC).replace(microsecond=0),
            "accuracy": {"seconds": 1},
            "tsa": asn1_x509.GeneralName.load(self._tsa_name),
        }
        if request["nonce"].native is not None:
            info["nonce"] = request["nonce"]
        content = tsp.TSTInfo(info).dump()
        attributes = cms.CMSAttributes([
            simple_cms_attribute("content_type", "tst_info"),
            simple_cms_attribute("message_digest", hashlib.sha256(content).digest()),
            cms.CMSAttribute.load(self._signing_certificate),
        ])
        signature = self._key.sign(attributes.dump(), ec.ECDSA(hashes.SHA256()))
        signer = cms.SignerInfo({
            "version": "v1",
            "sid": cms.SignerIdentifier.load(self._sid),
            "digest_algorithm": {"algorithm": "sha256"},
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": "sha256_ecdsa"},
            "signature": signature,
        })
        signed = {
            "version": "v3",
            "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
            "encap_content_info": {"content_type": "tst_info",
                                   "content": cms.ParsableOctetString(content)},
            "signer_infos": [signer],
        }
        if request["cert_req"].native:
            signed["certificates"] = cms.CertificateSet.load(self._chain)
        return cms.ContentInfo({"content_type": "signed_data",
                                "content": cms.SignedData(signed)})


def _rejection(failure: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo({"status": "rejection", "status_string": [text],
                                "fail_info": tsp.PKIFailureInfo({failure})}).dump()
    # TimeStampResp ::= SEQUENCE { status, timeStampToken OPTIONAL } (RFC 3161 §2.4.2);
    # asn1crypto's class wants the token, so the refusal is wrapped by hand.
    return b"\x30" + _der_length(len(status)) + status


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


class OcspResponder:
    """RFC 6960 answers for the issuing CA's certificates, signed by its delegated responder.

    "revoked" comes from the CRL the CA re-issues on ``DemoPki.revoke``; "good" only for a
    serial the CA signed; anything else "unknown" (RFC 6960 §2.2).
    """

    def __init__(self, pki: DemoPki, service: ServiceKey) -> None:
        self._pki = pki
        self._service = service
        subject = pki.issuing.subject.public_bytes()
        spki = pki.issuing.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        key_bits = bytes(keys.PublicKeyInfo.load(spki)["public_key"])
        self._issuer = {name: (hashlib.new(name, subject).digest(),
                               hashlib.new(name, key_bits).digest())
                        for name in ("sha1", "sha256", "sha384", "sha512")}
        self._lock = threading.Lock()
        self._crl = _Watched(pki.crl_path, pki.crl)
        self._serials = _Watched(pki.index_path, pki.issued_serials)

    def reply(self, query: bytes) -> bytes:
        try:
            request = ocsp.load_der_ocsp_request(query)
            algorithm = request.hash_algorithm
        except (ValueError, TypeError):  # includes several requests in one (not supported)
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        if self._issuer.get(algorithm.name) != (request.issuer_name_hash,
                                                request.issuer_key_hash):
            return _unsuccessful(ocsp.OCSPResponseStatus.UNAUTHORIZED)  # not our CA
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        with self._lock:
            crl = self._crl.value()
            known = self._serials.value()
        revoked = crl.get_revoked_certificate_by_serial_number(request.serial_number)
        if revoked is not None:
            status, when, reason = (ocsp.OCSPCertStatus.REVOKED,
                                    revoked.revocation_date_utc, _reason(revoked))
        elif request.serial_number in known:
            status, when, reason = ocsp.OCSPCertStatus.GOOD, None, None
        else:
            status, when, reason = ocsp.OCSPCertStatus.UNKNOWN, None, None
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(request.issuer_name_hash, request.issuer_key_hash,
                                  request.serial_number, algorithm, status, now,
                                  now + OCSP_VALIDITY, when, reason)
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self._service.certificate)
            .certificates([self._service.certificate])
        )
        for extension in request.extensions:
            if isinstance(extension.value, x509.OCSPNonce):  # echoed (RFC 8954)
                builder = builder.add_extension(extension.value, critical=False)
        response = builder.sign(self._service.key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)


def _reason(entry: x509.RevokedCertificate) -> x509.ReasonFlags | None:
    try:
        return entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    except x509.ExtensionNotFound:
        return None


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER)


T = TypeVar("T")


class _Watched(Generic[T]):
    """A value read from a file, read again only when the file changes."""

    def __init__(self, path: Path, read: Callable[[], T]) -> None:
        self._path, self._read = path, read
        self._stamp: tuple[int, int, int] | None = None
        self._value: T | None = None

    def value(self) -> T:
        try:
            info = self._path.stat()
            stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        except FileNotFoundError:
            stamp = None
        if self._value is None or stamp != self._stamp:
            self._value, self._stamp = self._read(), stamp
        return self._value

