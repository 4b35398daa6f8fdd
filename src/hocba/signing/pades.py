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
- ``B-LT``: plus a DSS update with the certificates and their OCSP/CRL answers, the default
  for the school's seal (``KY_PHAT_HANH``), so an issued record verifies offline;
- ``B-LTA``: plus a document time-stamp over all that (archives).

Why not pyHanko's signer: it measured ~90 ms per signature (STACK.md §2), half of it the
OpenType stamp; a school of 1,500 records × 3–15 signatures at ≥ 20 records/s leaves a few
ms per signature. Here a signature reads a handful of objects, embeds the stamp font once per
document (in the certifying revision) and writes its own xref section.

Django-free; errors are ``PdfSigningError`` with a Vietnamese message naming the field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from cryptography.hazmat.primitives.serialization import Encoding

from hocba.signing.backends import SignerBackend, SigningError
from hocba.signing.cms import CmsSigner, embedded_certificates
from hocba.signing.pdf_incremental import IncrementalUpdate, PdfFile, decode_stream
from hocba.signing.pdf_objects import (
    Name,
    PdfSyntaxError,
    Ref,
    Stream,
    pdf_date,
    serialize,
    text_string,
)
from hocba.signing.revocation import RevocationFetcher, ValidationData
from hocba.signing.stamp import FONT_RESOURCE, StampText, appearance
from hocba.signing.stamp_font import embed

LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
SEAL_FIELD = "KY_PHAT_HANH"  # hocba.rendering.signature_fields
TIMESTAMP_RESERVE = 6144  # bytes kept in /Contents for a signature time-stamp token
DOC_TIMESTAMP_RESERVE = 8192
_BYTE_RANGE_WIDTH = 44
_N = Name

__all__ = ["LEVELS", "PdfSigningError", "PreparedPdfSignature", "StampText",
           "add_document_timestamp", "add_validation_data", "default_level",
           "prepare_pdf_signature", "sign_pdf"]


class Timestamper(Protocol):
    """An RFC 3161 client (``online.HttpTimestamper``): a DER TimeStampToken over a SHA-256
    imprint."""

    def timestamp(self, message_imprint: bytes) -> bytes: ...


class PdfSigningError(SigningError):
    """The PDF cannot be signed as asked; the message is Vietnamese and names the field."""


def is_seal(field: str) -> bool:
    return field == SEAL_FIELD or field.startswith(SEAL_FIELD + "_")


def default_level(field: str) -> str:
    """B-LT for the school's seal (the record is issued then), B-B for people."""
    return "B-LT" if is_seal(field) else "B-B"


# --- fields -------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Field:
    name: str
    ref: Ref
    dictionary: dict[Name, Any]
    widget_ref: Ref
    widget: dict[Name, Any]

    @property
    def signed(self) -> bool:
        return self.dictionary.get(_N("V")) is not None

    def rect(self) -> tuple[float, float, float, float]:
        x0, y0, x1, y1 = (float(v) for v in self.widget[_N("Rect")])
        return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _decode_text(value: Any) -> str:
    raw = bytes(value)
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be")
    return raw.decode("latin-1")


def _signature_fields(pdf: PdfFile, acroform: dict[Name, Any]) -> Iterator[_Field]:
    stack: list[tuple[Any, str]] = [(ref, "") for ref in reversed(
        pdf.resolve(acroform.get(_N("Fields"), [])))]
    while stack:
        ref, prefix = stack.pop()
        node = pdf.resolve(ref)
        if not isinstance(node, dict):
            continue
        partial = node.get(_N("T"))
        name = prefix + ("." if prefix and partial is not None else "") + (
            _decode_text(partial) if partial is not None else "")
        kids = pdf.resolve(node.get(_N("Kids")))
        if kids and any(_N("T") in pdf.resolve(k) for k in kids):
            stack.extend((kid, name) for kid in reversed(kids))
            continue
        if node.get(_N("FT")) != "Sig":
            continue
        if kids:  # field with its widget(s) as kids: the first widget shows the stamp
            widget_ref = kids[0]
            yield _Field(name, ref, node, widget_ref, pdf.resolve(widget_ref))
        else:
            yield _Field(name, ref, node, ref, node)


