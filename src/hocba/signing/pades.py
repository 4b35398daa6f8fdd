"""PAdES signatures in a rendered học bạ's signature fields, written as our own incremental
updates (issue 5 §4 "PDF"; ETSI EN 319 142-1; ISO 32000-1 §12.8).

    prepared = prepare_pdf_signature(pdf, "GVCN", cert, chain, signing_time=t,
                                     appearance=StampText("Lê Thị Thu", "Giáo viên chủ nhiệm", t))
    [signature] = backend.sign_digests([prepared.digest])   # many digests per confirmation
    signed = prepared.finish(signature)

    sign_pdf(pdf, "KY_PHAT_HANH", seal_backend, signing_time=t, appearance=..., timestamper=tsa)

The order the regulation asks (GVBM → GVCN → CBQL → seal; HCMC QĐ 1789 Điều 14) is the
caller's; here: the **first** signature of a document certifies it (DocMDP P=2: later
signatures and form filling only), every later one approves. ``/SubFilter
/ETSI.CAdES.detached``, SHA-256, the signer's certificate and chain in the CMS. Levels:

- ``B-B``: the default for people;
- ``B-T``: plus a signature time-stamp (RFC 3161) from the caller's timestamper;
- ``B-LT``: the default for the school's seal (``KY_PHAT_HANH``), so an issued record verifies
  offline: an incremental update with a DSS holding the certificates and OCSP answers (or
  CRLs) of every signer already in the record, of the seal (fetched before it signs) and of
  the time-stamp authority, then the seal's signature with its signature time-stamp. The seal
  is the file's **last revision**: readers report the whole document signed by it (issue 5
  "Independent acceptance": pdfsig's "Total document signed"). ETSI EN 319 142-1 V1.1.1 §6.3
  (Table 1, "DSS" for PAdES-B-LT) asks for the validation data in the DSS, not for the DSS
  to follow the signature, and validators judge the level that way (the EU DSS library:
  DSS present, status for every certificate; pyHanko's own signer writes the same shape with
  ``SigDSSPlacementPreference.TOGETHER_WITH_SIGNATURE``, "a PAdES-B-LT signature in a single
  revision"). The status answers predate the seal's time-stamp by the round trip to the key
  (seconds; minutes for a remote confirmation) and are within their validity at it: pyHanko
  validates the seal offline from the DSS at the time-stamp's time and now (its default
  freshness: thisUpdate ≤ validation time ≤ nextUpdate), as it did with the DSS after;
- ``B-LT-AFTER``: the DSS in an update after the seal's signature instead (the former
  placement, kept selectable); readers then report the seal "not total document signed";
- ``B-LTA``: ``B-LT`` plus a document time-stamp (/DocTimeStamp) over everything, for
  archives (ETSI EN 319 142-1 §5.4, §6.3).

Why not pyHanko's signer: it measured ~90 ms per signature (STACK.md §2), half of it the
OpenType stamp; a school of 1,500 records × 3–15 signatures at ≥ 20 records/s leaves a few
ms per signature. Here a signature reads a handful of objects, embeds the stamp font once per
document (in the certifying revision) and writes its own xref section.

Django-free; errors are ``PdfSigningError`` with a Vietnamese message naming the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hocba.signing.backends import SignerBackend, signature_matches
from hocba.signing.cms import CmsSigner
from hocba.signing.pades_ltv import (
    add_document_timestamp,
    add_validation_data,
    cms_certificates,
    remember_tsa_certificates,
    tsa_certificates,
    validation_data,
)
from hocba.signing.pdf_fields import (
    SignatureField,
    acroform,
    docmdp_level,
    find_stamp_font,
    is_seal,
    seal_overlap,
    signature_fields,
)
from hocba.signing.pdf_incremental import IncrementalUpdate, PdfFile
from hocba.signing.pdf_objects import (
    Name,
    PdfSyntaxError,
    Ref,
    Stream,
    pdf_date,
    serialize,
    text_string,
)
from hocba.signing.pdf_signature import (
    PdfSigningError,
    Placeholder,
    Timestamper,
    signature_dictionary,
    write_with_placeholder,
)
from hocba.signing.revocation import RevocationFetcher
from hocba.signing.stamp import StampText, appearance
from hocba.signing.stamp_font import embed
from hocba.signing.xmldsig import cache_size

LEVELS = ("B-B", "B-T", "B-LT", "B-LT-AFTER", "B-LTA")
_DSS_BEFORE = ("B-LT", "B-LTA")  # validation data written before the signature
TIMESTAMP_RESERVE = 6144  # bytes kept in /Contents for a signature time-stamp token
_N = Name

__all__ = ["LEVELS", "PdfSigningError", "PreparedPdfSignature", "StampText", "Timestamper",
           "add_document_timestamp", "add_validation_data", "default_level", "is_seal",
           "prepare_pdf_signature", "sign_pdf"]


def default_level(field: str) -> str:
    """B-LT for the school's seal (the record is issued then), B-B for people."""
    return "B-LT" if is_seal(field) else "B-B"


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise PdfSigningError(f"Mức chữ ký PAdES «{level}» không hỗ trợ; chọn một trong "
                              f"{', '.join(LEVELS)}.")
    return level


