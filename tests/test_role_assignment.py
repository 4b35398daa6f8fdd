"""Handing out roles (HCMC QĐ 1789 Điều 5): the school admin assigns the school's rights,
the Sở names officers and school admins; teaching roles follow from the roster."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from hocba.accounts import services
from hocba.accounts.authz import can, forget_grants, grants_for
from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.domain.access import Action, Role
from hocba.roster.models import Teacher


def test_the_school_admin_names_a_van_thu_who_then_sees_the_school(world: Any) -> None:
    admin = world.users[Role.SCHOOL_ADMIN]
    user, password = services.get_or_create_user("vanthu2", "Bùi Thị Lan")
    assert password
    services.assign_role(admin, user, Role.VAN_THU, school=world.school,
                         school_year=world.year)
    assert can(user, Action.VIEW_STUDENT, world.student)
    event = AuditEvent.objects.filter(action="phan_quyen").latest("id")
    assert event.actor == admin and event.detail["vai_tro"] == "van_thu"


def test_the_school_admin_cannot_name_officers_or_act_in_another_school(world: Any) -> None:
    admin = world.users[Role.SCHOOL_ADMIN]
    user, _ = services.get_or_create_user("ai_do", "Ai Đó")
    with pytest.raises(PermissionDenied, match="không được phân vai trò Cán bộ Sở GDĐT"):
        services.assign_role(admin, user, Role.SO_OFFICER, unit=world.province)
    with pytest.raises(PermissionDenied):
        services.assign_role(admin, user, Role.HOC_VU, school=world.other_school_same_area,
                             school_year=world.year)
    assert not RoleAssignment.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(kind="tu_choi", actor=admin).count() == 2


def test_the_so_names_a_school_admin_in_its_province_only(world: Any) -> None:
    so = world.users[Role.SO_OFFICER]
    user, _ = services.get_or_create_user("quantri2", "Lý Văn Tâm")
    services.assign_role(so, user, Role.SCHOOL_ADMIN, school=world.other_school_same_area,
                         school_year=world.year)
    with pytest.raises(PermissionDenied):
        services.assign_role(so, user, Role.SCHOOL_ADMIN, school=world.school_other_province,
                             school_year=world.year)


def test_a_parent_account_is_linked_to_one_child(world: Any) -> None:
    admin = world.users[Role.SCHOOL_ADMIN]
    parent, _ = services.get_or_create_user("me_binh", "Trần Thị Mai")
    services.assign_role(admin, parent, Role.PARENT, student=world.classmate_6b)
    assert can(parent, Action.VIEW_RESULTS, world.classmate_6b) is not None
    assert can(parent, Action.VIEW_STUDENT, world.classmate_6b)
    assert not can(parent, Action.VIEW_STUDENT, world.student)


def test_revoking_a_role_takes_the_right_away(world: Any) -> None:
    admin = world.users[Role.SCHOOL_ADMIN]
    hoc_vu = world.users[Role.HOC_VU]
    assignment = RoleAssignment.objects.get(user=hoc_vu, role=Role.HOC_VU)
    services.revoke_role(admin, assignment)
    forget_grants(hoc_vu)
    assert not can(hoc_vu, Action.EDIT_ROSTER, world.school)


def test_a_teacher_account_brings_the_roles_the_roster_gives(world: Any) -> None:
    teacher = Teacher.objects.create(school=world.school, staff_code="GV009",
                                     full_name="Ngô Thị Thu", sex="nu")
    world.class_6b.homeroom_teacher = teacher
    world.class_6b.save()
    account = services.create_teacher_account(world.users[Role.SCHOOL_ADMIN], teacher)
    assert account.user.username == "gv009" and account.temporary_password
    user = User.objects.get(pk=account.user.pk)
    assert [(g.role, g.school_class) for g in grants_for(user)] == [
        (Role.GVCN, world.class_6b.pk)]
    assert can(user, Action.VIEW_STUDENT, world.classmate_6b)


def test_the_role_page_shows_the_temporary_password_once(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.SCHOOL_ADMIN])
    response = client.post("/phan-quyen/", {
        "username": "hocvu2", "full_name": "Đinh Văn Hải", "role": "hoc_vu",
        "school": world.school.pk, "school_year": world.year.pk,
    }, follow=True)
    page = response.content.decode()
    assert "Đã phân vai trò Học vụ cho hocvu2. Mật khẩu tạm thời:" in page
    assert "Đinh Văn Hải" in page
    again = client.get("/phan-quyen/").content.decode()
    assert "Mật khẩu tạm thời" not in again


def test_the_role_page_refuses_a_role_the_admin_may_not_give(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.SCHOOL_ADMIN])
    response = client.post("/phan-quyen/", {"username": "x1", "role": "can_bo_so",
                                            "unit": world.province.pk})
    assert response.status_code == 200
    assert "Hãy chọn một lựa chọn hợp lệ" in response.content.decode() or (
        "không phải là một trong" in response.content.decode())
    assert not User.objects.filter(username="x1").exists()
