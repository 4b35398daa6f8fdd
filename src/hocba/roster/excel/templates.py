"""The Excel files hocba writes (openpyxl): blank templates to fill in, and error lists.

A template has the data sheet first (header row, one example row that the import skips,
columns formatted so that Excel keeps leading zeros and shows dates as dd/mm/yyyy, drop-down
lists), then "Hướng dẫn" (how to fill it in) and "Danh mục" (ethnic groups and subjects).
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hocba.domain import roster_sheet as rs
from hocba.domain.ethnicity import ETHNIC_GROUPS
from hocba.domain.subjects import SUBJECTS

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CATALOGUE = "Danh mục"
INSTRUCTIONS = "Hướng dẫn"

_HEADER_FILL = PatternFill("solid", fgColor="DCE6F1")
_REQUIRED_FILL = PatternFill("solid", fgColor="F8CBAD")
_BOLD = Font(bold=True)
_EXAMPLE = Font(italic=True, color="7F7F7F")
_TEXT_COLUMNS = {"student_code", "staff_code", "personal_id", "phone", "class_name",
                 "homeroom_class"}
_DATE_COLUMNS = {"birth_date"}


def class_list_template() -> bytes:
    return _template(rs.CLASS_LIST, _CLASS_NOTES)


def teacher_list_template() -> bytes:
    return _template(rs.TEACHER_LIST, _TEACHER_NOTES)


def template_filename(kind: str) -> str:
    return f"Mẫu {rs.SPECS[kind].title.lower()}.xlsx"


_COMMON_NOTES = (
    "Nhập trọn gói: nếu tệp có bất kỳ lỗi nào thì không có dữ liệu nào được ghi; hệ thống "
    "liệt kê mọi lỗi (trang, dòng, cột) để sửa một lần rồi tải lên lại.",
    "Giữ nguyên dòng tiêu đề (dòng 1). Có thể thêm cột riêng; cột không nhận ra được bỏ qua.",
    "Dòng ví dụ (cột STT ghi “Ví dụ”) được bỏ qua khi nhập; có thể xoá hoặc ghi đè lên nó.",
    "Ngày ghi dạng dd/mm/yyyy, ví dụ 02/05/2013 (ô đã định dạng sẵn).",
    "Số định danh cá nhân gồm 12 chữ số; các cột mã và số định danh đã định dạng Văn bản "
    "để Excel không làm mất số 0 ở đầu.",
    "Không dùng công thức: chỉ gõ giá trị (nếu chép từ nơi khác, dùng Dán đặc biệt → "
    "Chỉ giá trị).",
    "Ô để trống ở cột không bắt buộc không xoá thông tin đã có trong hệ thống.",
)
_CLASS_NOTES = (
    "Mỗi học sinh một dòng. Mã học sinh đã có ở trường thì cập nhật thông tin học sinh đó và "
    "xếp vào lớp ghi trong tệp (nếu đang ở lớp khác cùng năm học thì ghi nhận chuyển lớp).",
    "Lớp phải đã được tạo cho trường trong năm học đang chọn.",
    "Mã học sinh của học sinh trường khác không nhập được: học sinh chuyển đến phải làm thủ "
    "tục chuyển trường.",
    "Dân tộc để trống là Kinh; quốc tịch để trống là Việt Nam. Danh mục dân tộc ở trang "
    f"“{CATALOGUE}”.",
)
_TEACHER_NOTES = (
    "Mỗi giáo viên một dòng. Mã giáo viên đã có ở trường thì cập nhật giáo viên đó.",
    "Môn ghi bằng mã hoặc tên trong trang “Danh mục”, ví dụ TOAN hoặc Toán.",
    "Phân công giảng dạy ghi dạng “môn: lớp, lớp; môn: lớp”, ví dụ “TOAN: 6A, 6B; "
    "TIN_HOC: 7A”. Phân công trong tệp thay thế toàn bộ phân công năm học này của giáo viên "
    "đó; ô để trống nghĩa là giáo viên không dạy lớp nào.",
    "Chủ nhiệm lớp: tên một lớp của năm học; ô để trống nghĩa là không chủ nhiệm lớp nào.",
)


def _template(spec: rs.SheetSpec, notes: Iterable[str]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = spec.title
    _data_sheet(sheet, spec)
    _instructions(book.create_sheet(INSTRUCTIONS), spec, (*_COMMON_NOTES, *notes))
    _catalogue(book.create_sheet(CATALOGUE))
    book.active = 0
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _limits() -> tuple[int, int] | None:
    """(rows, bytes) of an import, when Django is configured (``hocba template`` is not)."""
    try:
        return settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_BYTES
    except ImproperlyConfigured:
        return None


def _data_sheet(sheet: Worksheet, spec: rs.SheetSpec) -> None:
    last = 1_048_576  # the whole column: Excel's last row
    for index, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(index)
        cell = sheet.cell(row=1, column=index, value=col.header)
        cell.font = _BOLD
        cell.fill = _REQUIRED_FILL if col.required else _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        dimension = sheet.column_dimensions[letter]
        dimension.width = col.width
        example = sheet.cell(row=2, column=index, value=col.example if col.example else None)
        example.font = _EXAMPLE
        if col.key in _DATE_COLUMNS:
            dimension.number_format = "dd/mm/yyyy"
            example.number_format = "dd/mm/yyyy"
        elif col.key in _TEXT_COLUMNS:
            dimension.number_format = "@"
            example.number_format = "@"
        if col.key == "sex":
            _list(sheet, f"{letter}2:{letter}{last}", '"Nam,Nữ"', strict=True,
                  hint="Chọn Nam hoặc Nữ.")
        elif col.key == "ethnicity":
            _list(sheet, f"{letter}2:{letter}{last}",
                  f"'{CATALOGUE}'!$B$2:$B${len(ETHNIC_GROUPS) + 1}", strict=False,
                  hint="Chọn trong danh sách, hoặc gõ tên dân tộc.")
        elif col.key == "main_subject":
            _list(sheet, f"{letter}2:{letter}{last}",
                  f"'{CATALOGUE}'!$E$2:$E${len(SUBJECTS) + 1}", strict=False,
                  hint="Chọn tên môn, hoặc gõ mã môn.")
    sheet.freeze_panes = "A2"
    sheet.row_dimensions[1].height = 32


def _list(sheet: Worksheet, cells: str, source: str, *, strict: bool, hint: str) -> None:
    validation = DataValidation(type="list", formula1=source, allow_blank=True,
                                showErrorMessage=True,
                                errorStyle="stop" if strict else "warning",
                                error="Giá trị không có trong danh sách.",
                                errorTitle="Kiểm tra lại", prompt=hint, showInputMessage=True)
    validation.add(cells)
    sheet.add_data_validation(validation)


def _instructions(sheet: Worksheet, spec: rs.SheetSpec, notes: Iterable[str]) -> None:
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 26
    sheet.column_dimensions["C"].width = 12
    sheet.column_dimensions["D"].width = 80
    sheet["A1"] = f"HƯỚNG DẪN ĐIỀN {spec.title.upper()}"
    sheet["A1"].font = Font(bold=True, size=14)
    row = 3
    for note in notes:
        sheet.cell(row=row, column=1, value="•")
        cell = sheet.cell(row=row, column=2, value=note)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.merge_cells(start_row=row, start_column=2, end_row=row, end_column=4)
        sheet.row_dimensions[row].height = 15 * (1 + len(note) // 110)
        row += 1
    row += 1
    limits = _limits()
    if limits is not None:
        text = (f"Giới hạn mỗi lần nhập: {limits[0]:,} dòng, "
                f"{limits[1] // (1024 * 1024)} MB.").replace(",", ".")
        sheet.cell(row=row, column=2, value=text).font = Font(italic=True)
        row += 2
    for index, title in enumerate(("Cột", "Tiêu đề", "Bắt buộc", "Cách ghi"), start=1):
        cell = sheet.cell(row=row, column=index, value=title)
        cell.font, cell.fill = _BOLD, _HEADER_FILL
    for index, col in enumerate(spec.columns):
        row += 1
        sheet.cell(row=row, column=1, value=get_column_letter(index + 1))
        sheet.cell(row=row, column=2, value=col.header)
        sheet.cell(row=row, column=3, value="Bắt buộc" if col.required else "")
        hint = col.expected or ("số thứ tự, không bắt buộc" if col.key == "stt" else "")
        sheet.cell(row=row, column=4, value=hint).alignment = Alignment(wrap_text=True)


def _catalogue(sheet: Worksheet) -> None:
    heads = {"A": ("Mã dân tộc", 11), "B": ("Dân tộc", 18), "D": ("Mã môn", 22),
             "E": ("Tên môn", 36), "F": ("Cấp học", 22)}
    for letter, (title, width) in heads.items():
        sheet[f"{letter}1"] = title
        sheet[f"{letter}1"].font, sheet[f"{letter}1"].fill = _BOLD, _HEADER_FILL
        sheet.column_dimensions[letter].width = width
    sheet.column_dimensions["A"].number_format = "@"
    for row, code in enumerate(sorted(ETHNIC_GROUPS), start=2):
        sheet.cell(row=row, column=1, value=code).number_format = "@"
        sheet.cell(row=row, column=2, value=ETHNIC_GROUPS[code])
    for row, subject in enumerate(SUBJECTS, start=2):
        sheet.cell(row=row, column=4, value=subject.code)
        sheet.cell(row=row, column=5, value=subject.name)
        sheet.cell(row=row, column=6, value=", ".join(subject.levels))


def error_workbook(errors: Iterable[rs.CellError], filename: str, summary: str) -> bytes:
    """The error list of a refused import, to sort, filter and tick off in Excel."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Danh sách lỗi")
    for letter, width in zip("ABCDEF", (22, 8, 8, 24, 70, 50), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.append([summary])
    sheet.append([f"Tệp: {filename} — lập ngày {timezone.localdate():%d/%m/%Y}"])
    sheet.append([])
    sheet.append(["Trang", "Dòng", "Cột", "Tiêu đề cột", "Lỗi", "Cần"])
    for e in errors:
        sheet.append([e.sheet or "(cả tệp)", e.row, e.column or None, e.header or None,
                      e.problem, e.expected])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
