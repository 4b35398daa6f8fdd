"""Users and the roles they hold.

Teaching roles (GVCN, GVBM) are not stored here: they follow from the roster (a class's
homeroom teacher, the teaching assignments), so they cannot drift from it. Every other role
is a ``RoleAssignment`` made by the school admin or the Sở.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models

from hocba.domain.access import ROLE_LABELS, Role
from hocba.domain.text import clean
from hocba.organisation.models import School, SchoolYear, Unit

ROLE_CHOICES = [(role.value, label) for role, label in ROLE_LABELS.items()]
ASSIGNABLE_ROLES = [r for r in Role if r not in (Role.GVCN, Role.GVBM)]


class User(AbstractUser):
    full_name = models.CharField("họ và tên", max_length=120, blank=True)
    personal_id = models.CharField(
        "số định danh cá nhân", max_length=12, unique=True, null=True, blank=True
    )

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.full_name or self.username

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.full_name = clean(self.full_name)
        super().save(*args, **kwargs)


class RoleAssignment(models.Model):
    """One role held by one user in one unit, for one school year (or every year)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(
        "vai trò", max_length=20, choices=[c for c in ROLE_CHOICES
                                           if c[0] not in (Role.GVCN, Role.GVBM)]
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, verbose_name="đơn vị quản lý"
    )
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.PROTECT, verbose_name="trường"
    )
    school_year = models.ForeignKey(
        SchoolYear, null=True, blank=True, on_delete=models.PROTECT,
        verbose_name="năm học", help_text="Để trống: mọi năm học.",
    )
    student = models.ForeignKey(
        "roster.Student", null=True, blank=True, on_delete=models.CASCADE,
        related_name="account_links", verbose_name="học sinh",
    )
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "phân quyền"
        verbose_name_plural = "phân quyền"
        constraints = [
            # Officers hold a unit, school staff a school, students and parents a student.
            models.CheckConstraint(
                name="role_scope_matches_role",
                condition=(
                    models.Q(role=Role.BO_OFFICER)
                    | models.Q(role__in=[Role.SO_OFFICER, Role.PHONG_OFFICER],
                               unit__isnull=False)
                    | models.Q(role__in=[Role.SCHOOL_ADMIN, Role.PRINCIPAL, Role.VICE_PRINCIPAL,
                                         Role.VAN_THU, Role.HOC_VU],
                               school__isnull=False, school_year__isnull=False)
                    | models.Q(role__in=[Role.STUDENT, Role.PARENT], student__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        where = self.school or self.unit or self.student or "toàn quốc"
        return f"{self.user} — {Role(self.role).label} — {where}"


class LoginFailure(models.Model):
    """A failed log-in, kept for throttling (hocba.accounts.throttle)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip} {self.at:%Y-%m-%d %H:%M}"
