"""The class list and teacher list sheets, cell by cell (pure: no database, no file).

Rows are given as the spreadsheet reader hands them over: every number a float, dates as
``datetime.date``, empty cells as "". Every rule is asserted on the message the user reads.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

import pytest

from hocba.domain import roster_sheet as rs
from hocba.domain.identity import Sex

START = date(2025, 9, 5)
TODAY = date(2025, 10, 1)
CLASSES = rs.class_index(["6A", "6B", "7A"])
CTX = rs.ClassListContext(CLASSES, "2025-2026", START, TODAY)
TCTX = rs.TeacherListContext(CLASSES, "2025-2026", START, TODAY, ("THCS",))
SHEET = "Danh sách lớp"
TSHEET = "Danh sách giáo viên"
HEADER = [c.header for c in rs.CLASS_LIST.columns]
THEADER = [c.header for c in rs.TEACHER_LIST.columns]


def student(**values: Any) -> list[Any]:
    """A class-list row in template column order; defaults are a valid girl of 6A."""
    row = {"stt": 1.0, "student_code": "HS0101", "full_name": "Trần Thị Mai",
           "birth_date": date(2013, 3, 4), "sex": "Nữ", "class_name": "6A",
           "personal_id": "001313000101"}
    row.update(values)
    return [row.get(c.key, "") for c in rs.CLASS_LIST.columns]


def teacher(**values: Any) -> list[Any]:
    row = {"stt": 1.0, "staff_code": "GV0101", "full_name": "Phạm Văn Long", "sex": "Nam"}
    row.update(values)
    return [row.get(c.key, "") for c in rs.TEACHER_LIST.columns]


def parse(*rows: list[Any], header: list[Any] | None = None) -> rs.ParsedSheet[rs.StudentRow]:
    return rs.parse_class_list(SHEET, [header or HEADER, *rows], CTX)


def tparse(*rows: list[Any]) -> rs.ParsedSheet[rs.TeacherRow]:
    return rs.parse_teacher_list(TSHEET, [THEADER, *rows], TCTX)


def messages(parsed: rs.ParsedSheet[Any]) -> list[str]:
    return [str(e) for e in parsed.errors]


# --- where an error is, as the user sees it -----------------------------------------------

def test_column_letters_are_those_excel_shows() -> None:
    assert [rs.column_letter(i) for i in (0, 6, 25, 26, 27, 701, 702)] == [
        "A", "G", "Z", "AA", "AB", "ZZ", "AAA"]
    assert rs.column_number("AA") == 27


def test_an_error_names_sheet_row_column_header_problem_and_what_is_needed() -> None:
    """The century/sex digit of a girl born in 2013 must be 3 (TT 07/2016/TT-BCA Điều 7)."""
    parsed = parse(student(), student(), student(), student(), student(), student(
        student_code="HS0107", personal_id="001213000107"))
    bad = [e for e in parsed.errors if e.row == 7]
    assert [str(e) for e in bad] == [
        "Trang “Danh sách lớp”, dòng 7, cột G (Số định danh cá nhân): chữ số thứ 4 là 2 "
        "nhưng học sinh nữ sinh năm 2013 phải có 3 — cần: chữ số thứ 4 bằng 3 (thế kỷ và "
        "giới tính khớp ngày sinh)"]


def test_a_problem_with_the_whole_file_reads_as_a_sentence() -> None:
    assert str(rs.file_error("tệp “a.pdf” là tài liệu PDF", "tệp .xlsx")) == (
        "Tệp “a.pdf” là tài liệu PDF — cần: tệp .xlsx")


# --- a good class list ---------------------------------------------------------------------

def test_a_good_row_becomes_a_typed_student() -> None:
    parsed = parse(student(ethnicity="Tày", nationality="Viet Nam", place_of_birth="Hà Nội"))
    assert parsed.errors == []
    assert parsed.rows == [rs.StudentRow(
        row=2, student_code="HS0101", full_name="Trần Thị Mai", birth_date=date(2013, 3, 4),
        sex=Sex.FEMALE, class_name="6A", personal_id="001313000101", ethnicity="02",
        nationality="Việt Nam", place_of_birth="Hà Nội")]


def test_every_text_cell_is_stored_in_nfc_even_when_typed_in_nfd() -> None:
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    parsed = parse(student(full_name=nfd("Nguyễn  Thị Ngọc Ánh "), sex=nfd("Nữ"),
                           ethnicity=nfd("Mường"), hometown=nfd("Thừa Thiên Huế"),
                           father_name=nfd("Nguyễn Văn Đức")),
                   header=[nfd(h) for h in HEADER])
    assert parsed.errors == []
    row = parsed.rows[0]
    assert row.full_name == "Nguyễn Thị Ngọc Ánh"
    for value in (row.full_name, row.hometown, row.father_name):
        assert value is not None and unicodedata.is_normalized("NFC", value)
    assert row.sex is Sex.FEMALE and row.ethnicity == "06"


def test_headers_are_matched_forgivingly_below_a_title_block() -> None:
    """Case, diacritics, spacing, "*" marks and "(hint)" suffixes do not matter."""
    header = ["stt", "MÃ HS", "ho va ten*", "Ngày sinh (dd/mm/yyyy)", "giới  tính", "lớp",
              "Số CCCD", "Ghi chú"]
    rows = [["DANH SÁCH HỌC SINH NĂM HỌC 2025-2026"], [], header,
            [1.0, "HS0101", "Trần Thị Mai", "04/03/2013", "nữ", "6a", "001313000101", "x"]]
    parsed = rs.parse_class_list(SHEET, rows, CTX)
    assert parsed.errors == []
    assert parsed.layout is not None and parsed.layout.header_row == 3
    assert parsed.rows[0].row == 4 and parsed.rows[0].class_name == "6A"


def test_empty_rows_prenumbered_rows_and_the_template_example_are_skipped() -> None:
    example = student(stt="Ví dụ", student_code="HS250001")
    parsed = parse(example, ["", "  ", ""], [2.0], student(student_code="HS0102"))
    assert parsed.errors == []
    assert [(r.row, r.student_code) for r in parsed.rows] == [(5, "HS0102")]


def test_a_row_that_only_looks_like_the_example_is_imported() -> None:
    parsed = parse(student(stt="Ví dụ", student_code="HS0199", personal_id=""))
    assert [r.student_code for r in parsed.rows] == ["HS0199"]


def test_a_sheet_without_data_rows_is_an_error() -> None:
    assert messages(parse([""], [3.0])) == [
        "Trang “Danh sách lớp”: không có dòng dữ liệu nào dưới dòng tiêu đề (dòng 1) — cần: "
        "mỗi học sinh một dòng, bắt đầu từ dòng 2"]


def test_ethnic_group_in_any_common_spelling_or_code_blank_is_not_given() -> None:
    rows = [student(student_code=f"HS01{i}", personal_id="", ethnicity=value)
            for i, value in enumerate(("Khmer", "H'Mông", "Ê Đê", 5.0, "1", ""))]
    parsed = parse(*rows)
    assert parsed.errors == []
    assert [r.ethnicity for r in parsed.rows] == ["05", "08", "12", "05", "01", None]


# --- dates ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", [date(2013, 3, 4), datetime(2013, 3, 4, 0, 0), "04/03/2013",
                                  "4/3/2013", "04-03-2013", "04.03.2013", "2013-03-04",
                                  "04/03/2013 00:00:00"])
def test_dates_arrive_as_excel_dates_or_as_text_day_month_year(cell: Any) -> None:
    parsed = parse(student(birth_date=cell))
    assert parsed.errors == [] and parsed.rows[0].birth_date == date(2013, 3, 4)


@pytest.mark.parametrize(("cell", "problem"), [
    ("ngày 4 tháng 3", "“ngày 4 tháng 3” không phải ngày dạng dd/mm/yyyy"),
    ("31/02/2013", "ngày “31/02/2013” không có thật"),
    ("04/03/13", "“04/03/13” không phải ngày dạng dd/mm/yyyy"),
    (41337.0, "ô chứa số 41337, không phải ngày"),
    (True, "ô chứa giá trị đúng/sai (TRUE/FALSE), không phải ngày"),
])
def test_a_birth_date_that_is_not_a_date_is_refused(cell: Any, problem: str) -> None:
    (error,) = parse(student(birth_date=cell)).errors
    assert (error.column, error.header, error.problem) == ("D", "Ngày sinh", problem)


def test_a_birth_date_in_the_future_is_refused() -> None:
    (error,) = parse(student(birth_date="02/05/2031", personal_id="")).errors
    assert str(error) == ("Trang “Danh sách lớp”, dòng 2, cột D (Ngày sinh): ngày sinh "
                          "02/05/2031 ở tương lai — cần: ngày sinh thật, trước hôm nay")


@pytest.mark.parametrize(("born", "age"), [(date(2021, 1, 1), 4), (date(1999, 9, 4), 26)])
def test_a_student_younger_than_5_or_older_than_25_on_the_first_day_is_refused(
        born: date, age: int) -> None:
    (error,) = parse(student(birth_date=born, personal_id="")).errors
    assert error.problem == (f"ngày sinh {born:%d/%m/%Y}: học sinh {age} tuổi vào ngày bắt "
                             "đầu năm học 05/09/2025")
    assert error.expected == "học sinh từ 5 đến 25 tuổi vào ngày bắt đầu năm học"


def test_ages_5_and_25_on_the_first_day_are_accepted() -> None:
    parsed = parse(student(birth_date=date(2020, 9, 5), personal_id=""),
                   student(student_code="HS0102", birth_date=date(2000, 9, 6), personal_id=""))
    assert parsed.errors == []


# --- sex -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "sex"), [("Nam", Sex.MALE), ("NAM", Sex.MALE),
                                           ("nữ", Sex.FEMALE), ("Nu", Sex.FEMALE)])
def test_sex_is_nam_or_nu_in_any_case(cell: str, sex: Sex) -> None:
    parsed = parse(student(sex=cell, personal_id=""))
    assert parsed.rows[0].sex is sex


@pytest.mark.parametrize(("cell", "problem"), [
    (1.0, "ô chứa số 1, không phải giới tính"), ("x", "giới tính “x” không rõ")])
def test_a_sex_that_is_not_nam_or_nu_is_refused(cell: Any, problem: str) -> None:
    (error,) = parse(student(sex=cell, personal_id="")).errors
    assert (error.column, error.problem, error.expected) == ("E", problem, "Nam hoặc Nữ")


# --- personal identity number --------------------------------------------------------------

@pytest.mark.parametrize(("cell", "problem"), [
    ("00131300010", "số định danh “00131300010” phải gồm đúng 12 chữ số"),
    ("0013130001AB", "số định danh “0013130001AB” phải gồm đúng 12 chữ số"),
    ("099313000101", "3 chữ số đầu “099” không phải mã tỉnh nơi đăng ký khai sinh"),
    ("001213000101", "chữ số thứ 4 là 2 nhưng học sinh nữ sinh năm 2013 phải có 3"),
    ("001113000101", "chữ số thứ 4 là 1 nhưng học sinh nữ sinh năm 2013 phải có 3"),
    ("001314000101", "chữ số thứ 5–6 là 14 nhưng năm sinh là 2013"),
])
def test_identity_numbers_must_be_well_formed_and_agree_with_birth_and_sex(
        cell: str, problem: str) -> None:
    (error,) = parse(student(personal_id=cell)).errors
    assert (error.column, error.header, error.problem) == ("G", "Số định danh cá nhân", problem)


def test_an_identity_number_excel_turned_into_a_figure_gets_its_zeros_back() -> None:
    """Province codes start with 0, so a 12-digit number padded with zeros is exact."""
    parsed = parse(student(personal_id=1313000101.0), student(
        student_code="HS0102", personal_id="001 313 000 102"))
    assert parsed.errors == []
    assert [r.personal_id for r in parsed.rows] == ["001313000101", "001313000102"]


def test_a_blank_identity_number_is_allowed() -> None:
    assert parse(student(personal_id="")).rows[0].personal_id is None


# --- codes, names, classes -----------------------------------------------------------------

def test_a_repeated_student_code_is_an_error_on_every_row_naming_the_others() -> None:
    parsed = parse(student(), student(personal_id="001313000102"), student(
        student_code="HS0102", personal_id="001313000103"), student(personal_id="",
                                                                    birth_date="x"))
    dup = [str(e) for e in parsed.errors if e.column == "B"]
    assert dup == [
        f"Trang “Danh sách lớp”, dòng {n}, cột B (Mã học sinh): mã học sinh “HS0101” trùng "
        f"với dòng {others} — cần: mỗi học sinh chỉ một dòng, mỗi mã học sinh chỉ xuất hiện "
        "một lần trong tệp" for n, others in ((2, "3, 5"), (3, "2, 5"), (5, "2, 3"))]
    assert [r.student_code for r in parsed.rows] == ["HS0102"]


def test_a_repeated_identity_number_is_an_error_on_both_rows() -> None:
    parsed = parse(student(), student(student_code="HS0102"))
    assert [(e.row, e.column, e.problem) for e in parsed.errors] == [
        (2, "G", "số định danh “001313000101” trùng với dòng 3"),
        (3, "G", "số định danh “001313000101” trùng với dòng 2")]


def test_an_unknown_class_lists_the_classes_that_exist() -> None:
    (error,) = parse(student(class_name="6C")).errors
    assert str(error) == ("Trang “Danh sách lớp”, dòng 2, cột F (Lớp): lớp “6C” không có "
                          "trong năm học 2025-2026 của trường — cần: một trong các lớp: 6A, "
                          "6B, 7A")


def test_a_school_without_classes_that_year_is_told_to_create_them() -> None:
    ctx = rs.ClassListContext({}, "2025-2026", START, TODAY)
    (error,) = rs.parse_class_list(SHEET, [HEADER, student()], ctx).errors
    assert error.expected == "tạo các lớp của năm học trước khi nhập danh sách"


@pytest.mark.parametrize(("values", "column", "problem"), [
    ({"full_name": "Lê 2"}, "C", "họ tên “Lê 2” có chữ số"),
    ({"full_name": 12.0}, "C", "ô chứa số 12, không phải họ tên"),
    ({"full_name": ""}, "C", "thiếu họ và tên"),
    ({"student_code": "HS 01"}, "B", "mã học sinh “HS 01” có kí tự không hợp lệ"),
    ({"student_code": "X" * 21}, "B", "dài 21 kí tự, vượt quá 20 kí tự"),
    ({"class_name": ""}, "F", "thiếu lớp"),
    ({"ethnicity": "Xyz"}, "H", "dân tộc “Xyz” không có trong danh mục 54 dân tộc"),
    ({"address": "a" * 301}, "L", "dài 301 kí tự, vượt quá 300 kí tự"),
])
def test_wrong_cells_are_refused_with_their_column(values: dict[str, Any], column: str,
                                                  problem: str) -> None:
    (error,) = parse(student(**values)).errors
    assert (error.row, error.column, error.problem) == (2, column, problem)


def test_a_numeric_student_code_is_read_as_text() -> None:
    assert parse(student(student_code=2501001.0)).rows[0].student_code == "2501001"


def test_every_error_of_every_row_is_collected() -> None:
    parsed = parse(student(full_name="", sex=2.0), student(
        student_code="HS0102", birth_date="hôm qua", class_name="9Z", personal_id="1"))
    assert [(e.row, e.column) for e in parsed.errors] == [
        (2, "C"), (2, "E"), (3, "D"), (3, "F"), (3, "G")]


def test_a_missing_required_column_is_one_error_naming_it() -> None:
    header = [h for h in HEADER if h != "Lớp"]
    header[3] = "NS"  # an unrecognised header is pointed out beside the missing one
    rows = [header, [v for i, v in enumerate(student()) if HEADER[i] != "Lớp"]]
    parsed = rs.parse_class_list(SHEET, rows, CTX)
    assert messages(parsed) == [
        "Trang “Danh sách lớp”: thiếu cột bắt buộc “Ngày sinh” — cần: thêm cột có tiêu đề "
        "“Ngày sinh” vào dòng tiêu đề 1; các tiêu đề không nhận ra: “NS” (cột D)",
        "Trang “Danh sách lớp”: thiếu cột bắt buộc “Lớp” — cần: thêm cột có tiêu đề “Lớp” "
        "vào dòng tiêu đề 1; các tiêu đề không nhận ra: “NS” (cột D)"]
    assert parsed.rows == []


def test_a_sheet_without_a_header_row_says_which_columns_are_needed() -> None:
    (error,) = rs.parse_class_list(SHEET, [["a", "b"], [1.0, 2.0]], CTX).errors
    assert error.problem == "không tìm thấy dòng tiêu đề của danh sách lớp trong 20 dòng đầu"
    assert "“Mã học sinh”, “Họ và tên”, “Ngày sinh”, “Giới tính”, “Lớp”" in error.expected


def test_a_repeated_column_is_an_error() -> None:
    (error,) = parse([*student(), "Lê Văn A"], header=[*HEADER, "Họ tên"]).errors
    assert (error.row, error.column, error.problem) == (
        1, "P", "cột “Họ và tên” lặp lại, đã có ở cột C")


def test_formula_cells_are_reported_by_reference() -> None:
    parsed = parse(student())
    (error,) = rs.formula_errors(SHEET, parsed.layout, [(2, 3, "TODAY()-4000")])
    assert str(error) == (
        "Trang “Danh sách lớp”, dòng 2, cột D (Ngày sinh): ô D2 chứa công thức "
        "“=TODAY()-4000”; hệ thống không đọc công thức — cần: giá trị gõ trực tiếp (chép "
        "rồi dùng Dán đặc biệt → Chỉ giá trị)")


# --- teacher list --------------------------------------------------------------------------

def test_a_good_teacher_row_with_homeroom_and_assignments() -> None:
    parsed = tparse(teacher(birth_date="14/03/1985", personal_id="001085012345",
                            phone=912345678.0, email="Long@Truong.edu.vn",
                            main_subject="Toán", homeroom_class="6a",
                            assignments="TOAN: 6A, 6B; Tin học: 7A;\nkhoa học tự nhiên: 6A"))
    assert parsed.errors == [], messages(parsed)
    (row,) = parsed.rows
    assert (row.phone, row.email, row.main_subject, row.homeroom_class) == (
        "0912345678", "long@truong.edu.vn", "TOAN", "6A")
    assert row.assignments == (("TOAN", "6A"), ("TOAN", "6B"), ("TIN_HOC", "7A"),
                               ("KHTN", "6A"))


def test_subject_names_with_y_or_i_are_the_same_subject() -> None:
    assert rs.subject_code("Vật lý") == rs.subject_code("vat li") == "VAT_LY"
    assert rs.subject_code("Mỹ thuật") == rs.subject_code("MI_THUAT") == "MI_THUAT"
    assert rs.subject_code("Tiếng Anh") == "NGOAI_NGU_1"


def test_vat_ly_is_not_a_lower_secondary_subject() -> None:
    """Vật lí is taught from grade 10; a THCS school assigns KHTN instead."""
    ctx = rs.TeacherListContext(CLASSES, "2025-2026", START, TODAY, ("THCS",))
    parsed = rs.parse_teacher_list(TSHEET, [THEADER, teacher(assignments="Vật lí: 6A")], ctx)
    assert [(e.problem, e.expected) for e in parsed.errors] == [
        ("môn Vật lí không dạy ở cấp THCS của trường", "một môn của cấp THCS")]


def test_an_unknown_subject_is_refused() -> None:
    (error,) = tparse(teacher(main_subject="Thiên văn")).errors
    assert (error.column, error.problem) == ("I", "môn “Thiên văn” không có trong danh mục môn học")


@pytest.mark.parametrize(("cell", "problem"), [
    ("Thiên văn: 6A", "môn “Thiên văn” không có trong danh mục môn học"),
    ("TOAN 6A", "phần “TOAN 6A” thiếu dấu hai chấm giữa môn và lớp"),
    ("TOAN: 6A, 9C", "lớp “9C” không có trong năm học 2025-2026 của trường"),
])
def test_bad_assignments_are_refused(cell: str, problem: str) -> None:
    errors = tparse(teacher(assignments=cell)).errors
    assert [e.column for e in errors] == ["K"]
    assert errors[0].problem.startswith(problem)


def test_one_class_subject_taught_by_two_teachers_in_the_file_is_an_error_on_both() -> None:
    parsed = tparse(teacher(assignments="TOAN: 6A"),
                    teacher(staff_code="GV0102", full_name="Lê Thị Hoa", sex="Nữ",
                            assignments="Toán: 6A, 6B"))
    assert messages(parsed) == [
        "Trang “Danh sách giáo viên”, dòng 2, cột K (Phân công giảng dạy): lớp 6A môn Toán "
        "đã được phân công cho giáo viên khác: Lê Thị Hoa (dòng 3) — cần: mỗi môn của một "
        "lớp do một giáo viên dạy",
        "Trang “Danh sách giáo viên”, dòng 3, cột K (Phân công giảng dạy): lớp 6A môn Toán "
        "đã được phân công cho giáo viên khác: Phạm Văn Long (dòng 2) — cần: mỗi môn của một "
        "lớp do một giáo viên dạy"]
    assert parsed.rows == []


def test_one_class_with_two_homeroom_teachers_is_an_error() -> None:
    parsed = tparse(teacher(homeroom_class="6A"),
                    teacher(staff_code="GV0102", full_name="Lê Thị Hoa", sex="Nữ",
                            homeroom_class="6A"))
    assert [(e.row, e.column) for e in parsed.errors] == [(2, "J"), (3, "J")]


def test_a_teacher_identity_number_is_checked_against_birth_and_sex() -> None:
    (error,) = tparse(teacher(birth_date=date(1985, 3, 14), personal_id="001185012345")).errors
    assert error.problem == "chữ số thứ 4 là 1 nhưng giáo viên nam sinh năm 1985 phải có 0"


@pytest.mark.parametrize(("values", "column", "problem"), [
    ({"phone": "12345"}, "G", "số điện thoại “12345” không hợp lệ"),
    ({"email": "long.truong"}, "H", "“long.truong” không phải địa chỉ thư điện tử"),
    ({"birth_date": date(2010, 1, 1)}, "D",
     "ngày sinh 01/01/2010: giáo viên 15 tuổi vào ngày bắt đầu năm học 05/09/2025"),
])
def test_wrong_teacher_cells_are_refused(values: dict[str, Any], column: str,
                                         problem: str) -> None:
    (error,) = tparse(teacher(**values)).errors
    assert (error.column, error.problem) == (column, problem)


def test_blank_assignments_mean_none_while_an_absent_column_means_unchanged() -> None:
    assert tparse(teacher()).rows[0].assignments == ()
    header = THEADER[:-1]
    parsed = rs.parse_teacher_list(TSHEET, [header, teacher()[:-1]], TCTX)
    assert parsed.rows[0].assignments is None


def test_a_teacher_list_is_recognised_as_the_other_kind() -> None:
    assert rs.other_kind(rs.CLASS_LIST, [THEADER]) is rs.TEACHER_LIST
    assert rs.other_kind(rs.CLASS_LIST, [HEADER]) is None
