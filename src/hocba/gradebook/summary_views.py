"""The GVCN's class summary page. Thin: parse, call the summary selector and service, render."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from hocba.audit.services import record_read
from hocba.gradebook import summary
from hocba.gradebook.summary_corrections import pending_count
from hocba.roster.models import SchoolClass


@login_required
def class_summary(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(
        SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher"),
        pk=class_id)
    try:
        data = summary.class_summary(request.user, school_class)
    except summary.NotSecondary as exc:
        raise Http404(str(exc)) from None
    status = 200
    if request.method == "POST":
        if not data.editable:
            raise PermissionDenied("Chỉ giáo viên chủ nhiệm lớp được sửa tổng hợp lớp.")
        edits = _edits(request, data)
        try:
            saved = summary.save_records(request.user, school_class, edits,
                                         request.POST.get("ly_do", ""))
        except summary.SummaryError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
            _keep_typed(request, data)
            status = 409 if exc.conflict else 400
        else:
            if saved.written:
                messages.success(request, f"Đã lưu {saved.written} dòng.")
            if saved.requests:
                messages.success(request, f"Đã gửi {len(saved.requests)} đề nghị sửa tổng hợp "
                                          "lớp cho Hiệu trưởng duyệt.")
            if not saved.written and not saved.requests:
                messages.info(request, "Không có gì thay đổi.")
            return redirect(request.path)
    else:
        record_read(request.user, school_class, detail={
            "tong_hop_lop": True, "hoc_sinh": [r.student.student_code for r in data.rows]})
    return render(request, "gradebook/summary.html", {
        "summary": data, "school_class": school_class,
        "conduct_choices": summary.ConductLevel.choices,
        "pending": pending_count(school_class) if data.locked_terms else 0,
        "reason": request.POST.get("ly_do", "")}, status=status)


def _edits(request: HttpRequest, data: summary.ClassSummary) -> list[summary.RecordEdit]:
    """The rows whose posted values differ from what the page showed (``o-<id>``)."""
    edits = []
    for row in data.rows:
        sid = row.student.pk
        try:
            shown = json.loads(request.POST.get(f"o-{sid}", "{}"))
        except ValueError:
            shown = {}
        for term in summary.TERMS:
            keys = [f"{k}{term}-{sid}" for k in ("rl", "cp", "kp", "nx")]
            if not any(k in request.POST for k in keys):
                continue
            posted = [request.POST.get(k, "") for k in keys]
            if all(p.strip() == str(shown.get(k, "")).strip() for k, p in zip(keys, posted,
                                                                                 strict=True)):
                continue
            version = str(shown.get(f"v{term}-{sid}", "0"))
            conduct, excused, unexcused, comment = posted
            edits.append(summary.RecordEdit(row.student, term, conduct, excused, unexcused,
                                            comment, int(version) if version.isdigit() else 0))
    return edits


def _keep_typed(request: HttpRequest, data: summary.ClassSummary) -> None:
    """After a refusal, show the teacher's values again rather than losing them; the
    originals and versions stay those the page was loaded with, so a stale row is refused
    again until the page is reloaded."""
    for row in data.rows:
        sid = row.student.pk
        try:
            shown = json.loads(request.POST.get(f"o-{sid}", "{}"))
        except ValueError:
            shown = {}
        if isinstance(shown, dict) and shown:
            row.original = {k: str(shown.get(k, v)) for k, v in row.form.items()}
        for key in list(row.form):
            if key in request.POST:
                row.form[key] = request.POST[key]
