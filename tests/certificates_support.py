"""Shared pieces of the certificate tests: the demo PKI under a test ``$HOCBA_VAR`` and the
test world's signers with identity numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from hocba.domain.access import Role
from hocba.signing import DemoPki, IssuedCertificate, ensure_demo_pki

GVCN_CCCD = "001185000011"
GVBM_CCCD = "001090000022"
PRINCIPAL_CCCD = "001075000033"


@pytest.fixture(scope="session", name="pki_var")
def pki_var_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("var")
    ensure_demo_pki(var / "pki")
    return var


@pytest.fixture(name="pki")
def pki_fixture(pki_var: Path, monkeypatch: pytest.MonkeyPatch) -> DemoPki:
    """The demo PKI in ``$HOCBA_VAR/pki``, whose root is the trust anchor."""
    monkeypatch.setenv("HOCBA_VAR", str(pki_var))
    monkeypatch.delenv("HOCBA_TRUST_ANCHORS", raising=False)
    return ensure_demo_pki(pki_var / "pki")


@pytest.fixture(name="signers")
def signers_fixture(world: Any) -> Any:
    """The world's teachers and principal, with identity numbers."""
    world.teacher_gvcn.personal_id = GVCN_CCCD
    world.teacher_gvcn.save()
    world.teacher_gvbm.personal_id = GVBM_CCCD
    world.teacher_gvbm.save()
    principal = world.users[Role.PRINCIPAL]
    principal.full_name = "Phạm Văn Hùng"
    principal.personal_id = PRINCIPAL_CCCD
    principal.save()
    return world


def pem(issued: IssuedCertificate) -> bytes:
    return issued.certificate.public_bytes(serialization.Encoding.PEM)


def der(issued: IssuedCertificate) -> bytes:
    return issued.certificate.public_bytes(serialization.Encoding.DER)


def key_ref(pki: DemoPki, issued: IssuedCertificate) -> str:
    return str(issued.pkcs12_path.relative_to(pki.directory))


def issue_gvcn(pki: DemoPki) -> IssuedCertificate:
    return pki.issue_personal("Đỗ Thị Hương", GVCN_CCCD, "Giáo viên",
                              organisation="Trường THCS Nguyễn Trãi")


def issue_principal(pki: DemoPki) -> IssuedCertificate:
    return pki.issue_personal("Phạm Văn Hùng", PRINCIPAL_CCCD, "Hiệu trưởng")


def issue_seal(pki: DemoPki, world: Any, school: Any = None) -> IssuedCertificate:
    school = school or world.school
    return pki.issue_organisation(school.name, school.code)
