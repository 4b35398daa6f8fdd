"""The one place where the issuance workflow meets the signing adapters and the certificate
registry, so that swapping a signer or a signature profile touches nothing else.

- ``render``: a record's unsigned XML and PDF (``hocba.records.renditions``).
- ``prepare`` / ``finish``: one slot's XML signature (``hocba.signing.xmldsig``, the MOET
  XMLDSig profile) and PDF signature (``hocba.signing.pades``), split around the one call to
  the signer's key, so that a batch asks ``sign_digests`` once for every record.
- ``personal_signer`` / ``seal_signer``: the signer's active certificate and its backend
  (``hocba.certificates.selectors``); the seal only from the school's approved organisation
  certificate (CV 2088 PL1 III step 6: "only an approved certificate may sign issuance").
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
import os
from dataclasses import dataclass
from typing import Any, Protocol

from cryptography import x509
from cryptography.x509.oid import NameOID

from hocba.domain.issuance import (
    KY_PHAT_HANH,
    IssuanceRefused,
    SignerIdentity,
    pdf_field,
    slot_label,
)
from hocba.records.models import HocBaRecord
from hocba.signing.backends import SignerBackend


class PreparedSignature(Protocol):
    @property
    def digest(self) -> bytes: ...

    def finish(self, signature: bytes, *args: Any, **kwargs: Any) -> bytes: ...


@dataclass(frozen=True)
class PreparedPair:
    """One record's slot, ready for the key: the XML and the PDF signature to complete."""

    xml: PreparedSignature
    pdf: PreparedSignature

    @property
    def digests(self) -> tuple[bytes, bytes]:
        return self.xml.digest, self.pdf.digest


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise IssuanceRefused(f"Chưa cài đặt thành phần ký số «{name}»: {exc}.") from exc


def render(record: HocBaRecord) -> tuple[bytes, bytes]:
    """The record's unsigned renditions, from its canonical JSON alone (DESIGN.md)."""
    from hocba.records import renditions

    return (renditions.rendition(record, renditions.Format.XML),
            renditions.rendition(record, renditions.Format.PDF))


def prepare(xml: bytes, pdf: bytes, slot: str, backend: SignerBackend, *,
            signing_time: dt.datetime) -> PreparedPair:
    xmldsig = _module("hocba.signing.xmldsig")
    pades = _module("hocba.signing.pades")
    stamp = _module("hocba.signing.stamp")
    prepared_xml = xmldsig.prepare_xml_signature(xml, slot, backend.certificate, backend.chain,
                                                 signing_time=signing_time)
    # Levels are the adapter's defaults: B-B for people, B-LT for the seal (an issued record
    # verifies offline). The stamp prints the signer, the slot and the time. The seal's DSS
    # is written before it signs (the seal stays the file's last revision), so the TSA and
    # the status fetcher are needed here already.
    appearance = stamp.StampText(_common_name(backend.certificate), slot_label(slot),
                                 signing_time)
    online = {"timestamper": timestamper(), "revocation": _revocation()} \
        if slot == KY_PHAT_HANH else {}
    prepared_pdf = pades.prepare_pdf_signature(pdf, pdf_field(slot), backend.certificate,
                                               backend.chain, signing_time=signing_time,
                                               appearance=appearance, **online)
    return PreparedPair(prepared_xml, prepared_pdf)


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def finish(pair: PreparedPair, xml_signature: bytes, pdf_signature: bytes, *,
           slot: str) -> tuple[bytes, bytes]:
    """The XML and PDF with the signature in place (the seal time-stamped by the TSA, with
    its certificates' OCSP answers)."""
    xml = pair.xml.finish(xml_signature)
    if slot == KY_PHAT_HANH:
        pdf = pair.pdf.finish(pdf_signature, timestamper=timestamper(),
                              revocation=_revocation())
    else:
        pdf = pair.pdf.finish(pdf_signature)
    return xml, pdf


def timestamper() -> Any:
    """The time-stamp authority for the seal: ``HOCBA_TSA_URL``, else the demo PKI's own
    (``hocba demo`` and ``hocba pki serve`` serve it on 127.0.0.1:8765)."""
    from hocba.signing.pki import DEFAULT_BASE_URL

    return _timestamper(os.environ.get("HOCBA_TSA_URL") or f"{DEFAULT_BASE_URL}/tsa")


@functools.cache
def _timestamper(url: str) -> Any:
    return _module("hocba.signing.online").HttpTimestamper(url)


@functools.cache
def _revocation() -> Any:
    # One fetcher per process: the seal's chain is the same for every record, and its OCSP
    # answers are reused for an hour instead of asked 1,500 times.
    revocation = _module("hocba.signing.revocation")
    return revocation.RevocationFetcher()


# --- who signs ------------------------------------------------------------------------------

def identity_of(certificate: x509.Certificate) -> SignerIdentity:
    """The identity number (UID ``CCCD:…``) or school code (UID ``MA_TRUONG:…``) that
    Vietnamese CAs write in the subject (``hocba.signing.subjects``)."""
    person = school = None
    for attribute in certificate.subject.get_attributes_for_oid(NameOID.USER_ID):
        value = str(attribute.value)
        kind, _, number = value.partition(":")
        if kind in ("CCCD", "CMND") and person is None:
            person = number
        elif kind == "MA_TRUONG" and school is None:
            school = number
    return SignerIdentity(identity_number=person, school_code=school)


def personal_registration(user: Any, *, at: dt.datetime | None = None) -> Any:
    """The user's active personal certificate in the registry (theirs or their roster
    teacher's identity number); refused when there is none."""
    selectors = _module("hocba.certificates.selectors")
    registration = selectors.active_personal_certificate(user, at)
    if registration is None:
        raise IssuanceRefused(f"{user} chưa có chứng thư số cá nhân còn hiệu lực để ký học bạ "
                              "(đăng ký ở trang Chứng thư số).")
    return registration


def seal_registration(school: Any, *, at: dt.datetime | None = None) -> Any:
    """The school's approved organisation certificate (CV 2088 PL1 III step 6)."""
    selectors = _module("hocba.certificates.selectors")
    registration = selectors.approved_seal(school, at=at)
    if registration is None:
        raise IssuanceRefused(f"{school} chưa có chứng thư số tổ chức được Sở/Phòng GDĐT duyệt "
                              "và còn hiệu lực: không ký phát hành được (CV 2088 PL1 III).")
    return registration


def certificate_of(registration: Any) -> x509.Certificate:
    return x509.load_der_x509_certificate(bytes(registration.der))


def backend_of(registration: Any) -> SignerBackend:
    backend: SignerBackend = _module("hocba.certificates.selectors").backend_for(registration)
    return backend


def personal_signer(user: Any, *, at: dt.datetime | None = None) -> SignerBackend:
    return backend_of(personal_registration(user, at=at))


def seal_signer(school: Any, *, at: dt.datetime | None = None) -> SignerBackend:
    return backend_of(seal_registration(school, at=at))
