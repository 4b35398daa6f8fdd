"""Checking every ds:Signature of a học bạ XML file: one ``XmlSignatureCheck`` per signature.

A signature is valid when (TT 15/2025/TT-BKHCN Phụ lục II; HCMC QĐ 1789 Điều 12) all hold:

* it sits in a slot of the file's profile and covers the region the profile gives that slot,
  each referenced Id occurring exactly once (no second ``Id="data"`` to redirect it);
* its SigningTime (CV 2088 PL1 II.1.6) is present and covered by a Reference; for XAdES-BES
  the SignedProperties too, with SigningCertificateV2 matching the signer's certificate;
* algorithms are SHA-2 based (TT 15/2025 Phụ lục I);
* python-xmlsec (libxmlsec1) recomputes every Reference and checks the SignatureValue with the
  signer's certificate;
* the certificate chains, through the certificates in KeyInfo, to one of ``trust_anchors``,
  every link valid at the signing time, the signer's key usable for signatures;
* the certificate is the one the slot names: CCCD = the slot's SO_CCCD, or the seal's
  MA_TRUONG = the record's.

Revocation (CRL/OCSP at signing time) is not checked here yet.
"""

from __future__ import annotations

import base64
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import xmlsec
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from hocba.domain.certificate_check import signed_by
from hocba.domain.moet import safe
from hocba.domain.moet.errors import MoetXmlError
from hocba.domain.moet.reader import profile_of
from hocba.signing.xml_signature import (
    ENVELOPED,
    EXC_C14N,
    SHA256,
    SIGNATURE_METHODS,
    SIGNED_PROPERTIES_TYPE,
    SIGNING_TIME,
    ds,
    subject_name,
    xades,
)
from hocba.signing.xml_slots import (
    DS_SIGNATURE,
    Slot,
    XmlSigningError,
    find_slots,
    identity_of,
)

DIGESTS = {SHA256, "http://www.w3.org/2001/04/xmldsig-more#sha384",
           "http://www.w3.org/2001/04/xmlenc#sha512"}
