"""Signing certificates registered in hocba: a person's, or a school's seal.

The MOET specification's certificate-registration transaction (CV 2088 PL1 II.2, types 3/4)
carries ``serial_number``, ``ngay_hieu_luc``, ``ma_kieu_chu_ky`` and ``nha_phat_hanh`` and
answers with an approval status; its process (PL1 III) has the văn thư or admin declare the
school's organisation certificate, the Sở/Phòng check and approve it, and "only an approved
certificate may sign issuance". HCMC QĐ 1789 Điều 7–10: the Sở approves THPT schools'
certificates, the Phòng THCS and TH schools'; individual certificates are the principal's
business, so a person's certificate is active as soon as its checks pass (and revocable).

The certificate itself is kept (DER) with what the checks read from it; the private key never
is: ``key_ref`` only says where it lives (a demo PKCS#12 file, a token label, a remote
credential id).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from hocba.domain.access import Target
from hocba.domain.certificate_check import Kind
from hocba.organisation.models import School
from hocba.roster.models import Teacher


class CertificateKind(models.TextChoices):
    PERSONAL = Kind.PERSONAL.value, "Cá nhân"
    ORGANISATION = Kind.ORGANISATION.value, "Tổ chức (con dấu số của trường)"


class KeyHolding(models.TextChoices):
    """``ma_kieu_chu_ky`` (CV 2088 PL1 II.2), plus the demo's key file."""

    PKCS12_FILE = "PKCS12_FILE", "Tệp khoá PKCS#12 (chỉ dùng cho demo)"
    USB_TOKEN = "USB_TOKEN", "USB token (PKCS#11)"
    REMOTE_SIGNING = "REMOTE_SIGNING", "Ký số từ xa"


class Provider(models.TextChoices):
    """``nha_phat_hanh`` (CV 2088 PL1 II.2), plus the demo PKI."""

    VNPT = "VNPT", "VNPT (VNPT SmartCA)"
    BKAV = "BKAV", "BKAV"
    VIETTEL = "VIETTEL", "Viettel (Viettel CA-RS)"
    BAN_CO_YEU = "BAN_CO_YEU", "Ban Cơ yếu Chính phủ"
    DEMO = "DEMO", "PKI demo của hocba"


class CertificateStatus(models.TextChoices):
    REGISTERED = "cho_duyet", "Đã đăng ký, chờ duyệt"  # organisation, awaiting Phòng/Sở
    APPROVED = "da_duyet", "Đã được duyệt"  # organisation: may seal (trang_thai_phe_duyet 1)
    REJECTED = "tu_choi", "Bị từ chối"  # organisation (trang_thai_phe_duyet 0)
    ACTIVE = "hieu_luc", "Đang dùng"  # personal, once its checks passed
    REVOKED = "thu_hoi", "Đã thu hồi"


class SigningCertificate(models.Model):
    kind = models.CharField("loại", max_length=8, choices=CertificateKind.choices)
    # The school whose seal this is, or where the person works (for its list and its log).
    school = models.ForeignKey(School, on_delete=models.PROTECT,
                               related_name="signing_certificates", verbose_name="trường")
    # A person is a roster teacher, an account (principal), or both linked.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.PROTECT, related_name="signing_certificates",
                             verbose_name="tài khoản người ký")
    teacher = models.ForeignKey(Teacher, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="signing_certificates", verbose_name="giáo viên")
    holder_name = models.CharField("chủ chứng thư", max_length=200)
    identity_number = models.CharField("số định danh cá nhân", max_length=12, blank=True,
                                       db_index=True)
    school_code = models.CharField("mã trường", max_length=16, blank=True)

    der = models.BinaryField("chứng thư số (DER)")
    chain_pem = models.TextField("CA trung gian (PEM)", blank=True)
    serial_number = models.CharField("số hiệu (hex)", max_length=64)
    issuer = models.CharField("CA phát hành", max_length=500)
    subject = models.CharField("chủ thể", max_length=500)
    fingerprint = models.CharField("dấu vân tay SHA-256", max_length=64, unique=True)
    not_before = models.DateTimeField("hiệu lực từ")  # ngay_hieu_luc
    not_after = models.DateTimeField("hiệu lực đến")

    key_holding = models.CharField("kiểu chữ ký (ma_kieu_chu_ky)", max_length=16,
                                   choices=KeyHolding.choices)
    provider = models.CharField("nhà phát hành (nha_phat_hanh)", max_length=16,
                                choices=Provider.choices)
    # PKCS12_FILE: path under $HOCBA_VAR/pki; USB_TOKEN: token/key label; REMOTE_SIGNING: the
    # provider's credential id.
    key_ref = models.CharField("nơi giữ khoá", max_length=300)

    status = models.CharField("trạng thái", max_length=10, choices=CertificateStatus.choices)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+",
                                      verbose_name="người đăng ký")
    registered_at = models.DateTimeField("lúc đăng ký")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="người duyệt")
    decided_at = models.DateTimeField("lúc duyệt", null=True, blank=True)
    decision_reason = models.TextField("lí do", blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   verbose_name="người thu hồi")
    revoked_at = models.DateTimeField("lúc thu hồi", null=True, blank=True)
    revocation_reason = models.TextField("lí do thu hồi", blank=True)

    class Meta:
        ordering = ["-registered_at", "-id"]
        constraints = [
            # RFC 5280 §4.1.2.2: issuer and serial number identify a certificate.
            models.UniqueConstraint(fields=["serial_number", "issuer"],
                                    name="one_registration_per_certificate"),
            models.CheckConstraint(
                name="certificate_owner_matches_kind",
                condition=(
                    models.Q(kind=Kind.ORGANISATION.value, user__isnull=True,
                             teacher__isnull=True)
                    & ~models.Q(school_code="")
                    | models.Q(kind=Kind.PERSONAL.value)
                    & (models.Q(user__isnull=False) | models.Q(teacher__isnull=False))
                    & ~models.Q(identity_number="")
                ),
            ),
            models.CheckConstraint(
                name="certificate_status_matches_kind",
                condition=(
                    models.Q(kind=Kind.ORGANISATION.value,
                             status__in=["cho_duyet", "da_duyet", "tu_choi", "thu_hoi"])
                    | models.Q(kind=Kind.PERSONAL.value, status__in=["hieu_luc", "thu_hoi"])
                ),
            ),
        ]
        indexes = [models.Index(fields=["school", "kind", "status"])]
        verbose_name = "chứng thư số"
        verbose_name_plural = "chứng thư số"

    def __str__(self) -> str:
        return f"{self.holder_name} — {self.serial_number}"

    @property
    def issuer_name(self) -> str:
        """The issuing CA's common name, for lists (the full name is ``issuer``)."""
        from cryptography import x509

        from hocba.domain.certificate_check import common_name_of

        return common_name_of(x509.load_der_x509_certificate(bytes(self.der)).issuer) \
            or self.issuer

    @property
    def is_personal(self) -> bool:
        return self.kind == CertificateKind.PERSONAL

    def access_target(self) -> Target:
        """A certificate sits in its school (the school's log shows its registration)."""
        from hocba.accounts.targets import target_of

        return Target("certificate", target_of(self.school).places)
