"""The public verification portal (issue 6 §2–3): no log-in, Vietnamese, works on a phone.

A verifier enters the look-up code (or scans the QR, which fills it) and a second factor, or
uploads the record's PDF or XML, and sees the three verdicts of
``hocba.domain.verdict.VerificationReport``. Thin: parse, rate-limit
(``throttle.allow``), call ``services``, render. The result is the answer to a POST, sent
with ``Cache-Control: no-store`` (a shared phone's back button or a proxy keeps nothing),
and an unknown code and a wrong second factor give the same page (no enumeration oracle).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from hocba.domain.certificate_check import readable_subject
from hocba.domain.issuance import slot_label
from hocba.domain.verdict import (
    VERDICT_TITLES,
    Indication,
    RecordStatus,
    VerificationReport,
)
from hocba.verification import services, throttle
from hocba.verification.forms import LookupForm, UploadForm, parse_lookup_code, upload_max_bytes

NOT_FOUND = ("Không tìm thấy học bạ khớp với mã tra cứu và thông tin xác minh đã nhập. "
             "Hãy kiểm tra lại mã tra cứu, ngày sinh hoặc mã xác minh.")

OVERALL = {
    "valid": "Học bạ hợp lệ",
    "invalid": "Học bạ không hợp lệ",
    "indeterminate": "Chưa xác định được học bạ có hợp lệ hay không",
}
ICONS = {Indication.PASSED: "✓", Indication.FAILED: "✗", Indication.INDETERMINATE: "?"}
FACT_LABELS = {
    "student": "Học sinh", "student_name": "Học sinh", "full_name": "Học sinh",
    "ho_ten": "Học sinh", "birth_date": "Ngày sinh", "school": "Trường",
    "school_name": "Trường", "school_code": "Mã trường", "school_year": "Năm học",
    "year": "Năm học", "class": "Lớp", "class_name": "Lớp", "grade": "Khối",
    "level": "Cấp học", "issued_at": "Phát hành lúc", "issued_on": "Ngày phát hành",
    "revoked_at": "Thu hồi lúc", "record_hash": "SHA-256 của học bạ",
}
def _too_many(request: HttpRequest, door: str) -> HttpResponse:
    seconds = throttle.retry_after(door)
    response = render(request, "verification/too_many.html",
                      {"message": throttle.TOO_MANY.format(seconds=seconds),
                       "seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _value(value: Any) -> str:
    if value is True:
        return "Có"
    if value is False:
        return "Không"
    return "" if value is None else str(value)


def _signature_line(sig: Mapping[str, Any]) -> dict[str, Any]:
    """One signature as a person reads it: the slot by its name, the signer by name and
    unit (not the certificate's raw DN), the time in dd/mm/yyyy of Việt Nam."""
    slot = sig.get("field") or sig.get("slot") or ""
    when = sig.get("signing_time") or ""
    if isinstance(when, str) and when:
        try:
            moment = dt.datetime.fromisoformat(when)
        except ValueError:
            pass
        else:
            if timezone.is_aware(moment):
                moment = timezone.localtime(moment)
            when = f"{moment:%H:%M %d/%m/%Y}"
    signer = str(sig.get("signer") or "")
    valid = sig.get("valid")
    return {"slot": slot_label(str(slot)) if slot else "", "signer": readable_subject(signer),
            "time": when, "valid": valid, "reason": str(sig.get("reason") or ""),
            "state": "passed" if valid is True else "failed" if valid is False
            else "indeterminate"}


def report_context(report: VerificationReport) -> dict[str, Any]:
    """What the result template shows: the three verdicts, the banner, the shared facts."""
    verdicts = [{
        "key": key, "title": VERDICT_TITLES[key], "label": verdict.label,
        "state": verdict.indication.value.lower(), "icon": ICONS[verdict.indication],
        "reason": verdict.reason,
        "sub": verdict.sub_indication.value if verdict.sub_indication else "",
    } for key, verdict in report.verdicts]
    if report.valid:
        overall = "valid"
    elif any(v.indication is Indication.FAILED for _, v in report.verdicts):
        overall = "invalid"
    else:
        overall = "indeterminate"  # never shown as valid (QĐ 1789 Điều 12)
    signatures = [_signature_line(sig) for sig in report.signatures]
    return {
        "report": report, "verdicts": verdicts, "overall": overall,
        "overall_text": OVERALL[overall],
        "facts": [(FACT_LABELS.get(k, k), _value(v)) for k, v in report.facts.items()],
        "signatures": signatures,
        "replaced": report.record_status is RecordStatus.REPLACED and bool(report.replaced_by),
    }


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


@require_http_methods(["GET", "POST"])
def portal(request: HttpRequest) -> HttpResponse:
    """/tra-cuu: the form (``?ma=`` fills the look-up code: the printed QR's address), and on
    POST the three verdicts."""
    if not throttle.allow(request, "lookup"):
        return _too_many(request, "lookup")
    if request.method == "GET":
        initial = {"ma": parse_lookup_code(request.GET.get("ma", "")) or ""}
        scanned = bool(initial["ma"])
        return render(request, "verification/portal.html",
                      {"form": LookupForm(initial=initial), "scanned": scanned})
    form = LookupForm(request.POST)
    if not form.is_valid():
        return _no_store(render(request, "verification/portal.html", {"form": form},
                                status=400))
    data = form.cleaned_data
    report = services.check_code(data["ma"], birth_date=data["ngay_sinh"],
                                 shared_code=data["ma_xac_minh"], channel="web")
    if report.record_status is RecordStatus.UNKNOWN:
        # Unknown code or wrong second factor: one answer for both (issue 6 §6).
        return _no_store(render(request, "verification/portal.html", {
            "form": LookupForm(initial={"ma": data["ma"]}), "not_found": NOT_FOUND},
            status=404))
    return _no_store(render(request, "verification/result.html",
                            {**report_context(report), "lookup_code": data["ma"]}))


@require_http_methods(["GET"])
def scan(request: HttpRequest) -> HttpResponse:
    """/tra-cuu/quet: the phone's camera reads the printed QR, in the browser."""
    if not throttle.allow(request, "lookup"):
        return _too_many(request, "lookup")
    return render(request, "verification/scan.html", {"verify_url": settings.HOCBA_VERIFY_URL})


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    """/tra-cuu/tep: a PDF or XML checked in full (every signature, the stored original)."""
    if not throttle.allow(request, "upload"):
        return _too_many(request, "upload")
    limit_mb = upload_max_bytes() // (1024 * 1024)
    if request.method == "GET":
        return render(request, "verification/upload.html",
                      {"form": UploadForm(), "limit_mb": limit_mb})
    form = UploadForm(request.POST, request.FILES)
    refused = ""
    if form.is_valid():
        upload_file = form.cleaned_data["tep"]
        try:
            report = services.verify_file(upload_file.read(), filename=upload_file.name,
                                          channel="web")
        except services.VerificationRefused as exc:
            refused = str(exc)
        else:
            return _no_store(render(request, "verification/result.html", {
                **report_context(report), "lookup_code": report.lookup_code,
                "file_name": upload_file.name}))
    return _no_store(render(request, "verification/upload.html", {
        "form": form, "refused": refused, "limit_mb": limit_mb}, status=400))