@dataclass
class PreparedPdfSignature:
    """A field ready to sign: ``digest`` is what the backend signs, ``finish`` embeds it.

    At ``B-LT``/``B-LTA`` the update before the signature already holds the DSS;
    ``validated`` names (by DER) the certificates whose status it holds."""

    field: str
    level: str
    digest: bytes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    _placeholder: Placeholder
    _signer: CmsSigner
    _signed_attributes: bytes
    earlier_certificates: tuple[x509.Certificate, ...] = ()
    validated: frozenset[bytes] = frozenset()
    _document: PdfFile | None = None

    def finish(self, signature: bytes, *, timestamper: Timestamper | None = None,
               revocation: RevocationFetcher | None = None) -> bytes:
        """The PDF with the field signed (and, per level, time-stamped, its validation data
        in a DSS update after it for ``B-LT-AFTER``, and a document time-stamp)."""
        _verify(self.certificate, self.digest, signature, self.field)
        token = None
        if self.level != "B-B":
            if timestamper is None:
                raise PdfSigningError(f"Chữ ký {self.level} ở ô «{self.field}» cần máy chủ cấp "
                                      "dấu thời gian (TSA).")
            token = timestamper.timestamp(hashlib.sha256(signature).digest())
        contents = self._signer.signed_data(self._signed_attributes, signature, token)
        signed = self._placeholder.fill(contents, f"ở ô «{self.field}»")
        if self.level == "B-B" and self._document is not None:
            _DOCUMENTS.keep(signed, self._document)  # the record's next signer starts here
        if token is not None and self.level in ("B-LT", "B-LT-AFTER", "B-LTA"):
            assert timestamper is not None
            tsa = list(remember_tsa_certificates(timestamper, token))
            found: list[x509.Certificate] = []
            if self.level == "B-LT-AFTER":
                # Every signer's status, not only the seal's: an issued record then verifies
                # offline as a whole (TT 15/2025 Phụ lục II keeps the status at signing time).
                found = [self.certificate, *self.chain, *self.earlier_certificates, *tsa]
            elif any(_der(c) not in self.validated for c in tsa):
                # Prepared without the timestamper, or its TSA changed key since: its status
                # still goes in, after the signature (the record stays valid and B-LT, but
                # the seal no longer covers the whole file).
                found = tsa
            if found:
                data = validation_data(revocation or RevocationFetcher(), found)
                signed = add_validation_data(signed, certificates=data.certificates,
                                             ocsp_responses=data.ocsp_responses,
                                             crls=data.crls)
        if self.level == "B-LTA":
            assert timestamper is not None
            signed = add_document_timestamp(signed, timestamper)
        return signed


