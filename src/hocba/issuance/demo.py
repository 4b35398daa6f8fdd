"""Demo signers: each slot of a class signed by the person the roster names, with a demo PKI
certificate registered in the certificate registry as a signer would register it
(``hocba.certificates.services.prepare``), and the school's demo seal registered and
approved. For ``hocba issue``, the benchmark and the tests only: the demo PKI's keys are
PKCS#12 files under ``$HOCBA_VAR/pki`` with a published password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from hocba.accounts.models import RoleAssignment, User
from hocba.certificates.keys import pki_dir
from hocba.certificates.models import (
    CertificateKind,
    CertificateStatus,
    KeyHolding,
    Provider,
    SigningCertificate,
)
from hocba.certificates.selectors import active_personal_certificate, approved_seal, approves
from hocba.certificates.services import approve_organisation_certificate, owner_of, prepare
from hocba.domain import issuance as rules
from hocba.domain.access import Role
from hocba.issuance import selectors, services
from hocba.organisation.models import School
from hocba.records.models import HocBaRecord
from hocba.records.snapshot import principal_of
from hocba.roster.models import SchoolClass, Teacher, TeachingAssignment
from hocba.signing import ensure_demo_pki
from hocba.signing.pki import DEFAULT_BASE_URL

Report = Callable[[str], None]


def ensure_demo_certificates(school: School, people: Iterable[Any], *,
                             at: dt.datetime | None = None,
                             base_url: str = DEFAULT_BASE_URL,
                             report: Report | None = None) -> int:
    """Register a demo certificate for each of ``people`` (Users) without an active one, and
    an approved demo seal for ``school`` if it has none (a demo seal waiting for the
    Phòng/Sở is approved by their demo officer, see ``approve_waiting_seal``). ``base_url``
    is where the demo PKI's OCSP and CRL are served (written into new certificates).
    Returns how many."""
    now = at or timezone.now()
    pki = ensure_demo_pki(pki_dir(), base_url=base_url)
    base = pki_dir().resolve()
    registered = 0
    for person in people:
        if active_personal_certificate(person, now) is not None:
            continue
        who = owner_of(person)
        issued = pki.issue_personal(who.holder.name, who.holder.identity_number, "Người ký",
                                    organisation=school.name)
        certificate = prepare(who, issued.chain_path.read_bytes(), KeyHolding.PKCS12_FILE,
                              str(issued.pkcs12_path.resolve().relative_to(base)),
                              provider=Provider.DEMO, at=now)
        certificate.save()
        registered += 1
    if approved_seal(school, now) is None:
        waiting = SigningCertificate.objects.filter(
            school=school, kind=CertificateKind.ORGANISATION, provider=Provider.DEMO,
            status=CertificateStatus.REGISTERED).first()
        if waiting is None:
            who = owner_of(school)
            issued = pki.issue_organisation(school.name, school.code)
            waiting = prepare(who, issued.chain_path.read_bytes(), KeyHolding.PKCS12_FILE,
                              str(issued.pkcs12_path.resolve().relative_to(base)),
                              provider=Provider.DEMO, at=now)
            waiting.save()
        # Demo only: the Phòng/Sở demo officer approves it (CV 2088 PL1 III step 4), audited.
        approve_waiting_seal(school, waiting, at=now, report=report)
        registered += 1
    return registered


def approve_waiting_seal(school: School, seal: SigningCertificate, *,
                         at: dt.datetime | None = None,
                         report: Report | None = None) -> SigningCertificate:
    """Demo only: the school's demo seal still waiting for approval is approved by the demo
    officer of the unit that approves it (the Phòng for TH/THCS of its area, else the Sở:
    QĐ 1789 Điều 7–10), through the approval service, so the decision is in the audit log
    under that officer's name. Refused, naming the seal, when the demo has no such officer."""
    officer = next((grant.user for grant in RoleAssignment.objects.filter(
        role__in=[Role.PHONG_OFFICER, Role.SO_OFFICER]).select_related("user").order_by("pk")
        if approves(grant.user, school)), None)
    if officer is None:
        raise rules.IssuanceRefused(
            f"Con dấu số (chứng thư số tổ chức số hiệu {seal.serial_number}) của {school.name} "
            "đang chờ Phòng/Sở GDĐT duyệt và bản demo không có cán bộ nào duyệt được: cán bộ "
            "Phòng/Sở duyệt ở trang «Duyệt chứng thư số» rồi chạy lại lệnh.")
    approved = approve_organisation_certificate(
        officer, seal, approve=True, at=at,
        reason="PKI demo: duyệt để lệnh hocba issue đóng dấu phát hành")
    if report:
        report(f"• Con dấu số của {school.name} (số hiệu {seal.serial_number}) đang chờ duyệt: "
               f"đã duyệt thay {officer.full_name} ({officer.username}), có ghi nhật ký.")
    return approved


