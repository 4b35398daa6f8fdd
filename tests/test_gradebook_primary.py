"""The primary (TT 27/2020) gradebook of a class × subject over the year: levels T/H/C typed in
any case (Điều 7.1.a), integer periodic tests only where the subject and point take one
(Điều 7.1.b–d), refusals that cite the article, the teacher's authorisation, no silent
overwrite, and, after the principal's lock, corrections only with the principal's approval
(HCMC QĐ 1789/QĐ-SGDĐT Điều 13)."""

from __future__ import annotations

import json
import re
import unicodedata
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from hocba.audit.models import AuditEvent
from hocba.domain.access import Role
from hocba.gradebook import primary_selectors, primary_services, selectors, services
from hocba.gradebook.cells import CellError
from hocba.gradebook.models import (
    CorrectionRequest,
    PrimaryClassRecord,
    PrimarySubjectResult,
    TermResult,
)
from hocba.roster.models import SchoolClass
from tests.primary_world import PrimaryWorld, build_primary
from tests.world import PASSWORD

GK1, CK1, GK2, CN = 1, 2, 3, 4


@pytest.fixture
def pw(world: Any) -> PrimaryWorld:
    return build_primary(world)


def type_in(pw: PrimaryWorld, field: str, value: str, subject: str = "TOAN",
            pupil: Any = None, user: Any = None, reason: str = ""
            ) -> primary_services.PrimaryCellSaved:
    """Type one cell as the grid does, on the row's current version."""
    point = {"gk1": GK1, "ck1": CK1, "gk2": GK2, "cn": CN}[field.split("_")[0]]
    row = primary_services.row_for(user or pw.homeroom, pw.class_4a, pw.subjects[subject],
                                   point, pupil or pw.an)
    return primary_services.save_cell(user or pw.homeroom, row, field, value, row.version,
                                      reason)


def stored(pw: PrimaryWorld, subject: str = "TOAN", point: int = CN,
           pupil: Any = None) -> PrimarySubjectResult:
    return PrimarySubjectResult.objects.get(student=pupil or pw.an, subject__code=subject,
                                            point=point)


# --- TT 27/2020 Điều 7.1: levels, tests, comments -----------------------------------------

@pytest.mark.parametrize(("typed", "level"), [("t", "T"), ("H", "H"), (" c ", "C"),
                                              ("Hoàn thành tốt", "T"), ("cht", "C")])
def test_a_level_is_typed_in_either_case_and_stored_as_the_letter(
        pw: PrimaryWorld, typed: str, level: str) -> None:
    answer = type_in(pw, "cn_muc", typed)
    assert answer.value == level and answer.point == CN and answer.version == 1
    assert stored(pw).level == level


def test_the_end_of_year_test_is_an_integer_and_the_comment_is_kept_in_nfc(
        pw: PrimaryWorld) -> None:
    type_in(pw, "cn_ktdk", "9")
    type_in(pw, "cn_ktdk", "8,0")  # an integer written with a decimal comma is still 8
    answer = type_in(pw, "cn_nx", unicodedata.normalize("NFD", "Tính nhẩm nhanh"))
    row = stored(pw)
    assert (row.test, row.comment, row.version) == (8, "Tính nhẩm nhanh", 3)
    assert answer.row == {"cn_muc": "", "cn_ktdk": "8", "cn_nx": "Tính nhẩm nhanh"}


def test_grade_4_tieng_viet_and_toan_take_mid_term_tests_other_subjects_do_not(
        pw: PrimaryWorld) -> None:
    # TT 27/2020 Điều 7.1.c: mid-term tests in Tiếng Việt and Toán, grades 4–5 only.
    assert type_in(pw, "gk1_ktdk", "7").value == "7"
    assert type_in(pw, "gk2_ktdk", "8", subject="TIENG_VIET").value == "8"
    # Điều 7.1.b: Khoa học is tested at the end of term I and of the year, not mid-term.
    assert type_in(pw, "ck1_ktdk", "6", subject="KHOA_HOC").value == "6"
    with pytest.raises(services.GradebookError) as refused:
        type_in(pw, "gk1_ktdk", "6", subject="KHOA_HOC")
    assert refused.value.message == (
        "Môn Khoa học lớp 4 không có bài kiểm tra định kì giữa học kì I (TT 27/2020 "
        "Điều 7.1.b–d).")
    with pytest.raises(services.GradebookError, match="Môn Đạo đức lớp 4 không có bài kiểm "
                                                       "tra định kì cuối năm học"):
        type_in(pw, "cn_ktdk", "9", subject="DAO_DUC")


