"""The subject teacher's gradebook (issue 3, part 4): scores typed in, refused, averaged,
protected from silent overwrites, and corrected after the lock only with the principal's
approval (TT 22/2021 Điều 5.3, 6.2, 9.1; HCMC QĐ 1789/QĐ-SGDĐT Điều 13)."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from hocba.accounts.models import User
from hocba.audit.models import AuditEvent
from hocba.curriculum.models import Subject
from hocba.domain.access import Role
from hocba.gradebook import selectors, services
from hocba.gradebook.models import CorrectionRequest, TermLock, TermResult
from hocba.roster.models import Enrolment, Student, Teacher, TeachingAssignment
from tests.world import PASSWORD

TX = ["tx1", "tx2", "tx3", "tx4"]


def gvbm(world: Any) -> User:
    return world.users[Role.GVBM]


def math_row(world: Any, user: User | None = None, term: int = 1) -> TermResult:
    return services.row_for(user or gvbm(world), world.class_6a, world.math, term,
                            world.student)


def fill(world: Any, values: dict[str, str], term: int = 1) -> services.CellSaved:
    """Type the values one cell after another, as the grid does, each on the last version."""
    answer = None
    for name, value in values.items():
        row = math_row(world, term=term)
        answer = services.save_cell(gvbm(world), row, name, value, row.version)
    assert answer is not None
    return answer


# --- TT 22/2021 Điều 9.1.b: the term average ----------------------------------------------

def test_the_subject_teacher_saves_scores_and_gets_the_term_average(world: Any) -> None:
    # TT 22/2021 Điều 9.1.b: (8 + 7.5 + 9 + 8 + 2×7.5 + 3×8) / (4 + 5) = 71.5 / 9 = 7.94… → 7.9
    answer = fill(world, {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "8", "gk": "7.5",
                          "ck": "8"})
    assert answer.outcome.value == "7,9"
    assert answer.outcome.missing == ()
    assert answer.value == "8"
    assert answer.version == 6
    row = TermResult.objects.get(student=world.student, subject=world.math, term=1)
    assert row.tx == ["8", "7.5", "9", "8"]
    assert (row.gk, row.ck) == (Decimal("7.5"), Decimal("8"))
    assert row.updated_by == gvbm(world)


def test_the_average_waits_for_every_required_score_and_says_what_is_missing(
        world: Any) -> None:
    answer = fill(world, {"tx1": "8", "tx3": "9", "gk": "7"})
    assert answer.outcome.value is None
    assert answer.outcome.missing == ("TX2", "TX4", "CK")
    assert answer.row == {"tx1": "8", "tx2": "", "tx3": "9", "tx4": "", "gk": "7", "ck": "",
                          "nhan_xet": ""}


def test_a_comma_decimal_is_a_score_and_is_shown_back_with_a_comma(world: Any) -> None:
    answer = fill(world, {"gk": " 8,5 "})
    assert answer.value == "8,5"
    assert TermResult.objects.get().gk == Decimal("8.5")


def test_clearing_a_cell_removes_the_score_and_the_average(world: Any) -> None:
    fill(world, {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "8", "gk": "7.5", "ck": "8"})
    answer = fill(world, {"ck": ""})
    assert answer.outcome.value is None and answer.outcome.missing == ("CK",)
    assert TermResult.objects.get().ck is None


def test_the_comment_is_kept_in_nfc(world: Any) -> None:
    typed = unicodedata.normalize("NFD", "Tiến bộ rõ rệt")
    answer = fill(world, {"nhan_xet": typed})
    assert answer.value == TermResult.objects.get().comment == "Tiến bộ rõ rệt"
    assert unicodedata.is_normalized("NFC", answer.value)


# --- TT 22/2021 Điều 5.3.b and 6.2.b: impossible values are refused ------------------------

@pytest.mark.parametrize(("field", "value", "message"), [
    ("tx1", "11", "Điểm phải từ 0 đến 10"),
    ("gk", "-1", "Điểm phải từ 0 đến 10"),
    ("ck", "7.25", "Điểm chỉ có tối đa một chữ số thập phân"),
    ("ck", "7,25", "Điểm chỉ có tối đa một chữ số thập phân"),
    ("tx2", "abc", "“abc” không phải là điểm"),
    ("tx5", "8", "Môn Toán lớp 6 chỉ có 4 lần đánh giá thường xuyên mỗi học kì"),
    ("diem", "8", "Không có cột “diem”"),
])
def test_impossible_values_are_refused_with_a_message_and_nothing_is_written(
        world: Any, field: str, value: str, message: str) -> None:
    row = math_row(world)
    with pytest.raises(services.GradebookError) as refused:
        services.save_cell(gvbm(world), row, field, value, row.version)
    assert message in refused.value.message
    assert refused.value.field == field
    row.refresh_from_db()
    assert (row.tx, row.gk, row.ck, row.version) == ([], None, None, 0)
    assert not AuditEvent.objects.filter(action="sua_diem").exists()


def test_the_number_of_regular_columns_follows_the_periods_of_the_subject(world: Any) -> None:
    # TT 22/2021 Điều 6.2.b: Toán 6 has 140 periods (4 ĐĐGtx), GDCD 6 has 35 (2 ĐĐGtx).
    gdcd = Subject.objects.get(code="GDCD")
    assert selectors.sheet_of(world.class_6a, world.math, 1).shape.regular == 4
    assert selectors.sheet_of(world.class_6a, gdcd, 1).shape.regular == 2


def test_a_comment_only_subject_takes_d_or_cd_and_its_result_is_dat_only_if_all_are(
        world: Any) -> None:
    # TT 22/2021 Điều 5.3.a, 9.1.a: GDTC is assessed Đạt / Chưa đạt.
    gdtc = Subject.objects.get(code="GDTC")
    TeachingAssignment.objects.create(teacher=world.teacher_gvbm, school_class=world.class_6a,
                                      subject=gdtc)
    user = User.objects.get(pk=gvbm(world).pk)  # fresh grants
    row = services.row_for(user, world.class_6a, gdtc, 1, world.student)
    with pytest.raises(services.GradebookError, match="chỉ nhận Đ"):
        services.save_cell(user, row, "gk", "8", row.version)
    answer = None
    for name, value in {"tx1": "Đ", "tx2": "đ", "gk": "Đạt", "ck": "D"}.items():
        row.refresh_from_db()
        answer = services.save_cell(user, row, name, value, row.version)
    assert answer is not None and answer.outcome.value == "Đ"
    row.refresh_from_db()
    answer = services.save_cell(user, row, "tx2", "CĐ", row.version)
    assert answer.outcome.value == "CĐ"
    assert TermResult.objects.get(subject=gdtc).tx == ["D", "CD"]


# --- who may write (HCMC QĐ 1789 Điều 5) ---------------------------------------------------

def test_the_maths_teacher_cannot_write_literature(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.row_for(gvbm(world), world.class_6a, world.literature, 1, world.student)
    row = TermResult.objects.create(student=world.student, school_class=world.class_6a,
                                    subject=world.literature, term=1)
    with pytest.raises(PermissionDenied):
        services.save_cell(gvbm(world), row, "tx1", "8", 0)
    row.refresh_from_db()
    assert row.tx == [] and row.version == 0
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).exists()


def test_the_homeroom_teacher_cannot_write_subject_scores(world: Any) -> None:
    row = math_row(world)
    with pytest.raises(PermissionDenied):
        services.save_cell(world.users[Role.GVCN], row, "tx1", "8", 0)
    with pytest.raises(PermissionDenied):
        services.row_for(world.users[Role.GVCN], world.class_6a, world.math, 1, world.student)


def test_the_save_endpoint_answers_403_outside_the_teachers_subject(
        client: Any, world: Any) -> None:
    client.login(username="gvbm", password=PASSWORD)
    url = f"/so-diem/lop/{world.class_6a.pk}/mon/NGU_VAN/hk/1/o/"
    answer = client.post(url, {"hoc_sinh": world.student.pk, "o": "tx1", "gia_tri": "8",
                               "phien_ban": 0})
    assert answer.status_code == 403
    assert answer.json()["ok"] is False
    assert not TermResult.objects.filter(subject=world.literature).exists()
    assert client.get(f"/so-diem/lop/{world.class_6a.pk}/mon/NGU_VAN/hk/1/").status_code == 403


def test_a_student_of_another_class_is_not_in_the_sheet(world: Any) -> None:
    with pytest.raises(services.GradebookError, match="không còn học lớp 6A"):
        services.row_for(gvbm(world), world.class_6a, world.math, 1, world.classmate_6b)


# --- two people never silently overwrite each other ----------------------------------------

def hand_over_maths(world: Any) -> User:
    """6A's maths passes to a second teacher, Nguyễn Văn A, while the first has it open."""
    user = User.objects.create_user(username="gvbm2", password=PASSWORD,
                                    full_name="Nguyễn Văn A")
    teacher = Teacher.objects.create(school=world.school, staff_code="GV003", sex="nam",
                                     full_name="Nguyễn Văn A", user=user)
    TeachingAssignment.objects.filter(school_class=world.class_6a, subject=world.math).update(
        teacher=teacher)
    return user


