"""One ds:Signature element, built with lxml: the algorithms, the references, KeyInfo, the
signed signing time (SignatureProperties) and, for XAdES-BES, the QualifyingProperties.

Canonicalisation is **exclusive C14N 1.0 without comments** everywhere (SignedInfo and every
Reference): a region's digest then does not depend on the namespaces declared around it, so
a ds:Signature added later in another slot, or the file placed inside a DANH_SACH_HOC_BA for
submission (CV 2088 PL1 II.2), leaves every digest as it was.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID
from lxml import etree

from hocba.signing.xml_slots import DSIG_NS

EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ENVELOPED = f"{DSIG_NS}enveloped-signature"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SIGNATURE_METHODS = {"ecdsa": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
                     "rsa": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"}
PROPERTIES_TYPE = f"{DSIG_NS}SignatureProperties"
XADES_NS = "http://uri.etsi.org/01903/v1.3.2#"  # EN 319 132-1: SigningCertificateV2 lives here
SIGNED_PROPERTIES_TYPE = "http://uri.etsi.org/01903#SignedProperties"
SIGNING_TIME = "SigningTime"  # CV 2088 PL1 II.1.6, inside ds:SignatureProperty
# RFC 4514 keys OpenSSL and the Vietnamese CAs print; cryptography writes OIDs for these.
NAME_KEYS = {NameOID.TITLE: "title", NameOID.SERIAL_NUMBER: "serialNumber",
             NameOID.EMAIL_ADDRESS: "emailAddress", NameOID.GIVEN_NAME: "GN",
             NameOID.SURNAME: "SN", NameOID.USER_ID: "UID"}


def ds(tag: str) -> str:
    return f"{{{DSIG_NS}}}{tag}"


def xades(tag: str) -> str:
    return f"{{{XADES_NS}}}{tag}"


def c14n(element: Any) -> bytes:
    return bytes(etree.tostring(element, method="c14n", exclusive=True, with_comments=False))


def digest(element: Any) -> bytes:
    return hashlib.sha256(c14n(element)).digest()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def subject_name(certificate: x509.Certificate) -> str:
    """X509SubjectName as readable UTF-8 in RFC 4514 order ("UID=CCCD:…,CN=Phạm Văn Hùng,
    title=Hiệu trưởng,C=VN"), not libxmlsec1's hex escapes (STACK.md §4)."""
    return certificate.subject.rfc4514_string(NAME_KEYS)


@dataclass(frozen=True)
class Ids:
    """Every Id of one signature, unique per signature (signxml's fixed ``prop`` made three
    signatures in one file ambiguous: STACK.md §4)."""

    signature: str

    @property
    def value(self) -> str:
        return f"{self.signature}-value"

    @property
    def properties(self) -> str:
        return f"{self.signature}-thuoc-tinh"

    @property
    def signing_time(self) -> str:
        return f"{self.signature}-thoi-diem"

    @property
    def signed_properties(self) -> str:
        return f"{self.signature}-xades"


def new_signature(ids: Ids, algorithm: str) -> tuple[Any, Any]:
    """An empty ds:Signature with its SignedInfo (algorithms set, no Reference yet)."""
    signature = etree.Element(ds("Signature"), nsmap={"ds": DSIG_NS}, Id=ids.signature)
    signed_info = etree.SubElement(signature, ds("SignedInfo"))
    etree.SubElement(signed_info, ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, ds("SignatureMethod"), Algorithm=SIGNATURE_METHODS[algorithm])
    etree.SubElement(signature, ds("SignatureValue"), Id=ids.value)
    return signature, signed_info


def add_reference(signed_info: Any, uri: str, value: bytes, *, enveloped: bool = False,
                  type_: str | None = None) -> Any:
    reference = etree.SubElement(signed_info, ds("Reference"), URI=uri)
    if type_:
        reference.set("Type", type_)
    transforms = etree.SubElement(reference, ds("Transforms"))
    if enveloped:
        etree.SubElement(transforms, ds("Transform"), Algorithm=ENVELOPED)
    etree.SubElement(transforms, ds("Transform"), Algorithm=EXC_C14N)
    etree.SubElement(reference, ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(reference, ds("DigestValue")).text = b64(value)
    return reference


def add_key_info(signature: Any, certificate: x509.Certificate,
                 chain: tuple[x509.Certificate, ...]) -> None:
    """CV 2088 PL1 II.1.6: X509SubjectName and X509Certificate, then the intermediates (never
    a self-signed anchor: the verifier brings its own roots)."""
    data = etree.SubElement(etree.SubElement(signature, ds("KeyInfo")), ds("X509Data"))
    etree.SubElement(data, ds("X509SubjectName")).text = subject_name(certificate)
    for cert in (certificate, *chain):
        if cert is not certificate and cert.issuer == cert.subject:
            continue
        etree.SubElement(data, ds("X509Certificate")).text = b64(cert.public_bytes(Encoding.DER))


def add_signing_time(signature: Any, ids: Ids, signing_time: str) -> Any:
    """Signature/Object/SignatureProperties/SignatureProperty/SigningTime (CV 2088 PL1 II.1.6);
    returns the SignatureProperties, which a Reference must cover."""
    obj = etree.SubElement(signature, ds("Object"))
    properties = etree.SubElement(obj, ds("SignatureProperties"), Id=ids.properties)
    prop = etree.SubElement(properties, ds("SignatureProperty"), Id=ids.signing_time,
                            Target=f"#{ids.signature}")
    etree.SubElement(prop, SIGNING_TIME).text = signing_time
    return properties


def add_xades(signature: Any, ids: Ids, signing_time: str,
              certificate: x509.Certificate) -> Any:
    """XAdES-BES (ETSI EN 319 132-1, listed by TT 15/2025/TT-BKHCN): SignedProperties with
    SigningTime and SigningCertificateV2 (SHA-256 of the signer's certificate); returns the
    SignedProperties, which a Reference of Type …#SignedProperties must cover."""
    obj = etree.SubElement(signature, ds("Object"))
    qualifying = etree.SubElement(obj, xades("QualifyingProperties"), nsmap={"xades": XADES_NS},
                                  Target=f"#{ids.signature}")
    signed = etree.SubElement(qualifying, xades("SignedProperties"), Id=ids.signed_properties)
    properties = etree.SubElement(signed, xades("SignedSignatureProperties"))
    etree.SubElement(properties, xades("SigningTime")).text = signing_time
    cert = etree.SubElement(etree.SubElement(properties, xades("SigningCertificateV2")),
                            xades("Cert"))
    cert_digest = etree.SubElement(cert, xades("CertDigest"))
    etree.SubElement(cert_digest, ds("DigestMethod"), Algorithm=SHA256)
    etree.SubElement(cert_digest, ds("DigestValue")).text = b64(
        hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest())
    return signed
