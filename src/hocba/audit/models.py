"""The audit log: every write, and every read of a student's personal data.

Append-only. The model refuses updates and deletes, and database triggers (migration 0002,
on SQLite and PostgreSQL) refuse them for anyone who goes around the application.
"""

from __future__ import annotations

from typing import Any

from django.db import models


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        READ = "doc", "Xem"
        WRITE = "ghi", "Ghi"
        AUTH = "dang_nhap", "Đăng nhập"
        DENIED = "tu_choi", "Bị từ chối"

    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    action = models.CharField("hành động", max_length=60)
    actor = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.DO_NOTHING,
        db_constraint=False, related_name="+",
    )
    actor_name = models.CharField("người thực hiện", max_length=150, blank=True)
    role = models.CharField("vai trò", max_length=60, blank=True)
    object_type = models.CharField("loại đối tượng", max_length=60, blank=True)
    object_id = models.CharField("mã đối tượng", max_length=64, blank=True)
    object_repr = models.CharField("đối tượng", max_length=300, blank=True)
    # Denormalised scope so the principal and the Sở read their part of the log quickly,
    # and so the log keeps meaning even if an object later moves.
    school_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    province_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    area_id = models.BigIntegerField(null=True, blank=True)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    channel = models.CharField("kênh", max_length=10, default="web")
    detail = models.JSONField("chi tiết", default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "sự kiện nhật ký"
        verbose_name_plural = "nhật ký"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Nhật ký chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Nhật ký chỉ được ghi thêm, không được xoá.")
