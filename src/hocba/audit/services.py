"""Writing to the audit log. Reads go through ``hocba.audit.selectors``."""

from __future__ import annotations

from typing import Any

from hocba.audit.context import current_origin
from hocba.audit.models import AuditEvent
from hocba.domain.access import Action


def _scope(obj: Any) -> tuple[int | None, int | None, int | None]:
    """(school, province, area) of an object, for the scoped views of the log."""
    from hocba.accounts.targets import target_of

    if obj is None:
        return None, None, None
    try:
        places = target_of(obj).places
    except TypeError:
        return None, None, None
    place = places[-1] if places else None
    if place is None:
        return None, None, None
    return place.school, place.province, place.area


def _actor_fields(actor: Any) -> dict[str, Any]:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {"actor": None, "actor_name": "(ẩn danh)"}
    return {"actor": actor, "actor_name": f"{actor} ({actor.username})"[:150]}


def record(
    kind: str,
    action: str,
    *,
    actor: Any = None,
    role: str = "",
    obj: Any = None,
    detail: dict[str, Any] | None = None,
    scope: tuple[int | None, int | None, int | None] | None = None,
) -> AuditEvent:
    """Append one event. ``obj`` gives the object and, unless ``scope`` is given, its place."""
    origin = current_origin()
    if actor is None:
        actor = origin.actor
    school_id, province_id, area_id = scope if scope is not None else _scope(obj)
    return AuditEvent.objects.create(
        kind=kind,
        action=action,
        role=role,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        object_repr=str(obj)[:300] if obj is not None else "",
        school_id=school_id,
        province_id=province_id,
        area_id=area_id,
        ip=origin.ip,
        user_agent=origin.user_agent,
        channel=origin.channel,
        detail=detail or {},
        **_actor_fields(actor),
    )


def record_read(actor: Any, obj: Any, *, role: str = "", detail: dict[str, Any] | None = None
                ) -> AuditEvent:
    return record(AuditEvent.Kind.READ, "xem", actor=actor, role=role, obj=obj, detail=detail)


def record_list_read(actor: Any, students: Any, *, role: str = "",
                     detail: dict[str, Any] | None = None) -> None:
    """A list of students read: one event per school, so each school's log shows it."""
    by_school: dict[Any, list[str]] = {}
    for student in students:
        by_school.setdefault(student.school, []).append(student.student_code)
    for school, codes in by_school.items():
        record(AuditEvent.Kind.READ, "xem_danh_sach", actor=actor, role=role,
               scope=(school.pk, school.province_id, school.area_id),
               detail={**(detail or {}), "hoc_sinh": codes})


def record_write(actor: Any, action: str, obj: Any, *, role: str = "",
                 detail: dict[str, Any] | None = None) -> AuditEvent:
    return record(AuditEvent.Kind.WRITE, action, actor=actor, role=role, obj=obj, detail=detail)


def record_denied(actor: Any, action: Action, obj: Any, reason: str) -> AuditEvent:
    return record(AuditEvent.Kind.DENIED, str(action), actor=actor, obj=obj,
                  detail={"ly_do": reason})
