"""Writing certificates: register (a person's own, or the school's seal), approve or reject a
seal (Phòng/Sở), revoke. Each is one transaction and one audit event; a refusal lists every
problem, in Vietnamese, and writes nothing.

CV 2088 PL1 III (certificate registration): (1) the văn thư or admin declares the school's
organisation certificate; (2) sends it to the Sở/Phòng; (3) the Sở/Phòng checks it; (4)
approves it; (5) the school sees the status. HCMC QĐ 1789 Điều 7–10 names who approves
(``hocba.domain.certificate_approval``). A person's certificate needs no Phòng/Sở: it is
active once its checks pass, and each signer registers only their own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import grants_for, may_somewhere, require
from hocba.audit.services import record_denied, record_write
from hocba.certificates.keys import key_file, pki_dir, token_labels
from hocba.certificates.models import (
    CertificateKind,
    CertificateStatus,
    KeyHolding,
    Provider,
    SigningCertificate,
)
from hocba.certificates.selectors import approves
from hocba.domain import certificate_check as check
from hocba.domain.access import SCHOOL_ROLES, Action
from hocba.domain.certificate_approval import approver_for, why
from hocba.organisation.models import School
from hocba.roster.models import Teacher
from hocba.signing import DEMO_PKCS12_PASSWORD, PkiError, trust_anchors
from hocba.signing.backends import Pkcs12Signer, SigningError


class CertificateRefused(Exception):
    """Nothing was written; ``problems`` says every reason, in Vietnamese."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(" ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Owner:
    """Whose certificate it is: a school, or a person (an account, a roster teacher, both)."""

    school: School
    holder: check.Holder
    user: Any = None
    teacher: Teacher | None = None


def owner_of(subject: Any) -> Owner:
    """The owner record for a School, a Teacher or a User (a principal or a teacher)."""
    if isinstance(subject, School):
        return Owner(subject, check.Holder.school(subject.name, subject.code))
    if isinstance(subject, Teacher):
        return Owner(subject.school, check.Holder.person(subject.full_name, subject.personal_id),
                     user=subject.user, teacher=subject)
    teacher = Teacher.objects.filter(user_id=subject.pk).select_related("school").first()
    school = teacher.school if teacher is not None else _staff_school(subject)
    if school is None:
        raise CertificateRefused([f"Tài khoản {subject} chưa gắn với trường nào, nên chưa đăng "
                                  "ký được chứng thư số cá nhân."])
    number = subject.personal_id or (teacher.personal_id if teacher is not None else None)
    name = subject.full_name or (teacher.full_name if teacher is not None else str(subject))
    return Owner(school, check.Holder.person(name, number), user=subject, teacher=teacher)


def _staff_school(user: Any) -> School | None:
    """The school where an account holds a school role (the latest year first)."""
    schools = [g.school for g in sorted(grants_for(user), key=lambda g: -(g.year or 0))
               if g.role in SCHOOL_ROLES and g.school is not None]
    return School.objects.filter(pk=schools[0]).first() if schools else None


# --- registration ----------------------------------------------------------------------------

def register_certificate(actor: Any, owner: Any, data: bytes, key_holding: str, key_ref: str,
                         *, provider: str, file_name: str = "tệp",
                         at: dt.datetime | None = None) -> SigningCertificate:
    """Register ``owner``'s certificate from the uploaded ``data`` (PEM, DER or PKCS#7).

    A school's seal: by its admin, principal or văn thư (``REGISTER_CERTIFICATE``); it waits
    for the Phòng/Sở. A person's: by that person only; active at once."""
    who = owner_of(owner)
    role = _authorise_registration(actor, owner, who)
    moment = at or timezone.now()
    with transaction.atomic():
        certificate = prepare(who, data, key_holding, key_ref, provider=provider,
                              file_name=file_name, at=moment, actor=actor)
        reopened = certificate.pk is not None
        certificate.save()
        record_write(actor, "dang_ky_chung_thu_so", certificate, role=role, detail={
            **_summary(certificate), "dang_ky_lai": reopened})
    return certificate