def _acroform(pdf: PdfFile) -> tuple[Ref | None, dict[Name, Any]]:
    value = pdf.root.get(_N("AcroForm"))
    if value is None:
        raise PdfSigningError("Tệp PDF không có ô chữ ký nào (thiếu /AcroForm).")
    if isinstance(value, Ref):
        return value, pdf.get(value)
    return None, value


def _docmdp_level(pdf: PdfFile) -> int | None:
    perms = pdf.resolve(pdf.root.get(_N("Perms")))
    if not isinstance(perms, dict) or _N("DocMDP") not in perms:
        return None
    signature = pdf.resolve(perms[_N("DocMDP")])
    for reference in pdf.resolve(signature.get(_N("Reference"), [])):
        reference = pdf.resolve(reference)
        if reference.get(_N("TransformMethod")) == "DocMDP":
            return int(pdf.resolve(reference.get(_N("TransformParams"), {})).get(_N("P"), 2))
    return 2


def _find_font(pdf: PdfFile, fields: list[_Field]) -> Ref | None:
    """The stamp font an earlier signature of ours embedded, to draw with it again."""
    for field in fields:
        if not field.signed:
            continue
        ap = pdf.resolve(field.widget.get(_N("AP")))
        normal = pdf.resolve(ap.get(_N("N"))) if isinstance(ap, dict) else None
        if not isinstance(normal, Stream):
            continue
        resources = pdf.resolve(normal.dictionary.get(_N("Resources")))
        fonts = pdf.resolve(resources.get(_N("Font"))) if isinstance(resources, dict) else None
        if isinstance(fonts, dict) and isinstance(fonts.get(_N(FONT_RESOURCE)), Ref):
            return fonts[_N(FONT_RESOURCE)]  # type: ignore[no-any-return]
    return None


def _seal_overlap(target: _Field, fields: list[_Field]) -> float:
    """How far into ``target``'s box from the left a seal's box reaches (HCMC QĐ 1789
    Điều 11: the seal covers the left third of the principal's box)."""
    if is_seal(target.name):
        return 0.0
    x0, y0, x1, y1 = target.rect()
    reach = 0.0
    for other in fields:
        if other is target or not is_seal(other.name) or (
                other.widget.get(_N("P")) != target.widget.get(_N("P"))):
            continue
        ox0, oy0, ox1, oy1 = other.rect()
        if ox0 <= x0 < ox1 and oy0 < y1 and y0 < oy1:
            reach = max(reach, min(ox1, x1) - x0)
    return reach


# --- the signature update -----------------------------------------------------------------

@dataclass
class _Placeholder:
    buffer: bytearray
    contents_start: int  # offset of '<'
    contents_end: int  # offset after '>'

    @property
    def capacity(self) -> int:
        return (self.contents_end - self.contents_start - 2) // 2

    def byte_range_digest(self) -> bytes:
        view = memoryview(self.buffer)
        digest = hashlib.sha256(view[:self.contents_start])
        digest.update(view[self.contents_end:])
        return digest.digest()

    def fill(self, contents: bytes, what: str) -> bytes:
        if len(contents) > self.capacity:
            raise PdfSigningError(f"Chữ ký {what} dài {len(contents)} byte, vượt chỗ dành sẵn "
                                  f"({self.capacity} byte) trong tệp PDF.")
        hexed = contents.hex().encode("ascii")
        self.buffer[self.contents_start + 1:self.contents_start + 1 + len(hexed)] = hexed
        return bytes(self.buffer)


def _signature_dictionary(kind: bytes, subfilter: bytes, size: int, extra: bytes) -> bytes:
    return (b"<</Type /" + kind + b" /Filter /Adobe.PPKLite /SubFilter /" + subfilter
            + b"\n/ByteRange [" + b" " * _BYTE_RANGE_WIDTH + b"]" + extra
            + b"\n/Contents <" + b"0" * (2 * size) + b">>>")


