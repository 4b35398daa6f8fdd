"""After the principal locks a term, the primary GVCN's change to a pupil's class record
(qualities and competences, TT 27/2020 Điều 7.2, their comments, the end-of-year facts) at a
point of that term (term I: giữa and cuối học kì I; term II: giữa học kì II and cuối năm) is
a correction request the principal approves or rejects, and every step is logged (HCMC QĐ
1789 Điều 13). The other term stays open."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from hocba.audit.models import AuditEvent
from hocba.gradebook import primary_summary_page, services
from hocba.gradebook import primary_summary_services as summary
from hocba.gradebook.models import ClassTermRecord, CorrectionRequest, PrimaryClassRecord
from tests.primary_world import PrimaryWorld, build_primary, fill_year
from tests.world import PASSWORD

URL = "/so-diem/tieu-hoc/lop/{}/tong-hop/"
PENDING = CorrectionRequest.Status.PENDING


def edit(pw: PrimaryWorld, point: int, version: int, **values: str) -> summary.RecordEdit:
    return summary.RecordEdit(pw.an, point, values, version)


def record(pw: PrimaryWorld, point: int) -> PrimaryClassRecord:
    return PrimaryClassRecord.objects.get(student=pw.an, point=point)


@pytest.fixture
def locked(world: Any) -> PrimaryWorld:
    """An's cuối học kì I record says Chăm chỉ Tốt (version 1), then term I is locked."""
    pw = build_primary(world)
    summary.save_records(pw.homeroom, pw.class_4a, [edit(pw, 2, 0, cham_chi="T")])
    services.lock_term(pw.principal, pw.school, pw.world.year, 1)
    return pw


@pytest.fixture
def year_locked(world: Any) -> PrimaryWorld:
    """An's year is complete (28,5 kg, not recognised by the class), then term II is locked."""
    pw = build_primary(world)
    fill_year(pw, pw.an)
    services.lock_term(pw.principal, pw.school, pw.world.year, 2)
    return pw


def test_a_locked_points_change_is_one_request_per_value_and_nothing_is_applied(
        locked: PrimaryWorld) -> None:
    pw = locked
    change = edit(pw, 2, 1, cham_chi="đ", comment_qualities="Cần chăm hơn.")
    with pytest.raises(summary.PrimarySummaryError, match="hãy ghi lí do đề nghị sửa") as no:
        summary.save_records(pw.homeroom, pw.class_4a, [change])
    assert no.value.problems[0].startswith("Lê Thị An, cuối học kì I: học kì đã khoá")
    assert not CorrectionRequest.objects.exists()

    saved = summary.save_records(pw.homeroom, pw.class_4a, [
        change, edit(pw, 3, 0, cham_chi="T")], reason="Nhập nhầm dòng")
    assert saved.written == 1  # giữa học kì II belongs to term II, still open
    assert record(pw, 3).cham_chi == "T"
    rec = record(pw, 2)
    assert (rec.cham_chi, rec.comment_qualities, rec.version) == ("T", "", 1)  # not applied
    requests = {c.field: c for c in saved.requests}
    assert set(requests) == {"cham_chi", "comment_qualities"}
    rating = requests["cham_chi"]
    assert (rating.old_value, rating.new_value, rating.status, rating.reason) == (
        "T", "D", PENDING, "Nhập nhầm dòng")
    # TT 27/2020 Điều 7.2: the principal reads the ratings in words.
    assert (rating.target, rating.when, rating.field_label, rating.old_shown,
            rating.new_shown) == (rec, "Cuối học kì I", "Chăm chỉ", "Tốt", "Đạt")
    assert requests["comment_qualities"].field_label == "Nhận xét phẩm chất"
    asked = AuditEvent.objects.get(action="de_nghi_sua_diem", detail__o="cham_chi")
    assert asked.actor == pw.homeroom and asked.role == "Giáo viên chủ nhiệm"
    assert (asked.detail["cu"], asked.detail["moi"], asked.detail["ly_do"],
            asked.detail["thoi_diem"], asked.detail["tong_hop_lop"]) == (
        "T", "D", "Nhập nhầm dòng", 2, True)
    assert asked.school_id == pw.school.pk


def test_the_principal_approves_and_the_year_end_values_are_applied_and_logged(
        year_locked: PrimaryWorld) -> None:
    pw = year_locked
    version = record(pw, 4).version
    saved = summary.save_records(pw.homeroom, pw.class_4a, [
        edit(pw, 4, version, weight_kg="29", recognised_outstanding="1")],
        reason="Cân lại; lớp đã họp công nhận")
    recognised, weight = sorted(saved.requests, key=lambda c: c.field)
    assert (weight.field_label, weight.old_shown, weight.new_shown) == (
        "Cân nặng (kg)", "28,5", "29,0")
    assert (recognised.old_shown, recognised.new_shown) == ("Không", "Có")
    with pytest.raises(PermissionDenied):
        services.decide_correction(pw.homeroom, weight, approve=True)
    services.decide_correction(pw.principal, weight, approve=True, note="Đồng ý")
    services.decide_correction(pw.principal, recognised, approve=True)
    rec = record(pw, 4)
    assert (rec.weight_kg, rec.recognised_outstanding, rec.version, rec.updated_by) == (
        Decimal("29.0"), True, version + 2, pw.principal)
    weight.refresh_from_db()
    assert (weight.status, weight.decided_by, weight.decision_note) == (
        CorrectionRequest.Status.APPROVED, pw.principal, "Đồng ý")
    approved = AuditEvent.objects.get(action="duyet_sua_diem", detail__o="weight_kg")
    assert approved.actor == pw.principal and approved.role == "Hiệu trưởng"
    assert (approved.detail["cu"], approved.detail["moi"], approved.detail["phien_ban"],
            approved.detail["thoi_diem"]) == ("28.5", "29.0", version + 1, 4)


