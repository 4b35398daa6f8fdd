"""XML signatures of the học bạ: the Ministry's XMLDSig profile, one ds:Signature per slot, and
a XAdES-BES variant. Django-free.

Two phases, because a key only ever signs a SHA-256 digest (``SignerBackend``) and a remote
service signs many digests per confirmation::

    prepared = prepare_xml_signature(xml, "CBQL", cert, chain, signing_time=now)
    [value] = backend.sign_digests([prepared.digest])       # one confirmation, many records
    signed = prepared.finish(value)                          # the whole file, slot signed
    checks = verify_xml(signed, trust_anchors)               # one check per signature

**Profile "xmldsig"** (CV 2088/BGDĐT-GDTH PL1 II.1.6; HCMC QĐ 1789 Điều 11): each slot
(``GVBM:<MA_MON>`` → ``GVCN`` → ``CBQL`` → ``KY_PHAT_HANH``, the chain's order, QĐ 1789
Điều 14) holds one ``ds:Signature`` whose Ids are unique to it. Its SignedInfo has three
References: the region the profile gives the slot (``#data``, ``#thongtinhocba``,
``#dtk_MA``); the slot itself (its Id, with the enveloped-signature transform), so the slot's
NGAY_KY and SO_CCCD are signed too; and ``Signature/Object/SignatureProperties`` holding
``SignatureProperty/SigningTime`` (``2025-05-30T14:05:00+07:00``), because the spec requires
the signing time to be covered. KeyInfo/X509Data carries a readable UTF-8 X509SubjectName
(RFC 4514) and the certificate with its intermediates. ECDSA (``ecdsa-sha256``, SignatureValue
raw r||s as XMLDSig 1.1 requires) and RSA (``rsa-sha256``, PKCS#1 v1.5). Exclusive C14N 1.0
throughout (``xml_signature``).

**Profile "xades-bes"** (TT 15/2025/TT-BKHCN Phụ lục I lists XAdES, ETSI EN 319 132-1): the
same signature plus ``Object/QualifyingProperties/SignedProperties`` with SigningTime and
SigningCertificateV2 (SHA-256 of the certificate), referenced with
``Type="http://uri.etsi.org/01903#SignedProperties"``. It keeps the MOET SignatureProperties,
so a portal checking the Ministry's profile still finds its SigningTime.

**Dates.** Each signer writes its slot's NGAY_KY = its signing time (Phụ lục 1.1 "Danh sách
thông tin ký"); the slot is covered only by its own signature, so nobody else's breaks.
NGAY_KY_PHAT_HANH_HOC_BA sits in THONG_TIN_CHUNG, inside what GVCN (``thongtinhocba``) and CBQL
(``data``) sign, yet Phụ lục 1.1 wants it "at issuance"; the writer omits it while the record's
``issued_on`` is empty. Rule: **the issuance date is fixed when the record enters the chain**.
The first signature whose region holds THONG_TIN_CHUNG (GVCN, or CBQL when the record names no
homeroom teacher) writes it as the date of that signature, unless the record already carries
an ``issued_on`` (the school may set the planned issue date); after that no signer may add or
change it (refused: it would break the signatures that cover it). The seal's own
KY_PHAT_HANH/NGAY_KY, outside the data, carries the moment of issuance. Subject teachers sign
only their DIEM_TONG_KET and never see it. Reading the signed file back gives the record with
``issued_on`` = that date.

**Identity.** A person's certificate must carry the CCCD the slot names (UID=CCCD:…, filled
into the slot's SO_CCCD when the slot has none); the seal's must carry UID=MA_TRUONG:<the
record's MA_TRUONG>; the certificate must be valid at the signing time (TT 15/2025 Phụ lục II).
"""

from __future__ import annotations

import hashlib
import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils
from lxml import etree

from hocba.domain.moet import safe
from hocba.domain.moet.errors import MoetXmlError
from hocba.domain.moet.reader import profile_of
from hocba.signing.backends import SignerBackend, SigningError, signature_algorithm
from hocba.signing.xml_signature import (
    PROPERTIES_TYPE,
    SIGNED_PROPERTIES_TYPE,
    Ids,
    add_key_info,
    add_reference,
    add_signing_time,
    add_xades,
    b64,
    c14n,
    digest,
    ds,
    new_signature,
)
from hocba.signing.xml_slots import (
    XmlSigningError,
    check_order,
    ensure_id,
    fill_slot,
    find_slots,
    fix_issue_date,
    slot_named,
    vietnam_time,
)
from hocba.signing.xml_verify import XmlSignatureCheck, verify_xml