METHODS = set(SIGNATURE_METHODS.values()) | {
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"}
TRANSFORMS = {EXC_C14N, ENVELOPED, "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
              "http://www.w3.org/2006/12/xml-c14n11"}
VALID = "Hợp lệ: chữ ký đúng, dữ liệu không bị sửa, chứng thư số chuỗi tới CA gốc tin cậy."


@dataclass(frozen=True)
class XmlSignatureCheck:
    slot: str  # GVCN, CBQL, KY_PHAT_HANH, GVBM:TOAN
    signer: str  # the certificate's subject, RFC 4514, readable
    identity_number: str | None  # CCCD:… or MA_TRUONG:…
    signing_time: datetime | None
    valid: bool
    reason: str  # Vietnamese
    profile: str = "xmldsig"  # or xades-bes
    # The reasons split as the three verdicts (hocba.domain.verdict) need them: what breaks
    # integrity (references, signature value, coverage, signing time, algorithms), and what is
    # wrong with who signed (the chain, validity, key usage, the slot's CCCD / MA_TRUONG).
    integrity_problems: tuple[str, ...] = ()
    trust_problems: tuple[str, ...] = ()
    certificate_sha256: str | None = None  # of the signer's certificate (DER), hex
    certificate_der: bytes | None = None


def verify_xml(xml: bytes, trust_anchors: Sequence[x509.Certificate]) -> list[XmlSignatureCheck]:
    """One check per ds:Signature in the file, in document order."""
    try:
        root = safe.parse(xml)
        profile = profile_of(root)
    except MoetXmlError as exc:
        raise XmlSigningError(f"Không kiểm tra được chữ ký: tệp học bạ bị từ chối.\n{exc}") \
            from exc
    slots = {id(slot.element): slot for slot in find_slots(root, profile)}
    ids = Counter(element.get("Id") for element in root.iter() if element.get("Id"))
    xmlsec.tree.add_ids(root, ["Id"])
    return [_check(signature, slots.get(id(signature.getparent())), root, ids,
                   tuple(trust_anchors)) for signature in root.iter(DS_SIGNATURE)]


def _check(signature: Any, slot: Slot | None, root: Any, ids: Counter[str],
           anchors: tuple[x509.Certificate, ...]) -> XmlSignatureCheck:
    name = slot.name if slot else signature.getparent().tag
    try:
        certificates = [x509.load_der_x509_certificate(base64.b64decode(text.text or ""))
                        for text in signature.iterfind(f"{ds('KeyInfo')}/{ds('X509Data')}/"
                                                       f"{ds('X509Certificate')}")]
    except ValueError:
        damaged = "X509Certificate hỏng: không đọc được chứng thư số."
        return XmlSignatureCheck(name, "", None, None, False, damaged,
                                 integrity_problems=(damaged,))
    xades_props = signature.find(f"{ds('Object')}/{xades('QualifyingProperties')}/"
                                 f"{xades('SignedProperties')}")
    profile = "xades-bes" if xades_props is not None else "xmldsig"
    if not certificates:
        missing = "Chữ ký không kèm chứng thư số (X509Certificate)."
        return XmlSignatureCheck(name, "", None, None, False, missing, profile,
                                 integrity_problems=(missing,))
    leaf = _leaf(certificates)
    when, broken = _signing_time(signature, xades_props, leaf)
    broken += _coverage(signature, slot, ids)
    unsafe = _unsafe(signature)
    broken += unsafe or _integrity(signature, leaf)
    untrusted = _identity(slot, leaf, root)
    untrusted += _chain(leaf, certificates, anchors, when or datetime.now(UTC))
    problems = broken + untrusted
    der = leaf.public_bytes(Encoding.DER)
    return XmlSignatureCheck(name, subject_name(leaf), identity_of(leaf), when, not problems,
                             " ".join(problems) or VALID, profile, tuple(broken),
                             tuple(untrusted), hashlib.sha256(der).hexdigest(), der)


def _leaf(certificates: list[x509.Certificate]) -> x509.Certificate:
    """The certificate that issued none of the others (the signer's), else the first."""
    issuers = {cert.issuer for cert in certificates}
    return next((c for c in certificates if c.subject not in issuers), certificates[0])


def _references(signature: Any) -> dict[str, Any]:
    return {ref.get("URI") or "": ref
            for ref in signature.iterfind(f"{ds('SignedInfo')}/{ds('Reference')}")}


def _signing_time(signature: Any, xades_props: Any,
                  leaf: x509.Certificate) -> tuple[datetime | None, list[str]]:
    references = _references(signature)
    problems: list[str] = []
    found = signature.find(f"{ds('Object')}/{ds('SignatureProperties')}/"
                           f"{ds('SignatureProperty')}/{SIGNING_TIME}")
    texts = []
    if found is not None:
        prop = found.getparent()
        holders = (prop, prop.getparent(), prop.getparent().getparent())
        if not any(f"#{h.get('Id')}" in references for h in holders if h.get("Id")):
            problems.append("Thời điểm ký (SigningTime) không được chữ ký bảo vệ: không có "
                            "Reference tới SignatureProperties (CV 2088 PL1 II.1.6).")
        if prop.get("Target") not in (None, f"#{signature.get('Id')}"):
            problems.append("SignatureProperty của thời điểm ký trỏ tới chữ ký khác (Target).")
        texts.append(found.text or "")
    if xades_props is not None:
        if xades_props.getparent().get("Target") != f"#{signature.get('Id')}":
            problems.append("QualifyingProperties của XAdES trỏ tới chữ ký khác (Target).")
        ref = references.get(f"#{xades_props.get('Id')}")
        if ref is None or ref.get("Type") != SIGNED_PROPERTIES_TYPE:
            problems.append("SignedProperties của XAdES không được tham chiếu với Type "
                            "…#SignedProperties.")
        texts.append(xades_props.findtext(f"{xades('SignedSignatureProperties')}/"
                                          f"{xades('SigningTime')}") or "")
        problems += _signing_certificate(xades_props, leaf)
    if not texts:
        return None, ["Chữ ký thiếu thời điểm ký SigningTime (CV 2088 PL1 II.1.6)."]
    try:
        times = {datetime.fromisoformat(t.replace("Z", "+00:00")) for t in texts}
    except ValueError:
        return None, [*problems, f"Thời điểm ký «{texts[0]}» sai định dạng "
                                 f"YYYY-MM-DDThh:mm:ss±hh:mm."]
    if len(times) > 1 or any(t.tzinfo is None for t in times):
        problems.append("Thời điểm ký không nhất quán hoặc thiếu múi giờ.")
    return min(times), problems


def _signing_certificate(xades_props: Any, leaf: x509.Certificate) -> list[str]:
    digests = [d.text for d in xades_props.iterfind(
        f".//{xades('SigningCertificateV2')}/{xades('Cert')}/{xades('CertDigest')}/"
        f"{ds('DigestValue')}")]
    own = base64.b64encode(hashlib.sha256(leaf.public_bytes(Encoding.DER)).digest()).decode()
    if own not in digests:
        return ["SigningCertificateV2 của XAdES không khớp với chứng thư số của người ký."]
    return []


def _coverage(signature: Any, slot: Slot | None, ids: Counter[str]) -> list[str]:
    if slot is None:
        return ["Chữ ký không nằm trong chỗ ký nào của hồ sơ (GVCN, CBQL, KY_PHAT_HANH, GVBM)."]
    problems = []
    references = _references(signature)
    if f"#{slot.region}" not in references:
        problems.append(f"Chữ ký chỗ «{slot.name}» không ký phần Id «{slot.region}» mà hồ sơ "
                        f"quy định cho chỗ này.")
    for uri in references:
        if uri.startswith("#") and ids[uri[1:]] != 1:
            problems.append(f"Reference URI «{uri}» phải trỏ tới đúng một phần tử có Id trong "
                            f"tệp (tìm thấy {ids[uri[1:]]}).")
    method = signature.find(f"{ds('SignedInfo')}/{ds('SignatureMethod')}")
    if method is None or method.get("Algorithm") not in METHODS:
        problems.append("Thuật toán ký không được phép (cần ECDSA hoặc RSA với SHA-2, "
                        "TT 15/2025/TT-BKHCN Phụ lục I).")
    if any(m.get("Algorithm") not in DIGESTS for m in signature.iterfind(
            f"{ds('SignedInfo')}/{ds('Reference')}/{ds('DigestMethod')}")):
        problems.append("Hàm băm không được phép (cần SHA-256 trở lên, TT 15/2025/TT-BKHCN).")
    return problems


def _identity(slot: Slot | None, leaf: x509.Certificate, root: Any) -> list[str]:
    if slot is None:
        return []
    identity = identity_of(leaf) or ""
    if slot.role == "KY_PHAT_HANH":
        school = root.findtext("DU_LIEU_HOC_BA/THONG_TIN_CHUNG/MA_TRUONG")
        if identity != f"MA_TRUONG:{school}":
            return [f"Chứng thư số phát hành mang «{identity}», không phải của trường "
                    f"MA_TRUONG {school}."]
        return []
    named = slot.element.findtext("SO_CCCD")
    if named and identity.partition(":")[2] != named:
        return [f"Chứng thư số mang «{identity}», khác SO_CCCD {named} của chỗ ký «{slot.name}»."]
    return []


def _unsafe(signature: Any) -> list[str]:
    """Only same-document references and the profile's transforms reach libxmlsec1: a received
    file must not make the verifier fetch a URL, read a file or run XSLT."""
    problems = [f"Reference URI «{ref.get('URI')}» không trỏ vào chính tệp (chỉ chấp nhận "
                f"«#Id»)." for ref in signature.iterfind(f"{ds('SignedInfo')}/{ds('Reference')}")
                if not (ref.get("URI") or "").startswith("#")]
    for transform in signature.iterfind(f"{ds('SignedInfo')}//{ds('Transform')}"):
        if transform.get("Algorithm") not in TRANSFORMS:
            problems.append(f"Phép biến đổi «{transform.get('Algorithm')}» không được chấp nhận.")
    method = signature.find(f"{ds('SignedInfo')}/{ds('CanonicalizationMethod')}")
    if method is None or method.get("Algorithm") not in TRANSFORMS - {ENVELOPED}:
        problems.append("Phương pháp chuẩn hoá SignedInfo không được chấp nhận.")
    return problems


def _integrity(signature: Any, leaf: x509.Certificate) -> list[str]:
    context = xmlsec.SignatureContext()
    context.key = xmlsec.Key.from_memory(leaf.public_bytes(Encoding.PEM),
                                         xmlsec.constants.KeyDataFormatCertPem)
    try:
        context.verify(signature)
    except xmlsec.Error:
        return ["Chữ ký không khớp với nội dung: dữ liệu đã bị sửa sau khi ký, hoặc chữ ký "
                "hỏng."]
    return []


def _chain(leaf: x509.Certificate, certificates: list[x509.Certificate],
           anchors: tuple[x509.Certificate, ...], when: datetime) -> list[str]:
    """Issuer walk from the signer's certificate to a trust anchor (TT 15/2025 Phụ lục II)."""
    path, current = [leaf], leaf
    for _ in range(8):
        anchor = next((a for a in anchors if signed_by(current, a)), None)
        if anchor is not None:
            path.append(anchor)
            break
        issuer = next((c for c in certificates if c is not current
                       and signed_by(current, c) and _is_ca(c)), None)
        if issuer is None or issuer in path:
            return [f"Chứng thư số không chuỗi tới CA gốc tin cậy (bên phát hành "
                    f"«{current.issuer.rfc4514_string()}» không được tin cậy)."]
        path.append(issuer)
        current = issuer
    else:
        return ["Chuỗi chứng thư số quá dài."]
    problems = [f"Chứng thư số «{subject_name(cert)}» không có hiệu lực tại thời điểm ký."
                for cert in path
                if not cert.not_valid_before_utc <= when <= cert.not_valid_after_utc]
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if not (usage.digital_signature or usage.content_commitment):
            problems.append("Chứng thư số không được dùng để ký (KeyUsage).")
    except x509.ExtensionNotFound:
        pass
    return problems


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    except x509.ExtensionNotFound:
        return False
