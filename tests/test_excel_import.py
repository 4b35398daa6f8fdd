"""Importing class lists and teacher lists from Excel: all or nothing.

Files are built with openpyxl (or, for the very large and the hand-made ones, written as
XML) and imported into the test world. Every refusal is checked on the message the user
reads and on the database: a refused file leaves the roster exactly as it was.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from datetime import date
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import capfirst

from hocba.accounts.authz import forget_grants, grants_for
from hocba.audit.models import AuditEvent
from hocba.domain import roster_sheet as rs
from hocba.domain.access import Role
from hocba.roster.excel import reader, services, templates
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment

pytestmark = pytest.mark.django_db

XLSX = templates.XLSX_CONTENT_TYPE


# --- building files ------------------------------------------------------------------------

def pupil(code: str = "HS9001", name: str = "Trần Thị Mai", born: Any = date(2013, 3, 4),
          sex: Any = "Nữ", cls: Any = "6A", pid: Any = "001313000901", **extra: Any
          ) -> dict[str, Any]:
    """A class-list row; the defaults are a valid girl of 6A born in 2013."""
    return {"stt": 1, "student_code": code, "full_name": name, "birth_date": born, "sex": sex,
            "class_name": cls, "personal_id": pid, **extra}


def workbook(spec: rs.SheetSpec, rows: list[dict[str, Any]], *,
             header: list[str] | None = None, title: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title or spec.title
    keys = [c.key for c in spec.columns]
    sheet.append(header or [c.header for c in spec.columns])
    for row in rows:
        sheet.append([row.get(k) for k in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def class_list(*rows: dict[str, Any], **kw: Any) -> bytes:
    return workbook(rs.CLASS_LIST, list(rows), **kw)


def teacher_list(*rows: dict[str, Any], **kw: Any) -> bytes:
    return workbook(rs.TEACHER_LIST, list(rows), **kw)


def raw_xlsx(sheet_xml: str, name: str = "Danh sách lớp") -> bytes:
    """A minimal .xlsx written by hand: fast for huge sheets, exact for odd ones."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    ct = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{ct}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{ct}.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" '
            f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            f'<sheet name="{name}" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (
            f'<worksheet xmlns="{main}"><sheetData>{sheet_xml}</sheetData></worksheet>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in parts.items():
            archive.writestr(path, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return out.getvalue()


def xml_row(number: int, values: list[str]) -> str:
    cells = "".join(f'<c r="{rs.column_letter(i)}{number}" t="inlineStr"><is><t>'
                    f"{xml_escape(v)}</t></is></c>" for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


def ods(rows_xml: str, name: str = "Danh sách lớp") -> bytes:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="{name}">{rows_xml}'
        "</table:table></office:spreadsheet></office:body></office:document-content>")
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
        'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry'
        ' manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" '
        'manifest:media-type="text/xml"/></manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"),
                         "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
        archive.writestr("META-INF/manifest.xml", manifest)
    return out.getvalue()


def ods_row(*cells: str) -> str:
    """Text cells; a cell "=…" becomes a formula cell whose cached value is "x"."""
    out = []
    for cell in cells:
        if cell.startswith("="):
            formula = xml_escape(cell, {'"': "&quot;"})
            out.append(f'<table:table-cell table:formula="of:{formula}" '
                       'office:value-type="string"><text:p>x</text:p></table:table-cell>')
        else:
            out.append('<table:table-cell office:value-type="string"><text:p>'
                       f"{xml_escape(cell)}</text:p></table:table-cell>")
    return f"<table:table-row>{''.join(out)}</table:table-row>"


# --- running imports and looking at the database --------------------------------------------

def import_classes(world: Any, data: bytes, *, actor: Any = None, filename: str = "lop.xlsx",
                   **kw: Any) -> services.ImportResult:
    return services.import_class_list(
        data, filename=filename, school=world.school, school_year=kw.pop("year", world.year),
        actor=actor or world.users[Role.HOC_VU], **kw)


def import_teachers(world: Any, data: bytes, *, actor: Any = None,
                    filename: str = "giao-vien.xlsx", **kw: Any) -> services.ImportResult:
    return services.import_teacher_list(
        data, filename=filename, school=world.school, school_year=world.year,
        actor=actor or world.users[Role.HOC_VU], **kw)


def roster_state() -> dict[str, list[Any]]:
    """Everything an import may write, to show that a refused one wrote nothing."""
    return {
        "students": list(Student.objects.order_by("pk").values_list()),
        "enrolments": list(Enrolment.objects.order_by("pk").values_list()),
        "teachers": list(Teacher.objects.order_by("pk").values_list()),
        "assignments": list(TeachingAssignment.objects.order_by("pk").values_list()),
        "classes": list(SchoolClass.objects.order_by("pk").values_list()),
        "writes": list(AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE)
                       .order_by("pk").values_list("pk", flat=True)),
    }