PROFILES = ("xmldsig", "xades-bes")
DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

__all__ = ["PROFILES", "PreparedXmlSignature", "XmlSignatureCheck", "XmlSigningError",
           "prepare_xml_signature", "sign_xml", "slots_of", "verify_xml"]


@dataclass
class PreparedXmlSignature:
    """A slot ready to sign: ``digest`` goes to the signer, ``finish`` puts the value in."""

    slot: str
    certificate: x509.Certificate
    digest: bytes  # SHA-256 of the canonical SignedInfo
    _root: Any = field(repr=False)
    _signed_info: bytes = field(repr=False)
    _value: Any = field(repr=False)
    _written: bytes | None = field(default=None, repr=False)

    def finish(self, signature: bytes) -> bytes:
        """The whole file with this slot signed. ``signature`` is what the backend returned
        (DER ECDSA or PKCS#1 v1.5 RSA); it is checked against the certificate first, so a
        token or remote service answering with another key is refused, nothing written."""
        key = self.certificate.public_key()
        try:
            if isinstance(key, ec.EllipticCurvePublicKey):
                key.verify(signature, self._signed_info, ec.ECDSA(hashes.SHA256()))
                r, s = utils.decode_dss_signature(signature)
                size = (key.curve.key_size + 7) // 8
                value = r.to_bytes(size, "big") + s.to_bytes(size, "big")
            else:
                assert isinstance(key, rsa.RSAPublicKey)
                key.verify(signature, self._signed_info, padding.PKCS1v15(), hashes.SHA256())
                value = signature
        except (InvalidSignature, ValueError) as exc:
            raise SigningError(
                f"Chữ ký nhận được cho chỗ «{self.slot}» không khớp với chứng thư số của người "
                f"ký: thiết bị hoặc dịch vụ ký đã dùng khoá khác. Học bạ chưa được ký.") from exc
        if self._written is not None:
            _TREES.forget(self._written)  # finished again: that tree no longer matches it
        self._value.text = b64(value)
        self._written = DECLARATION + etree.tostring(self._root, encoding="UTF-8") + b"\n"
        _TREES.keep(self._written, self._root)
        return self._written