def _authorise_registration(actor: Any, owner: Any, who: Owner) -> str:
    if who.holder.kind is check.Kind.ORGANISATION:
        return require(actor, Action.REGISTER_CERTIFICATE, who.school).role_label
    own = actor is not None and (who.user is not None and who.user.pk == actor.pk)
    if not own:
        reason = "Mỗi người chỉ đăng ký chứng thư số cá nhân của chính mình."
        record_denied(actor, Action.REGISTER_CERTIFICATE, who.school, reason)
        raise PermissionDenied(reason)
    if who.teacher is None and not may_somewhere(actor, Action.SIGN_RECORDS):
        reason = ("Chỉ người ký học bạ (giáo viên, hiệu trưởng) mới đăng ký chứng thư số cá "
                  "nhân.")
        record_denied(actor, Action.REGISTER_CERTIFICATE, who.school, reason)
        raise PermissionDenied(reason)
    return "Giáo viên" if who.teacher is not None else "Người ký"


@dataclass(frozen=True)
class Trust:
    """The trust anchors and known issuing CAs, read once for many registrations."""

    anchors: list[x509.Certificate]
    intermediates: list[x509.Certificate]
    crls: list[x509.CertificateRevocationList]

    @classmethod
    def configured(cls) -> Trust:
        try:
            anchors = trust_anchors()
        except (PkiError, OSError):
            anchors = []
        return cls(anchors, known_intermediates(), known_crls())


def prepare(who: Owner, data: bytes, key_holding: str, key_ref: str, *, provider: str,
            file_name: str = "tệp", at: dt.datetime, actor: Any = None,
            trust: Trust | None = None, issued_with_key: bool = False) -> SigningCertificate:
    """The row to store, after every check; CertificateRefused with all problems otherwise.

    Unsaved (the demo writes its certificates in bulk); a rejected seal registered again is
    the same row, reopened, so its ``pk`` is set. ``issued_with_key``: the caller has just
    written the demo key file with this certificate (the demo seeding), so it is not reopened
    to compare."""
    try:
        leaf, chain = check.read_certificates(data, file_name)
    except check.UnreadableCertificate as exc:
        raise CertificateRefused([str(exc)]) from None
    problems = _key_problems(leaf, key_holding, key_ref, provider,
                             open_key_file=not issued_with_key)
    trust = trust or Trust.configured()
    anchors = trust.anchors
    pool = [*chain, *trust.intermediates]
    problems += [str(p) for p in check.problems(leaf, pool, anchors, who.holder, at,
                                                trust.crls)]
    existing = SigningCertificate.objects.filter(
        serial_number=check.serial_hex(leaf), issuer=check.readable_name(leaf.issuer)).first()
    if existing is not None and not _reopens(existing, who):
        problems.append(
            f"Chứng thư số số hiệu {existing.serial_number} đã được đăng ký ngày "
            f"{timezone.localtime(existing.registered_at):%d/%m/%Y} cho {existing.holder_name} "
            f"({existing.get_status_display().lower()}).")
    if problems:
        raise CertificateRefused(problems)
    path = check.build_path(leaf, pool, anchors) or [leaf]
    certificate = existing or SigningCertificate()
    personal = who.holder.kind is check.Kind.PERSONAL
    fields = dict(
        kind=CertificateKind.PERSONAL if personal else CertificateKind.ORGANISATION,
        school=who.school, user=who.user if personal else None,
        teacher=who.teacher if personal else None,
        holder_name=check.common_name(leaf) or who.holder.name,
        identity_number=check.identity_number_of(leaf) if personal else "",
        school_code=check.school_code_of(leaf) if not personal else "",
        der=leaf.public_bytes(serialization.Encoding.DER),
        chain_pem=b"".join(c.public_bytes(serialization.Encoding.PEM)
                           for c in path[1:-1]).decode("ascii"),
        serial_number=check.serial_hex(leaf), issuer=check.readable_name(leaf.issuer),
        subject=check.readable_name(leaf.subject),
        fingerprint=leaf.fingerprint(hashes.SHA256()).hex(),
        not_before=leaf.not_valid_before_utc, not_after=leaf.not_valid_after_utc,
        key_holding=key_holding, provider=provider, key_ref=key_ref.strip(),
        status=CertificateStatus.ACTIVE if personal else CertificateStatus.REGISTERED,
        registered_by=actor if getattr(actor, "is_authenticated", False) else None,
        registered_at=at, decided_by=None, decided_at=None, decision_reason="",
    )
    for name, value in fields.items():
        setattr(certificate, name, value)
    return certificate


