"""Checking every signature of a học bạ PDF: one ``PdfSignatureCheck`` per signed field.

Built on pyHanko's validator, offline: nothing is fetched. A signature is valid when
(TT 15/2025/TT-BKHCN Phụ lục II; ETSI EN 319 142-1 PAdES):

* the bytes its /ByteRange covers hash to the CMS messageDigest (``intact``) and the CMS
  signature checks with the signer's certificate;
* the certificate chains to one of ``trust_anchors`` at the validation time and, when the file
  carries validation data (a DSS: the sealed record is B-LT), its revocation status is in that
  DSS — hard-fail: a sealed record without the status of a signer is not valid;
* what was added after it is allowed by the document's MDP policy (the first teacher certifies
  with form filling allowed: later signatures and the DSS are fine, new page content is not);
* its /Contents holds the CMS and zeros only: the padding is outside every /ByteRange, so
  this is what makes a changed byte there visible (pdfsig does not look).

**Time.** A signature is judged at the time a time-stamp proves it existed: its own signature
time-stamp (the seal's), else the earliest time-stamp of a later revision that covers it (the
seal's covers every person's signature), else now. The demo OCSP answers are valid for an hour;
a record verified next year is judged at its seal's time-stamp, as PAdES B-LT intends.

pyHanko's synchronous API runs ``asyncio.run``; where an event loop is already running in the
calling thread (a browser journey, an async view) it is run in a worker thread. Django-free.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any, TypeVar

from asn1crypto import parser as asn1_parser
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from hocba.signing.xml_signature import subject_name
from hocba.signing.xml_slots import identity_of

T = TypeVar("T")
# id-aa-signatureTimeStampToken (RFC 3161 Appendix A): the seal's signature time-stamp
SIGNATURE_TIME_STAMP_ATTRIBUTE = "1.2.840.113549.1.9.16.2.14"
VALID = "Hợp lệ: chữ ký đúng, tệp không bị sửa trái phép, chứng thư số chuỗi tới CA gốc tin cậy."


class PdfVerificationError(ValueError):
    """The file cannot be checked at all (not a PDF, or a PDF too damaged to read)."""


@dataclass(frozen=True)
class PdfSignatureCheck:
    field: str  # GVBM_TOAN, GVCN, CBQL, KY_PHAT_HANH, DAU_THOI_GIAN_1
    signer: str  # the certificate's subject, RFC 4514, readable
    identity_number: str | None  # CCCD:… or MA_TRUONG:…
    signing_time: datetime | None  # the time-stamp's time when there is one
    timestamped: bool  # signing_time is a TSA's, not the signer's word
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the verdict: intact, signature correct, trusted, changes after it allowed
    trusted: bool
    covers_whole_document: bool  # nothing at all was added after it
    modification_level: str | None  # pyHanko's: NONE, LTA_UPDATES, FORM_FILLING, OTHER
    reason: str  # Vietnamese
    # The reasons split as the three verdicts (hocba.domain.verdict) need them: what breaks the
    # document's integrity (hash, signature value, changes after it, padding, time-stamp), and
    # what is wrong with who signed (the chain to a trusted root, the certificate's status).
    integrity_problems: tuple[str, ...] = ()
    trust_problems: tuple[str, ...] = ()
    certificate_sha256: str | None = None  # of the signer's certificate (DER), hex
    certificate_der: bytes | None = None


@dataclass(frozen=True)
class PdfDocumentCheck:
    """Every signature's check, and what the document's Info dictionary says (the school is
    the author of a học bạ PDF: ``hocba.rendering.pdf``)."""

    checks: tuple[PdfSignatureCheck, ...]
    title: str | None
    author: str | None


def verify_pdf(pdf: bytes, trust_anchors: Sequence[x509.Certificate]) -> list[PdfSignatureCheck]:
    """One check per signed field, in the file's order; ``PdfVerificationError`` (Vietnamese)
    when the input is not a readable PDF."""
    return list(verify_pdf_document(pdf, trust_anchors).checks)


def verify_pdf_document(pdf: bytes, trust_anchors: Sequence[x509.Certificate]
                        ) -> PdfDocumentCheck:
    """``verify_pdf`` with the document's title and author, from the same parse."""
    return _off_the_event_loop(lambda: _verify(pdf, tuple(trust_anchors)))