def _write(update: IncrementalUpdate, signature_ref: Ref) -> _Placeholder:
    buffer = update.write()
    start = buffer.rfind(b"\n%d 0 obj\n" % signature_ref.num)
    if start < 0:
        raise AssertionError("signature dictionary not written")
    byte_range = buffer.index(b"/ByteRange [", start) + len(b"/ByteRange [")
    contents_start = buffer.index(b"/Contents <", start) + len(b"/Contents ")
    contents_end = buffer.index(b">", contents_start) + 1
    ranges = b"0 %d %d %d" % (contents_start, contents_end, len(buffer) - contents_end)
    if len(ranges) > _BYTE_RANGE_WIDTH:
        raise PdfSigningError("Tệp PDF quá lớn để ký.")
    buffer[byte_range:byte_range + _BYTE_RANGE_WIDTH] = ranges.ljust(_BYTE_RANGE_WIDTH)
    return _Placeholder(buffer, contents_start, contents_end)


def _check_level(level: str) -> str:
    if level not in LEVELS:
        raise PdfSigningError(f"Mức chữ ký PAdES «{level}» không hỗ trợ; chọn một trong "
                              f"{', '.join(LEVELS)}.")
    return level


@dataclass
class PreparedPdfSignature:
    """A field ready to sign: ``digest`` is what the backend signs, ``finish`` embeds it."""

    field: str
    level: str
    digest: bytes
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...]
    _placeholder: _Placeholder
    _signer: CmsSigner
    _signed_attributes: bytes
    earlier_certificates: tuple[x509.Certificate, ...] = ()

    def finish(self, signature: bytes, *, timestamper: Timestamper | None = None,
               revocation: RevocationFetcher | None = None) -> bytes:
        """The PDF with the field signed (and, per level, time-stamped, its validation data
        in a DSS update, and a document time-stamp)."""
        _verify(self.certificate, self.digest, signature, self.field)
        token = None
        if self.level != "B-B":
            if timestamper is None:
                raise PdfSigningError(f"Chữ ký {self.level} ở ô «{self.field}» cần máy chủ cấp "
                                      "dấu thời gian (TSA).")
            token = timestamper.timestamp(hashlib.sha256(signature).digest())
        contents = self._signer.signed_data(self._signed_attributes, signature, token)
        signed = self._placeholder.fill(contents, f"ở ô «{self.field}»")
        if self.level in ("B-LT", "B-LTA"):
            # Every signer's status, not only the seal's: an issued record then verifies
            # offline as a whole (TT 15/2025 Phụ lục II keeps the status at signing time).
            found = [self.certificate, *self.chain, *self.earlier_certificates]
            if token is not None:
                found += _cms_certificates(token)
            data = _validation_data(revocation or RevocationFetcher(), found)
            signed = add_validation_data(signed, certificates=data.certificates,
                                         ocsp_responses=data.ocsp_responses, crls=data.crls)
        if self.level == "B-LTA":
            assert timestamper is not None
            signed = add_document_timestamp(signed, timestamper)
        return signed


def _cms_certificates(der: bytes) -> list[x509.Certificate]:
    """The certificates a CMS carries, and those of its signature time-stamp tokens."""
    try:
        return [_certificate(c) for c in embedded_certificates(der)]
    except ValueError:
        return []  # not ours to judge here: the verifier reports a broken signature


