"""After the principal locks a term, the GVCN's change to a student's class record (rèn
luyện, absences, comment) is a correction request the principal approves or rejects, and
every step is logged (HCMC QĐ 1789 Điều 13). The other term stays open."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from hocba.audit.models import AuditEvent
from hocba.domain.access import Role
from hocba.gradebook import services, summary
from hocba.gradebook.models import ClassTermRecord, CorrectionRequest, TermResult
from tests.test_gradebook_summary import URL, edit, gvcn
from tests.world import PASSWORD

PENDING = CorrectionRequest.Status.PENDING


@pytest.fixture
def locked(world: Any) -> Any:
    """Ánh's HK1 record is Khá with 2 excused absences, then the principal locks HK1."""
    summary.save_records(gvcn(world), world.class_6a, [edit(world.student, 1, "KHA", "2")])
    services.lock_term(principal(world), world.school, world.year, 1)
    return world


def principal(world: Any) -> Any:
    return world.users[Role.PRINCIPAL]


def record_hk1(world: Any) -> ClassTermRecord:
    return ClassTermRecord.objects.get(student=world.student, term=1)


def test_a_locked_terms_change_is_one_request_per_value_and_nothing_is_applied(
        locked: Any) -> None:
    w = locked
    with pytest.raises(summary.SummaryError, match="hãy ghi lí do đề nghị sửa") as refused:
        summary.save_records(gvcn(w), w.class_6a, [edit(w.student, 1, "TOT", "3", version=1)])
    assert refused.value.problems[0].startswith("Nguyễn Thị Ngọc Ánh, HK1: học kì đã khoá")
    assert not CorrectionRequest.objects.exists()

    saved = summary.save_records(gvcn(w), w.class_6a, [
        edit(w.student, 1, "Tốt", "3", version=1), edit(w.student, 2, "TOT")],
        reason="Nhập nhầm học sinh")
    assert saved.written == 1  # HK2 is open: written at once
    assert ClassTermRecord.objects.get(student=w.student, term=2).conduct == "TOT"
    rec = record_hk1(w)
    assert (rec.conduct, rec.absences_excused, rec.version) == ("KHA", 2, 1)  # not applied
    requests = {c.field: c for c in saved.requests}
    assert set(requests) == {"conduct", "excused"}
    conduct = requests["conduct"]
    assert (conduct.old_value, conduct.new_value, conduct.status, conduct.reason) == (
        "KHA", "TOT", PENDING, "Nhập nhầm học sinh")
    assert (conduct.target, conduct.when, conduct.field_label, conduct.old_shown,
            conduct.new_shown) == (rec, "Học kì I", "Rèn luyện", "Khá", "Tốt")
    excused = requests["excused"]
    assert (excused.field_label, excused.old_shown, excused.new_shown) == (
        "Nghỉ có phép", "2", "3")
    asked = AuditEvent.objects.filter(action="de_nghi_sua_diem")
    assert asked.count() == 2
    event = asked.get(detail__o="conduct")
    assert event.actor == gvcn(w) and event.role == "Giáo viên chủ nhiệm"
    assert (event.detail["cu"], event.detail["moi"], event.detail["ly_do"],
            event.detail["hoc_ki"]) == ("KHA", "TOT", "Nhập nhầm học sinh", 1)
    assert event.school_id == w.school.pk
    assert AuditEvent.objects.filter(action="sua_tong_hop_lop").count() == 2  # before + HK2


def test_the_principal_approves_and_the_change_is_applied_with_a_version_and_logged(
        locked: Any) -> None:
    w = locked
    saved = summary.save_records(gvcn(w), w.class_6a, [
        edit(w.student, 1, "TOT", "2", comment="Tiến bộ rõ", version=1)], reason="Bổ sung")
    comment, conduct = sorted(saved.requests, key=lambda c: c.field)
    assert (comment.field, comment.field_label, comment.new_shown) == (
        "comment", "Nhận xét của GVCN", "Tiến bộ rõ")
    with pytest.raises(PermissionDenied):
        services.decide_correction(gvcn(w), conduct, approve=True)
    services.decide_correction(principal(w), conduct, approve=True, note="Đồng ý")
    rec = record_hk1(w)
    assert (rec.conduct, rec.comment, rec.version, rec.updated_by) == (
        "TOT", "", 2, principal(w))
    services.decide_correction(principal(w), comment, approve=True)
    rec.refresh_from_db()
    assert (rec.conduct, rec.comment, rec.version) == ("TOT", "Tiến bộ rõ", 3)
    conduct.refresh_from_db()
    assert (conduct.status, conduct.decided_by, conduct.decision_note) == (
        CorrectionRequest.Status.APPROVED, principal(w), "Đồng ý")
    approved = AuditEvent.objects.get(action="duyet_sua_diem", detail__o="conduct")
    assert approved.actor == principal(w) and approved.role == "Hiệu trưởng"
    assert (approved.detail["cu"], approved.detail["moi"], approved.detail["phien_ban"],
            approved.detail["nguoi_de_nghi"]) == ("KHA", "TOT", 2, "Đỗ Thị Hương")
    assert approved.school_id == w.school.pk
    # The year's rèn luyện is computed from the applied value (TT 22/2021 Điều 8).
    summary.save_records(gvcn(w), w.class_6a, [edit(w.student, 2, "TOT")])
    data = summary.class_summary(gvcn(w), w.class_6a)
    row = data.row_of(w.student.pk)
    assert row is not None and row.ren_luyen_year.value == "Tốt"