def _off_the_event_loop(work: Callable[[], T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return work()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work).result()


def _verify(pdf: bytes, anchors: tuple[x509.Certificate, ...]) -> PdfDocumentCheck:
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise PdfVerificationError(
            "Không kiểm tra được chữ ký: tệp không phải là PDF (thiếu phần đầu «%PDF-»).")
    try:
        reader = PdfFileReader(io.BytesIO(pdf))
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # pyHanko raises many kinds on a damaged file
        raise PdfVerificationError(
            f"Không kiểm tra được chữ ký: tệp PDF hỏng, không đọc được ({exc}).") from exc
    roots = [asn1_x509.Certificate.load(a.public_bytes(Encoding.DER)) for a in anchors]
    try:
        dss: DocumentSecurityStore | None = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        dss = None
    except Exception as exc:
        raise PdfVerificationError(
            f"Không kiểm tra được chữ ký: kho dữ liệu xác thực (DSS) của tệp hỏng ({exc}).") \
            from exc
    stamps = [(s.signed_revision, _stamp_time(s)) for s in signatures]
    contexts: dict[datetime | None, ValidationContext] = {}

    def context_at(moment: datetime | None) -> ValidationContext:
        if moment not in contexts:  # one per moment: the DSS is read into it once
            settings: dict[str, Any] = {"trust_roots": roots, "allow_fetching": False}
            if moment is not None:
                settings["moment"] = moment
            if dss is None:  # a record still in the chain: no status gathered yet
                contexts[moment] = ValidationContext(**settings, revocation_mode="soft-fail")
            else:
                contexts[moment] = dss.as_validation_context(
                    settings | {"revocation_mode": "hard-fail"})
        return contexts[moment]

    checks = []
    for embedded, (_, own) in zip(signatures, stamps, strict=True):
        moment = own or _proof_of_existence(embedded.signed_revision, stamps)
        checks.append(_check(embedded, partial(context_at, moment)))
    title, author = _info(reader)
    return PdfDocumentCheck(tuple(checks), title, author)


def _info(reader: PdfFileReader) -> tuple[str | None, str | None]:
    try:
        info = reader.trailer_view.get("/Info")
        if info is None:
            return None, None
        info = info.get_object()
        title, author = info.get("/Title"), info.get("/Author")
        return (str(title) if title is not None else None,
                str(author) if author is not None else None)
    except Exception:  # a damaged Info dictionary says nothing
        return None, None


def _stamp_time(embedded: EmbeddedPdfSignature) -> datetime | None:
    """The genTime of the signature's time-stamp token (or of a document time-stamp), read
    but not yet trusted: pyHanko validates the token itself."""
    try:
        if embedded.sig_object_type == "/DocTimeStamp":
            token = embedded.signed_data
        else:
            # not .native: that would decode the whole token (and cost a second a record)
            found = [a for a in embedded.signer_info["unsigned_attrs"]
                     if a["type"].dotted == SIGNATURE_TIME_STAMP_ATTRIBUTE]
            if not found:
                return None
            token = found[0]["values"][0]["content"]
        info = token["encap_content_info"]["content"].parsed
        when: datetime = info["gen_time"].native
        return when
    except Exception:  # a damaged token: the validation says so
        return None


def _proof_of_existence(signed_revision: int,
                        stamps: list[tuple[int, datetime | None]]) -> datetime | None:
    """The earliest time-stamp of a later revision: it covers this signature's bytes too."""
    later = [when for revision, when in stamps
             if when is not None and revision > signed_revision]
    return min(later) if later else None


def _check(embedded: EmbeddedPdfSignature,
           context: Callable[[], ValidationContext]) -> PdfSignatureCheck:
    field = str(embedded.field_name)
    try:
        if embedded.sig_object_type == "/DocTimeStamp":
            status: Any = validate_pdf_timestamp(embedded, validation_context=context())
        else:
            status = validate_pdf_signature(embedded, context())
    except Exception as exc:  # a CMS too damaged to validate is an invalid signature
        reason = f"Chữ ký «{field}» hỏng, không kiểm tra được ({exc})."
        return PdfSignatureCheck(field, "", None, None, False, False, False, False, False, None,
                                 reason, integrity_problems=(reason,))
    leaf = x509.load_der_x509_certificate(status.signing_cert.dump())
    stamp = getattr(status, "timestamp_validity", None)
    if embedded.sig_object_type == "/DocTimeStamp":
        when: datetime | None = status.timestamp
        timestamped = True
    elif stamp is not None:
        when, timestamped = stamp.timestamp, True
    else:
        when, timestamped = getattr(status, "signer_reported_dt", None), False
    level = status.modification_level
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    broken, untrusted = _problems(field, status, stamp)
    broken += _padding(field, embedded.pkcs7_content)
    problems = broken + untrusted
    return PdfSignatureCheck(
        field, subject_name(leaf), identity_of(leaf),
        when.astimezone(UTC) if when else None, timestamped,
        bool(status.intact), not problems, bool(status.trusted), whole,
        level.name if level is not None else None, " ".join(problems) or VALID,
        tuple(broken), tuple(untrusted), status.signing_cert.sha256.hex(),
        status.signing_cert.dump())


def _padding(field: str, contents: bytes) -> list[str]:
    """/Contents is outside the /ByteRange (ISO 32000-1 §12.8.1): the CMS plus zero padding.
    A changed padding byte changes no signature, so pdfsig cannot see it; we refuse it, so
    that every byte of a sealed file is accounted for."""
    try:
        _, _, _, header, body, trailer = asn1_parser.parse(contents)
    except ValueError:
        return []  # no CMS to measure: the validation has said so already
    if contents[len(header) + len(body) + len(trailer):].strip(b"\x00"):
        return [f"Ô /Contents của chữ ký «{field}» có dữ liệu lạ sau chữ ký (phần đệm phải "
                "toàn số 0): tệp đã bị sửa."]
    return []


def _problems(field: str, status: Any, stamp: Any) -> tuple[list[str], list[str]]:
    """(integrity problems, trust problems) of one signature."""
    problems: list[str] = []
    untrusted: list[str] = []
    if not status.intact:
        problems.append(f"Nội dung «{field}» đã ký bị sửa: mã băm không khớp với chữ ký.")
    elif not status.valid:
        problems.append(f"Giá trị chữ ký «{field}» không khớp với chứng thư số "
                        "(thuộc tính đã ký bị sửa hoặc chữ ký giả).")
    if not status.trusted:
        indication = status.trust_problem_indic
        detail = f" ({indication.name})" if indication is not None else ""
        untrusted.append(f"Chứng thư số của «{field}» không chuỗi tới CA gốc tin cậy, đã hết "
                         f"hạn, bị thu hồi hoặc thiếu thông tin trạng thái{detail}.")
    if stamp is not None and not (stamp.intact and stamp.valid and stamp.trusted):
        problems.append(f"Dấu thời gian của «{field}» không hợp lệ.")
    if getattr(status, "docmdp_ok", True) is False:
        level = status.modification_level
        problems.append(f"Tệp bị thay đổi sau chữ ký «{field}» theo cách không được phép "
                        f"(mức {level.name if level is not None else 'không rõ'}).")
    return problems, untrusted


__all__ = ["PdfDocumentCheck", "PdfSignatureCheck", "PdfVerificationError", "verify_pdf",
           "verify_pdf_document"]