@lru_cache(maxsize=1024)
def _certificate(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def _validation_data(fetcher: RevocationFetcher,
                     certificates: Sequence[x509.Certificate]) -> ValidationData:
    """Status evidence for each end certificate among ``certificates``, with its issuers."""
    unique = list(dict.fromkeys(certificates))
    by_subject = {c.subject: c for c in unique}
    issuers = {c.issuer for c in unique if c.issuer != c.subject}
    data = ValidationData()
    for leaf in (c for c in unique if c.subject not in issuers):
        chain = [leaf]
        while chain[-1].issuer != chain[-1].subject and chain[-1].issuer in by_subject \
                and len(chain) < 10:
            chain.append(by_subject[chain[-1].issuer])
        data.extend(fetcher.for_chain(chain))
    return data


def _verify(certificate: x509.Certificate, digest: bytes, signature: bytes, field: str) -> None:
    """Refuse a signature that does not match (a remote service's wrong answer) before it is
    written into a record."""
    key = certificate.public_key()
    prehashed = utils.Prehashed(hashes.SHA256())
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, digest, ec.ECDSA(prehashed))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, digest, padding.PKCS1v15(), prehashed)
        else:
            raise PdfSigningError("Chứng thư số dùng loại khoá chưa được hỗ trợ.")
    except InvalidSignature as exc:
        raise PdfSigningError(f"Chữ ký nhận về cho ô «{field}» không khớp với chứng thư số "
                              "của người ký: không ghi vào học bạ.") from exc