def _reopens(existing: SigningCertificate, who: Owner) -> bool:
    """A seal the Phòng/Sở rejected may be sent again by its school, as the same row."""
    return (existing.status == CertificateStatus.REJECTED
            and existing.school_id == who.school.pk
            and who.holder.kind is check.Kind.ORGANISATION)


def _key_problems(leaf: x509.Certificate, key_holding: str, key_ref: str,
                  provider: str, *, open_key_file: bool = True) -> list[str]:
    problems = []
    if key_holding not in KeyHolding.values:
        problems.append(f"Kiểu chữ ký (ma_kieu_chu_ky) «{key_holding}» không hợp lệ: chọn "
                        "USB_TOKEN hoặc REMOTE_SIGNING.")
    if provider not in Provider.values:
        problems.append(f"Nhà phát hành (nha_phat_hanh) «{provider}» không hợp lệ: chọn VNPT, "
                        "BKAV, VIETTEL hoặc BAN_CO_YEU.")
    if not key_ref.strip():
        problems.append(_missing_ref(key_holding))
    elif key_holding == KeyHolding.PKCS12_FILE:
        problems += _demo_key_problems(leaf, key_ref.strip(), provider, open_key_file)
    elif key_holding == KeyHolding.USB_TOKEN and token_labels(key_ref) is None:
        problems.append(f"Nơi giữ khoá trên USB token «{key_ref.strip()}» phải ghi dạng «nhãn "
                        "token/nhãn khoá», ví dụ «TRUONG-THCS/con-dau».")
    if key_holding != KeyHolding.PKCS12_FILE and provider == Provider.DEMO:
        problems.append("Chứng thư số của PKI demo chỉ đi với tệp khoá PKCS#12 của demo.")
    return problems


def _missing_ref(key_holding: str) -> str:
    if key_holding == KeyHolding.USB_TOKEN:
        return "Chưa ghi nhãn khoá trên USB token (nơi giữ khoá)."
    if key_holding == KeyHolding.REMOTE_SIGNING:
        return "Chưa ghi mã tài khoản ký số từ xa (nơi giữ khoá) do nhà cung cấp cấp."
    return "Chưa ghi nơi giữ khoá."


def _demo_key_problems(leaf: x509.Certificate, key_ref: str, provider: str,
                       open_key_file: bool) -> list[str]:
    """A PKCS#12 file is the demo's only: its key must be the certificate's."""
    if provider != Provider.DEMO:
        return ["Tệp khoá PKCS#12 chỉ dùng với PKI demo của hocba; chứng thư số thật giữ khoá "
                "trên USB token hoặc dịch vụ ký số từ xa."]
    try:
        path = key_file(key_ref)  # inside the demo PKI directory, whoever wrote it
        if not open_key_file:
            return []
        signer = Pkcs12Signer.load(path, DEMO_PKCS12_PASSWORD)
    except SigningError as exc:
        return [str(exc)]
    if signer.certificate != leaf:
        return [f"Tệp khoá «{key_ref}» không chứa khoá của chứng thư số này."]
    return []


def known_intermediates() -> list[x509.Certificate]:
    """Issuing CAs known to this installation: the demo PKI's, when it exists.

    A ``.cer`` holds only the signer's certificate; the issuing CA that links it to the root
    comes from a PEM/PKCS#7 bundle, or from here."""
    path = pki_dir() / "issuing-ca.pem"
    try:
        return x509.load_pem_x509_certificates(path.read_bytes())
    except (OSError, ValueError):
        return []


def known_crls() -> list[x509.CertificateRevocationList]:
    """Revocation lists at hand: the demo issuing CA's. Real CAs' status needs their CRL or
    OCSP service over the network, which registration does not reach yet."""
    try:
        return [x509.load_der_x509_crl((pki_dir() / "issuing-ca.crl").read_bytes())]
    except (OSError, ValueError):
        return []


def _summary(certificate: SigningCertificate) -> dict[str, Any]:
    return {"so_hieu": certificate.serial_number, "nha_phat_hanh": certificate.provider,
            "ma_kieu_chu_ky": certificate.key_holding, "loai": certificate.kind,
            "chu_the": certificate.subject, "trang_thai": certificate.status,
            "ngay_hieu_luc": certificate.not_before.isoformat(),
            "het_han": certificate.not_after.isoformat(),
            "sha256": certificate.fingerprint}


# --- approval (Phòng/Sở) ---------------------------------------------------------------------

