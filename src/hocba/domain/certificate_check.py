"""Is this certificate fit to sign học bạ for the person or school it is registered for?

Pure: no Django, no files, no clock (the caller gives the time). The checks are those a
registration must pass before the certificate may sign (issue 5 §1):

- the chain reaches a trust anchor (TT 15/2025/TT-BKHCN Phụ lục II: the chain must be built to
  the national root; production anchors are the Vietnamese roots of DOMAIN.md §3.3);
- the certificate is valid at the given time (Phụ lục II: signing inside the validity period);
- the key may sign: Key Usage digitalSignature and nonRepudiation, not a CA certificate
  (Phụ lục II names Key Usage as a check the software may make; a signature that commits the
  signer needs nonRepudiation, RFC 5280 §4.2.1.3);
- the algorithm is one TT 15/2025 Phụ lục I allows (RSA ≥ 2048 bits or ECDSA ≥ 256 bits, a
  SHA-2 or SHA-3 hash);
- the subject names the holder: ``UID=CCCD:<12 digits>`` for a person, ``UID=MA_TRUONG:<code>``
  for a school (``hocba.signing.subjects`` explains the convention);
- the kind fits: a person's certificate is not a school's seal, and the other way round.

Every problem is returned, not just the first, each as a Vietnamese sentence a user can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

MAX_CHAIN = 6  # root, a few intermediates: real Vietnamese chains have two or three links
CCCD_PREFIX = "CCCD:"
SCHOOL_PREFIX = "MA_TRUONG:"
# A person's identity typed values Vietnamese CAs write in UID; an organisation's.
PERSONAL_UID_PREFIXES = ("CCCD:", "CMND:", "HC:")
ORGANISATION_UID_PREFIXES = ("MA_TRUONG:", "MST:", "MNS:")
_TWELVE_DIGITS = re.compile(r"^\d{12}$")
# TT 15/2025/TT-BKHCN Phụ lục I: SHA-2 (256 and up) or SHA-3.
_ALLOWED_HASHES = (hashes.SHA256, hashes.SHA384, hashes.SHA512, hashes.SHA512_224,
                   hashes.SHA512_256, hashes.SHA3_256, hashes.SHA3_384, hashes.SHA3_512)


class Kind(StrEnum):
    PERSONAL = "ca_nhan"
    ORGANISATION = "to_chuc"

    @property
    def label(self) -> str:
        return "cá nhân" if self is Kind.PERSONAL else "tổ chức"


class Code(StrEnum):
    """What kind of problem, for code and tests; the message is for people."""

    CHAIN = "chuoi"
    NOT_YET_VALID = "chua_hieu_luc"
    EXPIRED = "het_han"
    REVOKED = "bi_thu_hoi"
    KEY_USAGE = "muc_dich_khoa"
    ALGORITHM = "thuat_toan"
    IDENTITY = "so_dinh_danh"
    SCHOOL_CODE = "ma_truong"
    KIND = "loai"


@dataclass(frozen=True)
class Problem:
    code: Code
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Holder:
    """Who a certificate is registered for: a person (12-digit identity) or a school (code)."""

    kind: Kind
    name: str
    identity_number: str = ""  # a person's mã số định danh cá nhân
    school_code: str = ""  # a school's MA_TRUONG

    @classmethod
    def person(cls, name: str, identity_number: str | None) -> Holder:
        return cls(Kind.PERSONAL, name, identity_number=(identity_number or "").strip())

    @classmethod
    def school(cls, name: str, code: str) -> Holder:
        return cls(Kind.ORGANISATION, name, school_code=code.strip())


class UnreadableCertificate(ValueError):
    """The bytes are not an X.509 certificate; the message is Vietnamese."""


# --- reading ---------------------------------------------------------------------------------

def read_certificates(data: bytes, file_name: str = "tệp") -> tuple[x509.Certificate,
                                                                     list[x509.Certificate]]:
    """The signing certificate and any chain that came with it, from PEM, DER or PKCS#7.

    A ``.cer`` from a Vietnamese CA is DER or PEM; a PEM or ``.p7b`` bundle may carry the
    issuing CAs. The signing certificate is the first one that is not a CA."""
    certificates = _parse(data)
    if not certificates:
        raise UnreadableCertificate(
            f"Tệp «{file_name}» không chứa chứng thư số X.509 nào (cần tệp .cer, .crt, .pem "
            "hoặc .p7b).")
    leaves = [c for c in certificates if not _is_ca(c)]
    if not leaves:
        raise UnreadableCertificate(
            f"Tệp «{file_name}» chỉ chứa chứng thư của CA, không có chứng thư số dùng để ký.")
    leaf = leaves[0]
    return leaf, [c for c in certificates if c is not leaf]


def _parse(data: bytes) -> list[x509.Certificate]:
    try:
        if b"-----BEGIN PKCS7-----" in data:
            return list(pkcs7.load_pem_pkcs7_certificates(data.strip()))
        if b"-----BEGIN CERTIFICATE-----" in data:
            return list(x509.load_pem_x509_certificates(data.strip()))
        # DER is binary: its last byte may well be a "space" and must not be stripped.
        try:
            return [x509.load_der_x509_certificate(data)]
        except ValueError:
            return list(pkcs7.load_der_pkcs7_certificates(data))
    except (ValueError, UnsupportedAlgorithm):
        return []


# --- describing ------------------------------------------------------------------------------

def uid_values(certificate: x509.Certificate) -> list[str]:
    return [str(a.value).strip() for a in certificate.subject.get_attributes_for_oid(
        NameOID.USER_ID)]


def common_name(certificate: x509.Certificate) -> str:
    return common_name_of(certificate.subject)


def common_name_of(name: x509.Name) -> str:
    names = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else ""


# Short names RFC 4514 leaves as dotted numbers; "T" as Windows and Vietnamese CAs print it.
_READABLE = {NameOID.TITLE: "T", NameOID.SERIAL_NUMBER: "SERIALNUMBER",
             NameOID.EMAIL_ADDRESS: "E"}


def readable_name(name: x509.Name) -> str:
    """``UID=CCCD:…,CN=Phạm Văn Hùng,T=Hiệu trưởng,…``: RFC 4514 order, diacritics kept."""
    return name.rfc4514_string(_READABLE)


# A comma that starts the next RDN (``CN=…``, ``2.5.4.12=…``), not one escaped in a value.
_RDN = re.compile(r",(?=(?:[A-Za-z]+|\d+(?:\.\d+)+)=)")


def readable_subject(subject: str) -> str:
    """The subject as a teacher reads it: ``UID=CCCD:0241…,CN=Nguyễn Thanh Hiền,2.5.4.12=Giáo
    viên,O=Trường …`` → ``Nguyễn Thanh Hiền — Giáo viên, Trường …`` (name, title, unit)."""
    parts: dict[str, str] = {}
    for rdn in _RDN.split(subject):
        key, _, value = rdn.partition("=")
        parts.setdefault(key.strip().upper(), value.replace("\\,", ",").strip())
    name = parts.get("CN", subject)
    rest = [v for v in (parts.get("2.5.4.12") or parts.get("TITLE"), parts.get("O"))
            if v and v != name]
    return f"{name} — {', '.join(rest)}" if rest else name


def serial_hex(certificate: x509.Certificate) -> str:
    """The serial number as CAs print it: upper-case hex, an even number of digits."""
    text = f"{certificate.serial_number:X}"
    return text if len(text) % 2 == 0 else f"0{text}"


def kind_of(certificate: x509.Certificate) -> Kind | None:
    """What the subject says it is: a person (CCCD/CMND/passport) or an organisation."""
    values = uid_values(certificate)
    if any(v.upper().startswith(PERSONAL_UID_PREFIXES) for v in values):
        return Kind.PERSONAL
    if any(v.upper().startswith(ORGANISATION_UID_PREFIXES) for v in values):
        return Kind.ORGANISATION
    return None


def identity_number_of(certificate: x509.Certificate) -> str:
    return _typed_uid(certificate, CCCD_PREFIX)


def school_code_of(certificate: x509.Certificate) -> str:
    return _typed_uid(certificate, SCHOOL_PREFIX)


def _typed_uid(certificate: x509.Certificate, prefix: str) -> str:
    for value in uid_values(certificate):
        if value.upper().startswith(prefix):
            return value[len(prefix):].strip()
    return ""


# --- checking --------------------------------------------------------------------------------

def problems(certificate: x509.Certificate, chain: Sequence[x509.Certificate],
             anchors: Sequence[x509.Certificate], holder: Holder, at: dt.datetime,
             crls: Sequence[x509.CertificateRevocationList] = ()) -> list[Problem]:
    """Every reason ``certificate`` may not sign for ``holder`` at ``at``; empty if none.

    ``crls``: revocation lists at hand (the CA's latest); one signed by the certificate's
    issuer that lists it makes it unusable (TT 15/2025 Phụ lục II: not revoked at signing)."""
    found: list[Problem] = []
    found += _chain_problems(certificate, chain, anchors, at)
    found += _revocation_problems(certificate, build_path(certificate, chain, anchors), crls,
                                  at)
    found += _validity_problems(certificate, at)
    found += _usage_problems(certificate)
    found += _algorithm_problems(certificate)
    found += _holder_problems(certificate, holder)
    return found


def _date(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%d/%m/%Y %H:%M UTC")


def _revocation_problems(certificate: x509.Certificate, path: list[x509.Certificate] | None,
                         crls: Sequence[x509.CertificateRevocationList],
                         at: dt.datetime) -> list[Problem]:
    if path is None or len(path) < 2:
        return []  # no trusted issuer to check a CRL's signature with
    key = path[1].public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey | rsa.RSAPublicKey):
        return []
    for crl in crls:
        if crl.issuer != certificate.issuer or not crl.is_signature_valid(key):
            continue
        entry = crl.get_revoked_certificate_by_serial_number(certificate.serial_number)
        if entry is not None and entry.revocation_date_utc <= at:
            return [Problem(Code.REVOKED, "Chứng thư số đã bị CA thu hồi ngày "
                            f"{_date(entry.revocation_date_utc)}; không dùng để ký được nữa.")]
    return []


def _validity_problems(certificate: x509.Certificate, at: dt.datetime) -> list[Problem]:
    if at < certificate.not_valid_before_utc:
        return [Problem(Code.NOT_YET_VALID, "Chứng thư số chưa có hiệu lực: hiệu lực từ "
                        f"{_date(certificate.not_valid_before_utc)}.")]
    if at > certificate.not_valid_after_utc:
        return [Problem(Code.EXPIRED, "Chứng thư số đã hết hạn ngày "
                        f"{_date(certificate.not_valid_after_utc)}.")]
    return []


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints)
                    .value.ca)
    except x509.ExtensionNotFound:
        return False


def _usage_problems(certificate: x509.Certificate) -> list[Problem]:
    if _is_ca(certificate):
        return [Problem(Code.KEY_USAGE, "Đây là chứng thư của một CA, không dùng để ký văn bản.")]
    try:
        usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return [Problem(Code.KEY_USAGE, "Chứng thư số không ghi mục đích sử dụng khoá (Key "
                        "Usage): cần digitalSignature và nonRepudiation.")]
    missing = [name for name, present in (("digitalSignature", usage.digital_signature),
                                          ("nonRepudiation", usage.content_commitment))
               if not present]
    if missing:
        return [Problem(Code.KEY_USAGE, "Mục đích sử dụng khoá (Key Usage) của chứng thư số "
                        f"thiếu {' và '.join(missing)}: khoá này không được dùng để ký số "
                        "văn bản.")]
    return []


def _algorithm_problems(certificate: x509.Certificate) -> list[Problem]:
    key = certificate.public_key()
    found = []
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < 2048:
            found.append(Problem(Code.ALGORITHM, f"Khoá RSA {key.key_size} bit quá ngắn: TT "
                                 "15/2025/TT-BKHCN yêu cầu RSA từ 2048 bit trở lên."))
    elif isinstance(key, ec.EllipticCurvePublicKey):
        if key.curve.key_size < 256:
            found.append(Problem(Code.ALGORITHM, f"Khoá ECDSA {key.curve.key_size} bit quá "
                                 "ngắn: TT 15/2025/TT-BKHCN yêu cầu ECDSA từ 256 bit trở lên."))
    else:
        found.append(Problem(Code.ALGORITHM, "Loại khoá của chứng thư số không được TT "
                             "15/2025/TT-BKHCN cho phép (chỉ RSA hoặc ECDSA)."))
    algorithm = certificate.signature_hash_algorithm
    if not isinstance(algorithm, _ALLOWED_HASHES):
        name = algorithm.name.upper() if algorithm is not None else "không rõ"
        found.append(Problem(Code.ALGORITHM, f"Chứng thư số được CA ký bằng hàm băm {name}: TT "
                             "15/2025/TT-BKHCN yêu cầu SHA-256 trở lên."))
    return found


def _holder_problems(certificate: x509.Certificate, holder: Holder) -> list[Problem]:
    found = []
    kind = kind_of(certificate)
    if kind is not None and kind is not holder.kind:
        found.append(Problem(Code.KIND, f"Đây là chứng thư số của {kind.label}, không phải của "
                             f"{holder.kind.label}: {_expected_use(holder)}."))
    if holder.kind is Kind.PERSONAL:
        found += _identity_problems(certificate, holder)
    else:
        found += _school_problems(certificate, holder)
    return found


def _expected_use(holder: Holder) -> str:
    if holder.kind is Kind.PERSONAL:
        return f"{holder.name} cần chứng thư số cá nhân của chính mình"
    return f"{holder.name} cần chứng thư số tổ chức (con dấu số) của trường"


def _identity_problems(certificate: x509.Certificate, holder: Holder) -> list[Problem]:
    if not _TWELVE_DIGITS.match(holder.identity_number):
        return [Problem(Code.IDENTITY, f"{holder.name} chưa có số định danh cá nhân 12 chữ số "
                        "trong hệ thống, nên không đối chiếu được chứng thư số.")]
    carried = identity_number_of(certificate)
    if not carried:
        return [Problem(Code.IDENTITY, "Chứng thư số không ghi số định danh cá nhân "
                        "(UID=CCCD:<12 chữ số>) của người ký.")]
    if carried != holder.identity_number:
        return [Problem(Code.IDENTITY, f"Chứng thư số mang số định danh {carried}, không khớp "
                        f"số định danh {holder.identity_number} của {holder.name}.")]
    return []


def _school_problems(certificate: x509.Certificate, holder: Holder) -> list[Problem]:
    carried = school_code_of(certificate)
    if not carried:
        return [Problem(Code.SCHOOL_CODE, "Chứng thư số không ghi mã trường "
                        "(UID=MA_TRUONG:<mã trường>).")]
    if carried != holder.school_code:
        return [Problem(Code.SCHOOL_CODE, f"Chứng thư số mang mã trường {carried}, không khớp "
                        f"mã {holder.school_code} của {holder.name}.")]
    return []


# --- the chain -------------------------------------------------------------------------------

def _chain_problems(certificate: x509.Certificate, chain: Sequence[x509.Certificate],
                    anchors: Sequence[x509.Certificate], at: dt.datetime) -> list[Problem]:
    if not anchors:
        return [Problem(Code.CHAIN, "Chưa cấu hình chứng thư gốc tin cậy nào, nên không kiểm "
                        "tra được chuỗi chứng thư.")]
    path = build_path(certificate, chain, anchors)
    if path is None:
        return [Problem(Code.CHAIN, "Chuỗi chứng thư không dẫn tới chứng thư gốc tin cậy "
                        f"(CA phát hành: {readable_name(certificate.issuer)}); cần chứng thư "
                        "do CA được cấp phép tại Việt Nam cấp, kèm các CA trung gian.")]
    found = []
    for ca in path[1:]:
        if not (ca.not_valid_before_utc <= at <= ca.not_valid_after_utc):
            found.append(Problem(Code.CHAIN, f"Chứng thư của CA «{common_name(ca)}» trong "
                                 "chuỗi không còn hiệu lực ở thời điểm kiểm tra."))
    return found


def build_path(certificate: x509.Certificate, chain: Iterable[x509.Certificate],
               anchors: Sequence[x509.Certificate]) -> list[x509.Certificate] | None:
    """``[certificate, intermediates…, anchor]`` linked by verified signatures, or None.

    Every link above the signer must be a CA. The anchor is trusted as configured; a
    self-signed certificate that is not an anchor never ends a path."""
    pool = [c for c in chain if _is_ca(c)]
    path = [certificate]
    current = certificate
    for _ in range(MAX_CHAIN):
        for anchor in anchors:
            if current == anchor:
                return path if len(path) > 1 else None  # an anchor itself does not sign
            if _issued_by(current, anchor):
                return [*path, anchor]
        parent = next((c for c in pool if c not in path and _issued_by(current, c)), None)
        if parent is None:
            return None
        path.append(parent)
        current = parent
    return None


def signed_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    """``issuer`` names and signed ``certificate`` (one link of a chain, nothing more)."""
    if certificate.issuer != issuer.subject:
        return False
    try:
        certificate.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _issued_by(certificate: x509.Certificate, issuer: x509.Certificate) -> bool:
    return _is_ca(issuer) and signed_by(certificate, issuer)