def _der(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(Encoding.DER)


def _verify(certificate: x509.Certificate, digest: bytes, signature: bytes, field: str) -> None:
    """Refuse a signature that does not match (a remote service's wrong answer) before it is
    written into a record."""
    if not signature_matches(certificate, digest, signature):
        raise PdfSigningError(f"Chữ ký nhận về cho ô «{field}» không khớp với chứng thư số "
                              "của người ký: không ghi vào học bạ.")


def prepare_pdf_signature(pdf: bytes, field: str, certificate: x509.Certificate,
                          chain: Sequence[x509.Certificate] = (), *,
                          signing_time: dt.datetime, appearance: StampText,
                          level: str | None = None,
                          timestamp_reserve: int | None = None,
                          timestamper: Timestamper | None = None,
                          revocation: RevocationFetcher | None = None) -> PreparedPdfSignature:
    """Write ``field``'s signature update with an empty /Contents and return the digest the
    signer's key must sign (SHA-256 of the CMS signed attributes).

    At ``B-LT`` and ``B-LTA`` the DSS update comes first, so the status is fetched here,
    before the key signs (a revoked certificate is refused before it signs): ``revocation``
    is the batch's fetcher (a new one if not given) and ``timestamper`` the TSA ``finish``
    will use, whose certificates' status goes in too (without it, that status follows the
    signature and the seal no longer covers the whole file)."""
    level = _check_level(level or default_level(field))
    if signing_time.tzinfo is None:
        raise PdfSigningError("Thời điểm ký phải có múi giờ.")
    document, acroform_ref, form, fields, target = _open(pdf, field, _DOCUMENTS.take(pdf))
    earlier: list[x509.Certificate] = []
    if level in ("B-LT", "B-LT-AFTER", "B-LTA"):
        for other in fields:
            signature = document.resolve(other.dictionary.get(_N("V")))
            if isinstance(signature, dict) and _N("Contents") in signature:
                earlier += cms_certificates(bytes(signature[_N("Contents")]))
    validated: frozenset[bytes] = frozenset()
    if level in _DSS_BEFORE:
        tsa = tsa_certificates(timestamper) if timestamper is not None else ()
        found = [certificate, *chain, *earlier, *tsa]
        data = validation_data(revocation or RevocationFetcher(), found)
        with_dss = add_validation_data(document, certificates=data.certificates,
                                       ocsp_responses=data.ocsp_responses, crls=data.crls)
        document, acroform_ref, form, fields, target = _open(with_dss, field, document)
        validated = frozenset(_der(c) for c in found)
    mdp = docmdp_level(document)
    if mdp == 1:
        raise PdfSigningError(f"Học bạ đã được chứng nhận không cho thêm chữ ký; không ký được "
                              f"ô «{field}».")
    certifying = mdp is None and not any(f.signed for f in fields)

    update = IncrementalUpdate(document)
    font_ref = find_stamp_font(document, fields) or embed(update)
    x0, y0, x1, y1 = target.rect()
    appearance_stream = _appearance(appearance, x1 - x0, y1 - y0, font_ref, target, fields)
    appearance_ref = update.add(appearance_stream)

    signer = CmsSigner.of(certificate, tuple(chain))
    reserve = TIMESTAMP_RESERVE if timestamp_reserve is None else timestamp_reserve
    size = signer.placeholder_size(reserve if level != "B-B" else 0)
    extra = b"\n/M " + serialize(pdf_date(signing_time)) + b"\n/Name " + serialize(
        text_string(_common_name(certificate)))
    if certifying:  # ISO 32000-1 §12.8.2.2: DocMDP, P=2 (form filling and signing allowed)
        extra += (b"\n/Reference [<</Type /SigRef /TransformMethod /DocMDP /TransformParams"
                  b" <</Type /TransformParams /P 2 /V /1.2>>>>]")
    signature_ref = update.reserve()
    update.put_raw(signature_ref, signature_dictionary(
        b"Sig", b"ETSI.CAdES.detached", size, extra))

    for ref, dictionary in {target.ref: target.dictionary,
                            target.widget_ref: target.widget}.items():
        changed = dict(dictionary)
        if ref == target.ref:
            changed[_N("V")] = signature_ref
        if ref == target.widget_ref:
            changed[_N("AP")] = {_N("N"): appearance_ref}
        update.put(ref, changed)
    if certifying:
        root = dict(document.root)
        root[_N("Perms")] = {_N("DocMDP"): signature_ref}
        # ETSI.CAdES.detached in a PDF 1.7 file: the ESIC extension (ETSI EN 319 142-1 §5.1)
        root.setdefault(_N("Extensions"), {_N("ESIC"): {
            _N("BaseVersion"): _N("1.7"), _N("ExtensionLevel"): 2}})
        form = dict(form)
        form[_N("SigFlags")] = 3  # SignaturesExist | AppendOnly
        if acroform_ref is None:
            root[_N("AcroForm")] = form
        else:
            update.put(acroform_ref, form)
        update.put(document.root_ref, root)

    placeholder = write_with_placeholder(update, signature_ref)
    attributes = signer.signed_attributes(placeholder.byte_range_digest())
    return PreparedPdfSignature(field, level, hashlib.sha256(attributes).digest(), certificate,
                                tuple(chain), placeholder, signer, attributes, tuple(earlier),
                                validated, document)


class _Documents:
    """The parsed file under each PDF this process signed last (B-B), found again by the
    signed bytes: the record's next signature reads only the update it added
    (``PdfFile.extended``), not the whole cross-reference chain and signature fields again.
    Looked up by length and last bytes, then compared whole (an exact match or nothing)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._files: OrderedDict[tuple[int, bytes], tuple[bytes, PdfFile]] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, signed: bytes, document: PdfFile) -> None:
        with self._lock:
            self._files[len(signed), signed[-64:]] = (signed, document)
            while len(self._files) > self.size:
                self._files.popitem(last=False)

    def take(self, pdf: bytes) -> PdfFile | None:
        with self._lock:
            found = self._files.pop((len(pdf), pdf[-64:]), None)
        if found is None or found[0] != pdf:
            return None
        return found[1]


_DOCUMENTS = _Documents(cache_size())  # HOCBA_SIGNING_CACHE, as the XML trees


def _open(pdf: bytes, field: str, previous: PdfFile | None = None
          ) -> tuple[PdfFile, Ref | None, dict[Name, Any], list[SignatureField],
                     SignatureField]:
    """The file, its /AcroForm (reference and dictionary), its signature fields and the
    unsigned ``field`` to sign; refused by name otherwise. ``previous``: a parsed earlier
    revision of ``pdf`` whose work is reused."""
    try:
        document = PdfFile.extended(previous, pdf) if previous is not None else PdfFile(pdf)
        acroform_ref, form = acroform(document)
        fields = list(signature_fields(document, form))
    except PdfSyntaxError as exc:
        raise PdfSigningError(f"Không đọc được tệp PDF để ký ô «{field}»: {exc}") from exc
    target = next((f for f in fields if f.name == field), None)
    if target is None:
        known = ", ".join(f.name for f in fields) or "không có"
        raise PdfSigningError(f"Không có ô chữ ký «{field}» trong học bạ (các ô: {known}).")
    if target.signed:
        raise PdfSigningError(f"Ô chữ ký «{field}» đã được ký; không ký lại.")
    return document, acroform_ref, form, fields, target


def _appearance(stamp: StampText, width: float, height: float, font_ref: Ref,
                target: SignatureField,
                fields: list[SignatureField]) -> Stream:
    return appearance(stamp, width, height, font_ref, seal=is_seal(target.name),
                      free_from=seal_overlap(target, fields))


def _common_name(certificate: x509.Certificate) -> str:
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    return str(names[0].value) if names else certificate.subject.rfc4514_string()


def sign_pdf(pdf: bytes, field: str, backend: SignerBackend, *, signing_time: dt.datetime,
             appearance: StampText, level: str | None = None,
             timestamper: Timestamper | None = None,
             revocation: RevocationFetcher | None = None) -> bytes:
    """Prepare, sign with ``backend`` (one digest) and finish: the convenience path."""
    prepared = prepare_pdf_signature(pdf, field, backend.certificate, backend.chain,
                                     signing_time=signing_time, appearance=appearance,
                                     level=level, timestamper=timestamper,
                                     revocation=revocation)
    [signature] = backend.sign_digests([prepared.digest])
    return prepared.finish(signature, timestamper=timestamper, revocation=revocation)
