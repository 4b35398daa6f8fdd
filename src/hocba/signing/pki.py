"""The demo PKI: a root CA, an issuing CA, its CRL, and signing certificates for people and
schools, kept in one directory and reused on every start.

Issue 5 §3 asks for a demo PKI "that behaves like a real one"; this is its certificate part.
``hocba.signing.services`` serves it online: the CRL, an OCSP responder and a time-stamp
authority whose keys and certificates live here too.
Layout of the directory::

    root-ca.pem, root-ca.key          hocba Demo Root CA (ECDSA P-256, 10 years)
    issuing-ca.pem, issuing-ca.key    hocba Demo Issuing CA (5 years)
    issuing-ca.crl                    its CRL (DER), re-issued on revocation and before expiry
    issued/CCCD-<12 digits>.p12       a person's key and certificate (PKCS#12)
    issued/MA_TRUONG-<code>.p12       a school's seal
    issued/*-chain.pem                the certificate, the issuing CA and the root (PEM)
    issued.txt                        every serial the issuing CA has signed (hex, one a line):
                                      the OCSP responder answers "good" only for these
    services/tsa.pem, tsa.key         the time-stamp authority (EKU timeStamping, critical)
    services/ocsp.pem, ocsp.key       the delegated OCSP responder (EKU OCSPSigning, nocheck)

Keys and PKCS#12 files are mode 600 and encrypted with ``DEMO_PKCS12_PASSWORD``. Trust is
configuration: ``trust_anchors()`` reads ``HOCBA_TRUST_ANCHORS`` (production: the Vietnamese
roots of DOMAIN.md §3.3) and falls back to this demo root.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.hazmat.primitives.serialization import pkcs12

from hocba.domain.certificate_check import signed_by
from hocba.signing import authority, storage, subjects
from hocba.signing.subjects import SubjectError as PkiError

# DEMO ONLY. Every key of the demo PKI is encrypted with this published password: the demo
# certificates prove nothing about anyone. Real signers hold their keys on a USB token or at a
# remote-signing provider (DOMAIN.md §3.3-3.4) and never give hocba a password.
DEMO_PKCS12_PASSWORD = b"hocba-demo"
DEFAULT_BASE_URL = "http://127.0.0.1:8765"  # where hocba.signing.services listens
TRUST_ANCHORS_ENV = "HOCBA_TRUST_ANCHORS"

README = """PKI DEMO CỦA HOCBA — CHỈ DÙNG ĐỂ THỬ, KHÔNG CÓ GIÁ TRỊ PHÁP LÝ.

Thư mục này chứa CA gốc "hocba Demo Root CA", CA phát hành "hocba Demo Issuing CA", danh sách
thu hồi (issuing-ca.crl) và chứng thư số demo của giáo viên, cán bộ quản lý và nhà trường
(thư mục issued/). Mật khẩu của mọi khoá là "hocba-demo", công khai trong mã nguồn.
Khi triển khai thật, đặt HOCBA_TRUST_ANCHORS trỏ tới chứng thư gốc của Việt Nam
(Ban Cơ yếu Chính phủ / NEAC) và ký bằng USB token hoặc dịch vụ ký số từ xa.

hocba DEMO PKI - FOR TESTING ONLY. Keys are encrypted with the public password "hocba-demo".
"""

__all__ = ["DEMO_PKCS12_PASSWORD", "DemoPki", "IssuedCertificate", "PkiError", "ServiceKey",
           "ensure_demo_pki", "trust_anchors"]


@dataclass(frozen=True)
class IssuedCertificate:
    certificate: x509.Certificate
    pkcs12_path: Path
    chain_path: Path
    password: bytes = DEMO_PKCS12_PASSWORD


_ServiceMaker = Callable[[x509.Name, ec.EllipticCurvePrivateKey, x509.Certificate,
                          ec.EllipticCurvePrivateKey, authority.Urls, dt.datetime],
                         x509.Certificate]


@dataclass(frozen=True)
class ServiceKey:
    """A key the demo PKI's own online services sign with (TSA, OCSP responder)."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey


TSA_NAME = "hocba Demo TSA"
OCSP_NAME = "hocba Demo OCSP Responder"
SERVICE_RENEWAL = dt.timedelta(days=7)  # renew a service certificate this long before it ends


@dataclass(frozen=True)
class DemoPki:
    directory: Path
    root: x509.Certificate
    issuing: x509.Certificate
    issuing_key: ec.EllipticCurvePrivateKey
    urls: authority.Urls

    @property
    def root_path(self) -> Path:
        return self.directory / "root-ca.pem"

    @property
    def issuing_path(self) -> Path:
        return self.directory / "issuing-ca.pem"

    @property
    def crl_path(self) -> Path:
        return self.directory / "issuing-ca.crl"

    @property
    def index_path(self) -> Path:
        return self.directory / "issued.txt"

    def crl(self) -> x509.CertificateRevocationList:
        return x509.load_der_x509_crl(self.crl_path.read_bytes())

    def issued_serials(self) -> frozenset[int]:
        """Every serial this CA signed (the OCSP responder's "known" set, RFC 6960 §2.2)."""
        if not self.index_path.exists():
            return frozenset()
        lines = self.index_path.read_text(encoding="ascii").split()
        return frozenset(int(line, 16) for line in lines)

    def certify(self, subject: x509.Name,
                public_key: CertificatePublicKeyTypes) -> x509.Certificate:
        """A signing certificate for a key generated elsewhere (inside a PKCS#11 token, at a
        remote-signing provider): the CA sees the public key only."""
        certificate = authority.certify(subject, public_key, self.issuing, self.issuing_key,
                                        self.urls, _now())
        self._record(certificate)
        return certificate

    def tsa(self) -> ServiceKey:
        """The time-stamp authority's key and certificate (created once, then reused)."""
        return self._service("tsa", TSA_NAME, authority.make_tsa)

    def ocsp_responder(self) -> ServiceKey:
        """The delegated OCSP responder's key and certificate (created once, then reused)."""
        return self._service("ocsp", OCSP_NAME, authority.make_ocsp_responder)

    def issue_personal(self, name: str, identity_number: str, role_title: str, *,
                       organisation: str | None = None,
                       province: str | None = None) -> IssuedCertificate:
        """A teacher's or manager's signing certificate (CN = name, UID = CCCD:…)."""
        subject = subjects.personal_subject(name, identity_number, role_title,
                                            organisation, province)
        return self._issue(subject, friendly_name=name)

    def issue_organisation(self, school_name: str, school_code: str, *,
                           tax_code: str | None = None,
                           province: str | None = None) -> IssuedCertificate:
        """The school's seal (O = CN = school name, UID = MA_TRUONG:…, optional MST:…)."""
        subject = subjects.organisation_subject(school_name, school_code, tax_code, province)
        return self._issue(subject, friendly_name=school_name)

    def revoke(self, serial: int, reason: x509.ReasonFlags = x509.ReasonFlags.unspecified,
               *, now: dt.datetime | None = None) -> x509.CertificateRevocationList:
        """Add ``serial`` to the CRL and re-issue it (a higher CRL number)."""
        moment = now or _now()
        current = self.crl()
        entries = [entry for entry in current if entry.serial_number != serial]
        entries.append(authority.revoked_entry(serial, moment, reason))
        return self._write_crl(entries, _crl_number(current) + 1, moment)

    def is_revoked(self, serial: int) -> bool:
        return self.crl().get_revoked_certificate_by_serial_number(serial) is not None

    def _issue(self, subject: x509.Name, friendly_name: str) -> IssuedCertificate:
        issued = self.directory / "issued"
        issued.mkdir(exist_ok=True)
        stem = subjects.file_stem(subject)
        p12_path, chain_path = issued / f"{stem}.p12", issued / f"{stem}-chain.pem"
        existing = self._reusable(p12_path, chain_path, subject)
        if existing is not None:
            return existing
        key = authority.new_key()
        certificate = authority.make_signer(subject, key, self.issuing, self.issuing_key,
                                            self.urls, _now())
        self._record(certificate)
        storage.write_pkcs12(p12_path, friendly_name, key, certificate,
                             [self.issuing, self.root], DEMO_PKCS12_PASSWORD)
        storage.write_public(chain_path, b"".join(
            storage.pem(cert) for cert in (certificate, self.issuing, self.root)))
        return IssuedCertificate(certificate, p12_path, chain_path)

    def _reusable(self, p12_path: Path, chain_path: Path,
                  subject: x509.Name) -> IssuedCertificate | None:
        if not (p12_path.exists() and chain_path.exists()):
            return None
        _key, certificate, _chain = pkcs12.load_key_and_certificates(
            p12_path.read_bytes(), DEMO_PKCS12_PASSWORD)
        if (certificate is None or certificate.subject != subject
                or not signed_by(certificate, self.issuing)
                or certificate.not_valid_after_utc <= _now()
                or self.is_revoked(certificate.serial_number)):
            # Kept even if its CRL/OCSP addresses differ from ``urls``: the certificates app
            # registered this file's certificate; a new key under the same name would break it.
            return None
        return IssuedCertificate(certificate, p12_path, chain_path)

    def _service(self, stem: str, common_name: str, make: _ServiceMaker) -> ServiceKey:
        folder = self.directory / "services"
        folder.mkdir(exist_ok=True)
        pem_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
        now = _now()
        if pem_path.exists() and key_path.exists():
            certificate = storage.read_certificate(pem_path)
            if (signed_by(certificate, self.issuing)
                    and certificate.not_valid_after_utc - now > SERVICE_RENEWAL
                    and _points_at(certificate, self.urls)
                    and not self.is_revoked(certificate.serial_number)):
                key = storage.read_key(key_path, DEMO_PKCS12_PASSWORD)
                if key.public_key() == certificate.public_key():  # not half of a torn write
                    return ServiceKey(certificate, key)
        key = authority.new_key()
        certificate = make(authority.demo_name(common_name), key, self.issuing,
                           self.issuing_key, self.urls, now)
        self._record(certificate)
        storage.write_key(key_path, key, DEMO_PKCS12_PASSWORD)
        storage.write_public(pem_path, storage.pem(certificate))
        return ServiceKey(certificate, key)

    def _record(self, certificate: x509.Certificate) -> None:
        # One short line in append mode: concurrent issuers (the seeding) cannot interleave it.
        with self.index_path.open("a", encoding="ascii") as index:
            index.write(f"{certificate.serial_number:x}\n")

    def _write_crl(self, entries: list[x509.RevokedCertificate], number: int,
                   moment: dt.datetime) -> x509.CertificateRevocationList:
        crl = authority.make_crl(self.issuing, self.issuing_key, entries, number, moment)
        storage.write_public(self.crl_path, crl.public_bytes(serialization.Encoding.DER))
        return crl