def approve_organisation_certificate(actor: Any, certificate: SigningCertificate,
                                     approve: bool, reason: str = "",
                                     at: dt.datetime | None = None) -> SigningCertificate:
    """The Phòng (TH/THCS of its area) or the Sở (THPT, area-less schools) decides."""
    school = certificate.school
    require(actor, Action.APPROVE_CERTIFICATE, school)
    if not approves(actor, school):
        rule = why(school.levels, school.area_id is not None)
        record_denied(actor, Action.APPROVE_CERTIFICATE, certificate, rule)
        raise PermissionDenied(rule)
    moment = at or timezone.now()
    with transaction.atomic():
        locked = SigningCertificate.objects.select_for_update().get(pk=certificate.pk)
        problems = _decision_problems(locked, approve, reason, moment)
        if problems:
            raise CertificateRefused(problems)
        locked.status = CertificateStatus.APPROVED if approve else CertificateStatus.REJECTED
        locked.decided_by, locked.decided_at = actor, moment
        locked.decision_reason = reason.strip()
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        record_write(actor, "duyet_chung_thu_so" if approve else "tu_choi_chung_thu_so", locked,
                     role=_approver_role(school),
                     detail={**_summary(locked), "ly_do": locked.decision_reason})
    return locked


def _decision_problems(certificate: SigningCertificate, approve: bool, reason: str,
                       at: dt.datetime) -> list[str]:
    if certificate.kind != CertificateKind.ORGANISATION:
        return ["Chỉ chứng thư số của trường mới cần Phòng/Sở duyệt."]
    if certificate.status != CertificateStatus.REGISTERED:
        return [f"Chứng thư số số hiệu {certificate.serial_number} không còn chờ duyệt "
                f"(trạng thái: {certificate.get_status_display().lower()})."]
    if not approve:
        return [] if reason.strip() else ["Từ chối thì phải ghi lí do để nhà trường biết cần "
                                          "sửa gì."]
    # Checked again: it may have expired, or the trust anchors changed, since registration.
    leaf = x509.load_der_x509_certificate(bytes(certificate.der))
    chain = x509.load_pem_x509_certificates(certificate.chain_pem.encode()) \
        if certificate.chain_pem else []
    trust = Trust.configured()
    holder = check.Holder.school(certificate.school.name, certificate.school.code)
    found = check.problems(leaf, [*chain, *trust.intermediates], trust.anchors, holder, at,
                           trust.crls)
    return [f"Không duyệt được: {p}" for p in found]


def _approver_role(school: School) -> str:
    return approver_for(school.levels, school.area_id is not None).label


# --- revocation ------------------------------------------------------------------------------

def revoke_certificate(actor: Any, certificate: SigningCertificate, reason: str,
                       at: dt.datetime | None = None) -> SigningCertificate:
    """Stop using a certificate (lost token, staff left: QĐ 1789 Điều 23). A person revokes
    their own; the school's admin, principal or văn thư revoke the school's seal."""
    if certificate.is_personal:
        from hocba.certificates.selectors import identity_numbers_of

        if actor is None or certificate.identity_number not in identity_numbers_of(actor):
            reason_text = "Mỗi người chỉ thu hồi chứng thư số cá nhân của chính mình."
            record_denied(actor, Action.REGISTER_CERTIFICATE, certificate, reason_text)
            raise PermissionDenied(reason_text)
        role = "Người ký"
    else:
        role = require(actor, Action.REGISTER_CERTIFICATE, certificate.school).role_label
    with transaction.atomic():
        locked = SigningCertificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.status in (CertificateStatus.REVOKED, CertificateStatus.REJECTED):
            raise CertificateRefused([f"Chứng thư số số hiệu {locked.serial_number} đã "
                                      f"{locked.get_status_display().lower()}."])
        if not reason.strip():
            raise CertificateRefused(["Thu hồi thì phải ghi lí do."])
        locked.status = CertificateStatus.REVOKED
        locked.revoked_by, locked.revoked_at = actor, at or timezone.now()
        locked.revocation_reason = reason.strip()
        locked.save(update_fields=["status", "revoked_by", "revoked_at", "revocation_reason"])
        record_write(actor, "thu_hoi_chung_thu_so", locked, role=role,
                     detail={**_summary(locked), "ly_do": locked.revocation_reason})
    return locked
