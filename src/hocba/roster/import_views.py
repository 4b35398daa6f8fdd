"""Excel import pages (placeholder until the import service lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


@login_required
def import_home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("")