def test_grade_3_toan_has_no_mid_term_test(pw: PrimaryWorld) -> None:
    c3a = SchoolClass.objects.create(school=pw.school, school_year=pw.world.year, grade=3,
                                     name="3A")
    shape = primary_selectors.shape_of(c3a, pw.subjects["TOAN"])
    assert shape.fields == ["gk1_muc", "gk1_nx", "ck1_muc", "ck1_ktdk", "ck1_nx",
                            "gk2_muc", "gk2_nx", "cn_muc", "cn_ktdk", "cn_nx"]
    with pytest.raises(CellError, match="không có bài kiểm tra định kì giữa học kì I"):
        shape.parse("gk1_ktdk", "8")


@pytest.mark.parametrize(("field", "value", "message"), [
    ("cn_muc", "x", "“x” không phải là mức đạt được: chỉ nhận T (Hoàn thành tốt), H (Hoàn "
                    "thành) hoặc C (Chưa hoàn thành) (TT 27/2020 Điều 7.1.a)."),
    ("cn_muc", "Đ", "không phải là mức đạt được"),
    ("cn_ktdk", "8,5", "“8,5”: điểm kiểm tra định kì là số nguyên từ 0 đến 10, không cho "
                       "điểm thập phân (TT 27/2020 Điều 7.1.b–d)."),
    ("cn_ktdk", "11", "Điểm kiểm tra định kì phải từ 0 đến 10 (TT 27/2020 Điều 7.1.b–d)."),
    ("cn_ktdk", "-1", "Điểm kiểm tra định kì phải từ 0 đến 10"),
    ("cn_ktdk", "chín", "“chín” không phải là điểm"),
    ("cn_diem", "8", "Không có cột “cn_diem”"),
])
def test_impossible_values_are_refused_with_the_article_and_nothing_is_written(
        pw: PrimaryWorld, field: str, value: str, message: str) -> None:
    row = primary_services.row_for(pw.homeroom, pw.class_4a, pw.subjects["TOAN"], CN, pw.an)
    with pytest.raises(CellError) as refused:
        primary_services.save_cell(pw.homeroom, row, field, value, 0)
    assert message in refused.value.message
    assert refused.value.field == field
    row.refresh_from_db()
    assert (row.level, row.test, row.version) == ("", None, 0)
    assert not AuditEvent.objects.filter(action="sua_diem").exists()


def test_a_cell_of_another_point_is_refused(pw: PrimaryWorld) -> None:
    row = primary_services.row_for(pw.homeroom, pw.class_4a, pw.subjects["TOAN"], CN, pw.an)
    with pytest.raises(services.GradebookError, match="không thuộc thời điểm Cuối năm"):
        primary_services.save_cell(pw.homeroom, row, "gk1_muc", "T", 0)


def test_the_database_refuses_values_out_of_range(pw: PrimaryWorld) -> None:
    base = {"student": pw.an, "school_class": pw.class_4a}
    bad = [
        (PrimarySubjectResult, {**base, "subject": pw.subjects["TOAN"], "point": CN,
                                "test": 11}),
        (PrimarySubjectResult, {**base, "subject": pw.subjects["TOAN"], "point": CN,
                                "level": "Đ"}),
        (PrimarySubjectResult, {**base, "subject": pw.subjects["TOAN"], "point": 5}),
        (PrimaryClassRecord, {**base, "point": CN, "cham_chi": "H"}),
        (PrimaryClassRecord, {**base, "point": CN, "weight_kg": Decimal("200")}),
        (PrimaryClassRecord, {**base, "point": CN, "height_cm": Decimal("30")}),
        # The year-end facts belong to the end-of-year record only.
        (PrimaryClassRecord, {**base, "point": GK1, "weight_kg": Decimal("28.5")}),
        (PrimaryClassRecord, {**base, "point": CK1, "year_comment": "Ngoan"}),
    ]
    for model, values in bad:
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.create(**values)  # type: ignore[attr-defined]
    # A correction request points to exactly one result.
    row = PrimarySubjectResult.objects.create(**base, subject=pw.subjects["TOAN"], point=CN)
    request = {"field": "cn_muc", "reason": "Sai", "requested_by": pw.homeroom,
               "requested_at": timezone.now()}
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectionRequest.objects.create(**request)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectionRequest.objects.create(**request, primary_result=row, result=(
            TermResult.objects.create(student=pw.world.student, school_class=pw.world.class_6a,
                                      subject=pw.world.math, term=1)))
    CorrectionRequest.objects.create(**request, primary_result=row)


