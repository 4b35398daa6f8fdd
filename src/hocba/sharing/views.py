"""The holder's page: their issued records, the codes they shared, a new code shown once."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from hocba.accounts.authz import require
from hocba.audit.services import record_list_read
from hocba.domain.access import Action
from hocba.sharing import selectors, services
from hocba.sharing.models import SharedCode

# The new code rides in the session from the POST to the one GET that shows it, then is
# gone: a reload neither shows it again nor creates another code (POST-redirect-GET).
_NEW = "sharing_new_code"


def _page(request: HttpRequest, *, new: services.NewCode | None = None,
          error: str = "", status: int = 200) -> HttpResponse:
    records = list(selectors.holder_records(request.user))
    if records:
        record_list_read(request.user, {r.student for r in records},
                         detail={"chia_se_hoc_ba": True})
    by_record = selectors.codes_of(records)
    rows = [{"record": r, "codes": by_record.get(r.pk, []),
             "shareable": not hasattr(r, "revocation")} for r in records]
    return render(request, "sharing/home.html", {
        "rows": rows, "new": new, "error": error, "now": timezone.now(),
        "expiry_days": services.EXPIRY_DAYS,
        "verify_url": request.build_absolute_uri(reverse("verification_portal")),
    }, status=status)


@login_required
@never_cache
def home(request: HttpRequest) -> HttpResponse:
    new = None
    pending = request.session.pop(_NEW, None)
    if pending:
        shared = (SharedCode.objects.select_related("record")
                  .filter(pk=pending.get("id"), created_by=request.user.pk).first())
        if shared is not None:
            new = services.NewCode(shared, str(pending.get("code", "")))
    return _page(request, new=new)


@login_required
@require_POST
def create(request: HttpRequest, code: str) -> HttpResponse:
    record = next((r for r in selectors.holder_records(request.user)
                   if str(r.lookup_code) == str(code)), None)
    if record is None:
        raise Http404("Không có học bạ đã phát hành với mã tra cứu này.")
    try:
        days = int(request.POST.get("days", ""))
    except ValueError:
        days = 0
    try:
        new = services.create_code(request.user, record, days)
    except services.SharingRefused as refused:
        return _page(request, error=str(refused), status=400)
    request.session[_NEW] = {"id": new.shared.pk, "code": new.code}
    return redirect("sharing_home")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    shared = get_object_or_404(SharedCode.objects.select_related("record"), pk=pk)
    require(request.user, Action.SHARE_RECORDS, shared.record)
    try:
        services.withdraw(request.user, shared)
    except services.SharingRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, "Đã thu hồi mã xác minh: mã này không còn dùng được.")
    return redirect("sharing_home")
