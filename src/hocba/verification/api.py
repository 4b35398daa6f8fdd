"""Public verification API: status by look-up code, verify an uploaded file. No log-in.

**Status is a POST with a JSON body, not a GET.** The second factor is a date of birth or a
code the holder chose to share: in a query string it would be written to the server's access
log, the proxies' logs, the browser history and the Referer of the next page. A POST body is in
none of them, and the answer is not for shared caches anyway.

The views are thin (HackSoft style): check the address's rate (``throttle``), the input's form
(a look-up code is a UUID v4, checked before the database is touched), then call
``hocba.verification.services``. Every refusal is ``{"detail": "..."}`` in Vietnamese naming the
field or the file: 400 bad input, 413 too large, 415 not a PDF/XML, 429 too many (with
``Retry-After``), 503 busy (with ``Retry-After``). An unknown code and a wrong second factor get
byte-identical answers (the service returns the same report; the view adds nothing of its own).

The bodies are parsed here, not by django-ninja's schema validation, so that a malformed
request gets the 400 and the Vietnamese message above rather than a 422 in English, and so
that the upload's size is checked from Content-Length before the body is read. The schemas
below are what the OpenAPI document shows.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from pydantic import Field

from hocba.domain.verdict import VerificationReport
from hocba.verification import guard, services, throttle

router = Router(tags=["Xác thực học bạ"], auth=None)

# RFC 9562 §5.4: version 4 in the 13th hex digit, variant 10xx in the 17th.
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
MAX_SHARED_CODE = 64
MAX_STATUS_BODY = 4096
JSON_TYPE = "application/json; charset=utf-8"


class StatusQuery(Schema):
    lookup_code: str = Field(description="Mã tra cứu in trên học bạ (UUID phiên bản 4, ví dụ "
                                         "“3f2b8c1e-7a4d-4e9b-9c2a-1b5d6e7f8a90”).")
    birth_date: str | None = Field(None, description="Yếu tố thứ hai: ngày sinh của học sinh, "
                                                     "YYYY-MM-DD hoặc dd/mm/yyyy.")
    shared_code: str | None = Field(None, description="Yếu tố thứ hai thay cho ngày sinh: mã "
                                                      "xác minh người giữ học bạ đã chia sẻ.")


class VerdictOut(Schema):
    indication: str = Field(description="PASSED (Đạt), FAILED (Không đạt) hoặc INDETERMINATE "
                                        "(Chưa xác định được — không bao giờ là hợp lệ).")
    sub_indication: str | None = Field(description="Lý do chi tiết theo ETSI EN 319 102-1 "
                                                   "§5.1.3, ví dụ HASH_FAILURE, REVOKED.")
    reason: str = Field(description="Giải thích bằng tiếng Việt.")


class ReportOut(Schema):
    valid: bool = Field(description="Hợp lệ chỉ khi cả ba kết luận đều Đạt (QĐ 1789 Điều 12).")
    lookup_code: str | None = Field(description="Mã tra cứu được hỏi hoặc đọc từ tệp.")
    record_status: str = Field(description="issued, revoked, replaced, not_issued hoặc "
                                           "unknown.")
    replaced_by: str | None = Field(description="Mã tra cứu của học bạ thay thế, nếu có.")
    replaces: str | None = Field(description="Mã tra cứu của học bạ bị thay thế, nếu có.")
    integrity: VerdictOut = Field(description="Toàn vẹn: chữ ký đúng, tài liệu không bị sửa.")
    status: VerdictOut = Field(description="Trạng thái: đã phát hành, thu hồi, thay thế.")
    issuer: VerdictOut = Field(description="Đơn vị phát hành: con dấu của trường, chuỗi tới CA "
                                           "gốc tin cậy.")
    facts: dict[str, str] = Field(description="Thông tin học bạ (trường, năm học, lớp; họ tên "
                                              "chỉ khi yếu tố thứ hai khớp).")
    signatures: list[dict[str, Any]] = Field(description="Từng chữ ký (khi kiểm tra tệp).")


class ErrorOut(Schema):
    detail: str = Field(description="Lý do từ chối, bằng tiếng Việt, nêu tên trường hoặc tệp.")


ERRORS = {400: ErrorOut, 429: ErrorOut}


def _json(payload: Any, status: int = 200) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(body, status=status, content_type=JSON_TYPE)
    response["Cache-Control"] = "no-store"  # personal data, and per second factor
    return response


def _refuse(detail: str, status: int = 400, retry_after: int | None = None) -> HttpResponse:
    response = _json({"detail": detail}, status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def _too_many(door: str) -> HttpResponse:
    seconds = throttle.retry_after(door)
    return _refuse(throttle.TOO_MANY.format(seconds=seconds), 429, seconds)


class BadField(ValueError):
    pass


def _text(payload: dict[str, Any], name: str, label: str) -> str | None:
    value = payload.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise BadField(f"Trường {name} ({label}) phải là chuỗi ký tự.")
    return value.strip()


def lookup_code_of(value: str | None) -> str:
    """The look-up code, lower case; ``BadField`` unless it is a UUID v4 (checked before any
    database read: a guess in another form costs nothing)."""
    if value is None:
        raise BadField("Thiếu trường lookup_code (mã tra cứu in trên học bạ).")
    code = value.lower()
    if not UUID4.match(code):
        raise BadField("Trường lookup_code (mã tra cứu) không đúng định dạng: mã tra cứu gồm 32 "
                       "chữ số hệ 16 theo mẫu xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx (UUID phiên "
                       "bản 4), như in dưới mã QR của học bạ.")
    return code


def birth_date_of(value: str | None) -> dt.date | None:
    if value is None:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        if dt.date(1900, 1, 1) <= day <= dt.date.today():
            return day
    raise BadField("Trường birth_date (ngày sinh) không hợp lệ: nhập ngày sinh của học sinh "
                   "dạng YYYY-MM-DD hoặc dd/mm/yyyy, ví dụ 2012-09-05 hoặc 05/09/2012.")


def status_query(payload: Any) -> tuple[str, dt.date | None, str | None]:
    if not isinstance(payload, dict):
        raise BadField("Nội dung yêu cầu phải là một đối tượng JSON có lookup_code và "
                       "birth_date hoặc shared_code.")
    code = lookup_code_of(_text(payload, "lookup_code", "mã tra cứu"))
    birth = birth_date_of(_text(payload, "birth_date", "ngày sinh"))
    shared = _text(payload, "shared_code", "mã xác minh được chia sẻ")
    if birth is None and shared is None:
        raise BadField("Cần yếu tố thứ hai: trường birth_date (ngày sinh của học sinh) hoặc "
                       "trường shared_code (mã xác minh người giữ học bạ đã chia sẻ).")
    if birth is not None and shared is not None:
        raise BadField("Chỉ gửi một yếu tố thứ hai: birth_date (ngày sinh) hoặc shared_code "
                       "(mã xác minh), không gửi cả hai.")
    if shared is not None and (len(shared) > MAX_SHARED_CODE or not shared.isprintable()):
        raise BadField(f"Trường shared_code (mã xác minh được chia sẻ) không hợp lệ: tối đa "
                       f"{MAX_SHARED_CODE} ký tự in được.")
    return code, birth, shared


# The JSON of the last reports answered, by identity: a report kept in the answer cache (or the
# one "not found" report) is answered many times a second, and encoding its ~7 KB was the
# largest single cost of a cached answer. Reports are immutable; the entry holds the report,
# so its id is not reused while the bytes are kept.
_BODIES: OrderedDict[int, tuple[VerificationReport, bytes]] = OrderedDict()
_BODIES_SIZE = 4096


def _report_json(report: VerificationReport) -> bytes:
    kept = _BODIES.get(id(report))
    if kept is not None and kept[0] is report:
        return kept[1]
    body = json.dumps(report.as_dict(), ensure_ascii=False, separators=(",", ":")).encode()
    _BODIES[id(report)] = (report, body)
    while len(_BODIES) > _BODIES_SIZE:
        try:
            _BODIES.popitem(last=False)
        except KeyError:  # emptied by another thread meanwhile
            break
    return body


@router.post(
    "/verification/status", auth=None, response={200: ReportOut, **ERRORS},
    summary="Tra cứu trạng thái học bạ theo mã tra cứu",
    description=(
        "Ba kết luận (toàn vẹn, trạng thái, đơn vị phát hành) của học bạ có mã tra cứu "
        "`lookup_code`, khi yếu tố thứ hai khớp: ngày sinh của học sinh (`birth_date`) hoặc mã "
        "xác minh người giữ học bạ đã chia sẻ (`shared_code`). Mã không tồn tại và yếu tố thứ "
        "hai sai cho cùng một câu trả lời, từng byte. Gửi bằng POST để ngày sinh không nằm "
        "trong nhật ký truy cập hay lịch sử trình duyệt. Giới hạn số lần tra cứu theo địa chỉ "
        "IP (429 kèm Retry-After)."),
    openapi_extra={"requestBody": {"required": True, "content": {
        "application/json": {"schema": StatusQuery.model_json_schema()}}}},
)
def status(request: HttpRequest) -> HttpResponse:
    if not throttle.allow(request, "lookup"):
        return _too_many("lookup")
    if len(request.body) > MAX_STATUS_BODY:
        return _refuse("Nội dung yêu cầu quá lớn: chỉ cần lookup_code và một yếu tố thứ hai.",
                       413)
    try:
        payload = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return _refuse("Nội dung yêu cầu không phải JSON hợp lệ: gửi {\"lookup_code\": ..., "
                       "\"birth_date\": ...} với Content-Type application/json.")
    try:
        code, birth, shared = status_query(payload)
    except BadField as exc:
        return _refuse(str(exc))
    # Not cached: an answer with the facts is an audited read of personal data, each time.
    report = services.check_code(code, birth_date=birth, shared_code=shared, channel="api")
    body = _report_json(report)
    response = HttpResponse(body, content_type=JSON_TYPE)
    response["Cache-Control"] = "no-store"
    return response


_busy = threading.BoundedSemaphore(1)
_busy_lock = threading.Lock()


def _slots() -> threading.BoundedSemaphore:
    """At most VERIFICATION_UPLOAD_CONCURRENCY uploads checked at once in this process: the
    full validation is the costly door; the rest get 503 and come back."""
    global _busy
    wanted = int(getattr(settings, "VERIFICATION_UPLOAD_CONCURRENCY", 2))
    with _busy_lock:
        if getattr(_busy, "size", None) != wanted:
            _busy = threading.BoundedSemaphore(wanted)
            _busy.size = wanted  # type: ignore[attr-defined]
        return _busy


@router.post(
    "/verification/file", auth=None, response={200: ReportOut, 413: ErrorOut, 415: ErrorOut,
                                               503: ErrorOut, **ERRORS},
    summary="Kiểm tra một tệp học bạ (PDF hoặc XML)",
    description=(
        "Kiểm tra đầy đủ một tệp học bạ tải lên (multipart, trường `file`): mọi chữ ký số, "
        "XML theo XSD, so sánh với bản gốc đã lưu, bằng chứng trong nhật ký minh bạch. Trả về "
        "báo cáo ba kết luận. Tệp rỗng, hỏng, cắt cụt hoặc độc hại bị từ chối kèm lý do (400); "
        "tệp quá lớn 413; không phải PDF/XML 415; quá nhiều lần 429; máy chủ bận 503."),
    openapi_extra={"requestBody": {"required": True, "content": {"multipart/form-data": {
        "schema": {"type": "object", "required": ["file"], "properties": {"file": {
            "type": "string", "format": "binary",
            "description": "Tệp học bạ PDF hoặc XML, tối đa 5 MB."}}}}}}},
)
def verify_file(request: HttpRequest) -> HttpResponse:
    if not throttle.allow(request, "upload"):
        return _too_many("upload")
    limit = int(getattr(settings, "VERIFICATION_MAX_UPLOAD_BYTES", guard.MAX_UPLOAD_BYTES))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit + 64 * 1024:  # refused before the body is read
        return _refuse(f"Tệp tải lên vượt giới hạn {limit // (1024 * 1024)} MB của một học bạ.",
                       413)
    if not (request.content_type or "").startswith("multipart/form-data"):
        return _refuse("Gửi tệp bằng multipart/form-data trong trường file.", 415)
    upload = request.FILES.get("file")
    if upload is None:
        return _refuse("Thiếu trường file: hãy chọn tệp học bạ PDF hoặc XML để tải lên.")
    filename = upload.name or ""
    if upload.size is not None and upload.size > limit:
        return _refuse(f"Tệp “{filename}” vượt giới hạn {limit // (1024 * 1024)} MB của một "
                       f"học bạ.", 413)
    data = upload.read(limit + 1)
    try:
        guard.sniff(data, filename, max_bytes=limit)
    except guard.Refusal as refusal:
        return _refuse(refusal.message, refusal.status)
    slots = _slots()
    if not slots.acquire(timeout=float(getattr(settings, "VERIFICATION_BUSY_WAIT_SECONDS", 5))):
        return _refuse("Máy chủ đang kiểm tra nhiều tệp khác; vui lòng thử lại sau ít giây.",
                       503, 5)
    seconds = float(getattr(settings, "VERIFICATION_DEADLINE_SECONDS", guard.DEADLINE_SECONDS))
    try:
        report = guard.run_with_deadline(
            lambda: services.verify_file(data, filename=filename, channel="api"), seconds)
    except guard.DeadlineExceeded:
        return _refuse(f"Tệp “{filename}” cần hơn {seconds:g} giây để kiểm tra: tệp có cấu trúc "
                       f"bất thường (có thể bị hỏng hoặc được tạo để gây quá tải) và bị từ "
                       f"chối.")
    except services.VerificationRefused as exc:
        return _refuse(str(exc))
    except (RecursionError, MemoryError):
        return _refuse(f"Tệp “{filename}” có cấu trúc lồng nhau hoặc kích thước bất thường, "
                       f"không đọc được; tệp bị từ chối.")
    except Exception:  # a parser's bug on hostile input is a refusal, never a 500
        import logging

        logging.getLogger(__name__).exception("verify_file failed on %r", filename)
        return _refuse(f"Tệp “{filename}” hỏng hoặc không đúng định dạng học bạ, không đọc "
                       f"được.")
    finally:
        slots.release()
    return _json(report.as_dict())
