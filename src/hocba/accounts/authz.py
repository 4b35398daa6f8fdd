"""The one door: "may this user do this action on this object?".

Views, the API and the ``hocba`` command all call ``can`` / ``require`` here, which hand the
user's grants and the object's place to the pure policy in ``hocba.domain.access``.
The list selectors at the bottom translate the same grants into query filters, and the
permission-matrix test checks that the two agree.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from hocba.accounts.models import RoleAssignment
from hocba.accounts.targets import target_of
from hocba.domain.access import (
    CLASS_ROLES,
    FAMILY_ROLES,
    ROLE_ACTIONS,
    SCHOOL_ROLES,
    Action,
    Decision,
    Grant,
    Role,
    decide,
)
from hocba.organisation.models import School
from hocba.roster.models import SchoolClass, Student, Teacher, TeachingAssignment

_CACHE_ATTR = "_hocba_grants"


def grants_for(user: Any) -> list[Grant]:
    """Every grant the user holds: role assignments plus teaching roles from the roster."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    grants: list[Grant] = []
    for ra in RoleAssignment.objects.filter(user=user).select_related("unit", "school"):
        role = Role(ra.role)
        if role is Role.BO_OFFICER:
            grants.append(Grant(role, year=ra.school_year_id))
        elif role is Role.SO_OFFICER:
            grants.append(Grant(role, province=ra.unit_id, year=ra.school_year_id))
        elif role is Role.PHONG_OFFICER:
            assert ra.unit is not None
            grants.append(Grant(role, province=ra.unit.parent_id, area=ra.unit_id,
                                year=ra.school_year_id))
        elif role in SCHOOL_ROLES:
            assert ra.school is not None
            grants.append(Grant(role, province=ra.school.province_id, school=ra.school_id,
                                year=ra.school_year_id))
        elif role in FAMILY_ROLES:
            grants.append(Grant(role, student=ra.student_id, year=ra.school_year_id))
    teacher = Teacher.objects.filter(user=user).first()
    if teacher is not None:
        for cls in SchoolClass.objects.filter(homeroom_teacher=teacher):
            grants.append(Grant(Role.GVCN, school=cls.school_id, year=cls.school_year_id,
                                school_class=cls.pk))
        for ta in TeachingAssignment.objects.filter(teacher=teacher).select_related(
            "school_class"
        ):
            grants.append(Grant(Role.GVBM, school=ta.school_class.school_id,
                                year=ta.school_class.school_year_id,
                                school_class=ta.school_class_id, subject=ta.subject_id))
    setattr(user, _CACHE_ATTR, grants)
    return grants


def forget_grants(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def can(user: Any, action: Action, obj: Any) -> Decision:
    return decide(grants_for(user), action, target_of(obj))


def require(user: Any, action: Action, obj: Any) -> Decision:
    """``can`` or PermissionDenied (and an audit entry saying who was refused what)."""
    decision = can(user, action, obj)
    if not decision:
        from hocba.audit.services import record_denied

        record_denied(user, action, obj, decision.reason)
        raise PermissionDenied(decision.reason)
    return decision


def roles_of(user: Any) -> set[Role]:
    return {g.role for g in grants_for(user)}


def may_somewhere(user: Any, action: Action) -> bool:
    """Whether any of the user's roles allows ``action`` at all (for menus)."""
    return any(action in ROLE_ACTIONS[g.role] for g in grants_for(user))


# --- list selectors: the same policy as query filters -------------------------------------

def _grant_school_q(grant: Grant, prefix: str) -> Q | None:
    """Q over School (reached through ``prefix``) for a grant's unit, or None for nothing."""
    p = f"{prefix}__" if prefix else ""
    if grant.role is Role.BO_OFFICER:
        # Not Q(): an empty Q vanishes when OR-ed, and would grant nothing.
        return Q(**{f"{p}id__isnull": False})
    if grant.role is Role.SO_OFFICER:
        return Q(**{f"{p}province_id": grant.province})
    if grant.role is Role.PHONG_OFFICER:
        return Q(**{f"{p}area_id": grant.area})
    if grant.role in SCHOOL_ROLES or grant.role in CLASS_ROLES:
        return Q(**{f"{p}id": grant.school})
    return None


def visible_schools(user: Any, action: Action = Action.VIEW_SCHOOL) -> QuerySet[School]:
    q = Q(pk__in=[])
    for grant in grants_for(user):
        if action not in ROLE_ACTIONS[grant.role]:
            continue
        grant_q = _grant_school_q(grant, "")
        if grant_q is not None:
            q |= grant_q
    return School.objects.filter(q).select_related("province", "area")


def visible_classes(user: Any, action: Action = Action.VIEW_SCHOOL) -> QuerySet[SchoolClass]:
    q = Q(pk__in=[])
    for grant in grants_for(user):
        if action not in ROLE_ACTIONS[grant.role]:
            continue
        year_q = Q(school_year_id=grant.year) if grant.year is not None else Q()
        if grant.role in CLASS_ROLES:
            q |= Q(pk=grant.school_class) & year_q
            continue
        grant_q = _grant_school_q(grant, "school")
        if grant_q is not None:
            q |= grant_q & year_q
    return SchoolClass.objects.filter(q).select_related("school", "school_year")


def visible_students(user: Any, action: Action = Action.VIEW_STUDENT) -> QuerySet[Student]:
    """Students whose personal data the user may read: the list form of ``can``."""
    q = Q(pk__in=[])
    for grant in grants_for(user):
        if action not in ROLE_ACTIONS[grant.role]:
            continue
        if grant.role in FAMILY_ROLES:
            q |= Q(pk=grant.student)
            continue
        if grant.role in CLASS_ROLES:
            enrol = Q(enrolments__school_class_id=grant.school_class)
            if grant.year is not None:
                enrol &= Q(enrolments__school_class__school_year_id=grant.year)
            q |= enrol
            continue
        school_q = _grant_school_q(grant, "school")
        if school_q is None:
            continue
        if grant.year is None:
            q |= school_q
        else:
            # Year-scoped staff see the students enrolled in their school that year, and
            # students of their school not yet placed in a class.
            enrol_school = _grant_school_q(grant, "enrolments__school_class__school")
            assert enrol_school is not None
            q |= (enrol_school & Q(enrolments__school_class__school_year_id=grant.year)) | (
                school_q & Q(enrolments__isnull=True)
            )
    return Student.objects.filter(pk__in=Student.objects.filter(q).values("pk"))
