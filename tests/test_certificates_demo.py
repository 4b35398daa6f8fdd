"""The demo's certificates (issue 5 §1, §3): every signer of the demo's years and every
principal holds an active personal certificate, every school a seal approved by its Phòng or
Sở, except the one left waiting for the Phòng's approval page."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from django.db.models import Q

from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.certificates import selectors
from hocba.certificates.models import CertificateStatus, KeyHolding, Provider, SigningCertificate
from hocba.demo import generator
from hocba.demo.certificates import PENDING_SCHOOL
from hocba.domain.access import Role
from hocba.organisation.models import School
from hocba.roster.models import Teacher

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOCBA_VAR", str(tmp_path))
    monkeypatch.delenv("HOCBA_TRUST_ANCHORS", raising=False)
    generator.seed(size="small")


def test_the_demo_seeds_certificates_for_every_signer_and_every_school(seeded: None) -> None:
    """One seed (5 s) for both halves."""
    every_signer_holds_an_active_certificate()
    seals_are_approved_by_the_phong_or_the_so_but_one_waits()


def every_signer_holds_an_active_certificate() -> None:
    signers = Teacher.objects.filter(Q(homeroom_classes__isnull=False)
                                     | Q(assignments__isnull=False)).distinct()
    assert signers.count() > 100
    for teacher in signers:
        cert = selectors.active_personal_certificate(teacher)
        assert cert is not None, teacher
        assert cert.identity_number == teacher.personal_id and cert.teacher == teacher
        assert cert.key_holding == KeyHolding.PKCS12_FILE and cert.provider == Provider.DEMO
    principals = User.objects.filter(role_assignments__role=Role.PRINCIPAL).distinct()
    assert principals.filter(username__in=["hieutruong", "hieutruong2"]).count() == 2
    for user in principals:
        cert = selectors.active_personal_certificate(user)
        assert cert is not None and "T=Hiệu trưởng" in cert.subject, user
    # The demo accounts gvcn and gvbm sign with theirs, through the key file.
    gvcn = User.objects.get(username="gvcn")
    cert = selectors.active_personal_certificate(gvcn)
    assert cert is not None
    backend = selectors.backend_for(cert)
    digest = bytes(range(32))
    public = backend.certificate.public_key()
    assert isinstance(public, ec.EllipticCurvePublicKey)
    public.verify(backend.sign_digests([digest])[0], digest,
                  ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    detail = AuditEvent.objects.get(action="sinh_du_lieu_demo").detail
    assert detail["chung_thu_ca_nhan"] == SigningCertificate.objects.filter(
        kind="ca_nhan").count()
    assert detail["cho_duyet"] == [PENDING_SCHOOL]


def seals_are_approved_by_the_phong_or_the_so_but_one_waits() -> None:
    pending = School.objects.get(code=PENDING_SCHOOL)
    assert selectors.approved_seal(pending) is None
    waiting = SigningCertificate.objects.get(school=pending, kind="to_chuc")
    assert waiting.status == CertificateStatus.REGISTERED
    phong = User.objects.get(username="phong")
    assert selectors.pending_for_approver(phong) == [waiting]
    assert selectors.pending_for_approver(User.objects.get(username="so")) == []
    for school in School.objects.exclude(code=PENDING_SCHOOL):
        seal = selectors.approved_seal(school)
        assert seal is not None and seal.school_code == school.code, school
        officer = RoleAssignment.objects.get(user=seal.decided_by)
        if school.area_id is None or "THPT" in school.levels:
            assert officer.role == Role.SO_OFFICER and officer.unit == school.province, school
        else:
            assert officer.role == Role.PHONG_OFFICER and officer.unit == school.area, school
    main = School.objects.get(code="27260002")
    assert selectors.approved_seal(main).registered_by == User.objects.get(username="vanthu")
