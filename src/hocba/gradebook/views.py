"""Gradebook pages. Thin: parse, authorise (in the selectors and services), call, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hocba.audit.services import record_read
from hocba.curriculum.models import Subject
from hocba.gradebook import selectors, services
from hocba.gradebook.cells import CellError
from hocba.gradebook.models import CorrectionRequest, Term
from hocba.gradebook.primary_selectors import primary_sheets
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass, Student


def _sheet_args(class_id: int, subject_code: str, term: int
                ) -> tuple[SchoolClass, Subject, int]:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"),
        pk=class_id)
    subject = get_object_or_404(Subject, code=subject_code)
    if term not in (1, 2):
        raise Http404
    return school_class, subject, term


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "gradebook/home.html", {
        "assignments": selectors.teaching_sheets(request.user),
        "primary_assignments": primary_sheets(request.user),
        "is_principal": selectors.principal_schools(request.user).exists(),
    })


@login_required
def sheet(request: HttpRequest, class_id: int, subject_code: str, term: int) -> HttpResponse:
    school_class, subject, term = _sheet_args(class_id, subject_code, term)
    try:
        grid = selectors.grid(request.user, school_class, subject, term)
    except CellError as exc:
        raise Http404(exc.message) from None
    if request.method == "POST":
        if not grid.editable:
            raise PermissionDenied("Bạn không được nhập điểm môn này của lớp này.")
        return _save_form(request, grid)
    record_read(request.user, school_class, detail={
        "so_diem": subject.code, "hoc_ki": term,
        "hoc_sinh": [row.student.student_code for row in grid.rows]})
    return render(request, "gradebook/sheet.html", {
        "grid": grid, "sheet": grid.sheet, "shape": grid.sheet.shape,
        "term_label": Term(term).label, "other_term": 3 - term})


def _save_form(request: HttpRequest, grid: selectors.Grid) -> HttpResponse:
    shape = grid.sheet.shape
    edits = []
    for row in grid.rows:
        sid = row.student.pk
        version = request.POST.get(f"v-{sid}", "")
        try:
            shown = json.loads(request.POST.get(f"o-{sid}", "{}"))
        except ValueError:
            shown = {}
        for name in shape.fields:
            key = f"c-{sid}-{name}"
            if key not in request.POST or not version.isdigit():
                continue
            edits.append(services.SheetEdit(row.student, row.number, name,
                                            str(shown.get(name, "")), request.POST[key],
                                            int(version)))
    saved, problems = services.save_sheet(request.user, grid.sheet, edits,
                                          request.POST.get("ly_do", ""))
    if saved:
        messages.success(request, f"Đã lưu {saved} ô.")
    for problem in problems:
        messages.error(request, problem)
    if not saved and not problems:
        messages.info(request, "Không có ô nào thay đổi.")
    return redirect(request.path)


def _json_error(kind: str, message: str, status: int, **extra: Any) -> JsonResponse:
    return JsonResponse({"ok": False, "error": kind, "message": message, **extra},
                        status=status)


@login_required
@require_POST
def save_cell(request: HttpRequest, class_id: int, subject_code: str, term: int
              ) -> JsonResponse:
    """The grid's save-as-you-go endpoint: one cell, answered in JSON."""
    school_class, subject, term = _sheet_args(class_id, subject_code, term)
    student_id = request.POST.get("hoc_sinh", "")
    version = request.POST.get("phien_ban", "")
    field = request.POST.get("o", "")
    if not student_id.isdigit() or not version.isdigit():
        return _json_error("invalid", "Yêu cầu thiếu học sinh hoặc phiên bản.", 400)
    student = get_object_or_404(Student, pk=int(student_id))
    try:
        row = services.row_for(request.user, school_class, subject, term, student)
        answer = services.save_cell(request.user, row, field, request.POST.get("gia_tri", ""),
                                    int(version), request.POST.get("ly_do", ""))
    except PermissionDenied as exc:
        return _json_error("forbidden", str(exc) or "Bạn không có quyền sửa ô này.", 403)
    except services.CellConflict as exc:
        return _json_error("conflict", exc.message, 409, field=exc.field,
                           current=exc.current, version=exc.version, by=exc.by)
    except services.GradebookError as exc:
        kind = "reason_required" if isinstance(exc, services.ReasonRequired) else "invalid"
        return _json_error(kind, exc.message, 400, field=exc.field)
    return JsonResponse({
        "ok": True, "field": answer.field, "value": answer.value, "version": answer.version,
        "average": answer.outcome.value, "missing": list(answer.outcome.missing),
        "row": answer.row, "request": answer.correction is not None,
        "message": (f"Đã gửi đề nghị sửa {field.upper()} cho Hiệu trưởng duyệt."
                    if answer.correction is not None else ""),
    })


@login_required
def locks(request: HttpRequest) -> HttpResponse:
    """The principal's page: lock and unlock terms, decide on correction requests."""
    schools = list(selectors.principal_schools(request.user))
    if not schools:
        raise PermissionDenied("Chỉ Hiệu trưởng được khoá học kì và duyệt đề nghị sửa điểm.")
    year = SchoolYear.current()
    if request.method == "POST":
        school = get_object_or_404(School, pk=request.POST.get("truong") or 0)
        term = int(request.POST.get("hk", "0") or 0)
        if year is None or term not in (1, 2):
            raise Http404
        if request.POST.get("thao_tac") == "khoa":
            services.lock_term(request.user, school, year, term)
            messages.success(request, f"Đã khoá {Term(term).label} năm học {year}.")
        else:
            services.unlock_term(request.user, school, year, term)
            messages.success(request, f"Đã mở khoá {Term(term).label} năm học {year}.")
        return redirect("gradebook_locks")
    panels = []
    for school in schools:
        locked = {lock.term: lock for lock in school.term_locks.filter(
            school_year=year).select_related("locked_by")} if year else {}
        terms = [(t, label, locked.get(t)) for t, label in Term.choices]
        panels.append({"school": school, "terms": terms,
                       "pending": selectors.corrections_of(
                           school, CorrectionRequest.Status.PENDING),
                       "decided": selectors.corrections_of(school).exclude(
                           status=CorrectionRequest.Status.PENDING)[:20]})
    return render(request, "gradebook/locks.html", {"panels": panels, "year": year})


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    correction = get_object_or_404(
        CorrectionRequest.objects.select_related("result__school_class__school",
                                                 "primary_result__school_class__school",
                                                 "class_record__school_class__school",
                                                 "primary_class_record__school_class__school"),
        pk=pk)
    approve = request.POST.get("thao_tac") == "duyet"
    try:
        services.decide_correction(request.user, correction, approve,
                                   request.POST.get("ghi_chu", ""))
    except services.GradebookError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Đã duyệt và áp dụng đề nghị." if approve
                         else "Đã từ chối đề nghị.")
    return redirect("gradebook_locks")
