"""Pages of the gradebook's Excel round trip. Thin: parse, call ``gradebook.excel``, render.
Authorisation is in the service (VIEW_RESULTS to export, EDIT_RESULTS to import). A refused
file's error list is kept and served as an .xlsx by the roster import's own code
(``keep_errors``, ``import_errors``), so both imports give the same downloadable list."""

from __future__ import annotations

import posixpath

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from hocba.accounts.authz import require
from hocba.accounts.targets import ClassSubject
from hocba.domain.access import Action
from hocba.domain.text import clean
from hocba.gradebook import excel, selectors
from hocba.gradebook.cells import CellError
from hocba.gradebook.models import Term
from hocba.gradebook.views import _sheet_args
from hocba.roster.excel.reader import size_error
from hocba.roster.import_views import keep_errors


@login_required
@require_GET
def export(request: HttpRequest, class_id: int, subject_code: str, term: int) -> HttpResponse:
    school_class, subject, term = _sheet_args(class_id, subject_code, term)
    try:
        data = excel.export_sheet(request.user, school_class, subject, term)
        sheet = selectors.sheet_of(school_class, subject, term)
    except CellError as exc:
        raise Http404(exc.message) from None
    response = HttpResponse(data, content_type=excel.XLSX_CONTENT_TYPE)
    response.headers["Content-Disposition"] = content_disposition_header(
        True, excel.export_filename(sheet))
    return response


@login_required
def import_page(request: HttpRequest, class_id: int, subject_code: str, term: int
                ) -> HttpResponse:
    school_class, subject, term = _sheet_args(class_id, subject_code, term)
    require(request.user, Action.EDIT_RESULTS, ClassSubject(school_class, subject.pk))
    try:
        sheet = selectors.sheet_of(school_class, subject, term)
    except CellError as exc:
        raise Http404(exc.message) from None
    context = {"sheet": sheet, "term_label": Term(term).label, "outcome": None,
               "lock": selectors.lock_of(school_class, term), "missing_file": False,
               "error_token": ""}
    if request.method != "POST":
        return render(request, "gradebook/excel_import.html", context)
    upload = request.FILES.get("tep")
    if upload is None:
        context["missing_file"] = True
        return render(request, "gradebook/excel_import.html", context, status=400)
    filename = clean(posixpath.basename((upload.name or "").replace("\\", "/")))[:200] or "tệp"
    too_big = size_error(upload.size or 0, filename)
    if too_big is not None:
        outcome = excel.ImportOutcome(filename, errors=[too_big])
    else:
        outcome = excel.import_sheet(request.user, school_class, subject, term, upload.read(),
                                     filename)
    if outcome.errors or outcome.conflicts:
        context["outcome"] = outcome
        if outcome.errors:
            context["error_token"] = keep_errors(request, outcome)
        return render(request, "gradebook/excel_import.html", context,
                      status=400 if outcome.errors else 200)
    messages.success(request, outcome.summary())
    return redirect(reverse("gradebook_sheet", args=[school_class.pk, subject.code, term]))