# --- who may write: the TT 22 grid's authorisation -----------------------------------------

def test_the_english_teacher_writes_english_only(pw: PrimaryWorld) -> None:
    assert type_in(pw, "cn_muc", "h", subject="NGOAI_NGU_1", user=pw.english).value == "H"
    with pytest.raises(PermissionDenied):
        type_in(pw, "cn_muc", "t", user=pw.english)
    row = PrimarySubjectResult.objects.create(student=pw.an, school_class=pw.class_4a,
                                              subject=pw.subjects["TOAN"], point=CN)
    with pytest.raises(PermissionDenied):
        primary_services.save_cell(pw.english, row, "cn_muc", "T", 0)
    row.refresh_from_db()
    assert row.level == "" and row.version == 0
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).exists()


def test_teachers_of_another_school_and_the_principal_cannot_write(pw: PrimaryWorld) -> None:
    for user in (pw.world.users[Role.GVCN], pw.world.users[Role.GVBM], pw.principal):
        with pytest.raises(PermissionDenied):
            type_in(pw, "cn_muc", "t", user=user)
    # The principal reads the grid; it is not editable for them.
    grid = primary_selectors.grid(pw.principal, pw.class_4a, pw.subjects["TOAN"])
    assert not grid.editable


def test_the_save_endpoint_answers_403_outside_the_teachers_subject(
        client: Any, pw: PrimaryWorld) -> None:
    client.login(username="gvta", password=PASSWORD)
    url = f"/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/mon/TOAN/"
    answer = client.post(f"{url}o/", {"hoc_sinh": pw.an.pk, "o": "cn_muc", "gia_tri": "T",
                                      "phien_ban": 0})
    assert answer.status_code == 403 and answer.json()["ok"] is False
    assert client.get(url).status_code == 403
    assert not PrimarySubjectResult.objects.exists()


def test_the_tt22_grid_still_refuses_a_primary_subject(pw: PrimaryWorld) -> None:
    with pytest.raises(CellError, match="Tiểu học đánh giá theo mức"):
        selectors.sheet_of(pw.class_4a, pw.subjects["TOAN"], 1)


# --- two people never silently overwrite each other ----------------------------------------

def test_a_stale_view_of_a_cell_is_refused_with_the_other_persons_value(
        pw: PrimaryWorld) -> None:
    row = primary_services.row_for(pw.homeroom, pw.class_4a, pw.subjects["TOAN"], CN, pw.an)
    primary_services.save_cell(pw.homeroom, row, "cn_ktdk", "9", 0)
    with pytest.raises(services.CellConflict) as conflict:
        primary_services.save_cell(pw.homeroom, row, "cn_ktdk", "6", 0)
    assert re.fullmatch(r"Ô này vừa được Phạm Thị Lan sửa thành 9 lúc \d\d:\d\d; hãy xem lại "
                        r"trước khi lưu\.", conflict.value.message)
    # Another cell of the same point, untouched since version 0, is saved.
    assert primary_services.save_cell(pw.homeroom, row, "cn_muc", "T", 0).version == 2
    # Each point has its own row and version.
    assert type_in(pw, "gk1_muc", "H").version == 1
    assert stored(pw).test == 9


