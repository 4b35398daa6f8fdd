"""Reading the audit log: each reader sees the part of it their role covers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from hocba.accounts.authz import grants_for
from hocba.audit.models import AuditEvent
from hocba.domain.access import ROLE_ACTIONS, SCHOOL_ROLES, Action, Role


def visible_events(user: Any) -> QuerySet[AuditEvent]:
    """The principal sees their school's log, the Phòng its area's, the Sở its province's."""
    q = Q(pk__in=[])
    for grant in grants_for(user):
        if Action.VIEW_AUDIT not in ROLE_ACTIONS[grant.role]:
            continue
        if grant.role is Role.BO_OFFICER:
            q |= Q(pk__isnull=False)  # not Q(): an empty Q vanishes when OR-ed
        elif grant.role is Role.SO_OFFICER:
            q |= Q(province_id=grant.province)
        elif grant.role is Role.PHONG_OFFICER:
            q |= Q(area_id=grant.area)
        elif grant.role in SCHOOL_ROLES:
            q |= Q(school_id=grant.school)
    return AuditEvent.objects.filter(q)
