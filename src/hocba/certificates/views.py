"""Certificate pages: the school's certificates (register its seal), "Chứng thư số của tôi"
(a signer registers their own), and the Phòng/Sở approval of school seals.

Thin: parse, authorise, call a service or selector, render. A refusal shows every problem the
checks found and writes nothing (``hocba.certificates.services``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from hocba.accounts.authz import may_somewhere, require
from hocba.audit.services import record_denied
from hocba.certificates import selectors, services
from hocba.certificates.forms import CertificateUpload, Decision, error_sentences
from hocba.certificates.models import SigningCertificate
from hocba.domain.access import Action
from hocba.organisation.models import School
from hocba.roster.models import Teacher

_SCHOOLS = School.objects.select_related("province", "area")


# --- the school's certificates -----------------------------------------------------------------

@login_required
def school_certificates(request: HttpRequest, school_id: int) -> HttpResponse:
    school = get_object_or_404(_SCHOOLS, pk=school_id)
    require(request.user, Action.REGISTER_CERTIFICATE, school)
    form = CertificateUpload(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        problems = _register(request, form, owner=school)
        if not problems:
            messages.success(request, "Đã đăng ký chứng thư số của trường; chờ "
                             f"{_approver_label(school)} duyệt.")
            return redirect("certificates_school", school_id=school.pk)
    certificates = list(selectors.certificates_of_school(school))
    return render(request, "certificates/school.html", {
        "school": school, "form": form, "problems": problems,
        "seals": [c for c in certificates if not c.is_personal],
        "staff": [c for c in certificates if c.is_personal],
        "seal": selectors.approved_seal(school), "approver": _approver_label(school),
        "now": timezone.now(),
    }, status=400 if problems else 200)


def _approver_label(school: School) -> str:
    from hocba.domain.certificate_approval import approver_for

    return approver_for(school.levels, school.area_id is not None).label


def _register(request: HttpRequest, form: CertificateUpload, owner: Any) -> list[str]:
    """Every problem of the upload, or [] once it is registered."""
    if not form.is_valid():
        return form.problems()
    upload = request.FILES.get("tep")
    try:
        services.register_certificate(
            request.user, owner, form.cleaned_data["tep"], form.cleaned_data["ma_kieu_chu_ky"],
            form.cleaned_data["noi_giu_khoa"], provider=form.cleaned_data["nha_phat_hanh"],
            file_name=getattr(upload, "name", None) or "tệp")
    except services.CertificateRefused as refused:
        return refused.problems
    return []


# --- my certificates ---------------------------------------------------------------------------

def _require_signer(request: HttpRequest) -> None:
    """Teachers and the principal sign học bạ (QĐ 1789 Điều 5), so they hold certificates."""
    user: Any = request.user
    if may_somewhere(user, Action.SIGN_RECORDS) or Teacher.objects.filter(user=user).exists():
        return
    reason = "Chỉ người ký học bạ (giáo viên, hiệu trưởng) mới có chứng thư số cá nhân."
    record_denied(user, Action.REGISTER_CERTIFICATE, None, reason)
    raise PermissionDenied(reason)


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    _require_signer(request)
    form = CertificateUpload(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST":
        problems = _register(request, form, owner=request.user)
        if not problems:
            messages.success(request, "Đã đăng ký chứng thư số của bạn; từ nay bạn ký học bạ "
                             "bằng chứng thư số này.")
            return redirect("certificates_mine")
    numbers = selectors.identity_numbers_of(request.user)
    return render(request, "certificates/mine.html", {
        "form": form, "problems": problems, "identity_numbers": numbers,
        "certificates": list(selectors.certificates_of_person(request.user)),
        "active": selectors.active_personal_certificate(request.user),
        "now": timezone.now(),
    }, status=400 if problems else 200)


# --- revocation ---------------------------------------------------------------------------------

@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_object_or_404(SigningCertificate.objects.select_related("school"), pk=pk)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = ""
    try:
        services.revoke_certificate(request.user, certificate, request.POST.get("ly_do", ""))
    except services.CertificateRefused as refused:
        for problem in refused.problems:
            messages.error(request, problem)
    else:
        messages.success(request, f"Đã thu hồi chứng thư số số hiệu {certificate.serial_number}.")
    if back:
        return redirect(back)
    if certificate.is_personal:
        return redirect("certificates_mine")
    return redirect("certificates_school", school_id=certificate.school_id)


# --- approval by the Phòng / Sở -----------------------------------------------------------------

def _require_approver(request: HttpRequest) -> None:
    if not may_somewhere(request.user, Action.APPROVE_CERTIFICATE):
        reason = "Chỉ cán bộ Phòng GDĐT hoặc Sở GDĐT duyệt chứng thư số của trường."
        record_denied(request.user, Action.APPROVE_CERTIFICATE, None, reason)
        raise PermissionDenied(reason)


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    _require_approver(request)
    return _approvals_page(request)


def _approvals_page(request: HttpRequest, problems: list[str] | None = None,
                    failed: SigningCertificate | None = None) -> HttpResponse:
    return render(request, "certificates/approvals.html", {
        "pending": selectors.pending_for_approver(request.user),
        "problems": problems or [], "failed": failed,
    }, status=400 if problems else 200)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    _require_approver(request)
    certificate = get_object_or_404(SigningCertificate.objects.select_related("school"), pk=pk)
    form = Decision(request.POST)
    if not form.is_valid():
        return _approvals_page(request, error_sentences(form), certificate)
    approve = form.cleaned_data["quyet_dinh"] == "duyet"
    try:
        services.approve_organisation_certificate(request.user, certificate, approve,
                                                  form.cleaned_data["ly_do"])
    except services.CertificateRefused as refused:
        return _approvals_page(request, refused.problems, certificate)
    school = certificate.school.name
    messages.success(request, f"Đã duyệt chứng thư số của {school}." if approve
                     else f"Đã từ chối chứng thư số của {school}.")
    return redirect("certificates_approvals")
