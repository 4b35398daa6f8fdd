"""Record pages: a class's records (compose, download), one record, the downloads.

Thin: parse, authorise (``require``), call a service or selector, render; every read of a
record is in the audit log."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hocba.accounts.authz import can, require
from hocba.audit.services import record_read
from hocba.domain.access import Action
from hocba.records import compose, renditions, selectors
from hocba.records.models import HocBaRecord
from hocba.roster.models import SchoolClass

_CLASSES = SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher")


@login_required
def class_records(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(_CLASSES, pk=class_id)
    require(request.user, Action.VIEW_RESULTS, school_class)
    records = list(selectors.live_records_of_class(school_class))
    record_read(request.user, school_class, detail={
        "hoc_ba_lop": True, "hoc_sinh": [r.student.student_code for r in records]})
    return render(request, "records/class.html", {
        "school_class": school_class, "records": records,
        "may_compose": bool(can(request.user, Action.COMPOSE_RECORDS, school_class)),
        "formats": list(renditions.Format)})


@login_required
@require_POST
def compose_class(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(_CLASSES, pk=class_id)
    try:
        done = compose.compose_class(request.user, school_class)
    except compose.CompositionRefused as refused:
        records = list(selectors.live_records_of_class(school_class))
        return render(request, "records/class.html", {
            "school_class": school_class, "records": records, "may_compose": True,
            "formats": list(renditions.Format), "refused": refused,
            "gaps": sorted(refused.gaps.items.items())}, status=400)
    if done.created:
        messages.success(request, f"Đã tạo {len(done.created)} học bạ.")
    else:
        messages.info(request, "Mọi học sinh của lớp đã có học bạ năm học này.")
    return redirect("records_class", class_id=school_class.pk)


def _record(request: HttpRequest, code: str) -> HocBaRecord:
    record = selectors.record_by_code(code)
    if record is None:
        raise Http404("Không có học bạ với mã tra cứu này.")
    require(request.user, Action.VIEW_RESULTS, record)
    return record


@login_required
def record_page(request: HttpRequest, code: str) -> HttpResponse:
    record = _record(request, code)
    record_read(request.user, record, detail={"ma_tra_cuu": str(record.lookup_code)})
    return render(request, "records/record.html", {
        "record": record, "data": selectors.canonical_of(record),
        "formats": list(renditions.Format),
        "years": selectors.book_years(record.book)})


@login_required
def download(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    record = _record(request, code)
    try:
        chosen = renditions.Format(fmt)
    except ValueError:
        raise Http404("Định dạng không hỗ trợ.") from None
    record_read(request.user, record, detail={"tai_ve": chosen.value,
                                              "ma_tra_cuu": str(record.lookup_code)})
    body = renditions.rendition(record, chosen)
    return _attachment(body, chosen.media_type, renditions.file_name(record, chosen))


@login_required
def download_book(request: HttpRequest, code: str) -> HttpResponse:
    record = _record(request, code)
    record_read(request.user, record, detail={"tai_ve": "so_hoc_ba_pdf",
                                              "ma_tra_cuu": str(record.lookup_code)})
    name = f"sohocba-{record.book.level}-{record.lookup_code}.pdf"
    return _attachment(renditions.book_pdf(record), "application/pdf", name)


@login_required
def download_class(request: HttpRequest, class_id: int, fmt: str) -> HttpResponse:
    school_class = get_object_or_404(_CLASSES, pk=class_id)
    require(request.user, Action.VIEW_RESULTS, school_class)
    try:
        chosen = renditions.Format(fmt)
    except ValueError:
        raise Http404("Định dạng không hỗ trợ.") from None
    records = list(selectors.live_records_of_class(school_class).select_related("school_year"))
    if not records:
        raise Http404("Lớp chưa có học bạ nào.")
    record_read(request.user, school_class, detail={
        "tai_ve_lop": chosen.value, "hoc_sinh": [r.student.student_code for r in records]})
    name = f"hocba-{school_class.school_year.name}-{school_class.name}-{chosen.value}.zip"
    return _attachment(renditions.class_zip(records, chosen), "application/zip", name)


def _attachment(body: bytes, media_type: str, name: str) -> HttpResponse:
    response = HttpResponse(body, content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
