"""The JSON API goes through the same authorisation and audit log as the pages."""

from __future__ import annotations

from typing import Any

from hocba.audit.models import AuditEvent
from hocba.domain.access import Role


def test_a_gvcn_reads_a_student_of_the_class_and_the_read_is_logged(
        client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVCN])
    response = client.get("/api/v1/hoc-sinh/HS0001")
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Nguyễn Thị Ngọc Ánh"
    assert body["enrolments"][0]["class_name"] == "6A"
    event = AuditEvent.objects.filter(kind="doc").latest("id")
    assert (event.channel, event.object_id) == ("api", str(world.student.pk))


def test_out_of_scope_is_a_403_with_the_reason(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVCN])
    response = client.get("/api/v1/hoc-sinh/HS0002")
    assert response.status_code == 403
    assert "ngoài phạm vi" in response.json()["detail"]


def test_anonymous_calls_are_refused(client: Any, world: Any) -> None:
    assert client.get("/api/v1/hoc-sinh/HS0001").status_code == 401


def test_me_lists_the_grants(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVBM])
    body = client.get("/api/v1/toi").json()
    assert [g["role"] for g in body["grants"]] == ["gvbm"]
    assert body["grants"][0]["subject_id"] == world.math.pk


def test_the_openapi_document_is_published(client: Any, db: Any) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/hoc-sinh/{student_code}" in doc["paths"]
