"""PAdES B-LT and B-LTA: the Document Security Store and the document time-stamp.

B-LT (ETSI EN 319 142-1 §5.4.2, §6.3): a DSS (ISO 32000-2 §12.8.4.3) with the certificates
and their OCSP answers or CRLs, so the record verifies offline, decades later, without the
CA's services (TT 15/2025/TT-BKHCN Phụ lục II asks for the status at signing time to be
kept). ``pades`` writes it in its own incremental update just before the seal's signature (the
seal is then the file's last revision) or, for ``B-LT-AFTER``, just after it. B-LTA adds a
document time-stamp over all of it (/DocTimeStamp, ETSI.RFC3161) in a new invisible field.

The DSS before the signature must already hold the time-stamp authority's certificates and
status, though the token comes only after the signature: the TSA's certificates are learnt
from an earlier token of the same ``Timestamper`` (one probe token the first time), as
pyHanko's ``TimeStamper.validation_paths`` does with its "dummy" token.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hocba.signing.cms import embedded_certificates
from hocba.signing.pdf_fields import acroform, signature_fields
from hocba.signing.pdf_incremental import IncrementalUpdate, PdfFile, decode_stream
from hocba.signing.pdf_objects import Name, Ref, Stream, text_string
from hocba.signing.pdf_signature import Timestamper, signature_dictionary, write_with_placeholder
from hocba.signing.revocation import RevocationFetcher, ValidationData

DOC_TIMESTAMP_RESERVE = 8192
_PROBE = hashlib.sha256(b"hocba: which certificates does this TSA sign with?").digest()
_N = Name
_tsa_certificates: weakref.WeakKeyDictionary[Any, tuple[x509.Certificate, ...]] = \
    weakref.WeakKeyDictionary()
_tsa_lock = threading.Lock()


def cms_certificates(der: bytes) -> list[x509.Certificate]:
    """The certificates a CMS carries, and those of its signature time-stamp tokens."""
    try:
        return [_certificate(c) for c in embedded_certificates(der)]
    except ValueError:
        return []  # not ours to judge here: the verifier reports a broken signature


@lru_cache(maxsize=1024)
def _certificate(der: bytes) -> x509.Certificate:
    return x509.load_der_x509_certificate(der)


def tsa_certificates(timestamper: Timestamper) -> tuple[x509.Certificate, ...]:
    """The certificates ``timestamper``'s tokens carry (its own and its chain): those of its
    last token, else of one probe token asked once per timestamper."""
    with _tsa_lock:
        known = _tsa_certificates.get(timestamper)
    if known is None:
        known = remember_tsa_certificates(timestamper, timestamper.timestamp(_PROBE))
    return known


def remember_tsa_certificates(timestamper: Timestamper,
                              token: bytes) -> tuple[x509.Certificate, ...]:
    """Note the certificates of a token ``timestamper`` returned (a TSA's key rolls over:
    the next seal's DSS follows)."""
    found = tuple(cms_certificates(token))
    with _tsa_lock:
        _tsa_certificates[timestamper] = found
    return found


def validation_data(fetcher: RevocationFetcher,
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


def _der(value: bytes | x509.Certificate | x509.CertificateRevocationList) -> bytes:
    if isinstance(value, bytes):
        return value
    return value.public_bytes(Encoding.DER)


def add_validation_data(pdf: bytes | PdfFile, *, certificates: Sequence[Any] = (),
                        ocsp_responses: Sequence[bytes] = (),
                        crls: Sequence[Any] = ()) -> bytes:
    """``pdf`` with a Document Security Store update (ISO 32000-2 §12.8.4.3; PAdES B-LT):
    DER certificates, OCSP responses and CRLs, added to any DSS already there."""
    document = pdf if isinstance(pdf, PdfFile) else PdfFile(pdf)
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
    acroform_ref, form_dict = acroform(document)
    names = {f.name for f in signature_fields(document, form_dict)}
    name = next(n for n in (f"DAU_THOI_GIAN_{i}" for i in range(1, 10_000)) if n not in names)
    page_ref = next(document.pages())
    update = IncrementalUpdate(document)
    hint = getattr(timestamper, "token_size_hint", None)
    size = max(reserve, (hint or 0) + 1024)
    signature_ref = update.reserve()
    update.put_raw(signature_ref, signature_dictionary(b"DocTimeStamp", b"ETSI.RFC3161",
                                                        size, b""))
    field_ref = update.add({
        _N("FT"): _N("Sig"), _N("T"): text_string(name), _N("Type"): _N("Annot"),
        _N("Subtype"): _N("Widget"), _N("F"): 132, _N("Rect"): [0, 0, 0, 0],
        _N("P"): page_ref, _N("V"): signature_ref})
    _append_to_array(document, update, page_ref, "Annots", field_ref)
    if acroform_ref is None:
        root = dict(document.root)
        form = dict(form_dict)
        form[_N("Fields")] = [*document.resolve(form.get(_N("Fields"), [])), field_ref]
        root[_N("AcroForm")] = form
        update.put(document.root_ref, root)
    else:
        _append_to_array(document, update, acroform_ref, "Fields", field_ref)
    placeholder = write_with_placeholder(update, signature_ref)
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
