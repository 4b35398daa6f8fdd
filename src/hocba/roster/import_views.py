"""Excel import pages: choose the list, the school and the year, upload, see every error.

Thin, as DESIGN.md asks: parse the form, authorise, call ``hocba.roster.excel.services``,
render. A refused file's errors are kept for a day (``import-errors/`` in the default
storage, named by a random token remembered in the user's session) so that they can be
downloaded as an .xlsx without uploading the file again.
"""

from __future__ import annotations

import json
import posixpath
import secrets
from dataclasses import asdict
from datetime import timedelta
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header

from hocba.accounts.authz import can, require, visible_schools
from hocba.audit.services import record_denied
from hocba.domain import roster_sheet as rs
from hocba.domain.access import Action, Target
from hocba.domain.text import clean
from hocba.organisation.models import School, SchoolYear
from hocba.roster.excel import services, templates
from hocba.roster.excel.reader import size_error

RUNS = {rs.CLASS_LIST.kind: services.import_class_list,
        rs.TEACHER_LIST.kind: services.import_teacher_list}
TEMPLATE_SLUGS = {"danh-sach-lop": (rs.CLASS_LIST.kind, templates.class_list_template),
                  "danh-sach-giao-vien": (rs.TEACHER_LIST.kind, templates.teacher_list_template)}
ERROR_DIR = "import-errors"
ERROR_TTL = timedelta(days=1)
_SESSION_ERRORS = "hocba_import_errors"
_SESSION_SUCCESS = "hocba_import_success"


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


def _refuse_everywhere(user: Any) -> None:
    """403 for a user who may edit no roster at all, with the policy's reason, logged."""
    reason = can(user, Action.EDIT_ROSTER, Target("school", ())).reason
    record_denied(user, Action.EDIT_ROSTER, None, reason)
    raise PermissionDenied(reason)


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    schools = visible_schools(request.user, Action.EDIT_ROSTER).order_by("name")
    if request.method == "POST":
        return _upload(request, schools)
    school = None
    school_id = _id(request.GET.get("truong"))
    if school_id is not None:
        school = School.objects.filter(pk=school_id).first()
        if school is None:
            raise Http404
        require(request.user, Action.EDIT_ROSTER, school)
    elif not schools.exists():
        _refuse_everywhere(request.user)
    year = SchoolYear.objects.filter(pk=_id(request.GET.get("nam")) or 0).first()
    return _page(request, schools, {
        "kind": request.GET.get("loai", rs.CLASS_LIST.kind),
        "school": school.pk if school else (schools[0].pk if schools else None),
        "year": (year or SchoolYear.current() or SchoolYear()).pk,
    }, success=request.session.pop(_SESSION_SUCCESS, None))


def _page(request: HttpRequest, schools: Any, selected: dict[str, Any], *,
          result: services.ImportResult | None = None, error_token: str = "",
          field_errors: dict[str, str] | None = None, success: Any = None,
          status: int = 200) -> HttpResponse:
    return render(request, "roster/import.html", {
        "kinds": [(k, rs.SPECS[k].title) for k in RUNS],
        "schools": schools, "years": SchoolYear.objects.all(), "selected": selected,
        "result": result, "error_token": error_token, "field_errors": field_errors or {},
        "success": success, "max_mb": settings.IMPORT_MAX_BYTES // (1024 * 1024),
        "max_rows": f"{settings.IMPORT_MAX_ROWS:,}".replace(",", "."),
        "template_slugs": [(slug, rs.SPECS[kind].title) for slug, (kind, _)
                           in TEMPLATE_SLUGS.items()],
    }, status=status)


