"""The Excel round trip of a class × subject score sheet (issue 3, part 5): the sheet is
exported in the teachers' layout, filled in Excel, and imported all or nothing with the grid's
own rules (TT 22/2021 Điều 5.3, 6.2, 9.1) and the roster import's protections."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils.crypto import salted_hmac
from openpyxl import Workbook, load_workbook

from hocba.accounts.models import User
from hocba.audit.models import AuditEvent
from hocba.curriculum.models import Subject
from hocba.domain.access import Role
from hocba.gradebook import excel, selectors, services
from hocba.gradebook.models import TermResult
from hocba.roster.models import Enrolment, Student, TeachingAssignment
from tests.world import PASSWORD

HEADER = 6  # the header row of the exported sheet
# Columns of Toán 6 (4 ĐĐGtx, TT 22/2021 Điều 6.2.b): A STT … I ĐTB, J Nhận xét.
COL = {"code": "B", "name": "C", "tx1": "D", "tx2": "E", "tx3": "F", "tx4": "G", "gk": "H",
       "ck": "I", "avg": "J", "nhan_xet": "K"}
NOTHING_WRITTEN = "chưa có điểm nào được ghi"


@pytest.fixture
def six_a(world: Any) -> Any:
    """6A with Ánh and two more students; class-list order: An, Ánh, Bảo (rows 7, 8, 9)."""
    for code, name in (("HS9001", "Lê Thị An"), ("HS9002", "Trần Văn Bảo")):
        student = Student.objects.create(student_code=code, full_name=name,
                                         birth_date=date(2013, 3, 3), sex="nam",
                                         school=world.school)
        Enrolment.objects.create(student=student, school_class=world.class_6a,
                                 start_date=world.year.start, reason=Enrolment.Reason.ADMITTED)
    return world


def gvbm(world: Any) -> User:
    return world.users[Role.GVBM]


def export(world: Any, subject: Subject | None = None, term: int = 1,
           cls: Any = None) -> Any:
    data = excel.export_sheet(gvbm(world), cls or world.class_6a, subject or world.math, term)
    return load_workbook(io.BytesIO(data))


def row_of(book: Any, code: str) -> int:
    sheet = book[excel.DATA_SHEET]
    for number in range(HEADER + 1, sheet.max_row + 1):
        if sheet[f"B{number}"].value == code:
            return number
    raise AssertionError(code)


def fill(book: Any, values: dict[str, dict[str, Any]]) -> bytes:
    sheet = book[excel.DATA_SHEET]
    for code, cells in values.items():
        number = row_of(book, code)
        for name, value in cells.items():
            sheet[f"{COL[name]}{number}"] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(world: Any, data: bytes, subject: Subject | None = None, term: int = 1,
           user: User | None = None) -> excel.ImportOutcome:
    return excel.import_sheet(user or gvbm(world), world.class_6a, subject or world.math,
                              term, data, "so-diem.xlsx")


def stored() -> list[tuple[str, list[str], Any, Any, str, int]]:
    return [(r.student.student_code, r.tx, r.gk, r.ck, r.comment, r.version)
            for r in TermResult.objects.select_related("student").order_by("student_id")]


def messages(outcome: excel.ImportOutcome) -> list[str]:
    return [str(e) for e in outcome.errors]


FULL = {"tx1": 8, "tx2": 7.5, "tx3": 9, "tx4": 8, "gk": 7.5, "ck": 8}


# --- export ----------------------------------------------------------------------------

def test_the_export_has_the_teachers_layout_with_numbers_and_grey_fixed_columns(
        six_a: Any) -> None:
    row = services.row_for(gvbm(six_a), six_a.class_6a, six_a.math, 1, six_a.student)
    for name, value in {"tx1": "8", "tx2": "7,5", "tx3": "9", "tx4": "8", "gk": "7,5",
                        "ck": "8", "nhan_xet": "Chăm chỉ"}.items():
        row.refresh_from_db()
        services.save_cell(gvbm(six_a), row, name, value, row.version)

    book = export(six_a)
    sheet = book[excel.DATA_SHEET]
    assert sheet["A1"].value == "Trường THCS Nguyễn Trãi"
    assert "MÔN TOÁN" in sheet["A2"].value
    assert sheet["A3"].value == "Lớp 6A · Học kì I · Năm học 2025-2026"
    assert [c.value for c in sheet[HEADER]] == [
        "STT", "Mã học sinh", "Họ và tên", "TX1", "TX2", "TX3", "TX4", "GK", "CK", "ĐTB",
        "Nhận xét"]
    assert [sheet[f"C{n}"].value for n in (7, 8, 9)] == [
        "Lê Thị An", "Nguyễn Thị Ngọc Ánh", "Trần Văn Bảo"]
    assert [c.value for c in sheet[8]] == [2, "HS0001", "Nguyễn Thị Ngọc Ánh", 8, 7.5, 9, 8,
                                           7.5, 8, 7.9, "Chăm chỉ"]
    assert isinstance(sheet["E8"].value, float)  # a number, not the text "7,5"
    assert sheet["B8"].fill.fgColor.rgb.endswith("D9D9D9")
    assert sheet["J8"].fill.fgColor.rgb.endswith("D9D9D9")  # ĐTB: computed, not to edit
    assert sheet["D8"].fill.fill_type is None
    meta = book[excel.META_SHEET]
    assert meta.sheet_state == "hidden"
    keys = {r[0]: r[1] for r in meta.iter_rows(min_row=2, max_row=10, values_only=True)}
    assert keys["lop_id"] == str(six_a.class_6a.pk)
    assert (keys["mon"], keys["hoc_ki"], keys["nam_hoc"]) == ("TOAN", "1", "2025-2026")
    event = AuditEvent.objects.get(action="xuat_excel_so_diem")
    assert event.kind == AuditEvent.Kind.READ
    assert event.school_id == six_a.school.pk
    assert event.detail["hoc_sinh"] == ["HS9001", "HS0001", "HS9002"]


def test_the_number_of_tx_columns_follows_the_curriculum(six_a: Any) -> None:
    # TT 22/2021 Điều 6.2.b: GDCD 6 has 35 periods a year, so 2 ĐĐGtx.
    gdcd = Subject.objects.get(code="GDCD")
    TeachingAssignment.objects.create(teacher=six_a.teacher_gvbm, school_class=six_a.class_6a,
                                      subject=gdcd)
    book = export(six_a, gdcd)
    assert [c.value for c in book[excel.DATA_SHEET][HEADER]][3:6] == ["TX1", "TX2", "GK"]


def test_only_someone_who_may_see_the_results_can_export(six_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        export(six_a, six_a.literature)
    with pytest.raises(PermissionDenied):
        excel.export_sheet(six_a.users[Role.STUDENT], six_a.class_6a, six_a.math, 1)


# --- the round trip --------------------------------------------------------------------

def test_export_fill_import_stores_the_scores_and_the_term_averages(six_a: Any) -> None:
    data = fill(export(six_a), {
        "HS9001": {**FULL, "nhan_xet": "Tiến bộ"},
        "HS0001": {"tx1": "9,5", "tx2": 9, "tx3": 10, "tx4": 9, "gk": 8.5, "ck": 9.5},
        "HS9002": {"tx1": 5, "gk": 6},
    })
    outcome = upload(six_a, data)
    assert outcome.errors == [] and outcome.conflicts == []
    assert outcome.summary() == "Đã cập nhật 15 ô của 3 học sinh."
    an = TermResult.objects.get(student__student_code="HS9001")
    assert an.tx == ["8", "7.5", "9", "8"]
    assert (an.gk, an.ck, an.comment) == (Decimal("7.5"), Decimal("8"), "Tiến bộ")
    grid = selectors.grid(gvbm(six_a), six_a.class_6a, six_a.math, 1)
    # TT 22/2021 Điều 9.1.b: An 71.5/9 = 7.94 → 7.9; Ánh (37.5 + 17 + 28.5)/9 = 9.22 → 9.2
    assert [r.outcome.value for r in grid.rows] == ["7,9", "9,2", None]
    assert grid.rows[2].outcome.missing == ("TX2", "TX3", "TX4", "CK")
    # Each cell went through the gradebook's service: audited one by one, and the import once.
    assert AuditEvent.objects.filter(action="sua_diem").count() == 15
    event = AuditEvent.objects.get(action="nhap_excel_so_diem")
    assert event.detail["so_o"] == 15 and event.school_id == six_a.school.pk


def test_only_the_changed_cells_are_written(six_a: Any) -> None:
    upload(six_a, fill(export(six_a), {"HS0001": FULL}))
    before = TermResult.objects.get(student=six_a.student)
    assert before.version == 6
    outcome = upload(six_a, fill(export(six_a), {"HS0001": {"ck": 9}}))
    assert outcome.summary() == "Đã cập nhật 1 ô của 3 học sinh."
    after = TermResult.objects.get(student=six_a.student)
    assert after.version == 7 and after.ck == Decimal("9")
    assert set(after.changes) == set(FULL)
    assert after.changes["tx1"]["v"] == 1  # untouched cells keep their last change
    assert TermResult.objects.count() == 1  # no empty rows made for students left alone
    again = upload(six_a, fill(export(six_a), {}))
    assert again.summary() == "Không có ô nào thay đổi so với tệp đã tải về."


def test_clearing_a_cell_in_excel_clears_the_score(six_a: Any) -> None:
    upload(six_a, fill(export(six_a), {"HS0001": FULL}))
    upload(six_a, fill(export(six_a), {"HS0001": {"ck": None}}))
    assert TermResult.objects.get(student=six_a.student).ck is None


def test_an_edited_dtb_column_is_ignored(six_a: Any) -> None:
    upload(six_a, fill(export(six_a), {"HS0001": FULL}))
    outcome = upload(six_a, fill(export(six_a), {"HS0001": {"avg": 10}, "HS9001": {"avg": 3}}))
    assert outcome.ok and outcome.updated == 0
    grid = selectors.grid(gvbm(six_a), six_a.class_6a, six_a.math, 1)
    assert grid.rows[1].outcome.value == "7,9"


def test_a_comment_only_subject_round_trips_d_and_cd(six_a: Any) -> None:
    # TT 22/2021 Điều 5.3.a, 9.1.a: GDTC is assessed Đạt / Chưa đạt.
    gdtc = Subject.objects.get(code="GDTC")
    TeachingAssignment.objects.create(teacher=six_a.teacher_gvbm, school_class=six_a.class_6a,
                                      subject=gdtc)
    user = User.objects.get(pk=gvbm(six_a).pk)
    book = load_workbook(io.BytesIO(excel.export_sheet(user, six_a.class_6a, gdtc, 1)))
    sheet = book[excel.DATA_SHEET]
    assert [c.value for c in sheet[HEADER]][3:8] == ["TX1", "TX2", "GK", "CK", "Kết quả"]
    n = row_of(book, "HS0001")
    for col, value in zip("DEFG", ["Đ", "đ", 8, "CĐ"], strict=True):
        sheet[f"{col}{n}"] = value
    out = io.BytesIO()
    book.save(out)
    refused = excel.import_sheet(user, six_a.class_6a, gdtc, 1, out.getvalue(), "gdtc.xlsx")
    assert messages(refused) == [
        "Trang “Sổ điểm”, dòng 8, cột F (GK): “8” không phải là mức đánh giá: môn đánh giá "
        "bằng nhận xét chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt) (TT 22/2021 Điều 5.3.a). — cần: "
        "Đ (Đạt) hoặc CĐ (Chưa đạt)"]
    assert not TermResult.objects.exists()
    sheet[f"F{n}"] = "Đ"
    out = io.BytesIO()
    book.save(out)
    outcome = excel.import_sheet(user, six_a.class_6a, gdtc, 1, out.getvalue(), "gdtc.xlsx")
    assert outcome.ok, messages(outcome)
    row = TermResult.objects.get()
    assert (row.tx, row.gk_rating, row.ck_rating) == (["D", "D"], "D", "CD")


# --- refusals: nothing is written ------------------------------------------------------

def test_every_impossible_cell_is_listed_and_nothing_is_written(six_a: Any) -> None:
    data = fill(export(six_a), {
        "HS9001": {**FULL, "tx1": 11},
        "HS0001": {**FULL, "gk": 7.25, "tx2": "abc"},
        "HS9002": {**FULL, "ck": date(2025, 5, 8), "nhan_xet": "x" * 2001},
    })
    outcome = upload(six_a, data)
    assert [(e.row, e.column, e.header) for e in outcome.errors] == [
        (7, "D", "TX1"), (8, "E", "TX2"), (8, "H", "GK"), (9, "I", "CK"), (9, "K", "Nhận xét")]
    text = messages(outcome)
    assert "điểm phải từ 0 đến 10 (TT 22/2021 Điều 5.3.b)" in text[0]
    assert "“abc” không phải là điểm" in text[1]
    assert "tối đa một chữ số thập phân" in text[2]
    assert "Excel có thể đã tự đổi điểm thành ngày" in text[3]
    assert "nhận xét dài quá 2000 kí tự" in text[4]
    assert "cần: điểm từ 0 đến 10, tối đa một chữ số thập phân" in text[0]
    assert outcome.summary().endswith(f"{NOTHING_WRITTEN}: 5 lỗi.")
    assert stored() == []
    assert not AuditEvent.objects.filter(action__in=["sua_diem", "nhap_excel_so_diem"]).exists()


def test_unknown_duplicated_and_missing_students_are_refused(six_a: Any) -> None:
    book = export(six_a)
    sheet = book[excel.DATA_SHEET]
    sheet["D7"] = 8
    sheet["B9"] = "HS0002"  # Bình is in 6B, not in 6A (and Bảo is now missing)
    sheet["C9"] = "Trần Văn Bình"
    sheet.append([4, "HS9001", "Lê Thị An", 9])  # An a second time
    out = io.BytesIO()
    book.save(out)
    outcome = upload(six_a, out.getvalue())
    assert messages(outcome) == [
        "Trang “Sổ điểm”: thiếu dòng của học sinh Trần Văn Bảo (HS9002) đang học lớp 6A — "
        "cần: đủ các học sinh của lớp, như tệp đã tải về (nếu lớp vừa có học sinh mới, hãy "
        "tải lại tệp)",
        "Trang “Sổ điểm”, dòng 9, cột B (Mã học sinh): mã học sinh “HS0002” không có trong "
        "lớp 6A — cần: chỉ các học sinh đang học lớp này, như trong tệp đã tải về",
        "Trang “Sổ điểm”, dòng 10, cột B (Mã học sinh): học sinh HS9001 lặp lại, đã có ở "
        "dòng 7 — cần: mỗi học sinh một dòng; xoá dòng thừa",
    ]
    assert stored() == []


def test_rows_shifted_against_the_names_are_refused(six_a: Any) -> None:
    book = export(six_a)
    book[excel.DATA_SHEET]["C7"] = "Trần Văn Bảo"
    out = io.BytesIO()
    book.save(out)
    outcome = upload(six_a, out.getvalue())
    assert "không khớp với mã HS9001 (Lê Thị An)" in messages(outcome)[0]


def test_a_sheet_of_another_class_subject_or_term_is_refused(six_a: Any) -> None:
    TeachingAssignment.objects.create(teacher=six_a.teacher_gvbm, school_class=six_a.class_6b,
                                      subject=six_a.math)
    user = User.objects.get(pk=gvbm(six_a).pk)
    other_class = excel.export_sheet(user, six_a.class_6b, six_a.math, 1)
    outcome = upload(six_a, other_class, user=user)
    assert messages(outcome) == [
        "Tệp “so-diem.xlsx” là sổ điểm môn Toán lớp 6B học kì 1 năm học 2025-2026, không "
        "phải sổ điểm môn Toán lớp 6A học kì 1 năm học 2025-2026 — cần: tải lên đúng tệp của "
        "sổ điểm này, hoặc mở sổ điểm của tệp đó rồi nhập ở đó"]
    term_two = fill(export(six_a, term=2), {"HS0001": {"tx1": 8}})
    assert "học kì 2" in messages(upload(six_a, term_two))[0]
    assert stored() == []


def test_a_file_not_exported_by_hocba_or_not_a_spreadsheet_is_refused(six_a: Any) -> None:
    book = Workbook()
    book.active.append(["STT", "Mã học sinh", "Họ và tên", "TX1"])
    out = io.BytesIO()
    book.save(out)
    assert "không phải sổ điểm tải về từ hocba" in messages(upload(six_a, out.getvalue()))[0]
    assert "là tài liệu PDF" in messages(upload(six_a, b"%PDF-1.7 ..."))[0]
    assert "trống (0 byte)" in messages(upload(six_a, b""))[0]
    assert stored() == []


def test_formulas_are_refused_except_in_the_ignored_dtb_column(six_a: Any) -> None:
    data = fill(export(six_a), {"HS0001": {**FULL, "tx1": "=7+1", "avg": "=AVERAGE(D8:I8)"}})
    outcome = upload(six_a, data)
    assert messages(outcome) == [
        "Trang “Sổ điểm”, dòng 8, cột D: ô D8 chứa công thức “=7+1”; hệ thống không đọc "
        "công thức — cần: giá trị gõ trực tiếp (chép rồi dùng Dán đặc biệt → Chỉ giá trị)"]
    assert stored() == []


def test_a_tx_column_beyond_the_curriculum_is_refused(six_a: Any) -> None:
    book = export(six_a)
    book[excel.DATA_SHEET]["L6"] = "TX5"
    out = io.BytesIO()
    book.save(out)
    outcome = upload(six_a, out.getvalue())
    assert "Môn Toán lớp 6 chỉ có 4 lần đánh giá thường xuyên" in messages(outcome)[0]
    assert outcome.errors[0].column == "L"


def test_a_locked_term_refuses_the_import_and_points_to_correction_requests(
        six_a: Any) -> None:
    data = fill(export(six_a), {"HS0001": FULL})
    services.lock_term(six_a.users[Role.PRINCIPAL], six_a.school, six_a.year, 1)
    outcome = upload(six_a, data)
    assert "đã được Hiệu trưởng khoá" in messages(outcome)[0]
    assert "đề nghị sửa điểm" in messages(outcome)[0]
    assert stored() == []


def test_only_the_subject_teacher_may_import(six_a: Any) -> None:
    data = fill(export(six_a), {"HS0001": FULL})
    with pytest.raises(PermissionDenied):
        upload(six_a, data, user=six_a.users[Role.GVCN])
    assert stored() == []


# --- concurrency: never a silent overwrite ---------------------------------------------

def test_a_cell_changed_by_someone_else_since_the_export_is_not_overwritten(
        six_a: Any) -> None:
    book = export(six_a)
    # Meanwhile, on the grid: Ánh's TX1 and An's GK are saved.
    for student, name, value in ((six_a.student, "tx1", "6"), (None, "gk", "5")):
        who = student or Student.objects.get(student_code="HS9001")
        row = services.row_for(gvbm(six_a), six_a.class_6a, six_a.math, 1, who)
        services.save_cell(gvbm(six_a), row, name, value, row.version)
    outcome = upload(six_a, fill(book, {"HS0001": FULL, "HS9001": {"gk": 5, "ck": 4}}))
    assert outcome.ok
    assert [(c.row, c.column) for c in outcome.conflicts] == [(8, "D")]
    assert ("đã được Hoàng Văn Nam sửa thành 6" in outcome.conflicts[0].problem
            and "giá trị trong tệp (8) chưa được ghi" in outcome.conflicts[0].problem)
    assert outcome.updated == 6  # Ánh's 5 other cells and An's CK; An's GK was already 5
    anh = TermResult.objects.get(student=six_a.student)
    assert anh.tx == ["6", "7.5", "9", "8"]
    assert "1 ô không được ghi" in outcome.summary()


# --- the pages -------------------------------------------------------------------------

def test_the_pages_download_and_upload_the_sheet(client: Any, six_a: Any) -> None:
    client.login(username="gvbm", password=PASSWORD)
    base = f"/so-diem/lop/{six_a.class_6a.pk}/mon/TOAN/hk/1/"
    grid = client.get(base).content.decode()
    assert f'href="{base}excel/"' in grid and f'href="{base}excel/nhap/"' in grid
    answer = client.get(f"{base}excel/")
    assert answer.status_code == 200
    assert answer["Content-Type"] == excel.XLSX_CONTENT_TYPE
    assert "S%E1%BB%95%20%C4%91i%E1%BB%83m%20To%C3%A1n%206A%20HK1" in answer[
        "Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    bad = fill(book, {"HS0001": {**FULL, "gk": 12}})
    page = client.post(f"{base}excel/nhap/", {"tep": _file(bad)})
    assert page.status_code == 400
    assert "Điểm phải từ 0 đến 10" in page.content.decode()
    good = fill(book, {"HS0001": {"gk": 7.5}})
    done = client.post(f"{base}excel/nhap/", {"tep": _file(good)}, follow=True)
    assert done.redirect_chain[-1][0] == base
    assert "Đã cập nhật 6 ô của 3 học sinh." in done.content.decode()
    assert client.get(f"/so-diem/lop/{six_a.class_6a.pk}/mon/NGU_VAN/hk/1/excel/"
                      ).status_code == 403
    assert client.get(f"{base}excel/nhap/").status_code == 200


def _file(data: bytes) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("so-diem.xlsx", data, content_type=excel.XLSX_CONTENT_TYPE)


# --- the signed identity sheet ---------------------------------------------------------

TAMPERED = ("trang nhận diện ẩn “hocba” của tệp “so-diem.xlsx” đã bị sửa hoặc không do "
            "hocba tạo ra (mã kiểm tra không khớp)")


def _meta_row(book: Any, key: str) -> int:
    meta = book[excel.META_SHEET]
    return next(n for n in range(1, 12) if meta.cell(n, 1).value == key)


def _saved(book: Any) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_identity_sheet_carries_an_hmac_of_its_keys_values_and_versions(
        six_a: Any) -> None:
    upload(six_a, fill(export(six_a), {"HS0001": FULL}))
    book = export(six_a)
    meta = book[excel.META_SHEET]
    keys = {meta.cell(n, 1).value: meta.cell(n, 2).value for n in range(2, 12)}
    assert len(keys[excel.SIGNATURE_KEY]) == 64  # HMAC-SHA256, hex
    header = [c.value for c in meta[12] if c.value]
    assert header[0] == "ma_hoc_sinh" and header[-1] == excel.VERSION_COLUMN
    anh = next(r for r in meta.iter_rows(min_row=13, values_only=True) if r[0] == "HS0001")
    assert anh[len(header) - 1] == "6"  # Ánh's row version at export (6 cells written)


@pytest.mark.parametrize("tamper", [
    "lop_id",  # pointed at another class
    "value",  # an exported value changed, to overwrite someone else's cell unseen
    "signature",  # the HMAC itself edited
    "forged",  # a hidden sheet written by hand with a made-up signature
])
def test_an_edited_or_forged_identity_sheet_is_refused_and_nothing_is_written(
        six_a: Any, tamper: str) -> None:
    book = export(six_a)
    meta = book[excel.META_SHEET]
    if tamper == "lop_id":
        meta.cell(_meta_row(book, "lop_id"), 2).value = str(six_a.class_6b.pk)
    elif tamper == "value":
        meta.cell(13, 2).value = "9"
    elif tamper == "signature":
        meta.cell(_meta_row(book, excel.SIGNATURE_KEY), 2).value = "0" * 64
    else:
        meta.cell(_meta_row(book, excel.SIGNATURE_KEY), 2).value = (
            salted_hmac("khac", "x", secret="doan-mo").hexdigest())
    outcome = upload(six_a, fill(book, {"HS0001": FULL}))
    assert [str(e) for e in outcome.errors] == [
        TAMPERED[:1].upper() + TAMPERED[1:] + ", nên không xác định được đây là sổ điểm nào "
        "và không nhập — cần: tải lại tệp Excel từ trang sổ điểm (nút “Tải Excel”) và điền "
        "điểm vào chính tệp đó; không sửa, không chép trang ẩn “hocba”"]
    assert stored() == []
    assert not AuditEvent.objects.filter(action__in=["sua_diem", "nhap_excel_so_diem"]).exists()


def test_a_file_signed_with_another_secret_key_is_refused(six_a: Any, settings: Any) -> None:
    # The key is derived from SECRET_KEY: another hocba installation's files are not ours.
    settings.SECRET_KEY = "mot-khoa-bi-mat-khac-cua-truong-khac-0123456789"
    data = fill(export(six_a), {"HS0001": FULL})
    settings.SECRET_KEY = "khoa-bi-mat-cua-truong-nay-9876543210-abcdefghij"
    assert TAMPERED[1:] in messages(upload(six_a, data))[0]
    assert stored() == []


# --- the downloadable error list -------------------------------------------------------

def test_a_refused_file_offers_its_error_list_as_an_xlsx(client: Any, six_a: Any) -> None:
    client.login(username="gvbm", password=PASSWORD)
    base = f"/so-diem/lop/{six_a.class_6a.pk}/mon/TOAN/hk/1/"
    bad = fill(export(six_a), {"HS9001": {"tx1": 11}, "HS0001": {**FULL, "gk": "abc"}})
    page = client.post(f"{base}excel/nhap/", {"tep": _file(bad)})
    assert page.status_code == 400
    token = page.context["error_token"]
    link = f"/nhap-excel/loi/{token}.xlsx"
    assert f'data-testid="import-errors-download" href="{link}"' in page.content.decode()
    answer = client.get(link)
    assert answer.status_code == 200
    assert answer["Content-Type"] == excel.XLSX_CONTENT_TYPE
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = [tuple(v for v in r if v is not None) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ("Không nhập được tệp “so-diem.xlsx” — chưa có điểm nào được ghi: "
                       "2 lỗi.",)
    assert rows[3] == ("Trang", "Dòng", "Cột", "Tiêu đề cột", "Lỗi", "Cần")
    assert rows[4][:4] == ("Sổ điểm", 7, "D", "TX1")
    assert "điểm phải từ 0 đến 10" in rows[4][4]
    assert rows[4][5].startswith("điểm từ 0 đến 10, tối đa một chữ số thập phân")
    assert rows[5][:4] == ("Sổ điểm", 8, "H", "GK")
    # The list belongs to this session only.
    client.logout()
    client.login(username="gvcn", password=PASSWORD)
    assert client.get(link).status_code == 404
    assert stored() == []