def test_the_save_endpoint_answers_json_and_409_on_conflict(
        client: Any, pw: PrimaryWorld) -> None:
    client.login(username="gvth", password=PASSWORD)
    url = f"/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/mon/TOAN/o/"
    cell = {"hoc_sinh": pw.an.pk, "o": "cn_muc", "phien_ban": 0}
    first = client.post(url, {**cell, "gia_tri": "t"})
    assert first.status_code == 200
    assert first.json() == {"ok": True, "field": "cn_muc", "value": "T", "point": 4,
                            "version": 1, "row": {"cn_muc": "T", "cn_ktdk": "", "cn_nx": ""},
                            "request": False, "message": ""}
    stale = client.post(url, {**cell, "gia_tri": "h"})
    assert stale.status_code == 409
    assert stale.json()["current"] == "T" and "Phạm Thị Lan sửa thành T" in (
        stale.json()["message"])
    bad = client.post(url, {**cell, "o": "cn_ktdk", "phien_ban": 1, "gia_tri": "9,5"})
    assert bad.status_code == 400 and "không cho điểm thập phân" in bad.json()["message"]
    assert stored(pw).level == "T"


# --- HCMC QĐ 1789 Điều 13: after the lock, corrections need the principal ----------------

def test_after_term_i_is_locked_a_change_is_a_request_the_principal_approves(
        pw: PrimaryWorld) -> None:
    type_in(pw, "ck1_muc", "H")
    services.lock_term(pw.principal, pw.school, pw.world.year, 1)
    with pytest.raises(services.ReasonRequired, match="ghi lí do"):
        type_in(pw, "ck1_muc", "T")
    answer = type_in(pw, "ck1_muc", "T", reason="Nhập nhầm mức")
    assert answer.correction is not None and answer.value == "H"  # not applied yet
    # Term II (giữa HK II, cuối năm) stays open.
    assert type_in(pw, "cn_muc", "T").correction is None
    request = CorrectionRequest.objects.get()
    assert (request.primary_result, request.result) == (stored(pw, point=CK1), None)
    assert (request.when, request.field_label, request.old_shown, request.new_shown) == (
        "Cuối học kì I", "Cuối HK I · Mức đạt được", "H", "T")

    with pytest.raises(PermissionDenied):
        services.decide_correction(pw.homeroom, request, approve=True)
    with pytest.raises(PermissionDenied):  # another school's principal
        services.decide_correction(pw.world.users[Role.PRINCIPAL], request, approve=True)
    services.decide_correction(pw.principal, request, approve=True, note="Đồng ý")
    row = stored(pw, point=CK1)
    assert row.level == "T" and row.version == 2 and row.updated_by == pw.principal
    request.refresh_from_db()
    assert request.status == CorrectionRequest.Status.APPROVED
    asked = AuditEvent.objects.get(action="de_nghi_sua_diem")
    approved = AuditEvent.objects.get(action="duyet_sua_diem")
    assert asked.detail["ly_do"] == "Nhập nhầm mức" and asked.detail["thoi_diem"] == CK1
    assert (approved.detail["cu"], approved.detail["moi"]) == ("H", "T")
    assert asked.school_id == approved.school_id == pw.school.pk


def test_a_rejected_request_changes_nothing_and_a_changed_cell_cannot_be_approved(
        pw: PrimaryWorld) -> None:
    services.lock_term(pw.principal, pw.school, pw.world.year, 2)
    type_in(pw, "cn_ktdk", "9", reason="Chấm phúc khảo")
    request = CorrectionRequest.objects.get()
    services.decide_correction(pw.principal, request, approve=False)
    assert stored(pw).test is None
    assert AuditEvent.objects.filter(action="tu_choi_sua_diem").exists()
    with pytest.raises(services.GradebookError, match="đã được xử lí"):
        services.decide_correction(pw.principal, request, approve=True)

    type_in(pw, "cn_ktdk", "7", reason="Chấm lại")
    services.unlock_term(pw.principal, pw.school, pw.world.year, 2)
    type_in(pw, "cn_ktdk", "5")
    services.lock_term(pw.principal, pw.school, pw.world.year, 2)
    pending = CorrectionRequest.objects.get(status=CorrectionRequest.Status.PENDING)
    with pytest.raises(services.GradebookError, match="đã đổi thành 5"):
        services.decide_correction(pw.principal, pending, approve=True)
    assert stored(pw).test == 5