def test_a_rejected_request_changes_nothing(locked: PrimaryWorld) -> None:
    pw = locked
    [request] = summary.save_records(pw.homeroom, pw.class_4a, [
        edit(pw, 2, 1, cham_chi="C")], reason="Sai").requests
    services.decide_correction(pw.principal, request, approve=False, note="Không có căn cứ")
    rec = record(pw, 2)
    assert (rec.cham_chi, rec.version) == ("T", 1)
    rejected = AuditEvent.objects.get(action="tu_choi_sua_diem")
    assert rejected.detail["ghi_chu"] == "Không có căn cứ" and "phien_ban" not in rejected.detail
    with pytest.raises(services.GradebookError, match="đã được xử lí"):
        services.decide_correction(pw.principal, request, approve=True)


def test_a_stale_version_is_refused_and_approval_after_a_change_is_refused(
        locked: PrimaryWorld) -> None:
    pw = locked
    with pytest.raises(summary.PrimarySummaryError) as refused:  # the page showed version 0
        summary.save_records(pw.homeroom, pw.class_4a, [edit(pw, 2, 0, cham_chi="C")],
                             reason="Sai")
    assert refused.value.conflict
    assert "dòng này vừa được Phạm Thị Lan sửa" in refused.value.problems[0]
    assert not CorrectionRequest.objects.exists()
    [request] = summary.save_records(pw.homeroom, pw.class_4a, [
        edit(pw, 2, 1, cham_chi="C")], reason="Sai").requests
    services.unlock_term(pw.principal, pw.school, pw.world.year, 1)
    summary.save_records(pw.homeroom, pw.class_4a, [edit(pw, 2, 1, cham_chi="D")])
    services.lock_term(pw.principal, pw.school, pw.world.year, 1)
    with pytest.raises(services.GradebookError,
                       match="chăm chỉ cuối học kì I đã đổi thành Đạt"):
        services.decide_correction(pw.principal, request, approve=True)
    assert record(pw, 2).cham_chi == "D"


def test_a_subject_teacher_cannot_request_it(locked: PrimaryWorld) -> None:
    pw = locked
    with pytest.raises(PermissionDenied):
        summary.save_records(pw.english, pw.class_4a, [edit(pw, 2, 1, cham_chi="C")],
                             reason="Sai")
    assert not CorrectionRequest.objects.exists()


def test_a_request_points_to_exactly_one_row(locked: PrimaryWorld) -> None:
    pw = locked
    request = {"field": "cham_chi", "reason": "Sai", "requested_by": pw.homeroom,
               "requested_at": timezone.now()}
    other = ClassTermRecord.objects.create(student=pw.world.student,
                                           school_class=pw.world.class_6a, term=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectionRequest.objects.create(**request, primary_class_record=record(pw, 2),
                                         class_record=other)
    CorrectionRequest.objects.create(**request, primary_class_record=record(pw, 2))


def test_the_page_asks_for_a_reason_and_the_principal_decides_on_the_locks_page(
        client: Any, locked: PrimaryWorld) -> None:
    pw = locked
    url = URL.format(pw.class_4a.pk)
    client.login(username="gvth", password=PASSWORD)
    html = client.get(f"{url}?diem=ck1").content.decode()
    assert "Học kì của thời điểm này đã khoá: sửa tổng hợp lớp sẽ thành đề nghị" in html
    assert 'name="ly_do"' in html and "Gửi đề nghị sửa" in html
    data = primary_summary_page.class_summary(pw.homeroom, pw.class_4a, 2)
    post: dict[str, str] = {"diem": "ck1"}
    for row in data.rows:
        post.update(row.form)
        post[f"o-{row.student.pk}"] = row.originals_json
    post[f"r-cham_chi-{pw.an.pk}"] = "đ"
    refused = client.post(url, post)
    assert refused.status_code == 400
    assert "hãy ghi lí do đề nghị sửa" in refused.content.decode()
    sent = client.post(url, {**post, "ly_do": "Nhập nhầm"}, follow=True).content.decode()
    assert "Đã gửi 1 đề nghị sửa tổng hợp lớp cho Hiệu trưởng duyệt" in sent
    assert "1 đề nghị đang chờ duyệt" in sent
    assert record(pw, 2).cham_chi == "T"

    client.login(username="hieutruongth", password=PASSWORD)
    locks = client.get("/so-diem/khoa/").content.decode()
    assert "<td>Tổng hợp lớp</td><td>Cuối học kì I</td><td>Lê Thị An</td>" in locks
    assert "<td>Chăm chỉ</td><td>Tốt</td><td>Đạt</td><td>Nhập nhầm</td>" in locks
    request = CorrectionRequest.objects.get()
    client.post(f"/so-diem/de-nghi/{request.pk}/", {"thao_tac": "duyet"})
    assert record(pw, 2).cham_chi == "D"
    assert "Chăm chỉ: Tốt → Đạt" in client.get("/so-diem/khoa/").content.decode()