def test_a_stale_version_is_refused_with_the_other_persons_value_and_nothing_overwritten(
        world: Any) -> None:
    row = math_row(world)
    seen = row.version  # both teachers opened the sheet at version 0
    other = hand_over_maths(world)
    services.save_cell(other, row, "tx1", "8,5", seen)
    TeachingAssignment.objects.filter(school_class=world.class_6a).update(
        teacher=world.teacher_gvbm)
    with pytest.raises(services.CellConflict) as conflict:
        services.save_cell(gvbm(world), row, "tx1", "6", seen)
    assert re.fullmatch(r"Ô này vừa được Nguyễn Văn A sửa thành 8,5 lúc \d\d:\d\d; "
                        r"hãy xem lại trước khi lưu\.", conflict.value.message)
    assert (conflict.value.current, conflict.value.version, conflict.value.by) == (
        "8,5", 1, "Nguyễn Văn A")
    row.refresh_from_db()
    assert row.tx == ["8.5", "", "", ""] and row.version == 1


def test_a_stale_view_of_another_cell_does_not_block_this_one(world: Any) -> None:
    row = math_row(world)
    services.save_cell(gvbm(world), row, "tx1", "8", 0)
    answer = services.save_cell(gvbm(world), row, "tx2", "9", 0)  # tx2 untouched since v0
    assert answer.version == 2 and answer.row["tx1"] == "8" and answer.row["tx2"] == "9"