class _ParsedTrees:
    """The trees of the last XML files this process wrote, by their exact bytes: the next slot
    of the same record (the next confirmation, the same worker) starts from the tree instead
    of parsing 77 KB again. A tree is the one those bytes were serialised from, so it is
    what parsing them gives (no comments or PIs, as ``safe.parse`` drops them); it is taken
    out when used, since preparing a signature changes it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._trees: OrderedDict[bytes, Any] = OrderedDict()
        self._lock = threading.Lock()

    def keep(self, data: bytes, root: Any) -> None:
        with self._lock:
            self._trees[data] = root
            while len(self._trees) > self.size:
                self._trees.popitem(last=False)

    def forget(self, data: bytes) -> None:
        with self._lock:
            self._trees.pop(data, None)

    def take(self, data: bytes) -> Any:
        with self._lock:
            return self._trees.pop(data, None)


def cache_size() -> int:
    """Records whose last file a process keeps parsed (XML tree here, PDF in ``pades``):
    ``HOCBA_SIGNING_CACHE``, 512 by default: the classes one worker keeps to (the queue's
    claim prefers them) over a few schools; about 1 MB a THCS record for both files."""
    return int(os.environ.get("HOCBA_SIGNING_CACHE", "512"))


_TREES = _ParsedTrees(cache_size())


def prepare_xml_signature(xml: bytes, slot: str, certificate: x509.Certificate,
                          chain: Sequence[x509.Certificate], *, signing_time: datetime,
                          profile: str = "xmldsig") -> PreparedXmlSignature:
    """Fill ``slot`` of ``xml`` for ``certificate`` and build its signature up to the value.
    ``XmlSigningError`` (Vietnamese, naming the slot) when the file, the order, the signer or
    the certificate does not allow it; the input bytes are never changed."""
    if profile not in PROFILES:
        raise XmlSigningError(f"Không có hồ sơ chữ ký XML «{profile}»; các hồ sơ: "
                              f"{', '.join(PROFILES)}.")
    algorithm = signature_algorithm(certificate)
    when = vietnam_time(signing_time)
    if not certificate.not_valid_before_utc <= signing_time <= certificate.not_valid_after_utc:
        raise XmlSigningError(
            f"Chứng thư số không có hiệu lực tại thời điểm ký {when} (hiệu lực "
            f"{vietnam_time(certificate.not_valid_before_utc)} – "
            f"{vietnam_time(certificate.not_valid_after_utc)}; TT 15/2025/TT-BKHCN Phụ lục II).")
    try:
        root = _TREES.take(xml) if isinstance(xml, bytes) else None
        if root is None:
            root = safe.parse(xml)
        moet_profile = profile_of(root)
    except MoetXmlError as exc:
        raise XmlSigningError(f"Không ký được: tệp học bạ bị từ chối.\n{exc}") from exc
    slots = find_slots(root, moet_profile)
    target = slot_named(slots, slot, moet_profile)
    check_order(slots, target)
    fill_slot(root, target, certificate, when)
    fix_issue_date(root, slots, target, when)

    token = uuid.uuid4().hex[:12]
    ids = Ids(f"chu-ky-{target.key}-{token}")
    slot_id = ensure_id(target, token)
    region = _only(root, target.region, target.name)
    signature, signed_info = new_signature(ids, algorithm)
    add_reference(signed_info, f"#{target.region}", digest(region))
    add_key_info(signature, certificate, tuple(chain))
    properties = add_signing_time(signature, ids, when)
    signed_properties = add_xades(signature, ids, when, certificate) \
        if profile == "xades-bes" else None
    _append(target.element, signature)
    add_reference(signed_info, f"#{slot_id}", _enveloped_digest(target.element, signature),
                  enveloped=True)
    add_reference(signed_info, f"#{ids.properties}", digest(properties), type_=PROPERTIES_TYPE)
    if signed_properties is not None:
        add_reference(signed_info, f"#{ids.signed_properties}", digest(signed_properties),
                      type_=SIGNED_PROPERTIES_TYPE)
    canonical = c14n(signed_info)
    return PreparedXmlSignature(slot, certificate, hashlib.sha256(canonical).digest(), root,
                                canonical, signature.find(ds("SignatureValue")))


def slots_of(xml: bytes) -> list[tuple[str, bool]]:
    """Every slot of the file in the chain's order, with whether it is signed: what the
    issuing workflow asks before choosing the next signer."""
    try:
        root = safe.parse(xml)
        moet_profile = profile_of(root)
    except MoetXmlError as exc:
        raise XmlSigningError(f"Tệp học bạ bị từ chối.\n{exc}") from exc
    return [(slot.name, slot.signed) for slot in find_slots(root, moet_profile)]


def sign_xml(xml: bytes, slot: str, backend: SignerBackend, *, signing_time: datetime,
             profile: str = "xmldsig") -> bytes:
    """Sign one slot with ``backend`` (one confirmation); the whole signed file."""
    prepared = prepare_xml_signature(xml, slot, backend.certificate, backend.chain,
                                     signing_time=signing_time, profile=profile)
    [value] = backend.sign_digests([prepared.digest])
    return prepared.finish(value)


_BY_ID = etree.XPath("//*[@Id=$id]")  # compiled once, not once per signature


def _only(root: Any, element_id: str, slot: str) -> Any:
    found = _BY_ID(root, id=element_id)
    if len(found) != 1:
        raise XmlSigningError(f"Chỗ ký «{slot}» ký phần có Id «{element_id}», nhưng tệp có "
                              f"{len(found)} phần tử mang Id đó (cần đúng một).")
    return found[0]


def _append(slot: Any, signature: Any) -> None:
    """ds:Signature is the slot's last child (the XSD's xs:any), indented like the others."""
    if len(slot):
        last = slot[-1]
        signature.tail = last.tail
        last.tail = slot.text
    slot.append(signature)


def _enveloped_digest(slot: Any, signature: Any) -> bytes:
    """The slot's digest as a verifier computes it: the enveloped-signature transform drops
    the ds:Signature element but keeps the whitespace after it (its tail)."""
    copy = etree.fromstring(etree.tostring(slot))
    inner = copy.find(ds("Signature"))
    previous = inner.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (inner.tail or "")
    else:
        copy.text = (copy.text or "") + (inner.tail or "")
    copy.remove(inner)
    return digest(copy)