def refused(world: Any, data: bytes, **kw: Any) -> list[str]:
    """Import a file that must be refused; the error lines, after checking nothing changed."""
    before = roster_state()
    result = import_classes(world, data, **kw)
    assert result.errors, "the file should have been refused"
    assert roster_state() == before
    assert result.summary().startswith(f"Không nhập được tệp “{kw.get('filename', 'lop.xlsx')}” "
                                       "— chưa có dữ liệu nào được ghi")
    return result.error_report().splitlines()


def change_day(world: Any) -> date:
    return min(timezone.localdate(), world.year.end)


# --- a good class list ---------------------------------------------------------------------

def test_a_good_class_list_creates_students_placed_in_their_classes(world: Any) -> None:
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    data = class_list(
        pupil("HS9001", nfd("Nguyễn Thị Ngọc Ánh"), place_of_birth=nfd("Thừa Thiên Huế"),
              father_name=nfd("Nguyễn Văn Đức"), ethnicity="Tày"),
        pupil("HS9002", "Lê Văn Bảo", date(2013, 1, 9), "Nam", "6B", "001213000902"),
        pupil("HS9003", "Hà Thị Cúc", "15/11/2012", "nữ", "6b", "", nationality="Lào"))
    writes_before = AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE).count()

    result = import_classes(world, data)

    assert result.errors == []
    assert result.summary() == "Đã nhập 3 học sinh vào 2 lớp (3 mới, 0 cập nhật)."
    anh = Student.objects.get(student_code="HS9001")
    assert anh.full_name == "Nguyễn Thị Ngọc Ánh"
    for value in (anh.full_name, anh.place_of_birth, anh.father_name):
        assert unicodedata.is_normalized("NFC", value)
    assert (anh.school, anh.sex, anh.personal_id, anh.ethnicity, anh.nationality) == (
        world.school, "nu", "001313000901", "02", "Việt Nam")
    cuc = Student.objects.get(student_code="HS9003")
    assert (cuc.birth_date, cuc.personal_id, cuc.ethnicity, cuc.nationality) == (
        date(2012, 11, 15), None, "01", "Lào")
    placed = {(e.student.student_code, e.school_class.name, e.start_date, e.reason, e.end_date)
              for e in Enrolment.objects.filter(student__student_code__startswith="HS9")}
    assert placed == {("HS9001", "6A", world.year.start, "nhap_hoc", None),
                      ("HS9002", "6B", world.year.start, "nhap_hoc", None),
                      ("HS9003", "6B", world.year.start, "nhap_hoc", None)}
    # Bulk writes send no signals: the import is one audit event naming every student.
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE)
    assert events.count() == writes_before + 1
    event = events.get(action="nhap_danh_sach_lop")
    assert event.school_id == world.school.pk and event.actor == world.users[Role.HOC_VU]
    assert event.detail["ma_hoc_sinh"] == ["HS9001", "HS9002", "HS9003"]
    assert (event.detail["tep"], event.detail["moi"], event.detail["cap_nhat"]) == (
        "lop.xlsx", 3, 0)


def test_a_known_code_updates_the_student_and_a_class_change_closes_the_old_stay(
        world: Any) -> None:
    """HS0001 is in 6A; the list puts her in 6B: 6A ends (chuyển lớp), 6B begins that day."""
    old_stay = Enrolment.objects.get(student=world.student, school_class=world.class_6a)
    data = class_list(pupil("HS0001", "Nguyễn Thị Ngọc Ánh", date(2013, 5, 2), "Nữ", "6B", "",
                            place_of_birth="Hải Phòng", ethnicity="Mường"))

    result = import_classes(world, data)

    assert result.errors == []
    assert result.summary() == ("Đã nhập 1 học sinh vào 1 lớp (0 mới, 1 cập nhật). "
                                "1 học sinh được chuyển lớp.")
    world.student.refresh_from_db()
    assert (world.student.place_of_birth, world.student.ethnicity) == ("Hải Phòng", "06")
    assert world.student.personal_id == "001313012345"  # a blank cell erases nothing
    old_stay.refresh_from_db()
    assert (old_stay.end_date, old_stay.exit_reason) == (change_day(world), "chuyen_lop")
    new_stay = Enrolment.objects.get(student=world.student, end_date__isnull=True)
    assert (new_stay.school_class, new_stay.start_date, new_stay.reason) == (
        world.class_6b, change_day(world), "chuyen_lop")
    assert Student.objects.filter(student_code="HS0001").count() == 1


def test_a_student_already_in_the_named_class_stays_put(world: Any) -> None:
    stays = Enrolment.objects.count()
    result = import_classes(world, class_list(
        pupil("HS0001", "Nguyễn Thị Ngọc Ánh", date(2013, 5, 2), "Nữ", "6A", "001313012345")))
    assert (result.errors, result.moved) == ([], 0)
    assert Enrolment.objects.count() == stays


