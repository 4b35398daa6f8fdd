"""The roster's JSON API. Same door as the pages: authorise, audit the read, answer."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema

from hocba.accounts.authz import require
from hocba.audit.services import record_read
from hocba.domain.access import Action
from hocba.roster.models import Student

router = Router(tags=["Hồ sơ học sinh"])


class EnrolmentOut(Schema):
    school_year: str
    school_code: str
    class_name: str
    start_date: date
    end_date: date | None
    reason: str
    exit_reason: str


class StudentOut(Schema):
    student_code: str
    personal_id: str | None
    full_name: str
    birth_date: date
    sex: str
    ethnicity: str
    nationality: str
    school_code: str
    enrolments: list[EnrolmentOut]


@router.get("/hoc-sinh/{student_code}", response=StudentOut,
            summary="Thông tin cá nhân và quá trình học của một học sinh")
def student(request: HttpRequest, student_code: str) -> StudentOut:
    found = get_object_or_404(Student.objects.select_related("school"), student_code=student_code)
    decision = require(request.user, Action.VIEW_STUDENT, found)
    record_read(request.user, found, role=decision.role_label)
    stays = found.enrolments.select_related("school_class__school", "school_class__school_year")
    return StudentOut(
        student_code=found.student_code, personal_id=found.personal_id,
        full_name=found.full_name, birth_date=found.birth_date, sex=found.sex,
        ethnicity=found.ethnicity_name, nationality=found.nationality,
        school_code=found.school.code,
        enrolments=[EnrolmentOut(
            school_year=e.school_class.school_year.name, school_code=e.school_class.school.code,
            class_name=e.school_class.name, start_date=e.start_date, end_date=e.end_date,
            reason=e.reason, exit_reason=e.exit_reason) for e in stays.order_by("start_date")],
    )