def _upload(request: HttpRequest, schools: Any) -> HttpResponse:
    kind = request.POST.get("loai", "")
    school = School.objects.filter(pk=_id(request.POST.get("truong")) or 0).first()
    year = SchoolYear.objects.filter(pk=_id(request.POST.get("nam")) or 0).first()
    upload = request.FILES.get("tep")
    if school is not None:
        require(request.user, Action.EDIT_ROSTER, school)
    elif not schools.exists():
        _refuse_everywhere(request.user)
    selected = {"kind": kind, "school": school.pk if school else None,
                "year": year.pk if year else None}
    problems: dict[str, str] = {}
    if kind not in RUNS:
        problems["loai"] = "Chọn loại danh sách: danh sách lớp hoặc danh sách giáo viên."
    if school is None:
        problems["truong"] = "Chọn trường để nhập danh sách."
    if year is None:
        problems["nam"] = "Chọn năm học."
    if upload is None:
        problems["tep"] = "Chưa chọn tệp: chọn tệp Excel (.xlsx) để tải lên."
    if problems:
        return _page(request, schools, selected, field_errors=problems, status=400)
    assert school is not None and year is not None and upload is not None
    filename = clean(posixpath.basename((upload.name or "").replace("\\", "/")))[:200] or "tệp"
    dry_run = request.POST.get("hanh_dong") == "kiem_tra"
    too_big = size_error(upload.size or 0, filename)
    if too_big is not None:
        result = services.ImportResult(kind, filename, year.name, errors=[too_big])
    else:
        result = RUNS[kind](upload.read(), filename=filename, school=school, school_year=year,
                            actor=request.user, dry_run=dry_run)
    if result.errors:
        return _page(request, schools, selected, result=result,
                     error_token=keep_errors(request, result))
    if dry_run:
        return _page(request, schools, selected, result=result)
    request.session[_SESSION_SUCCESS] = {
        "summary": result.summary(), "school": school.pk, "school_name": school.name,
        "year": year.pk,
    }
    return redirect(f"{reverse('import_home')}?truong={school.pk}&nam={year.pk}&loai={kind}")


class RefusedImport(Protocol):
    """A refused import of any kind (this list import, the gradebook's score sheet)."""

    filename: str
    errors: list[rs.CellError]

    def summary(self) -> str: ...


def keep_errors(request: HttpRequest, result: RefusedImport) -> str:
    """Store the error list for a day; the token is only valid in this session. Its .xlsx
    is served by ``import_errors``."""
    token = secrets.token_urlsafe(16)
    payload = {"filename": result.filename, "summary": result.summary(),
               "errors": [asdict(e) for e in result.errors]}
    name = default_storage.save(
        f"{ERROR_DIR}/{token}.json",
        ContentFile(json.dumps(payload, ensure_ascii=False).encode("utf-8")))
    kept = dict(list(request.session.get(_SESSION_ERRORS, {}).items())[-4:])
    kept[token] = name
    request.session[_SESSION_ERRORS] = kept
    _sweep_old_errors()
    return token


def _sweep_old_errors() -> None:
    cutoff = timezone.now() - ERROR_TTL
    try:
        _, files = default_storage.listdir(ERROR_DIR)
        for name in files:
            path = f"{ERROR_DIR}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
    except (OSError, NotImplementedError):
        pass  # cleaning up is best effort; a failed sweep must not fail the import page


def _xlsx(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=templates.XLSX_CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def import_errors(request: HttpRequest, token: str) -> HttpResponse:
    """The error list of a refused upload of this session, as an .xlsx."""
    name = request.session.get(_SESSION_ERRORS, {}).get(token)
    if not name or not default_storage.exists(name):
        raise Http404("Danh sách lỗi không còn (chỉ giữ trong một ngày); hãy tải tệp lên lại.")
    with default_storage.open(name) as stream:
        payload = json.loads(stream.read().decode("utf-8"))
    errors = [rs.CellError(**e) for e in payload["errors"]]
    stem = payload["filename"].rsplit(".", 1)[0]
    return _xlsx(templates.error_workbook(errors, payload["filename"], payload["summary"]),
                 f"Lỗi nhập {stem}.xlsx")


@login_required
def import_template(request: HttpRequest, slug: str) -> HttpResponse:
    """A blank list to fill in (no personal data in it)."""
    if slug not in TEMPLATE_SLUGS:
        raise Http404
    kind, build = TEMPLATE_SLUGS[slug]
    return _xlsx(build(), templates.template_filename(kind))