def prepare_pdf_signature(pdf: bytes, field: str, certificate: x509.Certificate,
                          chain: Sequence[x509.Certificate] = (), *,
                          signing_time: dt.datetime, appearance: StampText,
                          level: str | None = None,
                          timestamp_reserve: int | None = None) -> PreparedPdfSignature:
    """Write ``field``'s signature update with an empty /Contents and return the digest the
    signer's key must sign (SHA-256 of the CMS signed attributes)."""
    level = _check_level(level or default_level(field))
    if signing_time.tzinfo is None:
        raise PdfSigningError("Thời điểm ký phải có múi giờ.")
    try:
        document = PdfFile(pdf)
        acroform_ref, acroform = _acroform(document)
        fields = list(_signature_fields(document, acroform))
    except PdfSyntaxError as exc:
        raise PdfSigningError(f"Không đọc được tệp PDF để ký ô «{field}»: {exc}") from exc
    target = next((f for f in fields if f.name == field), None)
    if target is None:
        known = ", ".join(f.name for f in fields) or "không có"
        raise PdfSigningError(f"Không có ô chữ ký «{field}» trong học bạ (các ô: {known}).")
    if target.signed:
        raise PdfSigningError(f"Ô chữ ký «{field}» đã được ký; không ký lại.")
    mdp = _docmdp_level(document)
    if mdp == 1:
        raise PdfSigningError(f"Học bạ đã được chứng nhận không cho thêm chữ ký; không ký được "
                              f"ô «{field}».")
    certifying = mdp is None and not any(f.signed for f in fields)

    update = IncrementalUpdate(document)
    font_ref = _find_font(document, fields) or embed(update)
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
    update.put_raw(signature_ref, _signature_dictionary(
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
        form = dict(acroform)
        form[_N("SigFlags")] = 3  # SignaturesExist | AppendOnly
        if acroform_ref is None:
            root[_N("AcroForm")] = form
        else:
            update.put(acroform_ref, form)
        update.put(document.root_ref, root)

    placeholder = _write(update, signature_ref)
    attributes = signer.signed_attributes(placeholder.byte_range_digest())
    earlier: list[x509.Certificate] = []
    if level in ("B-LT", "B-LTA"):
        for other in fields:
            signature = document.resolve(other.dictionary.get(_N("V")))
            if isinstance(signature, dict) and _N("Contents") in signature:
                earlier += _cms_certificates(bytes(signature[_N("Contents")]))
    return PreparedPdfSignature(field, level, hashlib.sha256(attributes).digest(), certificate,
                                tuple(chain), placeholder, signer, attributes, tuple(earlier))


def _appearance(stamp: StampText, width: float, height: float, font_ref: Ref, target: _Field,
                fields: list[_Field]) -> Stream:
    return appearance(stamp, width, height, font_ref, seal=is_seal(target.name),
                      free_from=_seal_overlap(target, fields))


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
                                     level=level)
    [signature] = backend.sign_digests([prepared.digest])
    return prepared.finish(signature, timestamper=timestamper, revocation=revocation)


# --- B-LT and B-LTA -----------------------------------------------------------------------

def _der(value: bytes | x509.Certificate | x509.CertificateRevocationList) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.public_bytes(Encoding.DER)


def add_validation_data(pdf: bytes, *, certificates: Sequence[Any] = (),
                        ocsp_responses: Sequence[bytes] = (),
                        crls: Sequence[Any] = ()) -> bytes:
    """``pdf`` with a Document Security Store update (ISO 32000-2 §12.8.4.3; PAdES B-LT):
    DER certificates, OCSP responses and CRLs, added to any DSS already there."""
    document = PdfFile(pdf)
    update = IncrementalUpdate(document)
    root = dict(document.root)
    existing = document.resolve(root.get(_N("DSS")))
    dss: dict[Name, Any] = dict(existing) if isinstance(existing, dict) else {_N("Type"):
                                                                                _N("DSS")}
    for key, items in (("Certs", certificates), ("OCSPs", ocsp_responses), ("CRLs", crls)):
        refs = list(document.resolve(dss.get(_N(key), [])))
        seen = {hashlib.sha256(decode_stream(document.get(r))).digest() for r in refs}
        for item in items:
            der = _der(item)
            digest = hashlib.sha256(der).digest()
            if digest in seen:
                continue
            seen.add(digest)
            refs.append(update.add(Stream({}, der)))
        if refs:
            dss[_N(key)] = refs
    root[_N("DSS")] = update.add(dss)
    update.put(document.root_ref, root)
    return bytes(update.write())


def add_document_timestamp(pdf: bytes, timestamper: Timestamper, *,
                           reserve: int = DOC_TIMESTAMP_RESERVE) -> bytes:
    """``pdf`` with a document time-stamp (/DocTimeStamp, ETSI.RFC3161) over everything so
    far, in a new invisible signature field on the first page (PAdES B-LTA)."""
    document = PdfFile(pdf)
    acroform_ref, acroform = _acroform(document)
    names = {f.name for f in _signature_fields(document, acroform)}
    name = next(n for n in (f"DAU_THOI_GIAN_{i}" for i in range(1, 10_000)) if n not in names)
    page_ref = next(document.pages())
    update = IncrementalUpdate(document)
    hint = getattr(timestamper, "token_size_hint", None)
    size = max(reserve, (hint or 0) + 1024)
    signature_ref = update.reserve()
    update.put_raw(signature_ref, _signature_dictionary(b"DocTimeStamp", b"ETSI.RFC3161",
                                                        size, b""))
    field_ref = update.add({
        _N("FT"): _N("Sig"), _N("T"): text_string(name), _N("Type"): _N("Annot"),
        _N("Subtype"): _N("Widget"), _N("F"): 132, _N("Rect"): [0, 0, 0, 0],
        _N("P"): page_ref, _N("V"): signature_ref})
    _append_to_array(document, update, page_ref, "Annots", field_ref)
    if acroform_ref is None:
        root = dict(document.root)
        form = dict(acroform)
        form[_N("Fields")] = [*document.resolve(form.get(_N("Fields"), [])), field_ref]
        root[_N("AcroForm")] = form
        update.put(document.root_ref, root)
    else:
        _append_to_array(document, update, acroform_ref, "Fields", field_ref)
    placeholder = _write(update, signature_ref)
    token = timestamper.timestamp(placeholder.byte_range_digest())
    return placeholder.fill(token, "dấu thời gian tài liệu")


def _append_to_array(document: PdfFile, update: IncrementalUpdate, owner: Ref, key: str,
                     item: Ref) -> None:
    dictionary = dict(document.get(owner))
    value = dictionary.get(_N(key))
    if isinstance(value, Ref):
        update.put(value, [*document.get(value), item])
    else:
        dictionary[_N(key)] = [*(value or []), item]
        update.put(owner, dictionary)

