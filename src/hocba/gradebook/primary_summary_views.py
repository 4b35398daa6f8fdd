"""The GVCN's primary class summary page. Thin: parse, call the page's selector and the
services, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hocba.audit.services import record_read
from hocba.gradebook import primary_summary_page as page
from hocba.gradebook import primary_summary_services as services
from hocba.gradebook.primary_cells import POINT_BY_CODE
from hocba.gradebook.primary_evaluation import NotPrimary
from hocba.gradebook.summary_corrections import pending_count
from hocba.roster.models import SchoolClass


@login_required
def class_summary(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"),
        pk=class_id)
    code = request.POST.get("diem") or request.GET.get("diem", "")
    if code and code not in POINT_BY_CODE:
        raise Http404("Không có thời điểm đánh giá này.")
    try:
        data = page.class_summary(request.user, school_class, POINT_BY_CODE.get(code))
    except NotPrimary as exc:
        raise Http404(str(exc)) from None
    status = 200
    if request.method == "POST":
        if not data.editable:
            raise PermissionDenied("Chỉ giáo viên chủ nhiệm lớp được sửa tổng hợp lớp.")
        try:
            if request.POST.get("thao_tac") == "bo_sung":
                saved = services.Saved(services.save_supplementary(
                    request.user, school_class, _supplementary(request, data)), [])
            else:
                saved = services.save_records(request.user, school_class,
                                              _edits(request, data),
                                              request.POST.get("ly_do", ""))
        except services.PrimarySummaryError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
            _keep_typed(request, data)
            status = 409 if exc.conflict else 400
        else:
            _report(request, saved)
            return redirect(f"{request.path}?diem={data.point_code}")
    else:
        record_read(request.user, school_class, detail={
            "tong_hop_lop": True, "thoi_diem": data.point,
            "hoc_sinh": [r.student.student_code for r in data.rows]})
    return render(request, "gradebook/primary/summary.html", {
        "summary": data, "school_class": school_class,
        "pending": pending_count(school_class) if data.locked else 0,
        "reason": request.POST.get("ly_do", "")}, status=status)


def _report(request: HttpRequest, saved: services.Saved) -> None:
    if saved.written:
        messages.success(request, f"Đã lưu {saved.written} dòng.")
    if saved.requests:
        messages.success(request, f"Đã gửi {len(saved.requests)} đề nghị sửa tổng hợp lớp "
                                  "cho Hiệu trưởng duyệt (Quy chế 1789/QĐ-SGDĐT Điều 13).")
    if not saved.written and not saved.requests:
        messages.info(request, "Không có gì thay đổi.")


def _shown(request: HttpRequest, sid: int) -> dict[str, Any]:
    try:
        shown = json.loads(request.POST.get(f"o-{sid}", "{}"))
    except ValueError:
        return {}
    return shown if isinstance(shown, dict) else {}


def _keys(data: page.PrimarySummary, sid: int) -> dict[str, str]:
    """Input name → model field, for the fields the page shows at its point."""
    keys = {f"r-{n}-{sid}": n for n in data.names}
    for key in page.COMMENT_KEYS + (page.YEAR_END_KEYS if data.is_year_end else ()):
        keys[f"{key}-{sid}"] = page.KEY_FIELD[key]
    return keys


def _edits(request: HttpRequest, data: page.PrimarySummary) -> list[services.RecordEdit]:
    """The rows whose posted values differ from what the page showed (``o-<id>``)."""
    edits = []
    for row in data.rows:
        sid = row.student.pk
        if f"v-{sid}" not in request.POST:
            continue
        shown = _shown(request, sid)
        keys = _keys(data, sid)
        posted = {}
        for key in keys:
            if key.startswith("tb-"):  # a checkbox is posted only when ticked
                posted[key] = "1" if request.POST.get(key) else ""
            else:
                posted[key] = request.POST.get(key, "")
        if all(v.strip() == str(shown.get(k, "")).strip() for k, v in posted.items()):
            continue
        version = str(shown.get(f"v-{sid}", "0"))
        edits.append(services.RecordEdit(
            row.student, data.point, {keys[k]: v for k, v in posted.items()},
            int(version) if version.isdigit() else 0))
    return edits


def _supplementary(request: HttpRequest, data: page.PrimarySummary
                   ) -> list[services.SupplementaryEdit]:
    edits = []
    for row in data.needs_supplementary:
        sid = row.student.pk
        if f"bsv-{sid}" not in request.POST:
            continue
        subjects, ratings = {}, {}
        for item in row.supplementary:
            prefix = f"bs-{sid}-{item.key}"
            if item.is_subject:
                subjects[item.key] = (request.POST.get(f"{prefix}-muc", ""),
                                      request.POST.get(f"{prefix}-ktdk", ""))
            else:
                ratings[item.key] = request.POST.get(prefix, "")
        version = request.POST.get(f"bsv-{sid}", "0")
        edits.append(services.SupplementaryEdit(row.student, subjects, ratings,
                                                int(version) if version.isdigit() else 0))
    return edits


def _keep_typed(request: HttpRequest, data: page.PrimarySummary) -> None:
    """After a refusal, show the teacher's values again rather than losing them; the
    originals and versions stay those the page was loaded with, so a stale row is refused
    again until the page is reloaded."""
    for row in data.rows:
        sid = row.student.pk
        shown = _shown(request, sid)
        if shown:
            row.original = {k: str(shown.get(k, v)) for k, v in row.form.items()}
        if f"v-{sid}" not in request.POST:
            continue
        for key in _keys(data, sid):
            if key.startswith("tb-"):
                row.form[key] = "1" if request.POST.get(key) else ""
            elif key in request.POST:
                row.form[key] = request.POST[key]
