"""A safety net under the services: every saved or deleted row of hocba's models is logged.

Services log the business action ("nhập danh sách lớp 6A: 45 học sinh"); this logs the row
change underneath, so a write through the Django admin or a shell is not missed either.
Bulk writes (``bulk_create``) send no signal: their service logs one event listing the rows.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from hocba.audit.models import AuditEvent

_SKIP = {"AuditEvent", "LoginFailure", "Session"}


def _on_save(sender: Any, instance: Any, created: bool, raw: bool = False,
             update_fields: Any = None, **_: Any) -> None:
    if raw or sender.__name__ in _SKIP:
        return
    if update_fields is not None and set(update_fields) == {"last_login"}:
        return  # the log-in itself is logged as such
    from hocba.audit.services import record

    record(AuditEvent.Kind.WRITE, "tao" if created else "sua", obj=instance,
           detail={"model": sender._meta.label})


def _on_delete(sender: Any, instance: Any, **_: Any) -> None:
    if sender.__name__ in _SKIP:
        return
    from hocba.audit.services import record

    record(AuditEvent.Kind.WRITE, "xoa", obj=instance, detail={"model": sender._meta.label})


def connect() -> None:
    from django.apps import apps

    for model in apps.get_models():
        if model.__module__.startswith("hocba.") and model.__name__ not in _SKIP:
            post_save.connect(_on_save, sender=model,
                              dispatch_uid=f"audit-save-{model._meta.label}")
            post_delete.connect(_on_delete, sender=model,
                                dispatch_uid=f"audit-del-{model._meta.label}")
