"""Writes on users and their roles. Every one is authorised and lands in the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from hocba.accounts.authz import forget_grants, grants_for, require
from hocba.accounts.models import RoleAssignment, User
from hocba.accounts.targets import target_of
from hocba.audit.services import record_denied, record_write
from hocba.domain.access import (
    FAMILY_ROLES,
    SCHOOL_ROLES,
    Action,
    Decision,
    Role,
    may_grant,
)
from hocba.domain.text import clean
from hocba.organisation.models import School, SchoolYear, Unit
from hocba.roster.models import Student, Teacher

_USERNAME_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789._-"


@dataclass(frozen=True)
class NewAccount:
    user: User
    temporary_password: str  # shown once to the person who created the account


def temporary_password() -> str:
    return secrets.token_urlsafe(9)


def _check_username(username: str) -> str:
    value = username.strip().lower()
    if not value or any(c not in _USERNAME_CHARS for c in value):
        raise ValidationError(
            "Tên đăng nhập chỉ gồm chữ thường không dấu, chữ số và . _ -", code="username")
    return value


def get_or_create_user(username: str, full_name: str) -> tuple[User, str | None]:
    """The user with that name, or a new one with a temporary password (returned once)."""
    name = _check_username(username)
    user = User.objects.filter(username=name).first()
    if user is not None:
        return user, None
    password = temporary_password()
    user = User.objects.create_user(username=name, password=password, full_name=clean(full_name))
    return user, password


def _scope_object(role: Role, *, school: School | None, unit: Unit | None,
                  student: Student | None) -> Any:
    if role in (Role.SO_OFFICER, Role.PHONG_OFFICER):
        if unit is None:
            raise ValidationError("Cần chọn đơn vị quản lý cho vai trò cán bộ Sở/Phòng.")
        expected = Unit.Kind.SO if role is Role.SO_OFFICER else Unit.Kind.PHONG
        if unit.kind != expected:
            raise ValidationError(f"Vai trò {role.label} phải gắn với một {expected.label}.")
        return unit
    if role in SCHOOL_ROLES:
        if school is None:
            raise ValidationError(f"Cần chọn trường cho vai trò {role.label}.")
        return school
    if role in FAMILY_ROLES:
        if student is None:
            raise ValidationError(f"Cần chọn học sinh cho vai trò {role.label}.")
        return student
    raise ValidationError(f"Vai trò {role.label} không được phân trực tiếp.")


def authorise_assignment(assigner: User, role: Role, *, school: School | None = None,
                         unit: Unit | None = None, student: Student | None = None) -> Decision:
    """May ``assigner`` give ``role`` there? Refusals are logged (outside any transaction,
    so the log keeps them) and raised as PermissionDenied."""
    scope = _scope_object(role, school=school, unit=unit, student=student)
    decision = may_grant(grants_for(assigner), role, target_of(scope))
    if not decision:
        record_denied(assigner, Action.ASSIGN_ROLES, scope, decision.reason)
        raise PermissionDenied(decision.reason)
    return decision


def assign_role(assigner: User, user: User, role: Role, *, school: School | None = None,
                unit: Unit | None = None, student: Student | None = None,
                school_year: SchoolYear | None = None) -> RoleAssignment:
    decision = authorise_assignment(assigner, role, school=school, unit=unit, student=student)
    if role in SCHOOL_ROLES and school_year is None:
        raise ValidationError("Vai trò trong trường cần có năm học.")
    scope = _scope_object(role, school=school, unit=unit, student=student)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, school=school if role in SCHOOL_ROLES else None,
            unit=unit if role in (Role.SO_OFFICER, Role.PHONG_OFFICER) else None,
            student=student if role in FAMILY_ROLES else None,
            school_year=school_year if role in SCHOOL_ROLES else None,
            defaults={"granted_by": assigner},
        )
        if created:
            record_write(assigner, "phan_quyen", scope,
                         role=decision.role_label,
                         detail={"nguoi_dung": user.username, "vai_tro": role.value})
    forget_grants(user)
    return assignment


def revoke_role(assigner: User, assignment: RoleAssignment) -> None:
    role = Role(assignment.role)
    authorise_assignment(assigner, role, school=assignment.school, unit=assignment.unit,
                         student=assignment.student)
    scope = _scope_object(role, school=assignment.school, unit=assignment.unit,
                          student=assignment.student)
    with transaction.atomic():
        record_write(assigner, "thu_hoi_quyen", scope,
                     detail={"nguoi_dung": assignment.user.username, "vai_tro": role.value})
        assignment.delete()
    forget_grants(assignment.user)


def create_teacher_account(assigner: User, teacher: Teacher) -> NewAccount:
    """An account for a teacher; their GVCN/GVBM rights then follow from the roster."""
    require(assigner, Action.ASSIGN_ROLES, teacher.school)
    with transaction.atomic():
        return _create_teacher_account(assigner, teacher)


def _create_teacher_account(assigner: User, teacher: Teacher) -> NewAccount:
    if teacher.user_id is not None:
        raise ValidationError(f"Giáo viên {teacher.full_name} đã có tài khoản.")
    user, password = get_or_create_user(teacher.staff_code, teacher.full_name)
    if password is None:
        raise ValidationError(f"Tên đăng nhập “{user.username}” đã được dùng.")
    teacher.user = user
    teacher.save(update_fields=["user"])
    record_write(assigner, "tao_tai_khoan_giao_vien", teacher,
                 detail={"nguoi_dung": user.username})
    return NewAccount(user, password)
