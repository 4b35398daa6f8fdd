"""Writes on a student's enrolment history: class changes and transfers in and out.

The history is never rewritten: a move closes the open enrolment on the day before the new
one starts and opens another, so the học bạ can later say where the student was on any date
(HCMC QĐ 1789 Điều 22: a mid-year transfer carries the results to date).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.audit.services import record_write
from hocba.domain.access import Action
from hocba.domain.text import clean
from hocba.roster.models import Enrolment, SchoolClass, Student


@dataclass(frozen=True)
class RosterError(Exception):
    """A refusal a user can act on: which field, what is wrong (Vietnamese)."""

    field: str
    message: str

    def __str__(self) -> str:
        return self.message


def open_enrolment(student: Student) -> Enrolment | None:
    return (student.enrolments.filter(end_date__isnull=True)
            .select_related("school_class__school_year").order_by("-start_date").first())


def _check_date(on: date, school_class: SchoolClass, current: Enrolment | None) -> None:
    if on > timezone.localdate():
        raise RosterError("ngay", f"Ngày {on:%d/%m/%Y} ở tương lai; hãy nhập ngày đã diễn ra.")
    year = school_class.school_year
    if not year.start <= on <= year.end:
        raise RosterError("ngay", f"Ngày {on:%d/%m/%Y} nằm ngoài năm học {year} "
                                  f"({year.start:%d/%m/%Y}–{year.end:%d/%m/%Y}).")
    if current is not None and on <= current.start_date:
        raise RosterError("ngay", f"Ngày {on:%d/%m/%Y} phải sau ngày vào lớp "
                                  f"{current.school_class.name} ({current.start_date:%d/%m/%Y}).")


def _close(enrolment: Enrolment, last_day: date, reason: str, to_school: str = "") -> None:
    enrolment.end_date = last_day
    enrolment.exit_reason = reason
    enrolment.to_school_name = to_school
    enrolment.save(update_fields=["end_date", "exit_reason", "to_school_name"])


def change_class(actor: Any, student: Student, new_class: SchoolClass, on: date) -> Enrolment:
    """Move a student to another class of the same school and year from day ``on``."""
    require(actor, Action.EDIT_ROSTER, student)
    require(actor, Action.EDIT_ROSTER, new_class)
    current = open_enrolment(student)
    if current is None:
        raise RosterError("lop", f"{student.full_name} hiện không học lớp nào để chuyển lớp.")
    if current.school_class_id == new_class.pk:
        raise RosterError("lop", f"{student.full_name} đang học lớp {new_class.name}.")
    if (current.school_class.school_id, current.school_class.school_year_id) != (
            new_class.school_id, new_class.school_year_id):
        raise RosterError("lop", "Chỉ chuyển được sang một lớp của cùng trường, cùng năm học; "
                                 "chuyển trường dùng chức năng chuyển đi / chuyển đến.")
    _check_date(on, new_class, current)
    with transaction.atomic():
        _close(current, on - timedelta(days=1), Enrolment.Exit.CLASS_CHANGE)
        enrolment = Enrolment.objects.create(
            student=student, school_class=new_class, start_date=on,
            reason=Enrolment.Reason.CLASS_CHANGE)
        record_write(actor, "chuyen_lop", student, detail={
            "tu_lop": current.school_class.name, "den_lop": new_class.name,
            "ngay": on.isoformat()})
    return enrolment


def transfer_out(actor: Any, student: Student, on: date, to_school_name: str) -> Enrolment:
    """The student leaves the school; ``on`` is the first day they are no longer here."""
    require(actor, Action.EDIT_ROSTER, student)
    destination = clean(to_school_name)
    if not destination:
        raise RosterError("truong_den", "Cần ghi tên trường chuyển đến.")
    current = open_enrolment(student)
    if current is None:
        raise RosterError("lop", f"{student.full_name} hiện không học lớp nào của trường.")
    _check_date(on, current.school_class, current)
    with transaction.atomic():
        _close(current, on - timedelta(days=1), Enrolment.Exit.TRANSFER_OUT, destination)
        record_write(actor, "chuyen_di", student, detail={
            "lop": current.school_class.name, "den_truong": destination, "ngay": on.isoformat()})
    return current


def transfer_in(actor: Any, student: Student, school_class: SchoolClass, on: date,
                from_school_name: str) -> Enrolment:
    """A student arriving from another school joins ``school_class`` from day ``on``."""
    require(actor, Action.EDIT_ROSTER, school_class)
    origin = clean(from_school_name)
    if not origin:
        raise RosterError("truong_di", "Cần ghi tên trường chuyển đi.")
    if open_enrolment(student) is not None:
        raise RosterError("lop", f"{student.full_name} vẫn đang học ở một lớp; trường cũ cần "
                                 "ghi nhận chuyển đi trước.")
    _check_date(on, school_class, None)
    with transaction.atomic():
        student.school = school_class.school
        student.save(update_fields=["school"])
        enrolment = Enrolment.objects.create(
            student=student, school_class=school_class, start_date=on,
            reason=Enrolment.Reason.TRANSFER_IN, from_school_name=origin)
        record_write(actor, "chuyen_den", student, detail={
            "lop": school_class.name, "tu_truong": origin, "ngay": on.isoformat()})
    return enrolment
