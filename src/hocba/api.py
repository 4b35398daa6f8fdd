"""The JSON API (django-ninja), version 1, with its OpenAPI document at /api/v1/openapi.json.

Session authentication for now (the same log-in as the pages; django-ninja checks CSRF on
unsafe methods for session auth); every endpoint authorises through ``hocba.accounts.authz``
like the views. The interactive docs page is off: it would load scripts from a CDN, which
the CSP and the offline rule forbid.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.security import django_auth

from hocba.accounts.api import router as accounts_router
from hocba.roster.api import router as roster_router
from hocba.transparency.api import router as log_router
from hocba.verification.api import router as verification_router

api = NinjaAPI(title="hocba API", version="1", urls_namespace="api-v1", auth=django_auth,
               docs_url=None)
api.add_router("/", accounts_router)
api.add_router("/", roster_router)
# Public, no log-in (issue 6): the verification of a học bạ and the transparency log.
api.add_router("/", verification_router)
api.add_router("/", log_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Không có quyền."}, status=403)