def _account_of(teacher: Teacher) -> User:
    """The teacher's account; a demo one (no usable password) when the roster has none."""
    linked = Teacher.objects.filter(pk=teacher.pk).values_list("user_id", flat=True).first()
    if linked is not None:
        return User.objects.get(pk=linked)
    user = User.objects.create(username=f"gv-{teacher.staff_code}".lower()[:150],
                               full_name=teacher.full_name, password=make_password(None))
    Teacher.objects.filter(pk=teacher.pk).update(user=user)
    teacher.user = user
    return user


def van_thu_of(school: School, year: Any) -> User:
    """The school's văn thư for the year; a demo account when the school has none."""
    grant = (RoleAssignment.objects.filter(role=Role.VAN_THU, school=school, school_year=year)
             .select_related("user").first()
             or RoleAssignment.objects.filter(role=Role.VAN_THU, school=school,
                                              school_year__isnull=True)
             .select_related("user").first())
    if grant is not None:
        return grant.user
    user = User.objects.create(username=f"vanthu-{school.code}", full_name=f"Văn thư {school}",
                               password=make_password(None))
    RoleAssignment.objects.create(user=user, role=Role.VAN_THU, school=school, school_year=year)
    return user


def signers_of_class(school_class: SchoolClass) -> dict[str, User]:
    """Who signs each slot of the class's records: GVBM:<code> → the subject's teacher,
    GVCN → the homeroom teacher, CBQL → the principal, KY_PHAT_HANH → the văn thư."""
    signers: dict[str, User] = {}
    for assignment in TeachingAssignment.objects.filter(school_class=school_class).select_related(
            "teacher", "subject"):
        signers[rules.gvbm_slot(assignment.subject.code)] = _account_of(assignment.teacher)
    if school_class.homeroom_teacher is not None:
        signers[rules.GVCN] = _account_of(school_class.homeroom_teacher)
    principal = principal_of(school_class.school, school_class.school_year)
    if principal is not None:
        signers[rules.CBQL] = principal
    signers[rules.KY_PHAT_HANH] = van_thu_of(school_class.school, school_class.school_year)
    return signers


def issue_class(school_class: SchoolClass, *, report: Report | None = None,
                base_url: str = DEFAULT_BASE_URL,
                records: Iterable[HocBaRecord] | None = None) -> int:
    """Run the whole chain on the class's live records (or ``records`` of it), each slot as
    its demo signer, stage by stage (QĐ 1789 Điều 20). Returns how many are issued."""
    signers = signers_of_class(school_class)
    ensure_demo_certificates(school_class.school,
                             [u for slot, u in signers.items() if slot != rules.KY_PHAT_HANH],
                             base_url=base_url, report=report)
    if records is None:
        records = selectors.signing_records(school_class=school_class)
    records = list(records)
    for stage in rules.STAGE_ORDER:
        states = selectors.chain_states(records)
        slots = sorted({s.slot for st in states.values() for s in st.due if s.stage is stage})
        for slot in slots:
            due = [st.record for st in states.values() if slot in st.due_slots]
            signer = signers.get(slot)
            if signer is None:
                if report:
                    report(f"  ✗ {rules.slot_label(slot)}: lớp không có người ký")
                continue
            outcome = services.sign_records(signer, due, slot)
            if report:
                report(f"  {school_class.name} {outcome.describe()}")
    return HocBaRecord.objects.filter(pk__in=[r.pk for r in records], issue__isnull=False).count()
