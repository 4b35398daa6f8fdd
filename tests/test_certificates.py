"""Registering certificates and approving a school's seal (issue 5 §1; CV 2088 PL1 III;
HCMC QĐ 1789 Điều 7–10), and what the signing workflow reads: a signer's active certificate,
the school's approved seal, the key's backend."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from django.core.exceptions import PermissionDenied

from hocba.audit.models import AuditEvent
from hocba.certificates import selectors, services
from hocba.certificates.keys import backend_for
from hocba.certificates.models import (
    CertificateStatus,
    KeyHolding,
    Provider,
    SigningCertificate,
)
from hocba.domain.access import Role
from hocba.organisation.models import School
from hocba.signing import DemoPki
from hocba.signing.backends import Pkcs12Signer, SignerBackend, SigningError
from tests.certificates_support import (  # noqa: F401  (fixtures)
    GVCN_CCCD,
    der,
    issue_gvcn,
    issue_principal,
    issue_seal,
    key_ref,
    pem,
    pki_fixture,
    pki_var_fixture,
    signers_fixture,
)

pytestmark = pytest.mark.django_db
DEMO = dict(provider=Provider.DEMO)


def register_seal(pki: DemoPki, world: Any, actor_role: Role = Role.VAN_THU,
                  school: School | None = None) -> SigningCertificate:
    school = school or world.school
    issued = issue_seal(pki, world, school)
    return services.register_certificate(world.users[actor_role], school, pem(issued),
                                         KeyHolding.PKCS12_FILE, key_ref(pki, issued), **DEMO)


def test_a_teacher_registers_their_own_certificate_and_it_is_active_at_once(
        pki: DemoPki, signers: Any) -> None:
    issued = issue_gvcn(pki)
    gvcn = signers.users[Role.GVCN]
    cert = services.register_certificate(gvcn, gvcn, der(issued), KeyHolding.PKCS12_FILE,
                                         key_ref(pki, issued), **DEMO)
    assert cert.status == CertificateStatus.ACTIVE and cert.is_personal
    assert cert.identity_number == GVCN_CCCD and cert.teacher == signers.teacher_gvcn
    assert cert.school == signers.school and cert.holder_name == "Đỗ Thị Hương"
    assert cert.serial_number == f"{issued.certificate.serial_number:X}".rjust(
        len(cert.serial_number), "0")
    assert "hocba Demo Issuing CA" in cert.issuer and "UID=CCCD:001185000011" in cert.subject
    assert "BEGIN CERTIFICATE" in cert.chain_pem  # the issuing CA, kept to build the path
    event = AuditEvent.objects.get(action="dang_ky_chung_thu_so")
    assert event.actor == gvcn and event.school_id == signers.school.pk
    assert event.detail["so_hieu"] == cert.serial_number
    # The signing workflow finds it from the account or from the roster teacher.
    assert selectors.active_personal_certificate(gvcn) == cert
    assert selectors.active_personal_certificate(signers.teacher_gvcn) == cert
    assert selectors.active_personal_certificate(signers.teacher_gvbm) is None


def test_a_signer_registers_only_their_own_certificate(pki: DemoPki, signers: Any) -> None:
    issued = issue_gvcn(pki)
    with pytest.raises(PermissionDenied, match="chỉ đăng ký chứng thư số cá nhân của chính"):
        services.register_certificate(signers.users[Role.GVBM], signers.teacher_gvcn, pem(issued),
                                      KeyHolding.PKCS12_FILE, key_ref(pki, issued), **DEMO)
    with pytest.raises(PermissionDenied):
        services.register_certificate(signers.users[Role.PRINCIPAL], signers.teacher_gvcn,
                                      pem(issued), KeyHolding.PKCS12_FILE,
                                      key_ref(pki, issued), **DEMO)
    assert not SigningCertificate.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).count() == 2


def test_someone_elses_certificate_is_refused_naming_both_numbers(pki: DemoPki,
                                                                  signers: Any) -> None:
    gvbm = signers.users[Role.GVBM]
    issued = issue_gvcn(pki)  # Đỗ Thị Hương's, uploaded by Hoàng Văn Nam as his own
    with pytest.raises(services.CertificateRefused) as refused:
        services.register_certificate(gvbm, gvbm, pem(issued), KeyHolding.USB_TOKEN,
                                      "gvbm-token/gvbm", provider=Provider.VNPT)
    assert refused.value.problems == [
        "Chứng thư số mang số định danh 001185000011, không khớp số định danh 001090000022 "
        "của Hoàng Văn Nam."]
    assert not SigningCertificate.objects.exists()


def test_the_principal_registers_their_own_from_their_account(pki: DemoPki,
                                                              signers: Any) -> None:
    principal = signers.users[Role.PRINCIPAL]
    issued = issue_principal(pki)
    cert = services.register_certificate(principal, principal, pem(issued),
                                         KeyHolding.PKCS12_FILE, key_ref(pki, issued), **DEMO)
    assert cert.user == principal and cert.teacher is None and cert.school == signers.school
    assert selectors.active_personal_certificate(principal) == cert


def test_the_vice_principal_is_not_a_signer(pki: DemoPki, signers: Any) -> None:
    vice = signers.users[Role.VICE_PRINCIPAL]
    vice.personal_id = "001080000044"
    vice.save()
    issued = pki.issue_personal(vice.full_name, "001080000044", "Phó hiệu trưởng")
    with pytest.raises(PermissionDenied, match="Chỉ người ký học bạ"):
        services.register_certificate(vice, vice, pem(issued), KeyHolding.PKCS12_FILE,
                                      key_ref(pki, issued), **DEMO)


def test_every_problem_of_a_refused_registration_is_listed(pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    seal = issue_seal(pki, signers)
    with pytest.raises(services.CertificateRefused) as refused:
        services.register_certificate(gvcn, gvcn, pem(seal), "FLOPPY", "", provider="ACME")
    problems = refused.value.problems
    assert any("ma_kieu_chu_ky" in p and "FLOPPY" in p for p in problems)
    assert any("nha_phat_hanh" in p and "ACME" in p for p in problems)
    assert any("Chưa ghi nơi giữ khoá" in p for p in problems)
    assert any(p.startswith("Đây là chứng thư số của tổ chức") for p in problems)
    assert any("không ghi số định danh cá nhân" in p for p in problems)


def test_a_demo_key_file_must_hold_the_certificates_key(pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    issued, other = issue_gvcn(pki), issue_principal(pki)
    with pytest.raises(services.CertificateRefused, match="không chứa khoá của chứng thư số"):
        services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.PKCS12_FILE,
                                      key_ref(pki, other), **DEMO)
    with pytest.raises(services.CertificateRefused, match="chỉ dùng với PKI demo"):
        services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.PKCS12_FILE,
                                      key_ref(pki, issued), provider=Provider.VNPT)
    with pytest.raises(services.CertificateRefused, match="phải nằm trong thư mục PKI demo"):
        services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.PKCS12_FILE,
                                      "../secret_key", **DEMO)


def test_a_certificate_is_registered_once(pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    issued = issue_gvcn(pki)
    services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.PKCS12_FILE,
                                  key_ref(pki, issued), **DEMO)
    with pytest.raises(services.CertificateRefused, match="đã được đăng ký ngày"):
        services.register_certificate(gvcn, gvcn, der(issued), KeyHolding.USB_TOKEN, "t/k",
                                      provider=Provider.VNPT)


def test_the_school_seal_waits_for_approval_and_only_then_issues(pki: DemoPki,
                                                                 signers: Any) -> None:
    seal = register_seal(pki, signers)
    assert seal.status == CertificateStatus.REGISTERED and seal.school_code == "01000101"
    assert seal.registered_by == signers.users[Role.VAN_THU]
    assert selectors.approved_seal(signers.school) is None
    # THCS school of the Ba Đình area: its Phòng approves (QĐ 1789 Điều 7–10).
    phong = signers.users[Role.PHONG_OFFICER]
    assert selectors.pending_for_approver(phong) == [seal]
    services.approve_organisation_certificate(phong, seal, approve=True)
    seal.refresh_from_db()
    assert seal.status == CertificateStatus.APPROVED and seal.decided_by == phong
    assert selectors.approved_seal(signers.school) == seal
    assert selectors.pending_for_approver(phong) == []
    assert selectors.approved_seal(signers.school, at=seal.not_after + dt.timedelta(days=1)) \
        is None
    event = AuditEvent.objects.get(action="duyet_chung_thu_so")
    assert event.actor == phong and event.role == "Phòng GDĐT"


@pytest.mark.parametrize("role", [Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.VAN_THU])
def test_admin_principal_and_van_thu_register_the_schools_seal(pki: DemoPki, signers: Any,
                                                               role: Role) -> None:
    assert register_seal(pki, signers, role).registered_by == signers.users[role]


@pytest.mark.parametrize("role", [Role.HOC_VU, Role.VICE_PRINCIPAL, Role.GVCN,
                                  Role.PHONG_OFFICER])
def test_others_do_not_register_the_schools_seal(pki: DemoPki, signers: Any,
                                                 role: Role) -> None:
    with pytest.raises(PermissionDenied):
        register_seal(pki, signers, role)


def test_the_so_does_not_approve_a_thcs_seal_and_another_phong_cannot(pki: DemoPki,
                                                                      signers: Any) -> None:
    seal = register_seal(pki, signers)
    with pytest.raises(PermissionDenied, match="do Phòng GDĐT của khu vực duyệt"):
        services.approve_organisation_certificate(signers.users[Role.SO_OFFICER], seal, True)
    assert selectors.pending_for_approver(signers.users[Role.SO_OFFICER]) == []
    with pytest.raises(PermissionDenied):
        services.approve_organisation_certificate(signers.users[Role.PRINCIPAL], seal, True)
    school = signers.school
    school.area = signers.other_area  # now another Phòng's school
    school.save()
    seal.refresh_from_db()
    phong = signers.users[Role.PHONG_OFFICER]
    assert selectors.pending_for_approver(phong) == []
    with pytest.raises(PermissionDenied, match="ngoài phạm vi"):
        services.approve_organisation_certificate(phong, seal, True)
    seal.refresh_from_db()
    assert seal.status == CertificateStatus.REGISTERED


def test_the_so_approves_a_thpt_school_without_an_area(pki: DemoPki, signers: Any) -> None:
    school = signers.school
    school.levels, school.area = ["THCS", "THPT"], None
    school.save()
    seal = register_seal(pki, signers)
    with pytest.raises(PermissionDenied):
        services.approve_organisation_certificate(signers.users[Role.PHONG_OFFICER], seal, True)
    so = signers.users[Role.SO_OFFICER]
    assert selectors.pending_for_approver(so) == [seal]
    assert services.approve_organisation_certificate(so, seal, True).status == \
        CertificateStatus.APPROVED


def test_a_rejection_needs_a_reason_and_the_school_may_send_it_again(pki: DemoPki,
                                                                     signers: Any) -> None:
    seal = register_seal(pki, signers)
    phong = signers.users[Role.PHONG_OFFICER]
    with pytest.raises(services.CertificateRefused, match="phải ghi lí do"):
        services.approve_organisation_certificate(phong, seal, approve=False, reason="  ")
    rejected = services.approve_organisation_certificate(
        phong, seal, approve=False, reason="Chưa có quyết định thành lập trường kèm theo.")
    assert rejected.status == CertificateStatus.REJECTED
    assert selectors.approved_seal(signers.school) is None
    with pytest.raises(services.CertificateRefused, match="không còn chờ duyệt"):
        services.approve_organisation_certificate(phong, seal, approve=True)
    again = register_seal(pki, signers)
    assert again.pk == seal.pk and again.status == CertificateStatus.REGISTERED
    assert again.decision_reason == ""


def test_a_seal_for_another_school_is_refused(pki: DemoPki, signers: Any) -> None:
    issued = issue_seal(pki, signers, signers.other_school_same_area)
    with pytest.raises(services.CertificateRefused, match="mã trường 01000102, không khớp"):
        services.register_certificate(signers.users[Role.VAN_THU], signers.school, pem(issued),
                                      KeyHolding.USB_TOKEN, "token-1/con-dau",
                                      provider=Provider.BAN_CO_YEU)


def test_revoked_certificates_no_longer_sign(pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    issued = issue_gvcn(pki)
    cert = services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.PKCS12_FILE,
                                         key_ref(pki, issued), **DEMO)
    with pytest.raises(PermissionDenied):
        services.revoke_certificate(signers.users[Role.GVBM], cert, "mất token")
    with pytest.raises(services.CertificateRefused, match="phải ghi lí do"):
        services.revoke_certificate(gvcn, cert, "")
    services.revoke_certificate(gvcn, cert, "Chuyển công tác")
    assert selectors.active_personal_certificate(gvcn) is None
    seal = register_seal(pki, signers)
    services.approve_organisation_certificate(signers.users[Role.PHONG_OFFICER], seal, True)
    services.revoke_certificate(signers.users[Role.VAN_THU], seal, "Mất USB token")
    assert selectors.approved_seal(signers.school) is None


def test_backend_for_a_demo_certificate_signs_with_its_key(pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    issued = issue_gvcn(pki)
    cert = services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.PKCS12_FILE,
                                         key_ref(pki, issued), **DEMO)
    backend = backend_for(cert)
    assert isinstance(backend, Pkcs12Signer) and isinstance(backend, SignerBackend)
    assert backend is backend_for(cert), "loaded once per process"
    assert backend.certificate == issued.certificate and pki.issuing in backend.chain
    digest = b"\x01" * 32
    (signature,) = backend.sign_digests([digest])
    public = issued.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(signature, digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))


def test_backend_for_a_token_or_remote_certificate_says_what_is_missing(
        pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    cert = services.register_certificate(gvcn, gvcn, pem(issue_gvcn(pki)), KeyHolding.USB_TOKEN,
                                         "gvcn-token/gvcn", provider=Provider.VNPT)
    with pytest.raises(SigningError, match="Cần mã PIN của USB token «gvcn-token»"):
        backend_for(cert)
    cert.key_holding = KeyHolding.REMOTE_SIGNING
    with pytest.raises(SigningError, match="ký số từ xa"):
        backend_for(cert)
    cert.key_holding = KeyHolding.PKCS12_FILE  # a key file that is not this certificate's
    cert.key_ref = key_ref(pki, issue_principal(pki))
    with pytest.raises(SigningError, match="không thuộc chứng thư số đã đăng ký"):
        backend_for(cert)
    cert.key_ref = "issued/khong-co.p12"
    with pytest.raises(SigningError, match="Không tìm thấy tệp khoá"):
        backend_for(cert)


def test_a_certificate_the_ca_revoked_is_not_registered(pki: DemoPki, signers: Any) -> None:
    gvcn = signers.users[Role.GVCN]
    issued = issue_gvcn(pki)
    pki.revoke(issued.certificate.serial_number)  # the demo CA's CRL, read at registration
    with pytest.raises(services.CertificateRefused, match="đã bị CA thu hồi ngày"):
        services.register_certificate(gvcn, gvcn, pem(issued), KeyHolding.USB_TOKEN, "t/k",
                                      provider=Provider.VNPT)
