"""Writing to the audit log. Reads go through ``hocba.audit.selectors``."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import Field
from django.utils import timezone

from hocba.audit.context import current_origin
from hocba.audit.group_commit import GroupCommit
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
    grouped: bool = False,
) -> None:
    """Append one event. ``obj`` gives the object and, unless ``scope`` is given, its place.

    ``grouped``: outside a transaction, the event is committed with others queued at the same
    moment (``hocba.audit.group_commit``: for the public status API's hundreds of audited
    reads a second); this still returns only once it is committed. Inside a transaction it is
    written in it, as always."""
    origin = current_origin()
    if actor is None:
        actor = origin.actor
    school_id, province_id, area_id = scope if scope is not None else _scope(obj)
    actor_fields = _actor_fields(actor)
    _append(grouped, (
        timezone.now(), kind, action, actor_fields["actor"], actor_fields["actor_name"], role,
        type(obj).__name__ if obj is not None else "",
        str(getattr(obj, "pk", "") or ""),
        str(obj)[:300] if obj is not None else "",
        school_id, province_id, area_id, origin.ip, origin.user_agent, origin.channel,
        detail or {},
    ))


# The columns ``_append`` writes, in order (``id`` is the database's).
_COLUMNS = ("at", "kind", "action", "actor", "actor_name", "role", "object_type", "object_id",
            "object_repr", "school_id", "province_id", "area_id", "ip", "user_agent", "channel",
            "detail")


@functools.lru_cache(maxsize=4)
def _insert(vendor: str) -> tuple[str, tuple[Field[Any, Any], ...]]:
    """``INSERT INTO … VALUES`` and the fields whose prepared values follow, in order."""
    fields = tuple(AuditEvent._meta.get_field(name) for name in _COLUMNS)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)  # type: ignore[union-attr,arg-type]
    # Names from the model's own metadata; the values are always bound parameters.
    return (f"INSERT INTO {quote(AuditEvent._meta.db_table)} ({columns}) VALUES ",  # noqa: S608
            fields)  # type: ignore[return-value]


def _values(count: int) -> str:
    return ", ".join([f"({', '.join(['%s'] * len(_COLUMNS))})"] * count)


def _append(grouped: bool, values: tuple[Any, ...]) -> None:
    """One INSERT of an event, its statement written once per process. The ORM's ``create``
    built and compiled the same statement each time (0.3 ms, more than the write itself on
    SQLite): the public status API logs every answer, hundreds a second. The values are
    prepared by the model's own fields, so they are stored exactly as ``create`` stores them;
    an event is never read back here, and the append-only model has no ``post_save`` to send
    (``signals._SKIP``)."""
    database = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is asked once per field
    sql, fields = _insert(database.vendor)
    params = [field.get_db_prep_save(value.pk if field.is_relation and value is not None
                                     else value, database)
              for field, value in zip(fields, values, strict=True)]
    if grouped and not database.in_atomic_block:
        _group().append(params)
        return
    with database.cursor() as cursor:
        cursor.execute(sql + _values(1), params)


def _write_batch(batch: Sequence[list[Any]]) -> None:
    """The group writer's transaction (on its own thread and connection): one INSERT of all
    the rows, parsed and planned once (``executemany`` sent one statement a row)."""
    database = connections[DEFAULT_DB_ALIAS]
    sql, _ = _insert(database.vendor)
    with transaction.atomic(using=DEFAULT_DB_ALIAS), database.cursor() as cursor:
        cursor.execute(sql + _values(len(batch)), [value for row in batch for value in row])
    # Kept or closed as a request's connection is (CONN_MAX_AGE; closed at once under pytest,
    # where an open one would keep PostgreSQL from dropping the test database).
    database.close_if_unusable_or_obsolete()


def _close_writer_connection() -> None:
    connections[DEFAULT_DB_ALIAS].close()


@functools.cache
def _group() -> GroupCommit:
    # 2 ms of gathering: a few more events a transaction under load (less CPU for the
    # database), nothing a reader notices.
    return GroupCommit(_write_batch, _close_writer_connection, gather=0.002)


def record_read(actor: Any, obj: Any, *, role: str = "", detail: dict[str, Any] | None = None
                ) -> None:
    record(AuditEvent.Kind.READ, "xem", actor=actor, role=role, obj=obj, detail=detail)


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
                 detail: dict[str, Any] | None = None) -> None:
    record(AuditEvent.Kind.WRITE, action, actor=actor, role=role, obj=obj, detail=detail)


def record_denied(actor: Any, action: Action, obj: Any, reason: str) -> None:
    record(AuditEvent.Kind.DENIED, str(action), actor=actor, obj=obj,
           detail={"ly_do": reason})
