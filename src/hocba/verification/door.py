"""The status door: ``POST /api/v1/verification/status`` answered in front of the full stack.

Issue 6 asks 500 look-ups a second with p99 under 100 ms on two cores. The answer itself is a
cached report and one audited read; most of the CPU went around it: sessions, log-in, CSRF,
messages, static files, URL resolving and django-ninja's operation wrapper (BENCHMARKS.md,
"Verification status under wrk"). None of them serves this door: it has no log-in, no cookie,
no form and no static file.

So the WSGI application (``hocba.wsgi``) sends exactly this method and path to a second Django
handler. Its chain keeps the middleware that shapes a public answer: security headers, the
content security policy, the host check and Content-Length, the language, the audit's origin,
frame options (``settings.MIDDLEWARE`` minus ``SKIPPED``). Its innermost step is the same view
function the ninja route calls (``hocba.verification.api.status``): the same validation, rate
limit, answer and audit, byte for byte (tests/test_verification_door.py compares the two).
Everything else, and this path under Django's test client, goes through the full stack as
before. So does a look-up that carries a session cookie: a logged-in officer's read is logged
under their name (QĐ 1789 Điều 4), which needs the session and log-in middleware the door
skips. The public callers the door is for send none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

STATUS_PATH = "/api/v1/verification/status"

# Middleware that serves nothing on this door: static files, sessions and log-in, CSRF (the API
# takes no cookie), messages.
SKIPPED = frozenset({
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
})


class _DoorHandler(WSGIHandler):
    """Django's WSGI handler (request_started/finished, the request object, exceptions to
    responses and their logging) with the door's middleware and one view."""

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware: list[Any] = []
        self._template_response_middleware: list[Any] = []
        self._exception_middleware: list[Any] = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.MIDDLEWARE):
            if path not in SKIPPED:
                handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler

    def _get_response(self, request: HttpRequest) -> HttpResponse:
        from hocba.verification.api import status

        return status(request)


class StatusDoor:
    """WSGI middleware: the status door (without a session cookie) to ``_DoorHandler``, every
    other request to ``application``."""

    def __init__(self, application: Callable[..., Any]) -> None:
        self.application = application
        self.door = _DoorHandler()
        # Read once: a substring test, so a cookie merely named alike also takes the full
        # stack, which answers the same, only slower.
        self.session_cookie = settings.SESSION_COOKIE_NAME + "="

    def __call__(self, environ: dict[str, Any],
                 start_response: Callable[..., Any]) -> Iterable[bytes]:
        if (environ.get("REQUEST_METHOD") == "POST" and environ.get("PATH_INFO") == STATUS_PATH
                and not environ.get("SCRIPT_NAME")
                and self.session_cookie not in environ.get("HTTP_COOKIE", "")):
            return self.door(environ, start_response)  # type: ignore[no-any-return]
        return self.application(environ, start_response)  # type: ignore[no-any-return]