def ensure_demo_pki(directory: Path, *, base_url: str = DEFAULT_BASE_URL) -> DemoPki:
    """Create the demo PKI in ``directory``, or reuse what is there and still valid."""
    directory.mkdir(parents=True, exist_ok=True)
    now = _now()
    password = DEMO_PKCS12_PASSWORD
    root_pem, root_key_path = directory / "root-ca.pem", directory / "root-ca.key"
    if root_pem.exists() and root_key_path.exists():
        root = storage.read_certificate(root_pem)
        root_key = storage.read_key(root_key_path, password)
    else:
        root_key = authority.new_key()
        root = authority.make_root(root_key, now)
        storage.write_key(root_key_path, root_key, password)
        storage.write_public(root_pem, storage.pem(root))
    issuing_pem, issuing_key_path = directory / "issuing-ca.pem", directory / "issuing-ca.key"
    issuing = storage.read_certificate(issuing_pem) if issuing_pem.exists() else None
    if issuing is not None and issuing_key_path.exists() and signed_by(issuing, root):
        issuing_key = storage.read_key(issuing_key_path, password)
    else:
        issuing_key = authority.new_key()
        issuing = authority.make_issuing(issuing_key, root, root_key, now)
        storage.write_key(issuing_key_path, issuing_key, password)
        storage.write_public(issuing_pem, storage.pem(issuing))
    pki = DemoPki(directory, root, issuing, issuing_key, authority.Urls.on(base_url))
    _keep_crl_fresh(pki, now)
    _keep_index(pki)
    readme = directory / "README.txt"
    if not readme.exists() or readme.read_text(encoding="utf-8") != README:
        readme.write_text(README, encoding="utf-8")
    return pki