def test_the_principals_page_lists_and_decides_both_kinds_of_request(
        client: Any, pw: PrimaryWorld) -> None:
    services.lock_term(pw.principal, pw.school, pw.world.year, 2)
    type_in(pw, "cn_muc", "C", reason="Sai mức")
    client.login(username="hieutruongth", password=PASSWORD)
    page = client.get("/so-diem/khoa/").content.decode()
    assert "Cuối năm học" in page and "Cuối năm · Mức đạt được" in page
    assert "Lê Thị An" in page and "Sai mức" in page
    request = CorrectionRequest.objects.get()
    client.post(f"/so-diem/de-nghi/{request.pk}/", {"thao_tac": "duyet", "ghi_chu": ""})
    assert stored(pw).level == "C"
    page = client.get("/so-diem/khoa/").content.decode()
    assert "Đã duyệt" in page and "Cuối năm học · Cuối năm · Mức đạt được" in page


# --- the grid -------------------------------------------------------------------------------

def test_the_grid_has_the_four_points_and_the_test_columns_of_the_subject(
        client: Any, pw: PrimaryWorld) -> None:
    type_in(pw, "cn_muc", "t")
    type_in(pw, "cn_ktdk", "10")
    client.login(username="gvth", password=PASSWORD)
    html = client.get(f"/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/mon/TOAN/").content.decode()
    for header in ("Giữa HK I", "Cuối HK I", "Giữa HK II", "Cuối năm", "Mức", "KTĐK"):
        assert f">{header}</th>" in html
    assert html.count(">KTĐK</th>") == 4  # Toán 4: mid-term and end-of-term tests
    assert 'aria-label="Mức Cuối năm — Lê Thị An"' in html
    assert 'value="T" data-field="cn_muc"' in html and 'value="10" data-field="cn_ktdk"' in html
    assert 'data-v4="2"' in html and 'data-v1="0"' in html
    assert "gradebook/primary_grid.js" in html and "<script>" not in html
    assert "style=" not in html
    ethics = client.get(f"/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/mon/DAO_DUC/")
    assert ">KTĐK</th>" not in ethics.content.decode()


def test_the_plain_form_saves_the_changed_cells_and_lists_the_refused_ones(
        client: Any, pw: PrimaryWorld) -> None:
    client.login(username="gvth", password=PASSWORD)
    url = f"/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/mon/TOAN/"
    grid = primary_selectors.grid(pw.homeroom, pw.class_4a, pw.subjects["TOAN"])
    data: dict[str, str] = {}
    for row in grid.rows:
        sid = row.student.pk
        data[f"o-{sid}"] = row.originals_json
        for point in (1, 2, 3, 4):
            data[f"v-{sid}-{point}"] = "0"
        for column, value in row.cells:
            data[f"c-{sid}-{column.name}"] = value
    data[f"c-{pw.an.pk}-cn_muc"] = "h"
    data[f"c-{pw.an.pk}-cn_ktdk"] = "7"
    data[f"c-{pw.bao.pk}-ck1_ktdk"] = "7,5"
    answer = client.post(url, data, follow=True)
    html = answer.content.decode()
    assert "Đã lưu 2 ô." in html
    assert ("Dòng 3 (Trần Văn Bảo), cột Cuối HK I · Điểm KTĐK: “7,5”: điểm kiểm tra định kì "
            "là số nguyên") in html
    assert (stored(pw).level, stored(pw).test) == ("H", 7)
    assert not PrimarySubjectResult.objects.filter(student=pw.bao).exclude(test=None).exists()
    assert json.loads(data[f"o-{pw.an.pk}"])["cn_muc"] == ""


def test_the_gradebook_home_lists_the_primary_sheets_of_the_teacher(
        client: Any, pw: PrimaryWorld) -> None:
    client.login(username="gvta", password=PASSWORD)
    html = client.get("/so-diem/").content.decode()
    assert "Sổ theo dõi Ngoại ngữ 1 4A" in html
    assert "Sổ theo dõi Toán 4A" not in html
    assert "Bạn chưa được phân công" not in html
