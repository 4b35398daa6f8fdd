"""Reads of the roster, always through the access policy's list filters."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from hocba.accounts.authz import visible_classes, visible_schools, visible_students
from hocba.domain.access import Action
from hocba.domain.text import clean, fold
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher


def search_students(user: Any, query: str = "", school: School | None = None
                    ) -> QuerySet[Student]:
    students = visible_students(user).select_related("school")
    if school is not None:
        students = students.filter(school=school)
    text = clean(query)
    if text:
        students = students.filter(
            Q(full_name__icontains=text) | Q(student_code__icontains=text)
            | Q(personal_id=text)
        )
    return students.order_by("full_name", "student_code")


def classes_of_school(user: Any, school: School, year: SchoolYear | None
                      ) -> QuerySet[SchoolClass]:
    classes = visible_classes(user).filter(school=school)
    if year is not None:
        classes = classes.filter(school_year=year)
    return classes.select_related("homeroom_teacher").annotate(
        size=Count("enrolments", filter=Q(enrolments__end_date__isnull=True), distinct=True)
    ).order_by("grade", "name")


def current_members(school_class: SchoolClass) -> list[Student]:
    """Students in the class now (an enrolment with no end date), in class-list order."""
    members = Student.objects.filter(
        enrolments__school_class=school_class, enrolments__end_date__isnull=True
    ).distinct()
    return sorted(members, key=class_list_key)


def year_members(school_class: SchoolClass) -> list[Student]:
    """The students of the class for its year's results, in class-list order: those still in
    it and those who finished the year in it (an enrolment closed at the year's end), so that
    a past year and the work after the year (summer, supplementary evaluation, the học bạ)
    keep their students. Those who left during the year are not in it."""
    members = Student.objects.filter(
        Q(enrolments__end_date__isnull=True) | Q(enrolments__exit_reason=Enrolment.Exit.YEAR_END),
        enrolments__school_class=school_class,
    ).distinct()
    return sorted(members, key=class_list_key)


def class_list_key(student: Student) -> tuple[str, str, str, str]:
    """Vietnamese class lists sort by given name (the last word), then by the rest of the
    name: "Nguyễn Văn An" before "Lê Thị Bình". Letters compare without their tone marks
    first (a, á, à… together), then with them, so the order is stable."""
    words = student.full_name.split()
    given, rest = (words[-1], " ".join(words[:-1])) if words else ("", "")
    return (fold(given), fold(rest), student.full_name, student.student_code)


def teachers_of(user: Any, school: School | None = None) -> QuerySet[Teacher]:
    schools = visible_schools(user, Action.VIEW_STAFF)
    teachers = Teacher.objects.filter(school__in=schools).select_related("school", "main_subject")
    if school is not None:
        teachers = teachers.filter(school=school)
    return teachers.order_by("full_name")
