"""The Excel round trip of one class × subject × term of the gradebook (issue 3, part 5).

**Export** writes the sheet in the layout teachers already use: title rows, then STT, Mã học
sinh, Họ và tên, TX1…TXn (n from the curriculum, TT 22/2021 Điều 6.2), GK, CK, ĐTB and Nhận
xét, one row per student in class-list order. Scores are numbers. The grey columns (identity,
ĐTB) are not to be edited: ĐTB is computed by hocba and ignored on import. A hidden sheet
(``hocba``, see ``excel_identity``) names what the file is (school, class, subject, term,
school year) and carries every exported cell value and each row's version, so that an import
can tell the teacher's changes from other people's. That sheet is signed (HMAC-SHA256, key
derived from ``SECRET_KEY`` for that one purpose): a file whose identity or exported values
were edited, or a forged one, is refused before anything else is read.

**Import** is all or nothing, like the roster import whose reader it reuses
(``open_workbook``: malformed files, size and row limits, formulas): every cell is checked
with the grid's own rules (``cells.py``: 0–10, one decimal, Đ/CĐ, the TX count), every bad
cell is listed with its sheet, row, column, what is wrong and what is expected, and on any
error nothing is written. A valid file writes only the cells that differ from the export,
each through ``services.save_cell`` (authorisation, audit, term lock) in one transaction.

Decisions:

- A locked term refuses the whole import, telling the teacher to use correction requests on
  the grid: a correction needs a reason per change and the principal's approval (HCMC QĐ
  1789 Điều 13), which a spreadsheet cannot carry.
- A cell someone else changed after the export (stored value ≠ exported value) is never
  overwritten: it is refused and listed, and the teacher's other changes are written. A cell
  both people set to the same value is simply kept.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from hocba.accounts.authz import require
from hocba.accounts.targets import ClassSubject
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.curriculum.models import Subject
from hocba.domain.access import Action
from hocba.domain.roster_sheet import (
    HEADER_SEARCH_ROWS,
    CellError,
    column_letter,
    file_error,
    formula_errors,
    sheet_error,
)
from hocba.domain.text import clean, fold
from hocba.gradebook import cells, selectors, services
from hocba.gradebook.excel_identity import (  # noqa: F401 - part of this module's interface
    IDENTITY_PURPOSE,
    META_SHEET,
    SIGNATURE_KEY,
    VERSION_COLUMN,
    check_identity,
    read_identity,
    write_identity,
)
from hocba.gradebook.models import Term, TermResult
from hocba.roster.excel.reader import ImportFileError, open_workbook
from hocba.roster.models import SchoolClass, Student

DATA_SHEET = "Sổ điểm"
HEADER_ROW = 6  # title rows above it (school, subject, class and term, the note)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_GREY = PatternFill("solid", fgColor="D9D9D9")
_HEADER = PatternFill("solid", fgColor="DCE6F1")
_BOLD = Font(bold=True)
_IDENTITY = ("stt", "code", "name")


# --- export ----------------------------------------------------------------------------

def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _headers(shape: cells.SheetShape) -> list[tuple[str, str]]:
    """(key, header) of each column, left to right."""
    return [("stt", "STT"), ("code", "Mã học sinh"), ("name", "Họ và tên"),
            *((n, n.upper()) for n in shape.regular_fields), ("gk", "GK"), ("ck", "CK"),
            ("avg", "ĐTB" if shape.scored else "Kết quả"), (cells.COMMENT_FIELD, "Nhận xét")]


def _cell_value(shape: cells.SheetShape, name: str, stored: str) -> Any:
    """A stored cell as the spreadsheet holds it: scores as numbers, Đ/CĐ, the comment."""
    if not stored or name == cells.COMMENT_FIELD:
        return stored or None
    if shape.scored:
        number = Decimal(stored)
        return int(number) if number == number.to_integral() else float(number)
    return cells.RATING_LABELS.get(stored, stored)


def export_filename(sheet: selectors.Sheet) -> str:
    school_class = sheet.school_class
    return (f"Sổ điểm {sheet.subject.name} {school_class.name} HK{sheet.term} "
            f"{school_class.school_year.name}.xlsx")


def export_sheet(user: Any, school_class: SchoolClass, subject: Subject, term: int) -> bytes:
    """The sheet as an .xlsx. Raises PermissionDenied without VIEW_RESULTS on the class ×
    subject (checked by ``selectors.grid``) and CellError for a subject with no sheet."""
    grid = selectors.grid(user, school_class, subject, term)
    sheet, shape = grid.sheet, grid.sheet.shape
    results = {r.student_id: r for r in TermResult.objects.filter(
        school_class=school_class, subject=subject, term=term)}
    book = Workbook()
    data = book.active
    assert data is not None
    data.title = DATA_SHEET
    year = school_class.school_year.name
    data.append([school_class.school.name])
    data.append([f"SỔ THEO DÕI VÀ ĐÁNH GIÁ HỌC SINH — MÔN {subject.name.upper()}"])
    data.append([f"Lớp {school_class.name} · {Term(term).label} · Năm học {year}"])
    data.append(["Chỉ sửa các cột TX, GK, CK và Nhận xét. Các cột tô xám không được sửa; "
                 "ĐTB do hệ thống tính và được bỏ qua khi nhập. Không dùng công thức."])
    data.append([])
    headers = _headers(shape)
    data.append([h for _, h in headers])
    for row in grid.rows:
        result = results.get(row.student.pk)
        line: list[Any] = [row.number, row.student.student_code, row.student.full_name]
        line += [_cell_value(shape, n, selectors.stored_value(shape, result, n))
                 for n in [*shape.regular_fields, "gk", "ck"]]
        average = row.outcome.value
        if average is not None and shape.scored:
            line.append(float(average.replace(",", ".")))
        else:
            line.append(average)
        line.append(selectors.stored_value(shape, result, cells.COMMENT_FIELD) or None)
        data.append(line)
    _style(data, shape, headers, len(grid.rows))
    write_identity(book, sheet, grid, results)
    record(AuditEvent.Kind.READ, "xuat_excel_so_diem", actor=user, obj=school_class,
           scope=_scope(school_class), detail={
               "lop": school_class.name, "mon": subject.code, "hoc_ki": term,
               "hoc_sinh": [r.student.student_code for r in grid.rows]})
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _style(data: Any, shape: cells.SheetShape, headers: list[tuple[str, str]],
           count: int) -> None:
    data["A1"].font = _BOLD
    data["A2"].font = Font(bold=True, size=13)
    data["A3"].font = _BOLD
    data["A4"].font = Font(italic=True, color="7F7F7F")
    last = HEADER_ROW + count
    widths = {"stt": 5, "code": 14, "name": 28, "avg": 8, cells.COMMENT_FIELD: 40}
    for index, (key, _) in enumerate(headers, start=1):
        letter = get_column_letter(index)
        head = data.cell(HEADER_ROW, index)
        head.font = _BOLD
        head.alignment = Alignment(horizontal="center", wrap_text=True)
        head.fill = _GREY if key in (*_IDENTITY, "avg") else _HEADER
        data.column_dimensions[letter].width = widths.get(key, 7)
        if key in (*_IDENTITY, "avg"):
            for row in range(HEADER_ROW + 1, last + 1):
                data.cell(row, index).fill = _GREY
    data.freeze_panes = data.cell(HEADER_ROW + 1, 4)
    if count:
        first = get_column_letter(4)
        end = get_column_letter(3 + shape.regular + 2)
        area = f"{first}{HEADER_ROW + 1}:{end}{last}"
        if shape.scored:  # TT 22/2021 Điều 5.3.b
            check = DataValidation(type="decimal", operator="between", formula1="0",
                                   formula2="10", allow_blank=True, showErrorMessage=True,
                                   errorTitle="Điểm không hợp lệ",
                                   error="Điểm từ 0 đến 10, tối đa một chữ số thập phân.")
        else:  # TT 22/2021 Điều 5.3.a
            check = DataValidation(type="list", formula1='"Đ,CĐ"', allow_blank=True,
                                   showErrorMessage=True, errorTitle="Mức không hợp lệ",
                                   error="Chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt).")
        check.add(area)
        data.add_data_validation(check)


# --- import ----------------------------------------------------------------------------

@dataclass
class ImportOutcome:
    """What an import wrote, or every reason it wrote nothing; ``conflicts`` are the cells
    left as someone else changed them after the export (the rest was written)."""

    filename: str
    errors: list[CellError] = field(default_factory=list)
    conflicts: list[CellError] = field(default_factory=list)
    updated: int = 0
    students: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if self.errors:
            return (f"Không nhập được tệp “{self.filename}” — chưa có điểm nào được ghi: "
                    f"{len(self.errors)} lỗi.")
        text = (f"Đã cập nhật {self.updated} ô của {self.students} học sinh."
                if self.updated else "Không có ô nào thay đổi so với tệp đã tải về.")
        if self.conflicts:
            text += (f" {len(self.conflicts)} ô không được ghi vì đã có người khác sửa sau "
                     "khi tải tệp về.")
        return text


@dataclass
class _Layout:
    sheet: str
    header_row: int  # Excel row number
    positions: dict[str, int]  # key → 0-based column
    headers: dict[str, str]  # key → header as written in the file

    def error(self, key: str, row: int, problem: str, expected: str = "") -> CellError:
        index = self.positions[key]
        return CellError(self.sheet, row, column_letter(index), self.headers[key], problem,
                         expected)


@dataclass
class _Row:
    number: int  # Excel row
    student: Student
    values: dict[str, str]  # field → canonical stored text


def _header_key(value: Any, shape: cells.SheetShape) -> str | None:
    if not isinstance(value, str):
        return None
    key = fold(clean(value).replace("*", "")).replace(" ", "")
    known = {"stt": "stt", "mahocsinh": "code", "mahs": "code", "hovaten": "name",
             "hoten": "name", "gk": "gk", "ck": "ck", "dtb": "avg", "ketqua": "avg",
             "nhanxet": cells.COMMENT_FIELD}
    if key in known:
        return known[key]
    if key.startswith("tx") and key[2:].isdigit():
        return key
    return None


def _expected(shape: cells.SheetShape, name: str) -> str:
    if name == cells.COMMENT_FIELD:
        return f"văn bản, tối đa {cells.COMMENT_MAX} kí tự"
    if shape.scored:
        return "điểm từ 0 đến 10, tối đa một chữ số thập phân, ví dụ 8 hoặc 8,5"
    return "Đ (Đạt) hoặc CĐ (Chưa đạt)"


def _find_layout(name: str, rows: Sequence[Sequence[Any]], shape: cells.SheetShape
                 ) -> tuple[_Layout | None, list[CellError]]:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        keys = [_header_key(v, shape) for v in row]
        if "code" not in keys:
            continue
        layout = _Layout(name, index + 1, {}, {})
        errors: list[CellError] = []
        for col, key in enumerate(keys):
            if key is None:
                continue
            header = clean(str(row[col]))
            if key in layout.positions:
                errors.append(CellError(
                    name, index + 1, column_letter(col), header,
                    f"cột “{header}” lặp lại, đã có ở cột "
                    f"{column_letter(layout.positions[key])}",
                    "mỗi cột chỉ xuất hiện một lần, như trong tệp đã tải về"))
                continue
            if key not in _IDENTITY and key != "avg":
                try:
                    shape.check_field(key)
                except cells.CellError as exc:
                    errors.append(CellError(name, index + 1, column_letter(col), header,
                                            exc.message, f"các cột TX1…TX{shape.regular}"))
                    continue
            layout.positions[key] = col
            layout.headers[key] = header
        for key in ("code", *shape.fields):
            if key not in layout.positions:
                wanted = "Mã học sinh" if key == "code" else shape.label(key)
                errors.append(sheet_error(
                    name, f"thiếu cột “{wanted}” ở dòng tiêu đề {index + 1}",
                    "giữ nguyên các cột như trong tệp đã tải về"))
        return layout, errors
    return None, [sheet_error(
        name, f"không tìm thấy dòng tiêu đề (có cột “Mã học sinh”) trong "
              f"{HEADER_SEARCH_ROWS} dòng đầu",
        "tệp sổ điểm tải về từ hocba, giữ nguyên các dòng tiêu đề")]


def _text(value: Any) -> str:
    """A cell as text for the grid's parser; raises ValueError for a date or TRUE/FALSE."""
    if value is None:
        return ""
    if isinstance(value, bool) or isinstance(value, date | datetime | time | timedelta):
        raise ValueError(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def _data_sheet(book: Any) -> str | None:
    names = book.sheet_names()
    return next((n for n in names if fold(n) == fold(DATA_SHEET)), names[0] if names else None)


def _parse_rows(layout: _Layout, rows: Sequence[Sequence[Any]], sheet: selectors.Sheet,
                members: dict[str, Student], errors: list[CellError],
                seen: dict[str, int]) -> list[_Row]:
    shape = sheet.shape
    parsed: list[_Row] = []
    editable = list(shape.fields)

    def raw(line: Sequence[Any], key: str) -> Any:
        index = layout.positions.get(key)
        return line[index] if index is not None and index < len(line) else None

    for offset, line in enumerate(rows[layout.header_row:]):
        number = layout.header_row + 1 + offset
        code_cell = raw(line, "code")
        code = clean(_text(code_cell)) if not isinstance(code_cell, bool) else ""
        filled = [k for k in editable if not _blank(raw(line, k))]
        if not code:
            if filled or not _blank(raw(line, "name")):
                errors.append(layout.error("code", number, "dòng thiếu mã học sinh",
                                           "mã học sinh như trong tệp đã tải về"))
            continue
        student = members.get(code)
        if student is None:
            errors.append(layout.error(
                "code", number,
                f"mã học sinh “{code}” không có trong lớp {sheet.school_class.name}",
                "chỉ các học sinh đang học lớp này, như trong tệp đã tải về"))
            continue
        if code in seen:
            errors.append(layout.error(
                "code", number, f"học sinh {code} lặp lại, đã có ở dòng {seen[code]}",
                "mỗi học sinh một dòng; xoá dòng thừa"))
            continue
        seen[code] = number
        name = raw(line, "name")
        if "name" in layout.positions and not _blank(name) and (
                fold(clean(str(name))) != fold(student.full_name)):
            errors.append(layout.error(
                "name", number, f"họ tên “{clean(str(name))}” không khớp với mã {code} "
                f"({student.full_name}); có thể các dòng đã bị lệch",
                "giữ nguyên cột Mã học sinh và Họ và tên như tệp đã tải về"))
            continue
        values: dict[str, str] = {}
        for key in editable:
            cell = raw(line, key)
            try:
                values[key] = shape.parse(key, _text(cell))
            except ValueError as exc:
                if isinstance(exc, cells.CellError):
                    problem = exc.message
                else:
                    problem = (f"ô chứa giá trị kiểu ngày/giờ hoặc đúng/sai ({cell}); Excel "
                               "có thể đã tự đổi điểm thành ngày")
                errors.append(layout.error(key, number, problem[:1].lower() + problem[1:],
                                           _expected(shape, key)))
        parsed.append(_Row(number, student, values))
    return parsed


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def import_sheet(user: Any, school_class: SchoolClass, subject: Subject, term: int,
                 data: bytes, filename: str) -> ImportOutcome:
    """Check the whole file, then write the teacher's changes, or nothing (see module doc).
    Raises PermissionDenied without EDIT_RESULTS on the class × subject."""
    require(user, Action.EDIT_RESULTS, ClassSubject(school_class, subject.pk))
    sheet = selectors.sheet_of(school_class, subject, term)
    outcome = ImportOutcome(filename)
    try:
        book = open_workbook(data, filename)
    except ImportFileError as exc:
        outcome.errors.append(exc.error)
        return outcome
    try:
        meta = read_identity(book, outcome.filename, outcome.errors)
        if meta is None or not check_identity(meta["keys"], sheet, outcome.filename,
                                              outcome.errors):
            return outcome
        if selectors.lock_of(school_class, term) is not None:
            outcome.errors.append(file_error(
                f"{Term(term).label} năm học {school_class.school_year.name} đã được Hiệu "
                "trưởng khoá nên không nhập điểm từ Excel được",
                "sửa từng ô trên sổ điểm: mỗi thay đổi thành một đề nghị sửa điểm (có lí do) "
                "gửi Hiệu trưởng duyệt"))
            return outcome
        name = _data_sheet(book)
        if name is None:
            outcome.errors.append(file_error(f"tệp “{filename}” không có trang tính nào hiện ra",
                                             f"trang “{DATA_SHEET}” như tệp đã tải về"))
            return outcome
        rows = book.rows(name)
        layout, errors = _find_layout(name, rows, sheet.shape)
        outcome.errors += errors
        ignored = {layout.positions.get("avg")} if layout else set()
        outcome.errors += formula_errors(name, None, [
            f for f in book.formulas(name) if f[1] not in ignored])
        if layout is None:
            return _sorted(outcome)
        members = {s.student_code: s for s in selectors.current_members(school_class)}
        seen: dict[str, int] = {}
        parsed = _parse_rows(layout, rows, sheet, members, outcome.errors, seen)
    except ImportFileError as exc:
        outcome.errors.append(exc.error)
        return outcome
    finally:
        book.close()
    for code, student in members.items():
        if code not in seen:
            outcome.errors.append(sheet_error(
                name, f"thiếu dòng của học sinh {student.full_name} ({code}) đang học lớp "
                      f"{school_class.name}",
                "đủ các học sinh của lớp, như tệp đã tải về (nếu lớp vừa có học sinh mới, "
                "hãy tải lại tệp)"))
    outcome.students = len(parsed)
    if outcome.errors:
        return _sorted(outcome)
    _write(user, sheet, layout, parsed, meta["values"], outcome)
    return outcome


def _sorted(outcome: ImportOutcome) -> ImportOutcome:
    outcome.errors.sort(key=CellError.sort_key)
    return outcome


def _write(user: Any, sheet: selectors.Sheet, layout: _Layout, parsed: list[_Row],
           exported: dict[str, dict[str, str]], outcome: ImportOutcome) -> None:
    """Write the changed cells in one transaction; a cell changed by someone else since the
    export is refused and listed. A refusal by the services rolls everything back."""
    shape = sheet.shape
    written: list[dict[str, str]] = []
    try:
        with transaction.atomic():
            for line in parsed:
                before = exported.get(line.student.student_code, {})
                changed = [n for n in shape.fields if line.values[n] != before.get(n, "")]
                if not changed:
                    continue
                row = services.row_for(user, sheet.school_class, sheet.subject, sheet.term,
                                       line.student)
                row = TermResult.objects.select_for_update().get(pk=row.pk)
                version = row.version
                for name in changed:
                    current = selectors.stored_value(shape, row, name)
                    new, old = line.values[name], before.get(name, "")
                    if current == new:
                        continue
                    if current != old:
                        outcome.conflicts.append(
                            _conflict(shape, layout, line, row, name, new, current))
                        continue
                    answer = services.save_cell(user, row, name, new, version)
                    version = answer.version
                    outcome.updated += 1
                    written.append({"hoc_sinh": line.student.student_code, "o": name})
            if outcome.updated:
                school_class = sheet.school_class
                record(AuditEvent.Kind.WRITE, "nhap_excel_so_diem", actor=user,
                       obj=school_class, scope=_scope(school_class), detail={
                           "lop": school_class.name, "mon": sheet.subject.code,
                           "hoc_ki": sheet.term, "tep": outcome.filename,
                           "so_o": outcome.updated, "o": written,
                           "xung_dot": len(outcome.conflicts)})
    except services.GradebookError as exc:
        # e.g. the term was locked between the check and the write: nothing was written.
        outcome.updated = 0
        outcome.conflicts = []
        outcome.errors.append(file_error(f"chưa ghi gì: {exc.message}",
                                         "xem lại sổ điểm rồi tải tệp lên lại"))


def _conflict(shape: cells.SheetShape, layout: _Layout, line: _Row, row: TermResult,
              name: str, new: str, current: str) -> CellError:
    last = row.changes.get(name) or {}
    by = last.get("by", "người khác")
    at = last.get("at")
    when = f" lúc {timezone.localtime(datetime.fromisoformat(at)):%H:%M %d/%m}" if at else ""
    shown_now = shape.show(name, current) or "(trống)"
    shown_new = shape.show(name, new) or "(trống)"
    return layout.error(
        name, line.number,
        f"ô của {line.student.full_name} đã được {by} sửa thành {shown_now}{when} sau khi "
        f"tải tệp về; giá trị trong tệp ({shown_new}) chưa được ghi",
        "xem lại ô này trên sổ điểm và sửa trực tiếp nếu vẫn cần")
