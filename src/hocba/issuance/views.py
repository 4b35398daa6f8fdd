"""Signing pages: a class's (or the school's) records waiting for the signer's slot, what
exactly is signed, one confirmation for all, the progress of the background job, returning a
record; a record's chain, revocation and replacement, and correction requests.

Thin: parse, authorise, call a service or selector, render. Every read of a student's record
is in the audit log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from hocba.accounts.authz import can, grants_for, require
from hocba.audit.services import record_read
from hocba.domain import issuance as rules
from hocba.domain.access import Action, Role
from hocba.domain.certificate_check import readable_subject
from hocba.issuance import jobs, selectors, services, signing_step
from hocba.issuance.models import Artefacts, CorrectionRequest, SigningJob
from hocba.organisation.models import School, SchoolYear
from hocba.records import selectors as record_selectors
from hocba.records.models import HocBaRecord
from hocba.roster.models import SchoolClass
from hocba.signing.backends import SigningError

_CLASSES = SchoolClass.objects.select_related("school", "school_year", "homeroom_teacher")


def _my_slots(user: Any, school: School, year_id: int, school_class: SchoolClass | None
              ) -> list[str]:
    """The slots the user's roles sign here: a subject teacher's subjects and the GVCN's
    class (per class), the principal's CBQL and the văn thư's seal (class or school)."""
    from hocba.curriculum.models import Subject

    slots: list[str] = []
    codes = dict(Subject.objects.values_list("pk", "code"))
    for grant in grants_for(user):
        if grant.year is not None and grant.year != year_id:
            continue
        if school_class is not None and grant.school_class == school_class.pk:
            if grant.role is Role.GVBM and grant.subject in codes:
                slots.append(rules.gvbm_slot(codes[grant.subject]))
            elif grant.role is Role.GVCN:
                slots.append(rules.GVCN)
        if grant.school == school.pk and grant.role is Role.PRINCIPAL:
            slots.append(rules.CBQL)
        if grant.school == school.pk and grant.role is Role.VAN_THU:
            slots.append(rules.KY_PHAT_HANH)
    order = {s: n for n, s in enumerate((rules.GVCN, rules.CBQL, rules.KY_PHAT_HANH))}
    return sorted(set(slots), key=lambda s: (order.get(s, -1), s))


def _resume(user: Any) -> None:
    """A job left unfinished by a server restart goes on when its signer comes back."""
    if SigningJob.objects.filter(created_by=user.pk, state__in=[
            SigningJob.State.QUEUED, SigningJob.State.RUNNING]).exists():
        jobs.kick()


def _label(slot: str) -> str:
    """The slot as a teacher reads it: the subject's name, not its code."""
    from hocba.curriculum.models import Subject

    code = rules.subject_of(slot)
    name = Subject.objects.filter(code=code).values_list("name", flat=True).first() \
        if code else None
    return f"Giáo viên bộ môn ({name})" if name else rules.slot_label(slot)


def _queues(user: Any, records: list[HocBaRecord], slots: list[str]) -> list[dict[str, Any]]:
    """One queue per slot of the user's that the records carry: a primary school's GVCN who
    also teaches subjects signs only as GVCN (TT 27/2020 records have no subject slots)."""
    states = selectors.chain_states(records)
    queues = []
    for slot in slots:
        due = [st for st in states.values() if slot in st.due_slots]
        needs = [st for st in states.values() if any(s.slot == slot for s in st.required)]
        if records and not needs:
            continue
        signed = [st for st in needs if slot in st.filled]
        queues.append({"slot": slot, "label": _label(slot), "due": due,
                       "signed": len(signed), "waiting": len(needs) - len(signed) - len(due)})
    return queues


