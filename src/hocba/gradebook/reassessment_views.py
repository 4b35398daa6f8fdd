"""The page "Rèn luyện hè và kiểm tra lại" of a TT 22 class (TT 22/2021 Điều 12–14). Thin:
parse the form, call the page selector and the service, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hocba.audit.services import record_read
from hocba.gradebook import reassessment_page as page_data
from hocba.gradebook import reassessment_services as services
from hocba.gradebook.models_class import ConductLevel
from hocba.gradebook.year_eval import NotSecondary
from hocba.roster.models import SchoolClass


@login_required
def after_year(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"),
        pk=class_id)
    try:
        page = page_data.after_year_page(request.user, school_class)
    except NotSecondary as exc:
        raise Http404(str(exc)) from None
    status = 200
    if request.method == "POST":
        if not page.editable:
            raise PermissionDenied("Chỉ hiệu trưởng, học vụ và giáo viên chủ nhiệm lớp được "
                                   "nhập kết quả sau hè.")
        summer, retests = _edits(request, page)
        try:
            saved = services.save_after_year(request.user, school_class, summer, retests)
        except services.ReassessmentError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
            _keep_typed(request, page)
            status = 409 if exc.conflict else 400
        else:
            if saved:
                messages.success(request, f"Đã lưu {saved} kết quả.")
            else:
                messages.info(request, "Không có gì thay đổi.")
            return redirect(request.path)
    else:
        record_read(request.user, school_class, detail={
            "sau_he": True, "hoc_sinh": [r.student.student_code for r in page.rows]})
    return render(request, "gradebook/after_year.html", {
        "page": page, "school_class": school_class,
        "conduct_choices": ConductLevel.choices}, status=status)


def _shown(request: HttpRequest, sid: int) -> dict[str, Any]:
    try:
        shown = json.loads(request.POST.get(f"o-{sid}", "{}"))
    except ValueError:
        return {}
    return shown if isinstance(shown, dict) else {}


def _version(shown: dict[str, Any], name: str) -> int:
    text = str(shown.get(f"v-{name}", "0"))
    return int(text) if text.isdigit() else 0


def _edits(request: HttpRequest, page: page_data.AfterYearPage
           ) -> tuple[list[services.SummerEdit], list[services.RetestEdit]]:
    """The fields whose posted value differs from what the page showed (``o-<id>``)."""
    summer, retests = [], []
    for row in page.rows:
        shown = _shown(request, row.student.pk)

        def changed(name: str, shown: dict[str, Any] = shown) -> bool:
            return (name in request.POST
                    and request.POST[name].strip() != str(shown.get(name, "")).strip())

        if row.summer_name and changed(row.summer_name):
            summer.append(services.SummerEdit(row.student, request.POST[row.summer_name],
                                              _version(shown, row.summer_name)))
        for cell in row.retests:
            if changed(cell.name_attr):
                retests.append(services.RetestEdit(row.student, cell.code,
                                                   request.POST[cell.name_attr],
                                                   _version(shown, cell.name_attr)))
    return summer, retests


def _keep_typed(request: HttpRequest, page: page_data.AfterYearPage) -> None:
    """After a refusal, show the typed values again; the originals and versions stay those
    the page was loaded with, so a stale row is refused again until the page is reloaded."""
    for row in page.rows:
        shown = _shown(request, row.student.pk)
        if shown:
            row.originals = {k: str(shown.get(k, v)) for k, v in row.originals.items()}
        if row.summer_name in request.POST:
            row.summer_value = request.POST[row.summer_name]
        for cell in row.retests:
            if cell.name_attr in request.POST:
                cell.value = request.POST[cell.name_attr]
