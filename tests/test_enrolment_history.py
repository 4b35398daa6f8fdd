"""Enrolment history: class changes and transfers close one stay and open the next, never
rewriting the past (HCMC QĐ 1789 Điều 22)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from hocba.audit.models import AuditEvent
from hocba.domain.access import Role
from hocba.roster import services
from hocba.roster.models import Enrolment

DAY = date(2025, 11, 3)


def test_a_class_change_closes_the_old_class_the_day_before(world: Any) -> None:
    hoc_vu = world.users[Role.HOC_VU]
    services.change_class(hoc_vu, world.student, world.class_6b, DAY)
    stays = list(world.student.enrolments.order_by("start_date"))
    assert [(e.school_class.name, e.start_date, e.end_date, e.exit_reason) for e in stays] == [
        ("6A", world.year.start, date(2025, 11, 2), "chuyen_lop"),
        ("6B", DAY, None, ""),
    ]
    assert stays[1].reason == Enrolment.Reason.CLASS_CHANGE
    assert AuditEvent.objects.filter(action="chuyen_lop").latest("id").detail == {
        "tu_lop": "6A", "den_lop": "6B", "ngay": "2025-11-03"}


def test_a_transfer_out_then_in_elsewhere_keeps_both_schools_in_the_history(
        world: Any) -> None:
    services.transfer_out(world.users[Role.HOC_VU], world.student, DAY, "Trường THCS Lê Quý Đôn")
    closed = world.student.enrolments.get()
    assert (closed.end_date, closed.exit_reason, closed.to_school_name) == (
        date(2025, 11, 2), "chuyen_di", "Trường THCS Lê Quý Đôn")
    from hocba.accounts.models import RoleAssignment, User
    receiver = User.objects.create_user(username="hocvu_ldd", password="x" * 12)
    RoleAssignment.objects.create(user=receiver, role=Role.HOC_VU,
                                  school=world.other_school_same_area, school_year=world.year)
    services.transfer_in(receiver, world.student, world.class_other_school, DAY,
                         "Trường THCS Nguyễn Trãi")
    world.student.refresh_from_db()
    assert world.student.school == world.other_school_same_area
    assert world.student.enrolments.count() == 2


@pytest.mark.parametrize(("on", "message"), [
    (date(2031, 1, 1), "ở tương lai"),
    (date(2024, 12, 1), "nằm ngoài năm học 2025-2026"),
    (date(2025, 9, 5), "phải sau ngày vào lớp 6A"),
])
def test_impossible_dates_are_refused_and_nothing_changes(
        world: Any, on: date, message: str) -> None:
    with pytest.raises(services.RosterError, match=message):
        services.change_class(world.users[Role.HOC_VU], world.student, world.class_6b, on)
    assert world.student.enrolments.get().end_date is None


def test_a_student_still_in_a_class_cannot_be_received_elsewhere(world: Any) -> None:
    with pytest.raises(services.RosterError, match="vẫn đang học"):
        services.transfer_in(world.users[Role.HOC_VU], world.classmate_6b, world.class_6a, DAY,
                             "Trường khác")


def test_a_teacher_cannot_move_students(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.change_class(world.users[Role.GVCN], world.student, world.class_6b, DAY)
    assert world.student.enrolments.count() == 1


def test_the_student_page_offers_the_moves_to_hoc_vu_only(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVCN])
    assert "Chuyển lớp, chuyển trường" not in client.get(
        f"/hoc-sinh/{world.student.pk}/").content.decode()
    client.force_login(world.users[Role.HOC_VU])
    page = client.get(f"/hoc-sinh/{world.student.pk}/").content.decode()
    assert "Chuyển lớp, chuyển trường" in page
    response = client.post(f"/hoc-sinh/{world.student.pk}/chuyen/", {
        "loai": "chuyen_lop", "lop": world.class_6b.pk, "ngay": "2025-11-03"}, follow=True)
    assert "Đã chuyển Nguyễn Thị Ngọc Ánh sang lớp 6B từ ngày 03/11/2025." in (
        response.content.decode())
    bad = client.post(f"/hoc-sinh/{world.student.pk}/chuyen/", {
        "loai": "chuyen_di", "truong": "X", "ngay": "hôm qua"}, follow=True)
    assert "Ngày “hôm qua” không hợp lệ" in bad.content.decode()