@login_required
def class_signing(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(_CLASSES, pk=class_id)
    require(request.user, Action.VIEW_RESULTS, school_class)
    records = list(selectors.signing_records(school_class=school_class))
    slots = _my_slots(request.user, school_class.school, school_class.school_year_id,
                      school_class)
    _resume(request.user)
    record_read(request.user, school_class, detail={"ky_hoc_ba_lop": True,
                                                     "hoc_sinh": [r.student.student_code
                                                                  for r in records]})
    return render(request, "issuance/signing.html", {
        "school_class": school_class, "school": school_class.school,
        "year": school_class.school_year, "queues": _queues(request.user, records, slots),
        "has_records": bool(records),
        "school_wide": bool({rules.CBQL, rules.KY_PHAT_HANH} & set(slots)),
        "sign_url": reverse("issuance_sign_class", args=[school_class.pk])})


@login_required
def school_signing(request: HttpRequest, school_id: int, year_id: int) -> HttpResponse:
    """The principal's and the văn thư's page: the whole school in one confirmation."""
    school = get_object_or_404(School, pk=school_id)
    year = get_object_or_404(SchoolYear, pk=year_id)
    require(request.user, Action.VIEW_RESULTS, school)
    slots = [s for s in _my_slots(request.user, school, year.pk, None)]
    if not slots:
        raise PermissionDenied("Chỉ hiệu trưởng và văn thư ký học bạ của cả trường.")
    records = list(selectors.signing_records(school=school, school_year=year))
    _resume(request.user)
    record_read(request.user, school, detail={"ky_hoc_ba_truong": year.name,
                                              "so_hoc_ba": len(records)})
    return render(request, "issuance/signing.html", {
        "school": school, "year": year, "queues": _queues(request.user, records, slots),
        "has_records": bool(records),
        "sign_url": reverse("issuance_sign_school", args=[school.pk, year.pk])})


def _queue_signing(request: HttpRequest, records: list[HocBaRecord], back: str,
                   school_class: SchoolClass | None) -> HttpResponse:
    slot = request.POST.get("slot", "")
    if request.POST.get("xac_nhan") != "1":
        messages.error(request, "Đánh dấu ô «Tôi đã xem và xác nhận ký» trước khi ký.")
        return redirect(back)
    states = selectors.chain_states(records)
    try:
        rules.stage_of(slot)
        due = [st.record for st in states.values() if slot in st.due_slots]
        if not due:
            raise rules.IssuanceRefused(f"Không còn học bạ nào chờ ký «{rules.slot_label(slot)}».")
        services.authorise_slot(request.user, due, slot)
        # Refuse now, not in the background, a signer with no usable certificate.
        if slot == rules.KY_PHAT_HANH:
            signing_step.seal_signer(due[0].school)
        else:
            signing_step.personal_signer(request.user)
        job = jobs.queue(request.user, due, slot, school_class=school_class)
    except (rules.IssuanceRefused, SigningError) as refused:
        messages.error(request, str(refused))
        return redirect(back)
    jobs.kick()
    return redirect("issuance_job", job_id=job.pk)


@login_required
@require_POST
def sign_class(request: HttpRequest, class_id: int) -> HttpResponse:
    school_class = get_object_or_404(_CLASSES, pk=class_id)
    records = list(selectors.signing_records(school_class=school_class))
    return _queue_signing(request, records, reverse("issuance_class", args=[class_id]),
                          school_class)


@login_required
@require_POST
def sign_school(request: HttpRequest, school_id: int, year_id: int) -> HttpResponse:
    school = get_object_or_404(School, pk=school_id)
    records = list(selectors.signing_records(school=school, school_year_id=year_id))
    return _queue_signing(request, records,
                          reverse("issuance_school", args=[school_id, year_id]), None)


def _own_job(request: HttpRequest, job_id: int) -> SigningJob:
    job = SigningJob.objects.filter(pk=job_id, created_by=request.user.pk).first()
    if job is None:
        raise Http404("Không có lượt ký này.")
    return job


@login_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = _own_job(request, job_id)
    failed = list(job.items.filter(state="loi").select_related("record__student")[:200])
    year_id = job.items.values_list("record__school_year_id", flat=True).first()
    back = (reverse("issuance_class", args=[job.school_class_id]) if job.school_class_id
            else reverse("issuance_school", args=[job.school_id, year_id]))
    return render(request, "issuance/job.html", {
        "job": job, "label": rules.slot_label(job.slot), "failed": failed, "back": back,
        "progress": selectors.job_progress(job)})


@login_required
def job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    job = _own_job(request, job_id)
    if job.state not in (SigningJob.State.DONE, SigningJob.State.FAILED):
        jobs.kick()  # after a server restart, the first look resumes the work
        job = jobs.refresh(job)
    return JsonResponse(selectors.job_progress(job))


# --- one record ------------------------------------------------------------------------------

def _record(request: HttpRequest, code: str) -> HocBaRecord:
    record = record_selectors.record_by_code(code)
    if record is None:
        raise Http404("Không có học bạ với mã tra cứu này.")
    require(request.user, Action.VIEW_RESULTS, record)
    return record


@login_required
def record_chain(request: HttpRequest, code: str) -> HttpResponse:
    """What the record is, what is being signed, who signed when, and what may happen."""
    record = _record(request, code)
    record_read(request.user, record, detail={"ma_tra_cuu": str(record.lookup_code),
                                              "chu_ky": True})
    state = selectors.chain_state(record)
    revocation = getattr(record, "revocation", None)
    replaces = getattr(record, "replaces", None)
    corrections = list(selectors.corrections_of(record))
    closing = rules.record_closing_date(state.data)
    # QĐ 1789 Điều 21: after the closing date only a correction the Sở approved lets the
    # school revoke; the page offers the one step that can succeed today.
    after_closing = timezone.localdate() > closing
    decisions = [getattr(c, "decision", None) for c in corrections]
    approved = any(d is not None and d.approved for d in decisions)
    pending = any(d is None for d in decisions)
    birth = state.data.get("student", {}).get("birth_date")
    return render(request, "issuance/record.html", {
        "record": record, "data": state.data, "state": state,
        "summary": services.chain_summary(state),
        "chain": _chain_rows(state, selectors.events_of(record)),
        "birth_date": _date_or_text(birth),
        "issue": getattr(record, "issue", None),
        "returned": getattr(record, "returned", None),
        "revocation": revocation,
        "replacement": getattr(revocation, "replacement", None) if revocation else None,
        "replaces": replaces,
        "corrections": corrections,
        "has_artefacts": Artefacts.objects.filter(record=record).exists(),
        "closing": closing,
        "may_revoke_now": not after_closing or approved,
        "may_ask_correction": after_closing and not approved and not pending,
        "may_revoke": bool(can(request.user, Action.REVOKE_RECORDS, record)),
        "may_decide": bool(can(request.user, Action.APPROVE_CORRECTION, record)),
        "may_return": services.may_return(request.user, record, state),
    })


def _chain_rows(state: Any, events: Any) -> list[dict[str, Any]]:
    """One row per slot in chain order: who signed, with which certificate (named the way a
    teacher reads it, not as an X.500 string), when; or whose turn it is."""
    by_slot = {e.slot: e for e in events}
    due = {s.slot for s in state.due}
    rows = []
    for spec in state.required:
        event = by_slot.get(spec.slot)
        rows.append({"label": _label(spec.slot), "event": event,
                     "due": spec.slot in due,
                     "certificate": readable_subject(event.certificate_subject)
                     if event else ""})
    return rows


def _date_or_text(value: Any) -> Any:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return value


@login_required
def current_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The PDF exactly as signed so far (what the next signer signs), shown inline."""
    record = _record(request, code)
    body = selectors.current_pdf(record) or signing_step.render(record)[1]
    record_read(request.user, record, detail={"xem_ban_ky": "pdf",
                                              "ma_tra_cuu": str(record.lookup_code)})
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="hocba-{record.lookup_code}.pdf"'
    return response


@login_required
def current_xml(request: HttpRequest, code: str) -> HttpResponse:
    record = _record(request, code)
    body = selectors.current_xml(record) or signing_step.render(record)[0]
    record_read(request.user, record, detail={"xem_ban_ky": "xml",
                                              "ma_tra_cuu": str(record.lookup_code)})
    response = HttpResponse(body, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="hocba-{record.lookup_code}.xml"'
    return response


def _act(request: HttpRequest, code: str, action: Any) -> HttpResponse:
    record = _record(request, code)
    try:
        result = action(record)
    except rules.IssuanceRefused as refused:
        messages.error(request, str(refused))
        return redirect("issuance_record", code=record.lookup_code)
    if isinstance(result, HttpResponse):
        return result
    return redirect("issuance_record", code=record.lookup_code)


@login_required
@require_POST
def return_record(request: HttpRequest, code: str) -> HttpResponse:
    def run(record: HocBaRecord) -> None:
        services.return_record(request.user, record, request.POST.get("ly_do", ""))
        messages.success(request, "Đã trả lại học bạ; học vụ tạo lại sau khi sửa dữ liệu.")
    return _act(request, code, run)


@login_required
@require_POST
def revoke(request: HttpRequest, code: str) -> HttpResponse:
    def run(record: HocBaRecord) -> HttpResponse:
        replacement = services.revoke_and_replace(request.user, record,
                                                  request.POST.get("ly_do", ""))
        messages.success(request, f"Đã thu hồi; học bạ thay thế có mã tra cứu mới "
                                  f"{replacement.lookup_code}, chờ ký lại từ đầu.")
        return redirect("issuance_record", code=replacement.lookup_code)
    return _act(request, code, run)


@login_required
@require_POST
def request_correction(request: HttpRequest, code: str) -> HttpResponse:
    def run(record: HocBaRecord) -> None:
        services.request_correction(request.user, record, request.POST.get("ly_do", ""))
        messages.success(request, "Đã gửi đề nghị chỉnh lý tới Sở GDĐT.")
    return _act(request, code, run)


@login_required
@require_POST
def decide_correction(request: HttpRequest, request_id: int) -> HttpResponse:
    correction = get_object_or_404(CorrectionRequest.objects.select_related("record"),
                                   pk=request_id)
    approve = request.POST.get("quyet_dinh") == "duyet"

    def run(record: HocBaRecord) -> None:
        services.decide_correction(request.user, correction, approve=approve,
                                   note=request.POST.get("ghi_chu", ""))
        messages.success(request, "Đã duyệt đề nghị chỉnh lý." if approve
                         else "Đã từ chối đề nghị chỉnh lý.")
    return _act(request, str(correction.record.lookup_code), run)


@login_required
def corrections(request: HttpRequest) -> HttpResponse:
    """The Sở's list of correction requests waiting in its province."""
    provinces = [g.province for g in grants_for(request.user)
                 if g.role is Role.SO_OFFICER and g.province is not None]
    if not provinces:
        raise PermissionDenied("Chỉ cán bộ Sở GDĐT duyệt đề nghị chỉnh lý học bạ.")
    pending = [r for p in provinces for r in selectors.pending_corrections(p)]
    return render(request, "issuance/corrections.html", {"pending": pending})
