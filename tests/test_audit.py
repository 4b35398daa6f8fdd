"""The audit log: every write and every read of a student's personal data, append-only."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import DatabaseError, connection, transaction

from hocba.audit.models import AppendOnlyError, AuditEvent
from hocba.audit.selectors import visible_events
from hocba.domain.access import Role


def test_reading_a_student_page_is_logged_with_who_role_what_and_where(
        client: Any, world: Any) -> None:
    gvcn = world.users[Role.GVCN]
    client.force_login(gvcn)
    before = AuditEvent.objects.count()
    response = client.get(f"/hoc-sinh/{world.student.pk}/", REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 200
    assert "Nguyễn Thị Ngọc Ánh" in response.content.decode()
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).latest("id")
    assert AuditEvent.objects.count() == before + 1
    assert event.actor == gvcn
    assert event.role == "Giáo viên chủ nhiệm"
    assert event.object_type == "Student" and event.object_id == str(world.student.pk)
    assert event.ip == "203.0.113.7"
    assert event.school_id == world.school.pk
    assert event.province_id == world.province.pk


def test_reading_a_class_list_logs_the_students_shown(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.PRINCIPAL])
    assert client.get(f"/lop/{world.class_6a.pk}/").status_code == 200
    event = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ).latest("id")
    assert event.detail["hoc_sinh"] == ["HS0001"]


def test_a_refused_read_is_logged_too(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVCN])
    response = client.get(f"/hoc-sinh/{world.classmate_6b.pk}/")
    assert response.status_code == 403
    assert "ngoài phạm vi" in response.content.decode()
    event = AuditEvent.objects.latest("id")
    assert event.kind == AuditEvent.Kind.DENIED
    assert event.object_id == str(world.classmate_6b.pk)


def test_every_write_is_logged_even_through_the_orm(world: Any) -> None:
    world.student.address = "Số 3 phố Hàng Bài"
    world.student.save()
    event = AuditEvent.objects.latest("id")
    assert (event.kind, event.action, event.object_id) == ("ghi", "sua", str(world.student.pk))


def test_the_application_refuses_to_edit_or_delete_the_log(world: Any) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    event.action = "sửa lén"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditevent SET action = 'x'",
    "DELETE FROM audit_auditevent",
])
def test_the_database_refuses_to_edit_or_delete_the_log(world: Any, sql: str) -> None:
    """Triggers on SQLite and PostgreSQL stop anyone who goes around the application."""
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEvent.objects.count() == count


def test_the_principal_sees_the_school_log_and_the_so_the_province_log(world: Any) -> None:
    from hocba.audit.services import record_read

    record_read(world.users[Role.GVCN], world.student)
    record_read(world.users[Role.BO_OFFICER], world.other_school_student)
    record_read(world.users[Role.BO_OFFICER], world.other_province_student)
    principal = visible_events(world.users[Role.PRINCIPAL])
    assert set(principal.values_list("school_id", flat=True)) == {world.school.pk}
    so = visible_events(world.users[Role.SO_OFFICER])
    assert set(so.values_list("province_id", flat=True)) == {world.province.pk}
    assert so.filter(school_id=world.other_school_same_area.pk).exists()
    assert not visible_events(world.users[Role.GVCN]).exists()
    bo = visible_events(world.users[Role.BO_OFFICER])
    assert bo.filter(province_id=world.other_province.pk).exists()


def test_the_log_page_is_closed_to_teachers_and_open_to_the_principal(
        client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVBM])
    assert client.get("/nhat-ky/").status_code == 403
    client.force_login(world.users[Role.PRINCIPAL])
    response = client.get("/nhat-ky/")
    assert response.status_code == 200
    assert "Nhật ký hệ thống" in response.content.decode()


def test_a_search_is_logged_in_the_log_of_each_school_whose_students_it_showed(
        client: Any, world: Any) -> None:
    client.force_login(world.users[Role.SO_OFFICER])
    assert client.get("/hoc-sinh/").status_code == 200
    events = AuditEvent.objects.filter(action="xem_danh_sach")
    assert {e.school_id for e in events} == {world.school.pk, world.other_school_same_area.pk}
    principal_sees = visible_events(world.users[Role.PRINCIPAL]).filter(action="xem_danh_sach")
    assert principal_sees.get().detail["hoc_sinh"] == ["HS0003", "HS0001", "HS0002"]


def test_a_class_read_records_the_role_it_was_made_under(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVCN])
    client.get(f"/lop/{world.class_6a.pk}/")
    assert AuditEvent.objects.filter(kind="doc").latest("id").role == "Giáo viên chủ nhiệm"
