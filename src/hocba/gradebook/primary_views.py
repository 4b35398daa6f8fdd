"""The primary (TT 27/2020) gradebook pages. Thin: parse, authorise (in the selectors and
services), call, render."""

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
from hocba.gradebook import primary_selectors as selectors
from hocba.gradebook import primary_services as services
from hocba.gradebook.cells import CellError
from hocba.gradebook.primary_cells import split
from hocba.gradebook.services import CellConflict, GradebookError, ReasonRequired
from hocba.roster.models import SchoolClass, Student


def _sheet_args(class_id: int, subject_code: str) -> tuple[SchoolClass, Subject]:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"),
        pk=class_id)
    return school_class, get_object_or_404(Subject, code=subject_code)


@login_required
def sheet(request: HttpRequest, class_id: int, subject_code: str) -> HttpResponse:
    school_class, subject = _sheet_args(class_id, subject_code)
    try:
        grid = selectors.grid(request.user, school_class, subject)
    except CellError as exc:
        raise Http404(exc.message) from None
    if request.method == "POST":
        if not grid.editable:
            raise PermissionDenied("Bạn không được nhập kết quả môn này của lớp này.")
        return _save_form(request, grid)
    record_read(request.user, school_class, detail={
        "so_theo_doi": subject.code, "hoc_sinh": [row.student.student_code for row in grid.rows]})
    return render(request, "gradebook/primary/sheet.html", {"grid": grid})


def _save_form(request: HttpRequest, grid: selectors.PrimaryGrid) -> HttpResponse:
    edits = []
    for row in grid.rows:
        sid = row.student.pk
        try:
            shown = json.loads(request.POST.get(f"o-{sid}", "{}"))
        except ValueError:
            shown = {}
        for column in grid.columns:
            key = f"c-{sid}-{column.name}"
            version = request.POST.get(f"v-{sid}-{column.point}", "")
            if key not in request.POST or not version.isdigit():
                continue
            edits.append(services.SheetEdit(row.student, row.number, column.name,
                                            str(shown.get(column.name, "")), request.POST[key],
                                            int(version)))
    saved, problems = services.save_sheet(request.user, grid.school_class, grid.subject, edits,
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
def save_cell(request: HttpRequest, class_id: int, subject_code: str) -> JsonResponse:
    """The grid's save-as-you-go endpoint: one cell, answered in JSON."""
    school_class, subject = _sheet_args(class_id, subject_code)
    student_id = request.POST.get("hoc_sinh", "")
    version = request.POST.get("phien_ban", "")
    field = request.POST.get("o", "")
    if not student_id.isdigit() or not version.isdigit():
        return _json_error("invalid", "Yêu cầu thiếu học sinh hoặc phiên bản.", 400)
    student = get_object_or_404(Student, pk=int(student_id))
    try:
        point, _ = split(field)
        row = services.row_for(request.user, school_class, subject, point, student)
        answer = services.save_cell(request.user, row, field, request.POST.get("gia_tri", ""),
                                    int(version), request.POST.get("ly_do", ""))
    except PermissionDenied as exc:
        return _json_error("forbidden", str(exc) or "Bạn không có quyền sửa ô này.", 403)
    except CellConflict as exc:
        return _json_error("conflict", exc.message, 409, field=exc.field,
                           current=exc.current, version=exc.version, by=exc.by)
    except GradebookError as exc:
        kind = "reason_required" if isinstance(exc, ReasonRequired) else "invalid"
        return _json_error(kind, exc.message, 400, field=exc.field)
    except CellError as exc:
        return _json_error("invalid", exc.message, 400, field=exc.field)
    return JsonResponse({
        "ok": True, "field": answer.field, "value": answer.value, "point": answer.point,
        "version": answer.version, "row": answer.row,
        "request": answer.correction is not None,
        "message": ("Đã gửi đề nghị sửa cho Hiệu trưởng duyệt."
                    if answer.correction is not None else ""),
    })
