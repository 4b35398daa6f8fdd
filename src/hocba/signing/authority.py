"""The certificate authority's arithmetic: certificates and CRLs, no files.

ECDSA P-256 with SHA-256 throughout (TT 15/2025/TT-BKHCN Phụ lục I: ECDSA ≥ 256 bits, SHA-256;
STACK.md §2 measured it fastest with pyHanko). X.509 and CRL profile per RFC 5280, which
TT 15/2025 Phụ lục I lists as mandatory.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID, NameOID

ROOT_NAME = "hocba Demo Root CA"
ISSUING_NAME = "hocba Demo Issuing CA"
ROOT_YEARS = 10
ISSUING_YEARS = 5
END_ENTITY_YEARS = 2
SERVICE_YEARS = 2  # the time-stamp authority, renewed like a signer
OCSP_RESPONDER_VALIDITY = dt.timedelta(days=30)
CRL_VALIDITY = dt.timedelta(days=7)
CLOCK_SKEW = dt.timedelta(hours=1)

# RFC 9336 id-kp-documentSigning: the purpose this key is for.
DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")
# emailProtection as well: NSS (poppler's pdfsig) and Adobe check signer certificates for it,
# and Vietnamese CAs' signing certificates carry it.
SIGNER_EKU = [DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]


@dataclass(frozen=True)
class Urls:
    """Where the issuing CA's CRL, OCSP responder and certificate are served (configurable)."""

    crl: str
    ocsp: str
    ca_issuers: str

    @classmethod
    def on(cls, base_url: str) -> Urls:
        base = base_url.rstrip("/")
        return cls(crl=f"{base}/crl", ocsp=f"{base}/ocsp", ca_issuers=f"{base}/issuing-ca.crt")


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _years(start: dt.datetime, years: int) -> dt.datetime:
    return start + dt.timedelta(days=365 * years + years // 4)


def demo_name(common_name: str) -> x509.Name:
    """The name of one of the demo PKI's own parts (CAs, TSA, OCSP responder)."""
    return _ca_name(common_name)


def _ca_name(common_name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hocba (demo, không dùng thật)"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _ca_usage() -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=False, content_commitment=False,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=True, crl_sign=True, encipher_only=False,
                         decipher_only=False)


def make_root(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    name = _ca_name(ROOT_NAME)
    return (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW).not_valid_after(_years(now, ROOT_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=1), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def make_issuing(key: ec.EllipticCurvePrivateKey, root: x509.Certificate,
                 root_key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_ca_name(ISSUING_NAME)).issuer_name(root.subject)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW).not_valid_after(_years(now, ISSUING_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
                       critical=False)
        .sign(root_key, hashes.SHA256())
    )


def make_signer(subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate,
                issuer_key: ec.EllipticCurvePrivateKey, urls: Urls,
                now: dt.datetime) -> x509.Certificate:
    """A signing certificate: digitalSignature + nonRepudiation, document-signing EKU."""
    return certify(subject, key.public_key(), issuer, issuer_key, urls, now)


def certify(subject: x509.Name, public_key: CertificatePublicKeyTypes, issuer: x509.Certificate,
            issuer_key: ec.EllipticCurvePrivateKey, urls: Urls,
            now: dt.datetime) -> x509.Certificate:
    """A signing certificate for a key the CA never sees (a USB token's, a remote signer's)."""
    builder = _end_entity(subject, public_key, issuer, issuer_key, urls, now, END_ENTITY_YEARS,
                          _usage(content_commitment=True))
    return (builder.add_extension(x509.ExtendedKeyUsage(SIGNER_EKU), critical=False)
            .sign(issuer_key, hashes.SHA256()))


def make_tsa(subject: x509.Name, key: ec.EllipticCurvePrivateKey, issuer: x509.Certificate,
             issuer_key: ec.EllipticCurvePrivateKey, urls: Urls,
             now: dt.datetime) -> x509.Certificate:
    """The time-stamp authority's certificate: the only purpose timeStamping, critical (RFC 3161
    §2.3, which openssl ts -verify and pyHanko enforce)."""
    builder = _end_entity(subject, key.public_key(), issuer, issuer_key, urls, now,
                          SERVICE_YEARS, _usage(content_commitment=True))
    return (builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]),
                                  critical=True)
            .sign(issuer_key, hashes.SHA256()))


def make_ocsp_responder(subject: x509.Name, key: ec.EllipticCurvePrivateKey,
                        issuer: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey,
                        urls: Urls, now: dt.datetime) -> x509.Certificate:
    """A responder the issuing CA delegates to (RFC 6960 §4.2.2.2: EKU OCSPSigning); its own
    status is not checked (id-pkix-ocsp-nocheck, §4.2.2.2.1), so it lives briefly."""
    builder = _end_entity(subject, key.public_key(), issuer, issuer_key, urls, now,
                          None, _usage(content_commitment=False), with_revocation=False)
    return (builder
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.OCSP_SIGNING]),
                           critical=False)
            .add_extension(x509.OCSPNoCheck(), critical=False)
            .sign(issuer_key, hashes.SHA256()))


def _usage(*, content_commitment: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=True, content_commitment=content_commitment,
                         key_encipherment=False, data_encipherment=False, key_agreement=False,
                         key_cert_sign=False, crl_sign=False, encipher_only=False,
                         decipher_only=False)


def _end_entity(subject: x509.Name, public_key: CertificatePublicKeyTypes,
                issuer: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey, urls: Urls,
                now: dt.datetime, years: int | None, usage: x509.KeyUsage, *,
                with_revocation: bool = True) -> x509.CertificateBuilder:
    not_after = OCSP_RESPONDER_VALIDITY + now if years is None else _years(now, years)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(issuer.subject).public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(not_after, issuer.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                       critical=False)
    )
    access = [x509.AccessDescription(AuthorityInformationAccessOID.CA_ISSUERS,
                                     x509.UniformResourceIdentifier(urls.ca_issuers))]
    if with_revocation:
        builder = builder.add_extension(x509.CRLDistributionPoints([x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(urls.crl)], relative_name=None,
            reasons=None, crl_issuer=None)]), critical=False)
        access.insert(0, x509.AccessDescription(AuthorityInformationAccessOID.OCSP,
                                                x509.UniformResourceIdentifier(urls.ocsp)))
    return builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)


def make_crl(issuer: x509.Certificate, issuer_key: ec.EllipticCurvePrivateKey,
             revoked: list[x509.RevokedCertificate], number: int,
             now: dt.datetime) -> x509.CertificateRevocationList:
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject).last_update(now).next_update(now + CRL_VALIDITY)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                       critical=False)
    )
    for entry in revoked:
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(issuer_key, hashes.SHA256())


def revoked_entry(serial: int, now: dt.datetime,
                  reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
                  ) -> x509.RevokedCertificate:
    builder = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
    if reason is not x509.ReasonFlags.unspecified:
        builder = builder.add_extension(x509.CRLReason(reason), critical=False)
    return builder.build()
