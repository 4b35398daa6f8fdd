from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from hocba.audit.context import Origin, acting_from


def client_ip(request: HttpRequest) -> str | None:
    # Behind a reverse proxy, the operator sets HOCBA_HTTPS and the proxy's own address is
    # what REMOTE_ADDR shows; we do not trust X-Forwarded-For blindly.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = Origin(
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            channel="api" if request.path.startswith("/api/") else "web",
            actor=getattr(request, "user", None),
        )
        with acting_from(origin):
            return self.get_response(request)
