"""The demo's certificates: every signer and every school holds one, as issue 5 asks.

The demo PKI in ``$HOCBA_VAR/pki`` (``hocba.signing.pki``) issues a personal certificate to
every teacher who is a GVCN or GVBM in the demo's years and to every principal account, and
an organisation certificate (the seal) to every school; each is registered through the same
checks as an upload (``hocba.certificates.services.prepare``) and written in bulk.

The seals are approved by the unit QĐ 1789 Điều 7–10 names (the Phòng for TH/THCS schools of
its area, the Sở for the others), except ``PENDING_SCHOOL``'s, left waiting so the Phòng's
"Duyệt chứng thư số" page has something to show. The demo has one Phòng account (``phong``,
the main school's area); a Phòng without an officer gets one here, ``phong-<area code>``
(``phong-27-222`` in the small demo), with the demo password, to approve its schools' seals.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from hocba.accounts.models import RoleAssignment, User
from hocba.certificates import services
from hocba.certificates.keys import pki_dir
from hocba.certificates.models import KeyHolding, Provider, SigningCertificate
from hocba.demo.names import adult_name
from hocba.demo.school import SEED
from hocba.demo.schools import PROVINCE_TITLE
from hocba.domain.access import Role
from hocba.domain.certificate_approval import Approver, approver_for
from hocba.domain.identity import Sex
from hocba.organisation.models import School, SchoolYear, Unit
from hocba.roster.models import Teacher
from hocba.signing import DemoPki, IssuedCertificate, ensure_demo_pki

PENDING_SCHOOL = "27260001"  # Trường Tiểu học Phật Tích: its seal awaits the Phòng (phong)
PROVINCE = PROVINCE_TITLE.removeprefix("Tỉnh ")


@dataclass(frozen=True)
class CertificateTally:
    personal: int
    seals: int
    approved: int
    pending: list[str]
    seconds: float

    def counts(self) -> dict[str, Any]:
        return {"chung_thu_ca_nhan": self.personal, "chung_thu_to_chuc": self.seals,
                "da_duyet": self.approved, "cho_duyet": self.pending}


def seed_certificates(schools: list[School], years: list[SchoolYear]) -> CertificateTally:
    """Issue, register and approve the demo's certificates (inside the seeding transaction)."""
    started = time.perf_counter()
    pki = ensure_demo_pki(pki_dir())
    now = timezone.now()
    trust = services.Trust.configured()
    rows: list[SigningCertificate] = []

    def register(owner: Any, issued: IssuedCertificate, actor: Any) -> None:
        rows.append(services.prepare(
            services.owner_of(owner),
            issued.certificate.public_bytes(serialization.Encoding.DER),
            KeyHolding.PKCS12_FILE, str(issued.pkcs12_path.relative_to(pki.directory)),
            provider=Provider.DEMO, at=now, actor=actor, trust=trust, issued_with_key=True))

    by_pk = {s.pk: s for s in schools}
    for teacher in _signing_teachers(schools, years):
        register(teacher, _personal(pki, teacher.full_name, teacher.personal_id or "",
                                    "Giáo viên", by_pk[teacher.school_id]), teacher.user)
    for user, school in _principals(schools):
        register(user, _personal(pki, user.full_name, user.personal_id or "", "Hiệu trưởng",
                                 school), user)
    personal = len(rows)
    for school in schools:
        issued = pki.issue_organisation(school.name, school.code, province=PROVINCE)
        register(school, issued, _registrant(school))
    created = SigningCertificate.objects.bulk_create(rows)
    seals = [c for c in created if not c.is_personal]
    approvers = _approvers(schools)
    approved = 0
    for seal in seals:
        if seal.school.code == PENDING_SCHOOL:
            continue
        services.approve_organisation_certificate(approvers[seal.school.pk], seal, approve=True,
                                                  at=now)
        approved += 1
    return CertificateTally(personal, len(seals), approved,
                            [s.school.code for s in seals if s.school.code == PENDING_SCHOOL],
                            time.perf_counter() - started)


def _personal(pki: DemoPki, name: str, number: str, title: str,
              school: School) -> IssuedCertificate:
    return pki.issue_personal(name, number, title, organisation=school.name, province=PROVINCE)


def _signing_teachers(schools: list[School], years: list[SchoolYear]) -> list[Teacher]:
    """Teachers who are homeroom (GVCN) or subject (GVBM) teachers in the demo's years."""
    teaching = (Q(homeroom_classes__school_year__in=years)
                | Q(assignments__school_class__school_year__in=years))
    return list(Teacher.objects.filter(teaching, school__in=schools, personal_id__isnull=False)
                .select_related("user", "school").distinct().order_by("staff_code"))


def _principals(schools: list[School]) -> list[tuple[User, School]]:
    """Each principal account, once, with the school it leads (latest year first)."""
    seen: dict[int, tuple[User, School]] = {}
    for grant in (RoleAssignment.objects.filter(role=Role.PRINCIPAL, school__in=schools,
                                                user__personal_id__isnull=False)
                  .select_related("user", "school").order_by("-school_year__start", "pk")):
        assert grant.school is not None
        seen.setdefault(grant.user_id, (grant.user, grant.school))
    return sorted(seen.values(), key=lambda pair: pair[0].username)


def _demo_hash() -> str:
    """The demo password's hash, as the generator stored it for every demo account (hashing
    it again would cost an Argon2 round, half a second)."""
    from hocba.demo.generator import DEMO_PASSWORD

    stored = (User.objects.filter(role_assignments__role=Role.SO_OFFICER)
              .values_list("password", flat=True).first())
    return stored or make_password(DEMO_PASSWORD)


def _registrant(school: School) -> User | None:
    """Who declares the seal (CV 2088 PL1 III step 1): the văn thư, else admin or principal."""
    for role in (Role.VAN_THU, Role.SCHOOL_ADMIN, Role.PRINCIPAL):
        grant = (RoleAssignment.objects.filter(role=role, school=school)
                 .select_related("user").order_by("-school_year__start").first())
        if grant is not None:
            return grant.user
    return None


def _approvers(schools: list[School]) -> dict[int, User]:
    """For each school, an officer of the unit that approves its seal."""
    officers: dict[int, User] = {}
    for school in schools:
        if approver_for(school.levels, school.area_id is not None) is Approver.SO:
            officers[school.pk] = _officer(Role.SO_OFFICER, school.province)
        else:
            assert school.area is not None
            officers[school.pk] = _officer(Role.PHONG_OFFICER, school.area)
    return officers


def _officer(role: Role, unit: Unit) -> User:
    grant = (RoleAssignment.objects.filter(role=role, unit=unit).select_related("user")
             .order_by("pk").first())
    if grant is not None:
        return grant.user
    username = f"phong-{unit.code}"
    if User.objects.filter(username=username).exists():
        raise RuntimeError(f"Tên đăng nhập demo đã có người dùng: {username}.")
    name = adult_name(random.Random(f"{SEED}/{username}"), Sex.FEMALE)
    officer = User.objects.create(username=username, full_name=name, password=_demo_hash())
    RoleAssignment.objects.create(user=officer, role=role, unit=unit)
    return officer