def test_overwriting_after_seeing_the_conflict_uses_the_current_version(world: Any) -> None:
    row = math_row(world)
    services.save_cell(gvbm(world), row, "tx1", "8", 0)
    with pytest.raises(services.CellConflict) as conflict:
        services.save_cell(gvbm(world), row, "tx1", "6", 0)
    answer = services.save_cell(gvbm(world), row, "tx1", "6", conflict.value.version)
    assert answer.value == "6" and answer.version == 2


def test_a_version_from_the_future_is_refused(world: Any) -> None:
    row = math_row(world)
    with pytest.raises(services.CellConflict):
        services.save_cell(gvbm(world), row, "tx1", "6", 7)


def test_the_save_endpoint_answers_409_with_the_current_value(client: Any, world: Any) -> None:
    client.login(username="gvbm", password=PASSWORD)
    url = f"/so-diem/lop/{world.class_6a.pk}/mon/TOAN/hk/1/o/"
    cell = {"hoc_sinh": world.student.pk, "o": "gk", "phien_ban": 0}
    first = client.post(url, {**cell, "gia_tri": "7,5"})
    assert first.status_code == 200
    assert first.json()["value"] == "7,5" and first.json()["version"] == 1
    stale = client.post(url, {**cell, "gia_tri": "9"})
    assert stale.status_code == 409
    body = stale.json()
    assert body["error"] == "conflict" and body["current"] == "7,5" and body["version"] == 1
    assert "Hoàng Văn Nam sửa thành 7,5" in body["message"]
    bad = client.post(url, {**cell, "phien_ban": 1, "gia_tri": "7,25"})
    assert bad.status_code == 400
    assert "Điểm chỉ có tối đa một chữ số thập phân" in bad.json()["message"]
    assert TermResult.objects.get().gk == Decimal("7.5")


# --- HCMC QĐ 1789 Điều 13: after the lock, corrections need the principal ----------------

def test_after_the_lock_a_save_is_a_request_the_principal_approves_and_both_are_logged(
        world: Any) -> None:
    principal = world.users[Role.PRINCIPAL]
    fill(world, {"tx1": "6"})
    services.lock_term(principal, world.school, world.year, 1)
    assert TermLock.objects.filter(school=world.school, term=1).exists()

    row = math_row(world)
    with pytest.raises(services.ReasonRequired, match="ghi lí do"):
        services.save_cell(gvbm(world), row, "tx1", "8", row.version)
    answer = services.save_cell(gvbm(world), row, "tx1", "8", row.version,
                                reason="Nhập nhầm cột")
    assert answer.correction is not None and answer.value == "6"  # not applied yet
    row.refresh_from_db()
    assert row.tx[0] == "6" and row.version == 1
    request = CorrectionRequest.objects.get()
    assert (request.field, request.old_value, request.new_value, request.status) == (
        "tx1", "6", "8", CorrectionRequest.Status.PENDING)

    with pytest.raises(PermissionDenied):
        services.decide_correction(gvbm(world), request, approve=True)
    services.decide_correction(principal, request, approve=True, note="Đồng ý")
    row.refresh_from_db()
    assert row.tx[0] == "8" and row.version == 2
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.APPROVED
    assert request.decided_by == principal

    asked = AuditEvent.objects.get(action="de_nghi_sua_diem")
    approved = AuditEvent.objects.get(action="duyet_sua_diem")
    assert asked.actor == gvbm(world) and asked.detail["ly_do"] == "Nhập nhầm cột"
    assert approved.actor == principal
    assert (approved.detail["cu"], approved.detail["moi"]) == ("6", "8")
    assert approved.detail["nguoi_de_nghi"] == "Hoàng Văn Nam"
    assert asked.school_id == approved.school_id == world.school.pk