def test_a_class_change_before_the_year_begins_corrects_the_placement(
        world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before the first day nobody has sat in 6A yet: the stay is moved, not closed."""
    monkeypatch.setattr(services.timezone, "localdate", lambda: date(2025, 8, 20))
    stay = Enrolment.objects.get(student=world.student, school_class=world.class_6a)
    result = import_classes(world, class_list(
        pupil("HS0001", "Nguyễn Thị Ngọc Ánh", date(2013, 5, 2), "Nữ", "6B", "")))
    assert result.errors == []
    stay.refresh_from_db()
    assert (stay.school_class, stay.end_date, stay.start_date) == (
        world.class_6b, None, world.year.start)
    assert Enrolment.objects.filter(student=world.student).count() == 1


def test_a_student_of_last_year_moving_up_a_grade_is_promoted(world: Any) -> None:
    SchoolClass.objects.create(school=world.school, school_year=world.year, grade=7, name="7A")
    result = import_classes(world, class_list(
        pupil("HS0003", "Lê Minh Châu", date(2013, 5, 2), "Nam", "7A", ""),
        pupil("HS9001")))
    assert result.errors == []
    stay = Enrolment.objects.get(student=world.last_year_student, end_date__isnull=True)
    assert (stay.school_class.name, stay.reason) == ("7A", "len_lop")


def test_checking_only_writes_nothing(world: Any) -> None:
    before = roster_state()
    result = import_classes(world, class_list(pupil()), dry_run=True)
    assert result.errors == []
    assert result.summary() == ("Tệp “lop.xlsx” hợp lệ: 1 học sinh vào 1 lớp (1 mới, 0 đã có)."
                                " Chưa ghi gì vì chỉ kiểm tra.")
    assert roster_state() == before


def test_an_ods_class_list_imports(world: Any) -> None:
    header = [c.header for c in rs.CLASS_LIST.columns][:7]
    data = ods(ods_row(*header) + ods_row("1", "HS9001", "Trần Thị Mai", "04/03/2013", "Nữ",
                                          "6A", "001313000901"))
    result = import_classes(world, data, filename="lop.ods")
    assert result.errors == []
    assert Student.objects.get(student_code="HS9001").full_name == "Trần Thị Mai"


# --- files that are not spreadsheets -------------------------------------------------------

def _corrupt_xlsx() -> bytes:
    data = class_list(pupil())
    return data[: len(data) // 2]


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(("data", "filename", "message"), [
    (b"", "lop.xlsx", "Tệp “lop.xlsx” trống (0 byte) — cần: một tệp Excel (.xlsx) có dữ liệu"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj" + bytes(range(256)), "lop.xlsx",
     "Tệp “lop.xlsx” là tài liệu PDF, không phải bảng tính — cần: tệp .xlsx (hoặc .xls, "
     ".ods): mở tệp bằng Excel rồi chọn Lưu thành → Sổ làm việc Excel (.xlsx)"),
    ("Mã học sinh,Họ và tên,Ngày sinh\nHS9001,Trần Thị Mai,04/03/2013\n".encode(), "lop.xlsx",
     "Tệp “lop.xlsx” là tệp văn bản (CSV/TXT), không phải bảng tính Excel"),
    (bytes([0x13, 0x37, 0xC0, 0xDE, 0xFF, 0x00, 0x81]) * 300, "lop.xlsx",
     "Tệp “lop.xlsx” không phải bảng tính"),
    (b"<html><body><table><tr><td>HS9001</td></tr></table></body></html>", "lop.xls",
     "Tệp “lop.xls” là trang HTML/XML được đổi đuôi, không phải bảng tính Excel thật"),
    (_corrupt_xlsx(), "lop.xlsx", "Tệp “lop.xlsx” bị hỏng (tệp nén .xlsx không đọc được)"),
    (_docx(), "lop.xlsx", "Tệp “lop.xlsx” là tài liệu văn bản (Word), không phải bảng tính"),
])
def test_a_file_that_is_not_a_spreadsheet_is_refused_by_its_content(
        world: Any, data: bytes, filename: str, message: str) -> None:
    (line,) = refused(world, data, filename=filename)
    assert line.startswith(message)


def test_a_file_larger_than_the_limit_is_refused_before_it_is_read(world: Any,
                                                                   settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 1024 * 1024
    (line,) = refused(world, class_list(pupil()) + b"\0" * (2 * 1024 * 1024))
    assert line.startswith("Tệp “lop.xlsx” nặng 2,0 MB, vượt giới hạn 1,0 MB mỗi lần nhập")


def test_a_zip_that_inflates_far_beyond_its_size_is_refused(world: Any, settings: Any) -> None:
    settings.IMPORT_MAX_BYTES = 64 * 1024
    filler = "<row/>" * 300_000  # 1.8 MB of XML that deflates to a few kB
    (line,) = refused(world, raw_xlsx(filler))
    assert "giải nén ra" in line and "quá lớn so với một danh sách" in line


def test_a_sheet_of_20000_rows_is_refused_saying_how_many_and_the_limit(world: Any) -> None:
    header = [c.header for c in rs.CLASS_LIST.columns][:6]
    rows = [xml_row(1, header)] + [
        xml_row(n, [str(n - 1), f"HS{n:06d}", "Trần Thị Mai", "04/03/2013", "Nữ", "6A"])
        for n in range(2, 20_002)]
    (line,) = refused(world, raw_xlsx("".join(rows)))
    assert line == (
        "Trang “Danh sách lớp”: trang có 20.000 dòng dưới dòng đầu tiên (đến dòng 20.001), "
        "vượt giới hạn 10.000 dòng mỗi lần nhập — cần: chia thành nhiều tệp, mỗi tệp tối đa "
        "10.000 dòng")


def test_a_teacher_list_uploaded_as_a_class_list_is_named_as_such(world: Any) -> None:
    data = teacher_list({"staff_code": "GV0101", "full_name": "Phạm Văn Long", "sex": "Nam"})
    (line,) = refused(world, data)
    assert line == ("Trang “Danh sách giáo viên”: trang này là danh sách giáo viên, không phải "
                    "danh sách lớp — cần: chọn loại “Danh sách giáo viên” khi nhập tệp này, "
                    "hoặc tải lên danh sách lớp")


# --- cells that are wrong ------------------------------------------------------------------

def test_text_in_a_date_column_and_a_number_in_the_sex_column_are_refused(world: Any) -> None:
    lines = refused(world, class_list(pupil(born="mùng 4 tháng 3"),
                                      pupil("HS9002", sex=1, pid="")))
    assert lines == [
        "Trang “Danh sách lớp”, dòng 2, cột D (Ngày sinh): “mùng 4 tháng 3” không phải ngày "
        "dạng dd/mm/yyyy — cần: ngày dạng dd/mm/yyyy, ví dụ 02/05/2013",
        "Trang “Danh sách lớp”, dòng 3, cột E (Giới tính): ô chứa số 1, không phải giới tính "
        "— cần: Nam hoặc Nữ"]


def test_formulas_are_refused_cell_by_cell_even_when_excel_cached_a_value(world: Any) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách lớp"
    sheet.append([c.header for c in rs.CLASS_LIST.columns])
    sheet.append([1, "HS9001", "Trần Thị Mai", date(2013, 3, 4), "Nữ", "6A"])
    sheet.append(['=A2+1', '="HS"&"9002"', "Lê Văn Bảo", "=D2", "Nam", "6B"])
    out = io.BytesIO()
    book.save(out)
    lines = refused(world, out.getvalue())
    formula_lines = [line for line in lines if "công thức" in line]
    assert formula_lines == [
        "Trang “Danh sách lớp”, dòng 3, cột A (STT): ô A3 chứa công thức “=A2+1”; hệ thống "
        "không đọc công thức — cần: giá trị gõ trực tiếp (chép rồi dùng Dán đặc biệt → Chỉ "
        "giá trị)",
        "Trang “Danh sách lớp”, dòng 3, cột B (Mã học sinh): ô B3 chứa công thức "
        "“=\"HS\"&\"9002\"”; hệ thống không đọc công thức — cần: giá trị gõ trực tiếp (chép "
        "rồi dùng Dán đặc biệt → Chỉ giá trị)",
        "Trang “Danh sách lớp”, dòng 3, cột D (Ngày sinh): ô D3 chứa công thức “=D2”; hệ "
        "thống không đọc công thức — cần: giá trị gõ trực tiếp (chép rồi dùng Dán đặc biệt "
        "→ Chỉ giá trị)"]


def test_formulas_in_an_ods_file_are_found_too() -> None:
    data = ods(ods_row("Mã học sinh", "Họ và tên") + ods_row("HS9001", '=[.A2]&"x"'))
    book = reader.open_workbook(data, "lop.ods")
    assert book.formulas("Danh sách lớp") == [(2, 1, '=[.A2]&"x"')]


def test_a_repeated_student_code_is_refused_on_every_row(world: Any) -> None:
    lines = refused(world, class_list(pupil("HS9001"), pupil("HS9002", pid=""),
                                      pupil("HS9001", pid="001313000903")))
    assert lines == [
        "Trang “Danh sách lớp”, dòng 2, cột B (Mã học sinh): mã học sinh “HS9001” trùng với "
        "dòng 4 — cần: mỗi học sinh chỉ một dòng, mỗi mã học sinh chỉ xuất hiện một lần "
        "trong tệp",
        "Trang “Danh sách lớp”, dòng 4, cột B (Mã học sinh): mã học sinh “HS9001” trùng với "
        "dòng 2 — cần: mỗi học sinh chỉ một dòng, mỗi mã học sinh chỉ xuất hiện một lần "
        "trong tệp"]


@pytest.mark.parametrize(("pid", "problem"), [
    ("0013130009", "số định danh “0013130009” phải gồm đúng 12 chữ số"),
    ("097313000901", "3 chữ số đầu “097” không phải mã tỉnh nơi đăng ký khai sinh"),
    ("001213000901", "chữ số thứ 4 là 2 nhưng học sinh nữ sinh năm 2013 phải có 3"),
    ("001312000901", "chữ số thứ 5–6 là 12 nhưng năm sinh là 2013"),
])
def test_an_invalid_or_inconsistent_identity_number_is_refused(world: Any, pid: str,
                                                               problem: str) -> None:
    (line,) = refused(world, class_list(pupil(pid=pid)))
    assert line.startswith(
        f"Trang “Danh sách lớp”, dòng 2, cột G (Số định danh cá nhân): {problem} — cần: ")


def test_an_identity_number_of_another_student_is_refused(world: Any) -> None:
    (line,) = refused(world, class_list(pupil(born=date(2013, 5, 2), pid="001313012345")))
    assert line == ("Trang “Danh sách lớp”, dòng 2, cột G (Số định danh cá nhân): số định "
                    "danh “001313012345” đã là của học sinh mã HS0001 — cần: số định danh của "
                    "chính học sinh này (mỗi người một số)")


def test_an_unknown_class_is_refused_listing_the_classes_of_the_year(world: Any) -> None:
    (line,) = refused(world, class_list(pupil(cls="6C")))
    assert line == ("Trang “Danh sách lớp”, dòng 2, cột F (Lớp): lớp “6C” không có trong năm "
                    "học 2025-2026 của trường — cần: một trong các lớp: 6A, 6B")


def test_a_birth_date_in_the_future_is_refused(world: Any) -> None:
    future = date(timezone.localdate().year + 1, 1, 15)
    (line,) = refused(world, class_list(pupil(born=future, pid="")))
    assert line == (f"Trang “Danh sách lớp”, dòng 2, cột D (Ngày sinh): ngày sinh "
                    f"{future:%d/%m/%Y} ở tương lai — cần: ngày sinh thật, trước hôm nay")


def test_mixed_nfd_and_nfc_spellings_of_one_class_and_sex_are_the_same(world: Any) -> None:
    nfd = lambda s: unicodedata.normalize("NFD", s)  # noqa: E731
    result = import_classes(world, class_list(
        pupil("HS9001", nfd("Đặng Thị Thuỷ"), sex=nfd("Nữ"), ethnicity=nfd("Thái")),
        pupil("HS9002", "Đặng Thị Thuỷ", sex="Nữ", pid="", ethnicity="Thái"),
        header=[nfd(c.header) for c in rs.CLASS_LIST.columns]))
    assert result.errors == []
    names = set(Student.objects.filter(student_code__in=["HS9001", "HS9002"])
                .values_list("full_name", flat=True))
    assert names == {"Đặng Thị Thuỷ"}


def test_a_missing_required_column_is_named(world: Any) -> None:
    header = [c.header for c in rs.CLASS_LIST.columns]
    header[5] = "Ghi chú"  # the "Lớp" column is gone
    (line,) = refused(world, class_list(pupil(), header=header))
    assert line == ("Trang “Danh sách lớp”: thiếu cột bắt buộc “Lớp” — cần: thêm cột có tiêu "
                    "đề “Lớp” vào dòng tiêu đề 1; các tiêu đề không nhận ra: “Ghi chú” (cột F)")


def test_a_file_without_student_rows_is_refused(world: Any) -> None:
    (line,) = refused(world, class_list())
    assert line == ("Trang “Danh sách lớp”: không có dòng dữ liệu nào dưới dòng tiêu đề "
                    "(dòng 1) — cần: mỗi học sinh một dòng, bắt đầu từ dòng 2")


def test_a_code_of_a_student_of_another_school_is_refused(world: Any) -> None:
    """Transfers go through their own procedure, not through a class list."""
    (line,) = refused(world, class_list(pupil("HS0004", "Phạm Quốc Dũng", sex="Nam", pid="")))
    assert line == ("Trang “Danh sách lớp”, dòng 2, cột B (Mã học sinh): mã học sinh “HS0004” "
                    "là của một học sinh đang học Trường THCS Lê Quý Đôn — cần: mã của học "
                    "sinh trường mình; học sinh chuyển đến phải làm thủ tục chuyển trường trước")


def test_every_error_of_the_file_is_reported_together(world: Any) -> None:
    lines = refused(world, class_list(pupil(cls="6C"), pupil("HS9002", born="x", pid=""),
                                      pupil("HS0004", sex="Nam", pid="")))
    assert [line.split(":")[0] for line in lines] == [
        "Trang “Danh sách lớp”, dòng 2, cột F (Lớp)",
        "Trang “Danh sách lớp”, dòng 3, cột D (Ngày sinh)",
        "Trang “Danh sách lớp”, dòng 4, cột B (Mã học sinh)"]


# --- who may import ------------------------------------------------------------------------

def test_a_subject_teacher_may_not_import_and_nothing_is_written(world: Any) -> None:
    before = roster_state()
    with pytest.raises(PermissionDenied) as refusal:
        import_classes(world, class_list(pupil()), actor=world.users[Role.GVBM])
    assert str(refusal.value) == ("Vai trò Giáo viên bộ môn không được sửa danh sách lớp, "
                                  "học sinh, giáo viên.")
    assert roster_state() == before
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED,
                                     actor=world.users[Role.GVBM]).exists()


def test_hoc_vu_of_one_year_may_not_import_into_another_year(world: Any) -> None:
    before = roster_state()
    with pytest.raises(PermissionDenied, match="năm học 2024-2025"):
        import_classes(world, class_list(pupil()), year=world.last_year)
    assert roster_state() == before


# --- teacher lists -------------------------------------------------------------------------

def test_a_teacher_list_sets_homerooms_and_assignments_which_become_grants(world: Any) -> None:
    data = teacher_list(
        {"staff_code": "GV001", "full_name": "Đỗ Thị Hương", "sex": "Nữ",
         "homeroom_class": "6B", "assignments": "Ngữ văn: 6A, 6B"},
        {"staff_code": "GV002", "full_name": "Hoàng Văn Nam", "sex": "Nam",
         "main_subject": "Toán", "assignments": "TOAN: 6A, 6B"},
        {"staff_code": "GV010", "full_name": "Vũ Minh Khoa", "sex": "Nam",
         "birth_date": "01/02/1990", "personal_id": "001090000010", "phone": "0987 654 321",
         "email": "khoavm@truong.edu.vn", "main_subject": "TIN_HOC",
         "assignments": "Tin học: 6A"})

    result = import_teachers(world, data)

    assert result.errors == []
    assert result.summary() == ("Đã nhập 3 giáo viên (1 mới, 2 cập nhật); 1 lớp có giáo viên "
                                "chủ nhiệm, 5 phân công giảng dạy.")
    world.class_6a.refresh_from_db()
    world.class_6b.refresh_from_db()
    assert (world.class_6a.homeroom_teacher, world.class_6b.homeroom_teacher) == (
        None, world.teacher_gvcn)
    khoa = Teacher.objects.get(staff_code="GV010")
    assert (khoa.school, khoa.phone, khoa.main_subject.code, khoa.birth_date) == (
        world.school, "0987654321", "TIN_HOC", date(1990, 2, 1))

    def held(role: Role) -> set[tuple[str, str, str | None]]:
        user = world.users[role]
        forget_grants(user)
        return {(g.role.value, SchoolClass.objects.get(pk=g.school_class).name,
                 g.subject and world.math.__class__.objects.get(pk=g.subject).code)
                for g in grants_for(user)}

    assert held(Role.GVCN) == {("gvcn", "6B", None), ("gvbm", "6A", "NGU_VAN"),
                               ("gvbm", "6B", "NGU_VAN")}
    assert held(Role.GVBM) == {("gvbm", "6A", "TOAN"), ("gvbm", "6B", "TOAN")}
    assert AuditEvent.objects.filter(action="nhap_danh_sach_giao_vien").count() == 1


def test_a_teacher_listed_without_assignments_loses_them(world: Any) -> None:
    result = import_teachers(world, teacher_list(
        {"staff_code": "GV002", "full_name": "Hoàng Văn Nam", "sex": "Nam"}))
    assert result.errors == []
    assert not TeachingAssignment.objects.filter(teacher=world.teacher_gvbm).exists()
    world.class_6a.refresh_from_db()
    assert world.class_6a.homeroom_teacher == world.teacher_gvcn  # GV001 not in the file


def refused_teachers(world: Any, data: bytes) -> list[str]:
    before = roster_state()
    result = import_teachers(world, data)
    assert result.errors
    assert roster_state() == before
    return result.error_report().splitlines()


def test_an_unknown_subject_is_refused(world: Any) -> None:
    (line,) = refused_teachers(world, teacher_list(
        {"staff_code": "GV010", "full_name": "Vũ Minh Khoa", "sex": "Nam",
         "main_subject": "Thiên văn học"}))
    assert line == ("Trang “Danh sách giáo viên”, dòng 2, cột I (Môn chuyên môn): môn “Thiên "
                    "văn học” không có trong danh mục môn học — cần: mã hoặc tên môn trong "
                    "trang Danh mục, ví dụ TOAN hoặc Toán")


def test_an_assignment_to_an_unknown_class_is_refused(world: Any) -> None:
    (line,) = refused_teachers(world, teacher_list(
        {"staff_code": "GV010", "full_name": "Vũ Minh Khoa", "sex": "Nam",
         "assignments": "TIN_HOC: 6A, 8C"}))
    assert line == ("Trang “Danh sách giáo viên”, dòng 2, cột K (Phân công giảng dạy): lớp "
                    "“8C” không có trong năm học 2025-2026 của trường — cần: một trong các "
                    "lớp: 6A, 6B")


def test_a_class_subject_given_to_two_teachers_of_the_file_is_refused(world: Any) -> None:
    lines = refused_teachers(world, teacher_list(
        {"staff_code": "GV010", "full_name": "Vũ Minh Khoa", "sex": "Nam",
         "assignments": "TIN_HOC: 6A"},
        {"staff_code": "GV011", "full_name": "Lý Thu Trang", "sex": "Nữ",
         "assignments": "Tin học: 6A, 6B"}))
    assert [(line.split(":")[0], "Tin học đã được phân công cho giáo viên khác" in line)
            for line in lines] == [
        ("Trang “Danh sách giáo viên”, dòng 2, cột K (Phân công giảng dạy)", True),
        ("Trang “Danh sách giáo viên”, dòng 3, cột K (Phân công giảng dạy)", True)]


def test_a_class_subject_kept_by_a_teacher_outside_the_file_is_refused(world: Any) -> None:
    (line,) = refused_teachers(world, teacher_list(
        {"staff_code": "GV010", "full_name": "Vũ Minh Khoa", "sex": "Nam",
         "assignments": "Toán: 6A"}))
    assert line == ("Trang “Danh sách giáo viên”, dòng 2, cột K (Phân công giảng dạy): lớp 6A "
                    "môn Toán đang do giáo viên Hoàng Văn Nam (mã GV002) dạy, người không có "
                    "trong tệp — cần: bỏ phân công này, hoặc đưa cả giáo viên đang dạy vào "
                    "tệp với phân công mới của họ")


def test_a_teacher_code_of_another_school_is_refused(world: Any) -> None:
    Teacher.objects.create(school=world.other_school_same_area, staff_code="GV900",
                           full_name="Trịnh Văn Tú", sex="nam")
    (line,) = refused_teachers(world, teacher_list(
        {"staff_code": "GV900", "full_name": "Trịnh Văn Tú", "sex": "Nam"}))
    assert line == ("Trang “Danh sách giáo viên”, dòng 2, cột B (Mã giáo viên): mã giáo viên "
                    "“GV900” là của một giáo viên Trường THCS Lê Quý Đôn — cần: mã của giáo "
                    "viên trường mình (mỗi giáo viên một mã)")


# --- the web page --------------------------------------------------------------------------

URL = "/nhap-excel/"


@pytest.fixture
def hocvu(client: Any, world: Any, settings: Any, tmp_path: Any) -> Any:
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tmp_path}}}
    client.force_login(world.users[Role.HOC_VU])
    return client


def upload(client: Any, world: Any, data: bytes | None, name: str = "lop.xlsx",
           kind: str = "lop", **extra: Any) -> Any:
    form: dict[str, Any] = {"loai": kind, "truong": world.school.pk, "nam": world.year.pk,
                            "hanh_dong": "nhap", **extra}
    if data is not None:
        form["tep"] = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(URL, form)


def test_the_page_offers_the_form_with_the_school_preselected(hocvu: Any, world: Any) -> None:
    page = hocvu.get(URL, {"truong": world.school.pk}).content.decode()
    for needle in ('name="loai"', 'name="truong"', 'name="nam"', 'name="tep"',
                   f'<option value="{world.school.pk}" selected>',
                   f'<option value="{world.year.pk}" selected>',
                   reverse("import_template", args=["danh-sach-lop"]),
                   reverse("import_template", args=["danh-sach-giao-vien"])):
        assert needle in page


def test_an_upload_with_errors_lists_every_one_and_writes_nothing(hocvu: Any,
                                                                  world: Any) -> None:
    data = class_list(pupil(cls="6C"), pupil("HS9002", born="x", pid=""),
                      pupil("HS0004", sex=2, pid=""))
    expected = import_classes(world, data, dry_run=True).errors
    before = roster_state()

    response = upload(hocvu, world, data)

    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert "Không nhập được tệp “lop.xlsx” — chưa có dữ liệu nào được ghi" in page
    assert f"Tìm thấy {len(expected)} lỗi" in page and len(expected) == 3
    for error in expected:
        assert escape(capfirst(error.problem)) in page
        assert escape(capfirst(error.expected)) in page
    assert roster_state() == before

    link = re.search(r'href="(/nhap-excel/loi/[\w-]+\.xlsx)"', page)
    assert link is not None
    download = hocvu.get(link.group(1))
    assert download["Content-Type"] == XLSX
    rows = list(openpyxl.load_workbook(io.BytesIO(download.content)).active.values)
    assert rows[3] == ("Trang", "Dòng", "Cột", "Tiêu đề cột", "Lỗi", "Cần")
    assert [r[4] for r in rows[4:]] == [e.problem for e in expected]


def test_the_error_list_is_only_for_the_session_that_uploaded(hocvu: Any, world: Any,
                                                              client: Any) -> None:
    page = upload(hocvu, world, class_list(pupil(cls="6C"))).content.decode()
    link = re.search(r'href="(/nhap-excel/loi/[\w-]+\.xlsx)"', page)
    assert link is not None
    from django.test import Client

    other = Client()
    other.force_login(world.users[Role.PRINCIPAL])
    assert other.get(link.group(1)).status_code == 404


@pytest.mark.parametrize(("slug", "sheet", "row", "check"), [
    ("danh-sach-lop", "Danh sách lớp",
     [3, "HS9001", "Trần Thị Mai", "04/03/2013", "Nữ", "6A", "001313000901"],
     lambda: Student.objects.filter(student_code="HS9001", school__code="01000101").exists()),
    ("danh-sach-giao-vien", "Danh sách giáo viên",
     [3, "GV010", "Vũ Minh Khoa", "01/02/1990", "Nam", "001090000010", "0987654321", "",
      "Tin học", "", "TIN_HOC: 6B"],
     lambda: TeachingAssignment.objects.filter(teacher__staff_code="GV010").exists()),
])
def test_the_downloaded_template_filled_with_one_row_imports(
        hocvu: Any, world: Any, slug: str, sheet: str, row: list[Any], check: Any) -> None:
    response = hocvu.get(reverse("import_template", args=[slug]))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''M%E1%BA%ABu")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == [sheet, "Hướng dẫn", "Danh mục"]
    data_sheet = book[sheet]
    assert data_sheet["A2"].value == "Ví dụ"  # the example row stays; the import skips it
    for col, value in enumerate(row, start=1):
        data_sheet.cell(row=3, column=col, value=value)
    out = io.BytesIO()
    book.save(out)

    kind = "lop" if slug == "danh-sach-lop" else "giao_vien"
    response = upload(hocvu, world, out.getvalue(), name="mau.xlsx", kind=kind)

    assert response.status_code == 302
    page = hocvu.get(response["Location"]).content.decode()
    assert 'data-testid="import-success"' in page
    assert ("Đã nhập 1 học sinh vào 1 lớp (1 mới, 0 cập nhật)." in page if kind == "lop"
            else "Đã nhập 1 giáo viên (1 mới, 0 cập nhật)" in page)
    assert reverse("school_detail", args=[world.school.pk]) in page
    assert check()


def test_the_template_has_lists_for_sex_and_ethnic_group_and_dates_as_dd_mm_yyyy() -> None:
    book = openpyxl.load_workbook(io.BytesIO(templates.class_list_template()))
    sheet = book["Danh sách lớp"]
    sources = {v.formula1 for v in sheet.data_validations.dataValidation}
    assert '"Nam,Nữ"' in sources and "'Danh mục'!$B$2:$B$55" in sources
    assert sheet["D2"].number_format == "dd/mm/yyyy"
    assert sheet.column_dimensions["D"].width == 13
    assert book["Danh mục"]["B2"].value == "Kinh"


@pytest.mark.parametrize(("data", "name", "message"), [
    (b"", "lop.xlsx", "Tệp “lop.xlsx” trống (0 byte)"),
    (b"%PDF-1.4\n" + b"\x00" * 500, "lop.xlsx", "là tài liệu PDF, không phải bảng tính"),
    (b"\0" * (30 * 1024 * 1024), "lop.xlsx", "nặng 30,0 MB, vượt giới hạn 10,0 MB"),
    (b"PK\x03\x04" + b"\x00" * 100, "lop.xlsx", "bị hỏng (tệp nén .xlsx không đọc được)"),
])
def test_a_bad_upload_gets_a_vietnamese_message_never_a_server_error(
        hocvu: Any, world: Any, data: bytes, name: str, message: str) -> None:
    before = roster_state()
    response = upload(hocvu, world, data, name=name)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page and message in page
    assert roster_state() == before


def test_an_upload_without_a_file_asks_for_one(hocvu: Any, world: Any) -> None:
    response = upload(hocvu, world, None)
    assert response.status_code == 400
    assert "Chưa chọn tệp: chọn tệp Excel (.xlsx) để tải lên." in response.content.decode()


def test_checking_only_from_the_page_writes_nothing(hocvu: Any, world: Any) -> None:
    before = roster_state()
    response = upload(hocvu, world, class_list(pupil()), hanh_dong="kiem_tra")
    page = response.content.decode()
    assert 'data-testid="import-check-ok"' in page and "Chưa ghi gì vì chỉ kiểm tra." in page
    assert roster_state() == before


def test_a_user_without_the_right_to_edit_the_roster_gets_403(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.GVBM])
    before = roster_state()
    assert client.get(URL).status_code == 403
    assert upload(client, world, class_list(pupil())).status_code == 403
    assert roster_state() == before


def test_hoc_vu_may_not_open_the_page_for_another_school(hocvu: Any, world: Any) -> None:
    assert hocvu.get(URL, {"truong": world.other_school_same_area.pk}).status_code == 403
    response = hocvu.post(URL, {"loai": "lop", "truong": world.other_school_same_area.pk,
                                "nam": world.year.pk,
                                "tep": SimpleUploadedFile("lop.xlsx", class_list(pupil()))})
    assert response.status_code == 403