def test_a_rejected_request_changes_nothing(locked: Any) -> None:
    w = locked
    [request] = summary.save_records(gvcn(w), w.class_6a, [
        edit(w.student, 1, "KHA", "2", "4", version=1)], reason="Quên ghi").requests
    services.decide_correction(principal(w), request, approve=False, note="Không có căn cứ")
    rec = record_hk1(w)
    assert (rec.absences_unexcused, rec.version) == (0, 1)
    rejected = AuditEvent.objects.get(action="tu_choi_sua_diem")
    assert rejected.detail["ghi_chu"] == "Không có căn cứ" and "phien_ban" not in rejected.detail
    with pytest.raises(services.GradebookError, match="đã được xử lí"):
        services.decide_correction(principal(w), request, approve=True)


def test_a_stale_version_is_refused_and_approval_after_a_change_is_refused(
        locked: Any) -> None:
    w = locked
    with pytest.raises(summary.SummaryError) as refused:  # the page was loaded at version 0
        summary.save_records(gvcn(w), w.class_6a, [edit(w.student, 1, "TOT", "2", version=0)],
                             reason="Sai")
    assert refused.value.conflict
    assert "dòng này vừa được Đỗ Thị Hương sửa" in refused.value.problems[0]
    assert not CorrectionRequest.objects.exists()
    # A request, then the term is reopened and the value changed: approving would lose it.
    [request] = summary.save_records(gvcn(w), w.class_6a, [
        edit(w.student, 1, "TOT", "2", version=1)], reason="Sai").requests
    services.unlock_term(principal(w), w.school, w.year, 1)
    summary.save_records(gvcn(w), w.class_6a, [edit(w.student, 1, "DAT", "2", version=1)])
    services.lock_term(principal(w), w.school, w.year, 1)
    with pytest.raises(services.GradebookError, match="rèn luyện HK1 đã đổi thành Đạt"):
        services.decide_correction(principal(w), request, approve=True)
    assert record_hk1(w).conduct == "DAT"


def test_a_subject_teacher_cannot_request_it(locked: Any) -> None:
    w = locked
    with pytest.raises(PermissionDenied):
        summary.save_records(w.users[Role.GVBM], w.class_6a,
                             [edit(w.student, 1, "TOT", version=1)], reason="Sai")
    assert not CorrectionRequest.objects.exists()


def test_a_request_points_to_exactly_one_row(locked: Any) -> None:
    w = locked
    request = {"field": "conduct", "reason": "Sai", "requested_by": gvcn(w),
               "requested_at": timezone.now()}
    result = TermResult.objects.create(student=w.student, school_class=w.class_6a,
                                       subject=w.math, term=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectionRequest.objects.create(**request, class_record=record_hk1(w), result=result)
    CorrectionRequest.objects.create(**request, class_record=record_hk1(w))


def test_the_pages_ask_for_a_reason_and_the_principal_decides_on_the_locks_page(
        client: Any, locked: Any) -> None:
    w = locked
    url = URL.format(w.class_6a.pk)
    sid = w.student.pk
    client.login(username="gvcn", password=PASSWORD)
    page = client.get(url)
    html = page.content.decode()
    assert "Học kì I đã khoá: sửa tổng hợp lớp của học kì này sẽ thành đề nghị" in html
    assert 'name="ly_do"' in html
    post = {f"o-{sid}": page.context["summary"].rows[0].originals_json, f"rl1-{sid}": "TOT",
            f"cp1-{sid}": "2", f"kp1-{sid}": "0", f"nx1-{sid}": ""}
    refused = client.post(url, post)
    assert refused.status_code == 400
    assert "hãy ghi lí do đề nghị sửa" in refused.content.decode()
    sent = client.post(url, {**post, "ly_do": "Nhập nhầm"}, follow=True)
    assert "Đã gửi 1 đề nghị sửa tổng hợp lớp cho Hiệu trưởng duyệt." in \
        sent.content.decode()
    assert "1 đề nghị đang chờ duyệt" in sent.content.decode()
    assert record_hk1(w).conduct == "KHA"

    client.login(username="hieutruong", password=PASSWORD)
    locks = client.get("/so-diem/khoa/").content.decode()
    assert "<td>Tổng hợp lớp</td>" in locks and "<td>Rèn luyện</td>" in locks
    assert "<td>Khá</td><td>Tốt</td><td>Nhập nhầm</td>" in locks
    request = CorrectionRequest.objects.get()
    client.post(f"/so-diem/de-nghi/{request.pk}/", {"thao_tac": "duyet"})
    assert record_hk1(w).conduct == "TOT"
    assert "Rèn luyện: Khá → Tốt" in client.get("/so-diem/khoa/").content.decode()