def test_a_rejected_request_changes_nothing(world: Any) -> None:
    principal = world.users[Role.PRINCIPAL]
    services.lock_term(principal, world.school, world.year, 1)
    row = math_row(world)
    services.save_cell(gvbm(world), row, "ck", "9", 0, reason="Chấm phúc khảo")
    request = CorrectionRequest.objects.get()
    services.decide_correction(principal, request, approve=False)
    row.refresh_from_db()
    assert row.ck is None and row.version == 0
    assert AuditEvent.objects.filter(action="tu_choi_sua_diem").exists()
    with pytest.raises(services.GradebookError, match="đã được xử lí"):
        services.decide_correction(principal, request, approve=True)


def test_approval_is_refused_when_the_cell_changed_since_the_request(world: Any) -> None:
    principal = world.users[Role.PRINCIPAL]
    services.lock_term(principal, world.school, world.year, 1)
    row = math_row(world)
    services.save_cell(gvbm(world), row, "gk", "9", 0, reason="Sai điểm")
    services.unlock_term(principal, world.school, world.year, 1)
    services.save_cell(gvbm(world), row, "gk", "5", 0)
    services.lock_term(principal, world.school, world.year, 1)
    with pytest.raises(services.GradebookError, match="đã đổi thành 5"):
        services.decide_correction(principal, CorrectionRequest.objects.get(), approve=True)
    assert TermResult.objects.get().gk == Decimal("5")


def test_only_the_principal_locks_and_the_other_term_stays_open(world: Any) -> None:
    for user in (gvbm(world), world.users[Role.VICE_PRINCIPAL], world.users[Role.HOC_VU]):
        with pytest.raises(PermissionDenied):
            services.lock_term(user, world.school, world.year, 1)
    services.lock_term(world.users[Role.PRINCIPAL], world.school, world.year, 1)
    answer = fill(world, {"tx1": "7"}, term=2)
    assert answer.correction is None and answer.value == "7"
    assert AuditEvent.objects.filter(action="khoa_hoc_ki", school_id=world.school.pk).exists()


# --- the grid -------------------------------------------------------------------------------

def add_students(world: Any, names: list[str]) -> list[Student]:
    students = []
    for i, name in enumerate(names):
        student = Student.objects.create(student_code=f"HS9{i:03d}", full_name=name,
                                         birth_date=date(2013, 1, 1), sex="nam",
                                         school=world.school)
        Enrolment.objects.create(student=student, school_class=world.class_6a,
                                 start_date=world.year.start, reason=Enrolment.Reason.ADMITTED)
        students.append(student)
    return students


def test_the_grid_lists_the_class_in_class_list_order_with_values_and_averages(
        world: Any) -> None:
    add_students(world, ["Trần Văn Bảo", "Lê Thị An"])
    fill(world, {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "8", "gk": "7.5", "ck": "8"})
    grid = selectors.grid(gvbm(world), world.class_6a, world.math, 1)
    assert [r.student.full_name for r in grid.rows] == [
        "Lê Thị An", "Nguyễn Thị Ngọc Ánh", "Trần Văn Bảo"]
    anh = grid.rows[1]
    assert anh.version == 6 and anh.outcome.value == "7,9"
    assert dict(anh.cells)["tx2"] == "7,5"
    assert grid.rows[0].version == 0 and grid.rows[0].outcome.value is None
    assert grid.editable and grid.lock is None


def test_the_homeroom_teacher_reads_the_grid_but_cannot_edit_it(world: Any) -> None:
    grid = selectors.grid(world.users[Role.GVCN], world.class_6a, world.math, 1)
    assert not grid.editable


