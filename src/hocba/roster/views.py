"""Roster pages. Thin: parse, authorise, call a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hocba.accounts.authz import can, require, visible_schools
from hocba.audit.services import record_list_read, record_read
from hocba.domain.access import Action
from hocba.organisation.models import School, SchoolYear
from hocba.roster import selectors
from hocba.roster.models import SchoolClass, Student
from hocba.roster.services import open_enrolment

PAGE_SIZE = 50


def _page(request: HttpRequest, items, size: int = PAGE_SIZE):  # type: ignore[no-untyped-def]
    return Paginator(items, size).get_page(request.GET.get("trang"))


def _year(request: HttpRequest) -> SchoolYear | None:
    year_id = request.GET.get("nam")
    if year_id and year_id.isdigit():
        return SchoolYear.objects.filter(pk=int(year_id)).first()
    return SchoolYear.current()


@login_required
def school_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    schools = visible_schools(request.user).order_by("name")
    if query:
        schools = schools.filter(name__icontains=query) | schools.filter(code__icontains=query)
    return render(request, "roster/school_list.html",
                  {"page": _page(request, schools), "q": query})


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school = get_object_or_404(School.objects.select_related("province", "area"), pk=pk)
    require(request.user, Action.VIEW_SCHOOL, school)
    year = _year(request)
    classes = selectors.classes_of_school(request.user, school, year)
    return render(request, "roster/school_detail.html", {
        "school": school, "classes": classes, "year": year,
        "years": SchoolYear.objects.all(),
        "can_import": bool(can(request.user, Action.EDIT_ROSTER, school)),
        "can_staff": bool(can(request.user, Action.VIEW_STAFF, school)),
        "can_certificates": bool(can(request.user, Action.REGISTER_CERTIFICATE, school)),
    })


@login_required
def class_detail(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"), pk=pk
    )
    require(request.user, Action.VIEW_SCHOOL, school_class)
    decision = require(request.user, Action.VIEW_STUDENT, school_class)
    page = _page(request, selectors.current_members(school_class))
    record_read(request.user, school_class, role=decision.role_label, detail={
        "hoc_sinh": [s.student_code for s in page.object_list], "trang": page.number,
    })
    assignments = school_class.assignments.select_related("teacher", "subject").order_by(
        "subject__name")
    return render(request, "roster/class_detail.html", {
        "school_class": school_class, "page": page, "assignments": assignments,
        "can_edit": bool(can(request.user, Action.EDIT_ROSTER, school_class)),
        "today": timezone.localdate().isoformat()})


@login_required
def student_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    page = _page(request, selectors.search_students(request.user, query))
    record_list_read(request.user, page.object_list, detail={"tim_kiem": query})
    return render(request, "roster/student_list.html", {"page": page, "q": query})


@login_required
def student_detail(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(Student.objects.select_related("school"), pk=pk)
    decision = require(request.user, Action.VIEW_STUDENT, student)
    record_read(request.user, student, role=decision.role_label)
    enrolments = student.enrolments.select_related(
        "school_class__school", "school_class__school_year").order_by("-start_date")
    current = open_enrolment(student)
    movable = current is not None and bool(can(request.user, Action.EDIT_ROSTER, student))
    other_classes = SchoolClass.objects.filter(
        school=current.school_class.school_id, school_year=current.school_class.school_year_id
    ).exclude(pk=current.school_class_id) if movable and current else []
    return render(request, "roster/student_detail.html", {
        "student": student, "enrolments": enrolments, "current": current,
        "movable": movable, "other_classes": other_classes,
        "today": timezone.localdate().isoformat()})


@login_required
def teacher_list(request: HttpRequest) -> HttpResponse:
    school = None
    school_id = request.GET.get("truong", "")
    if school_id.isdigit():
        school = get_object_or_404(School, pk=int(school_id))
        require(request.user, Action.VIEW_STAFF, school)
    teachers = selectors.teachers_of(request.user, school)
    query = request.GET.get("q", "").strip()
    if query:
        teachers = teachers.filter(full_name__icontains=query)
    return render(request, "roster/teacher_list.html",
                  {"page": _page(request, teachers), "school": school, "q": query,
                   "extra_qs": f"truong={school.pk}&" if school else ""})
