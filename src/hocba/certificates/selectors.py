"""Reading certificates: which one a person signs with, which seal a school issues with.

The signing workflow asks three things (issue 5 §1, §5):

- ``active_personal_certificate(person)``: the teacher's or principal's certificate to sign
  with, found by their 12-digit identity number (QĐ 1789 Điều 2: the mã số định danh cá nhân
  is the key of every học bạ operation), active and valid now;
- ``approved_seal(school)``: the school's organisation certificate, only if the Phòng/Sở
  approved it and it is valid now (CV 2088 PL1 III: "only an approved certificate may sign
  issuance"); None otherwise;
- ``backend_for(certificate)``: the signer holding its key (``hocba.certificates.keys``).

Authorisation is the caller's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from hocba.accounts.authz import grants_for
from hocba.certificates.keys import backend_for
from hocba.certificates.models import CertificateKind, CertificateStatus, SigningCertificate
from hocba.domain.access import Role
from hocba.domain.certificate_approval import Approver, approver_for
from hocba.organisation.models import School
from hocba.roster.models import Teacher

__all__ = ["active_personal_certificate", "approved_seal", "backend_for",
           "certificates_of_person", "certificates_of_school", "identity_numbers_of",
           "pending_for_approver"]

_ROWS = SigningCertificate.objects.select_related("school", "user", "teacher", "registered_by",
                                                  "decided_by", "revoked_by")


def identity_numbers_of(person: Any) -> list[str]:
    """A person's identity numbers: a teacher's, or an account's and its linked teacher's."""
    numbers: list[str | None] = []
    if isinstance(person, Teacher):
        numbers.append(person.personal_id)
    else:
        numbers.append(getattr(person, "personal_id", None))
        pk = getattr(person, "pk", None)
        teacher = Teacher.objects.filter(user_id=pk).first() if pk is not None else None
        if teacher is not None:
            numbers.append(teacher.personal_id)
    return sorted({n for n in numbers if n})


def _valid_at(at: dt.datetime | None) -> Q:
    moment = at or timezone.now()
    return Q(not_before__lte=moment, not_after__gte=moment)


def active_personal_certificate(person: Any, at: dt.datetime | None = None
                                ) -> SigningCertificate | None:
    """The certificate ``person`` (a User or a Teacher) signs with, or None."""
    numbers = identity_numbers_of(person)
    if not numbers:
        return None
    return (_ROWS.filter(_valid_at(at), kind=CertificateKind.PERSONAL,
                         status=CertificateStatus.ACTIVE, identity_number__in=numbers)
            .order_by("-not_after", "-id").first())


def approved_seal(school: School, at: dt.datetime | None = None) -> SigningCertificate | None:
    """The organisation certificate that may issue ``school``'s học bạ at ``at``, or None."""
    return (_ROWS.filter(_valid_at(at), kind=CertificateKind.ORGANISATION, school=school,
                         status=CertificateStatus.APPROVED, school_code=school.code)
            .order_by("-not_after", "-id").first())


def certificates_of_school(school: School) -> QuerySet[SigningCertificate]:
    """The school's seals, newest first, then its staff's personal certificates."""
    return _ROWS.filter(school=school).order_by("-kind", "-registered_at", "-id")


def certificates_of_person(person: Any) -> QuerySet[SigningCertificate]:
    return _ROWS.filter(kind=CertificateKind.PERSONAL,
                        identity_number__in=identity_numbers_of(person))


def pending_for_approver(user: Any) -> list[SigningCertificate]:
    """Organisation certificates awaiting a decision that ``user`` is the one to take:
    the Phòng's for TH/THCS schools of its area, the Sở's for THPT and area-less schools."""
    q = Q(pk__in=[])
    for grant in grants_for(user):
        if grant.role is Role.PHONG_OFFICER:
            q |= Q(school__area_id=grant.area)
        elif grant.role is Role.SO_OFFICER:
            q |= Q(school__province_id=grant.province)
    pending = _ROWS.filter(q, kind=CertificateKind.ORGANISATION,
                           status=CertificateStatus.REGISTERED).order_by("registered_at", "id")
    return [c for c in pending if approves(user, c.school)]


def approves(user: Any, school: School) -> bool:
    """Whether ``user`` is an officer of the unit that approves ``school``'s seal."""
    approver = approver_for(school.levels, school.area_id is not None)
    for grant in grants_for(user):
        if approver is Approver.PHONG and grant.role is Role.PHONG_OFFICER:
            if grant.area == school.area_id:
                return True
        if approver is Approver.SO and grant.role is Role.SO_OFFICER:
            if grant.province == school.province_id:
                return True
    return False