def test_the_grid_page_has_the_columns_of_the_subject(client: Any, world: Any) -> None:
    fill(world, {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "8", "gk": "7.5", "ck": "8"})
    client.login(username="gvbm", password=PASSWORD)
    page = client.get(f"/so-diem/lop/{world.class_6a.pk}/mon/TOAN/hk/1/")
    html = page.content.decode()
    assert page.status_code == 200
    for header in ("STT", "Mã học sinh", "TX1", "TX4", "GK", "CK", "ĐTB", "Nhận xét"):
        assert f">{header}</th>" in html
    assert ">TX5</th>" not in html
    assert 'data-testid="dtb-HS0001"' in html and ">7,9</td>" in html
    assert 'value="7,5"' in html
    assert "gradebook/grid.js" in html and "<script>" not in html and "style=" not in html
    assert "Học kì đã khoá" not in html


def test_the_grid_page_shows_the_lock_banner(client: Any, world: Any) -> None:
    services.lock_term(world.users[Role.PRINCIPAL], world.school, world.year, 2)
    client.login(username="gvbm", password=PASSWORD)
    html = client.get(f"/so-diem/lop/{world.class_6a.pk}/mon/TOAN/hk/2/").content.decode()
    assert "Học kì đã khoá: sửa điểm sẽ thành đề nghị gửi Hiệu trưởng" in html
    assert 'name="ly_do"' in html


def test_the_plain_form_saves_the_changed_cells_and_lists_the_refused_ones(
        client: Any, world: Any) -> None:
    """Without JavaScript, "Lưu" posts the whole grid."""
    add_students(world, ["Lê Thị An"])
    an = Student.objects.get(full_name="Lê Thị An")
    client.login(username="gvbm", password=PASSWORD)
    url = f"/so-diem/lop/{world.class_6a.pk}/mon/TOAN/hk/1/"
    empty = '{"tx1": "", "tx2": "", "tx3": "", "tx4": "", "gk": "", "ck": "", "nhan_xet": ""}'
    data = {}
    for student, values in ((world.student, ["8", "7,5", "9", "8", "7,5", "8"]),
                            (an, ["11", "", "", "", "", ""])):
        data[f"v-{student.pk}"] = "0"
        data[f"o-{student.pk}"] = empty
        for name, value in zip([*TX, "gk", "ck"], values, strict=True):
            data[f"c-{student.pk}-{name}"] = value
        data[f"c-{student.pk}-nhan_xet"] = ""
    answer = client.post(url, data, follow=True)
    html = answer.content.decode()
    assert "Đã lưu 6 ô." in html
    assert "Dòng 1 (Lê Thị An), cột TX1: Điểm phải từ 0 đến 10" in html
    assert ">7,9</td>" in html
    assert not TermResult.objects.filter(student=an).exclude(tx=[]).exists()


def test_the_list_page_shows_the_sheets_the_teacher_teaches(client: Any, world: Any) -> None:
    client.login(username="gvbm", password=PASSWORD)
    html = client.get("/so-diem/").content.decode()
    assert f"/so-diem/lop/{world.class_6a.pk}/mon/TOAN/hk/1/" in html
    assert "NGU_VAN" not in html
    assert ">Sổ điểm</a>" in client.get("/").content.decode()


def test_the_principal_page_locks_and_approves(client: Any, world: Any) -> None:
    client.login(username="hieutruong", password=PASSWORD)
    assert client.get("/so-diem/khoa/").status_code == 200
    client.post("/so-diem/khoa/", {"truong": world.school.pk, "hk": 1, "thao_tac": "khoa"})
    assert TermLock.objects.filter(school=world.school, term=1).exists()
    row = math_row(world)
    services.save_cell(gvbm(world), row, "tx1", "9,5", 0, reason="Bỏ sót bài")
    html = client.get("/so-diem/khoa/").content.decode()
    assert "Bỏ sót bài" in html and "Nguyễn Thị Ngọc Ánh" in html and "<td>9,5</td>" in html
    request = CorrectionRequest.objects.get()
    client.post(f"/so-diem/de-nghi/{request.pk}/", {"thao_tac": "duyet"})
    assert TermResult.objects.get().tx[0] == "9.5"
    client.post("/so-diem/khoa/", {"truong": world.school.pk, "hk": 1, "thao_tac": "mo"})
    assert not TermLock.objects.exists()


def test_teachers_cannot_open_the_principal_page(client: Any, world: Any) -> None:
    client.login(username="gvbm", password=PASSWORD)
    assert client.get("/so-diem/khoa/").status_code == 403
    assert client.post("/so-diem/khoa/", {"truong": world.school.pk, "hk": 1,
                                          "thao_tac": "khoa"}).status_code == 403
    assert not TermLock.objects.exists()