def trust_anchors(path: Path | str | None = None) -> list[x509.Certificate]:
    """The root certificates a signature must chain to.

    ``path`` (a PEM bundle, a DER file, or a directory of them), else ``HOCBA_TRUST_ANCHORS``,
    else the demo root in ``$HOCBA_VAR/pki``. Production points it at the Vietnamese roots
    (DOMAIN.md §3.3; TT 15/2025/TT-BKHCN Phụ lục II: the chain must end at the national root).
    """
    if path is None:
        configured = os.environ.get(TRUST_ANCHORS_ENV)
        if configured:
            path = configured
        else:
            from hocba.config import var_dir

            path = var_dir() / "pki" / "root-ca.pem"
    location = Path(path)
    files = [location]
    if location.is_dir():
        files = sorted(p for p in location.iterdir() if p.is_file())
    anchors: list[x509.Certificate] = []
    for file in files:
        data = file.read_bytes()
        if b"-----BEGIN CERTIFICATE-----" in data:
            anchors += x509.load_pem_x509_certificates(data)
        elif file.suffix.lower() in {".der", ".cer", ".crt"}:
            anchors.append(x509.load_der_x509_certificate(data))
    if not anchors:
        raise PkiError(f"Không tìm thấy chứng thư gốc tin cậy nào trong «{location}».")
    return anchors


def _keep_crl_fresh(pki: DemoPki, now: dt.datetime) -> None:
    crl = pki.crl() if pki.crl_path.exists() else None
    if crl is not None and crl.is_signature_valid(pki.issuing_key.public_key()) \
            and crl.next_update_utc is not None \
            and crl.next_update_utc - now > dt.timedelta(days=1):
        return
    entries = list(crl) if crl is not None and crl.issuer == pki.issuing.subject \
        and crl.is_signature_valid(pki.issuing_key.public_key()) else []
    pki._write_crl(entries, (_crl_number(crl) + 1) if crl is not None else 1, now)


def _keep_index(pki: DemoPki) -> None:
    """Directories made before the index existed: list what ``issued/`` holds."""
    if pki.index_path.exists():
        return
    for chain in sorted((pki.directory / "issued").glob("*-chain.pem")) \
            + sorted((pki.directory / "services").glob("*.pem")):
        pki._record(x509.load_pem_x509_certificates(chain.read_bytes())[0])
    pki.index_path.touch()


def _points_at(certificate: x509.Certificate, urls: authority.Urls) -> bool:
    """Whether a service certificate names these addresses (they moved: make it anew)."""
    try:
        aia = certificate.extensions.get_extension_for_class(x509.AuthorityInformationAccess)
    except x509.ExtensionNotFound:
        return False
    return any(d.access_location.value in (urls.ocsp, urls.ca_issuers) for d in aia.value)


def _crl_number(crl: x509.CertificateRevocationList) -> int:
    try:
        return crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    except x509.ExtensionNotFound:
        return 0


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
