from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hocba.accounts.authz import may_somewhere
from hocba.audit.models import AuditEvent
from hocba.audit.selectors import visible_events
from hocba.domain.access import Action


@login_required
def event_list(request: HttpRequest) -> HttpResponse:
    if not may_somewhere(request.user, Action.VIEW_AUDIT):
        raise PermissionDenied("Vai trò của bạn không được xem nhật ký hệ thống.")
    events = visible_events(request.user)
    kind = request.GET.get("loai", "")
    if kind in AuditEvent.Kind.values:
        events = events.filter(kind=kind)
    query = request.GET.get("q", "").strip()
    if query:
        events = events.filter(actor_name__icontains=query) | events.filter(
            object_repr__icontains=query)
    page = Paginator(events.order_by("-at", "-id"), 50).get_page(request.GET.get("trang"))
    return render(request, "audit/event_list.html",
                  {"page": page, "kinds": AuditEvent.Kind.choices, "kind": kind, "q": query,
                   "extra_qs": f"loai={kind}&" if kind else ""})
