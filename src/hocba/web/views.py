"""The home page: what a user sees first follows from the roles they hold."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from hocba.accounts.authz import grants_for, visible_classes, visible_schools, visible_students
from hocba.domain.access import CLASS_ROLES, FAMILY_ROLES, OFFICER_ROLES, SCHOOL_ROLES, Role
from hocba.organisation.models import SchoolYear


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    roles = {g.role for g in grants_for(user)}
    year = SchoolYear.current()
    context: dict = {"year": year, "roles": sorted(r.label for r in roles)}
    if roles & OFFICER_ROLES:
        schools = visible_schools(user)
        context["officer"] = {"schools": schools.count(), "sample": schools.order_by("name")[:8]}
    if roles & SCHOOL_ROLES:
        context["school_staff"] = {
            "schools": visible_schools(user).order_by("name"),
            "is_admin_only": roles <= {Role.SCHOOL_ADMIN},
        }
    if roles & CLASS_ROLES:
        classes = visible_classes(user)
        if year is not None:
            classes = classes.filter(school_year=year)
        context["teacher"] = {"classes": classes.order_by("grade", "name"),
                              "grants": [g for g in grants_for(user) if g.role in CLASS_ROLES]}
    if roles & FAMILY_ROLES:
        context["family"] = {"students": visible_students(user).select_related("school")}
    if not roles:
        context["no_roles"] = True
    return render(request, "web/home.html", context)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "web/403.html", {"reason": reason}, status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    return render(request, "web/500.html", status=500)
