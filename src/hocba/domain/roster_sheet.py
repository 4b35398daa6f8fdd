"""The two roster sheets of the Excel import: their columns, and rows of cells made into facts.

Pure: cells arrive as the spreadsheet reader gives them (``str``, ``float`` for every number,
``datetime.date`` for dates, ``bool``, ``""`` for an empty cell) and leave as typed rows, or
as ``CellError`` values that say, in Vietnamese, where the problem is (sheet, Excel row,
column letter and header), what is wrong and what is expected. Every row and every cell is
checked; nothing stops at the first problem, so the user fixes the whole file in one pass.

Everything that needs the database (does the code belong to another school? is the identity
number taken?) is checked by ``hocba.roster.excel.services``, with the same error values.
Every text cell is normalised to NFC on the way in (``hocba.domain.text.clean``).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache, partial
from typing import Any, Generic, TypeVar

from hocba.domain.ethnicity import ETHNIC_GROUPS, ethnic_code
from hocba.domain.identity import Sex, check_personal_id
from hocba.domain.subjects import SUBJECTS, SUBJECTS_BY_CODE
from hocba.domain.text import clean, fold

# How far down a sheet the header row is looked for (lists often start with a title block).
HEADER_SEARCH_ROWS = 20
# Age on the first day of the school year (Luật Giáo dục 2019 Điều 28: grade 1 at 6, grade 10
# at 15, with delays for students with disabilities, ethnic minorities, repeaters).
STUDENT_MIN_AGE, STUDENT_MAX_AGE = 5, 25
TEACHER_MIN_AGE, TEACHER_MAX_AGE = 18, 70


# --- errors --------------------------------------------------------------------------------

def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the letter Excel shows above a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def column_number(letters: str) -> int:
    """A → 1, AA → 27; 0 for no column."""
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number


@dataclass(frozen=True)
class CellError:
    """One problem a user can act on: where it is, what is wrong, what is expected.

    ``sheet`` is empty for a problem with the file itself; ``row`` is the row number Excel
    shows (1-based); ``column`` is the column letter and ``header`` its title.
    """

    sheet: str
    row: int | None
    column: str
    header: str
    problem: str
    expected: str = ""

    @property
    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"Trang “{self.sheet}”")
        if self.row is not None:
            parts.append(f"dòng {self.row}")
        if self.column:
            parts.append(f"cột {self.column}" + (f" ({self.header})" if self.header else ""))
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where
        text = f"{where}: {self.problem}" if where else self.problem[:1].upper() + self.problem[1:]
        return f"{text} — cần: {self.expected}" if self.expected else text

    def sort_key(self) -> tuple[int, str, int, int]:
        return (1 if self.sheet else 0, self.sheet, self.row or 0, column_number(self.column))


def file_error(problem: str, expected: str = "") -> CellError:
    """A problem with the file as a whole (not a spreadsheet, too large, ...)."""
    return CellError("", None, "", "", problem, expected)


def sheet_error(sheet: str, problem: str, expected: str = "") -> CellError:
    return CellError(sheet, None, "", "", problem, expected)


# --- column specifications -----------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header as the template writes it, and how to fill it."""

    key: str
    header: str
    required: bool = False  # the column must exist and every data row must fill it
    expected: str = ""  # what a good value looks like, for messages and the instructions
    aliases: tuple[str, ...] = ()  # other headers seen in schools' own lists
    example: Any = ""
    width: int = 16
    max_length: int = 0


@dataclass(frozen=True)
class SheetSpec:
    kind: str
    title: str  # the data sheet's name in the template, and in messages
    noun: str  # what one row is: "học sinh", "giáo viên"
    columns: tuple[Column, ...]
    code_key: str  # the column that identifies a row's person (upsert key)
    example_marker: str = "Ví dụ"  # the STT of the template's example row

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(key)

    @property
    def required(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)


_DATE_HINT = "ngày dạng dd/mm/yyyy, ví dụ 02/05/2013"
_SEX_HINT = "Nam hoặc Nữ"
_ID_HINT = "12 chữ số, gõ dạng văn bản để giữ số 0 ở đầu, ví dụ 001213012345"
_CODE_HINT = "tối đa 20 kí tự: chữ, số và - _ . /"

CLASS_LIST = SheetSpec(
    kind="lop",
    title="Danh sách lớp",
    noun="học sinh",
    columns=(
        Column("stt", "STT", aliases=("TT", "Số thứ tự"), example="Ví dụ", width=7),
        Column("student_code", "Mã học sinh", True, f"mã học sinh, {_CODE_HINT}",
               ("Mã HS", "Mã số học sinh", "Mã định danh học sinh"), "HS250001", 14, 20),
        Column("full_name", "Họ và tên", True, "họ và tên đầy đủ, không có chữ số",
               ("Họ tên", "Họ và tên học sinh", "Tên học sinh"), "Nguyễn Thị Ngọc Ánh", 28, 120),
        Column("birth_date", "Ngày sinh", True, _DATE_HINT,
               ("Ngày tháng năm sinh", "Ngày/tháng/năm sinh"), date(2014, 5, 2), 13),
        Column("sex", "Giới tính", True, _SEX_HINT, ("Giới", "Phái"), "Nữ", 10),
        Column("class_name", "Lớp", True, "tên lớp đã có trong năm học, ví dụ 6A",
               ("Tên lớp",), "6A", 8),
        Column("personal_id", "Số định danh cá nhân", False, _ID_HINT,
               ("Mã định danh", "Mã định danh cá nhân", "Số định danh", "Số CCCD", "CCCD",
                "Căn cước công dân", "Số căn cước"), "001314012345", 20, 12),
        Column("ethnicity", "Dân tộc", False,
               "tên dân tộc (Kinh, Tày, Mông, Khmer…) hoặc mã 01–54; để trống là Kinh",
               (), "Kinh", 12),
        Column("nationality", "Quốc tịch", False, "để trống là Việt Nam", (), "Việt Nam", 12, 60),
        Column("place_of_birth", "Nơi sinh", False, "", (), "Hà Nội", 20, 200),
        Column("hometown", "Quê quán", False, "", (), "Nam Định", 20, 200),
        Column("address", "Nơi ở hiện nay", False, "",
               ("Địa chỉ", "Chỗ ở hiện nay", "Nơi cư trú", "Địa chỉ thường trú"),
               "Số 12 phố Hàng Bông, phường Hoàn Kiếm, Hà Nội", 36, 300),
        Column("father_name", "Họ tên cha", False, "", ("Họ và tên cha", "Cha", "Tên cha"),
               "Nguyễn Văn An", 22, 120),
        Column("mother_name", "Họ tên mẹ", False, "", ("Họ và tên mẹ", "Mẹ", "Tên mẹ"),
               "Trần Thị Bình", 22, 120),
        Column("guardian_name", "Người giám hộ", False, "",
               ("Họ tên người giám hộ", "Họ và tên người giám hộ", "Giám hộ"), "", 22, 120),
    ),
    code_key="student_code",
)

TEACHER_LIST = SheetSpec(
    kind="giao_vien",
    title="Danh sách giáo viên",
    noun="giáo viên",
    columns=(
        Column("stt", "STT", aliases=("TT", "Số thứ tự"), example="Ví dụ", width=7),
        Column("staff_code", "Mã giáo viên", True, f"mã giáo viên, {_CODE_HINT}",
               ("Mã GV", "Mã cán bộ", "Mã CBGV", "Mã nhân viên"), "GV0001", 14, 20),
        Column("full_name", "Họ và tên", True, "họ và tên đầy đủ, không có chữ số",
               ("Họ tên", "Họ và tên giáo viên"), "Đỗ Thị Hương", 26, 120),
        Column("birth_date", "Ngày sinh", False, _DATE_HINT, ("Ngày tháng năm sinh",),
               date(1985, 3, 14), 13),
        Column("sex", "Giới tính", True, _SEX_HINT, ("Giới", "Phái"), "Nữ", 10),
        Column("personal_id", "Số định danh cá nhân", False, _ID_HINT,
               ("Mã định danh", "Số định danh", "Số CCCD", "CCCD", "Căn cước công dân"),
               "001185012345", 20, 12),
        Column("phone", "Điện thoại", False, "10–11 chữ số, ví dụ 0912345678",
               ("Số điện thoại", "SĐT", "Điện thoại di động", "Di động"), "0912345678", 14, 20),
        Column("email", "Thư điện tử", False, "địa chỉ thư, ví dụ ten@truong.edu.vn",
               ("Email", "E-mail", "Địa chỉ email", "Thư điện tử (email)"),
               "huongdt@truong.edu.vn", 26, 254),
        Column("main_subject", "Môn chuyên môn", False,
               "mã hoặc tên môn học, ví dụ TOAN hoặc Toán (xem trang Danh mục)",
               ("Môn", "Chuyên môn", "Môn dạy", "Môn giảng dạy"), "Toán", 18),
        Column("homeroom_class", "Chủ nhiệm lớp", False,
               "tên một lớp của năm học, hoặc để trống nếu không chủ nhiệm",
               ("Lớp chủ nhiệm", "GVCN lớp", "Chủ nhiệm"), "6A", 12),
        Column("assignments", "Phân công giảng dạy", False,
               "môn: lớp, lớp; môn: lớp — ví dụ TOAN: 6A, 6B; TIN_HOC: 7A",
               ("Phân công", "Lớp giảng dạy", "Phân công chuyên môn"), "TOAN: 6A, 6B", 34),
    ),
    code_key="staff_code",
)

SPECS: dict[str, SheetSpec] = {CLASS_LIST.kind: CLASS_LIST, TEACHER_LIST.kind: TEACHER_LIST}


# --- typed rows and the context they are checked against ----------------------------------

@dataclass(frozen=True)
class StudentRow:
    """One student of the class list. ``None`` in an optional field: not given in the file."""

    row: int
    student_code: str
    full_name: str
    birth_date: date
    sex: Sex
    class_name: str
    personal_id: str | None = None
    ethnicity: str | None = None
    nationality: str | None = None
    place_of_birth: str | None = None
    hometown: str | None = None
    address: str | None = None
    father_name: str | None = None
    mother_name: str | None = None
    guardian_name: str | None = None


STUDENT_TEXT_FIELDS = ("place_of_birth", "hometown", "address", "father_name", "mother_name",
                       "guardian_name")


@dataclass(frozen=True)
class TeacherRow:
    """One teacher. ``homeroom_class`` and ``assignments`` are None when the column is absent:
    present but empty means "none", so a teacher can be taken off a class."""

    row: int
    staff_code: str
    full_name: str
    sex: Sex
    birth_date: date | None = None
    personal_id: str | None = None
    phone: str | None = None
    email: str | None = None
    main_subject: str | None = None
    homeroom_class: str | None = None
    assignments: tuple[tuple[str, str], ...] | None = None  # (subject code, class name)
    has_homeroom_column: bool = False


@dataclass(frozen=True)
class ClassListContext:
    classes: Mapping[str, str]  # class_key(name) → name, the school's classes of the year
    year_name: str
    year_start: date
    today: date


@dataclass(frozen=True)
class TeacherListContext:
    classes: Mapping[str, str]
    year_name: str
    year_start: date
    today: date
    levels: tuple[str, ...] = ()  # the school's levels (cấp học); empty: any subject


@lru_cache(maxsize=4096)
def folded(value: str) -> str:
    """``fold`` for the few distinct values of a column (classes, sexes, ethnic groups)."""
    return fold(value)


def clean_cell(value: str) -> str:
    """``hocba.domain.text.clean`` of a cell, with a fast path for text already clean.

    Equivalent: NFC text whose characters are all printable (Python counts every space but
    U+0020 as unprintable) and without a double space has no run of white space to collapse.
    """
    if value.isprintable() and "  " not in value and unicodedata.is_normalized("NFC", value):
        return value.strip()
    return clean(value)


def class_key(name: str) -> str:
    """"6A", "6a", " 6 A " name the same class."""
    return folded(name)


def class_index(names: Iterable[str]) -> dict[str, str]:
    return {class_key(n): n for n in names}


# --- parsed sheet and layout ---------------------------------------------------------------

R = TypeVar("R")


@dataclass
class Layout:
    """Where the header row is and which column holds which field."""

    spec: SheetSpec
    sheet: str
    header_row: int  # Excel row number
    positions: dict[str, int]  # key → 0-based column index

    def error(self, key: str, row: int, problem: str, expected: str | None = None) -> CellError:
        col = self.spec.column(key)
        return CellError(self.sheet, row, column_letter(self.positions[key]), col.header, problem,
                         col.expected if expected is None else expected)

    def error_at(self, index: int, row: int, problem: str, expected: str = "") -> CellError:
        header = next((self.spec.column(k).header for k, i in self.positions.items()
                       if i == index), "")
        return CellError(self.sheet, row, column_letter(index), header, problem, expected)


@dataclass
class ParsedSheet(Generic[R]):
    sheet: str
    layout: Layout | None
    rows: list[R] = field(default_factory=list)
    errors: list[CellError] = field(default_factory=list)


def _header_key(value: Any) -> str:
    """A header's comparison key: without "*" marks and a trailing "(…)" hint."""
    if not isinstance(value, str):
        return ""
    text = clean(value).replace("*", "")
    text = re.sub(r"\([^)]*\)\s*$", "", text)
    return fold(text)


@cache
def _header_keys(spec: SheetSpec) -> dict[str, str]:
    keys: dict[str, str] = {}
    for col in spec.columns:
        for name in (col.header, *col.aliases):
            keys.setdefault(_header_key(name), col.key)
    return keys


def header_score(spec: SheetSpec, row: Sequence[Any]) -> int:
    """How many cells of ``row`` are headers of ``spec`` (to recognise a sheet)."""
    keys = _header_keys(spec)
    return len({keys[k] for k in map(_header_key, row) if k in keys})


def _header_rows(spec: SheetSpec, rows: Sequence[Sequence[Any]]) -> Iterable[Sequence[Any]]:
    return (row for row in rows[:HEADER_SEARCH_ROWS] if header_score(spec, row) >= 2)


def has_column(spec: SheetSpec, key: str, rows: Sequence[Sequence[Any]]) -> bool:
    """Whether a header row of ``spec`` near the top of ``rows`` holds the column ``key``."""
    keys = _header_keys(spec)
    return any(keys.get(_header_key(cell)) == key
               for row in _header_rows(spec, rows) for cell in row)


def has_header(spec: SheetSpec, rows: Sequence[Sequence[Any]]) -> bool:
    return next(iter(_header_rows(spec, rows)), None) is not None


def other_kind(spec: SheetSpec, rows: Sequence[Sequence[Any]]) -> SheetSpec | None:
    """The other list, when ``rows`` plainly hold it (its code column, not ours)."""
    if has_column(spec, spec.code_key, rows):
        return None
    for other in SPECS.values():
        if other is not spec and has_column(other, other.code_key, rows):
            return other
    return None


def find_layout(spec: SheetSpec, sheet: str, rows: Sequence[Sequence[Any]]
                ) -> tuple[Layout | None, list[CellError]]:
    """Find the header row (the first with two or more known headers) and map the columns."""
    keys = _header_keys(spec)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        if header_score(spec, row) < 2:
            continue
        row_number = index + 1
        layout = Layout(spec, sheet, row_number, {})
        errors: list[CellError] = []
        unknown: list[str] = []
        for col_index, cell in enumerate(row):
            key = keys.get(_header_key(cell))
            if key is None:
                if isinstance(cell, str) and clean(cell):
                    unknown.append(f"“{clean(cell)}” (cột {column_letter(col_index)})")
                continue
            if key in layout.positions:
                first = column_letter(layout.positions[key])
                errors.append(CellError(
                    sheet, row_number, column_letter(col_index), spec.column(key).header,
                    f"cột “{spec.column(key).header}” lặp lại, đã có ở cột {first}",
                    "mỗi cột chỉ xuất hiện một lần; xoá hoặc đổi tên cột thừa"))
                continue
            layout.positions[key] = col_index
        for col in spec.required:
            if col.key not in layout.positions:
                hint = f"thêm cột có tiêu đề “{col.header}” vào dòng tiêu đề {row_number}"
                if unknown:
                    hint += "; các tiêu đề không nhận ra: " + ", ".join(unknown)
                errors.append(sheet_error(sheet, f"thiếu cột bắt buộc “{col.header}”", hint))
        return layout, errors
    needed = ", ".join(f"“{c.header}”" for c in spec.required)
    return None, [sheet_error(
        sheet, f"không tìm thấy dòng tiêu đề của {spec.title.lower()} "
        f"trong {HEADER_SEARCH_ROWS} dòng đầu",
        f"một dòng tiêu đề có các cột {needed} (dùng tệp mẫu để có đúng các cột)")]


def formula_errors(sheet: str, layout: Layout | None,
                   formulas: Iterable[tuple[int, int, str]]) -> list[CellError]:
    """Every formula cell is an error: the reader sees only the value Excel last computed,
    which another program may never have computed at all."""
    errors = []
    for row, col, formula in formulas:
        shown = f"công thức “={formula.lstrip('=')}”" if formula else "công thức (dùng chung)"
        problem = f"ô {column_letter(col)}{row} chứa {shown}; hệ thống không đọc công thức"
        expected = "giá trị gõ trực tiếp (chép rồi dùng Dán đặc biệt → Chỉ giá trị)"
        if layout is not None:
            errors.append(layout.error_at(col, row, problem, expected))
        else:
            errors.append(CellError(sheet, row, column_letter(col), "", problem, expected))
    return errors


# --- cell conversions ----------------------------------------------------------------------

class _Bad(Exception):
    """A cell that cannot be made into the value its column needs."""

    def __init__(self, problem: str, expected: str | None = None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.expected = expected


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number_text(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def show(value: Any) -> str:
    """A cell's content as the user would recognise it in a message."""
    if isinstance(value, bool):
        return "giá trị đúng/sai (TRUE/FALSE)"
    if isinstance(value, int | float):
        return f"số {_number_text(value)}"
    if isinstance(value, datetime):
        return f"ngày giờ {value:%d/%m/%Y %H:%M}"
    if isinstance(value, date):
        return f"ngày {value:%d/%m/%Y}"
    if isinstance(value, time | timedelta):
        return f"giờ {value}"
    return f"“{clean(str(value))}”"


def _text(value: Any, max_length: int = 0) -> str:
    if type(value) is str:
        text = clean_cell(value)
    elif isinstance(value, bool) or isinstance(value, date | time | timedelta):
        raise _Bad(f"ô chứa {show(value)}, không phải chữ")
    else:
        text = _number_text(value) if isinstance(value, int | float) else clean(str(value))
    if max_length and len(text) > max_length:
        raise _Bad(f"dài {len(text)} kí tự, vượt quá {max_length} kí tự",
                   f"tối đa {max_length} kí tự")
    return text


_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/\-]*$")


def _code(value: Any, what: str) -> str:
    text = _text(value, 20)
    if not _CODE.match(text):
        raise _Bad(f"{what} “{text}” có kí tự không hợp lệ")
    return text


def _name(value: Any, max_length: int) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise _Bad(f"ô chứa {show(value)}, không phải họ tên")
    text = _text(value, max_length)
    if any(ch.isdigit() for ch in text):
        raise _Bad(f"họ tên “{text}” có chữ số")
    if not any(ch.isalpha() for ch in text):
        raise _Bad(f"“{text}” không phải họ tên")
    return text


_DMY = re.compile(
    r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool) or isinstance(value, time | timedelta):
        raise _Bad(f"ô chứa {show(value)}, không phải ngày")
    if isinstance(value, int | float):
        raise _Bad(f"ô chứa {show(value)}, không phải ngày",
                   "ngày dạng dd/mm/yyyy; định dạng ô là Ngày (Date) hoặc gõ dạng văn bản")
    text = clean(str(value))
    if m := _DMY.match(text):
        day, month, year = (int(g) for g in m.groups())
    elif m := _YMD.match(text):
        year, month, day = (int(g) for g in m.groups())
    else:
        raise _Bad(f"“{text}” không phải ngày dạng dd/mm/yyyy")
    try:
        return date(year, month, day)
    except ValueError:
        raise _Bad(f"ngày “{text}” không có thật") from None


_SEXES = {"nam": Sex.MALE, "trai": Sex.MALE, "nu": Sex.FEMALE, "gai": Sex.FEMALE}


def _sex(value: Any) -> Sex:
    if not isinstance(value, str):
        raise _Bad(f"ô chứa {show(value)}, không phải giới tính")
    sex = _SEXES.get(folded(value))
    if sex is None:
        raise _Bad(f"giới tính {show(value)} không rõ")
    return sex


def _personal_id(value: Any) -> str:
    if isinstance(value, bool) or isinstance(value, date | time | timedelta):
        raise _Bad(f"ô chứa {show(value)}, không phải số định danh")
    if isinstance(value, int | float):
        # Excel turned the number into a figure and dropped its leading zeros; every number
        # starts with a province code 001–096, so padding to 12 digits restores it exactly.
        if not float(value).is_integer() or not 0 < value < 10**12:
            raise _Bad(f"ô chứa {show(value)}, không phải số định danh")
        return f"{int(value):012d}"
    return re.sub(r"[\s.\-]", "", clean(str(value))).lstrip("'")


def _ethnicity(value: Any) -> str:
    if isinstance(value, bool):
        raise _Bad(f"ô chứa {show(value)}, không phải dân tộc")
    text = _number_text(value) if isinstance(value, float | int) else _text(value)
    code = _ethnic_code(text)
    if code is None:
        raise _Bad(f"dân tộc “{text}” không có trong danh mục 54 dân tộc")
    return code


_ethnic_code = lru_cache(maxsize=1024)(ethnic_code)
_VIET_NAM = {"vietnam", "vn", "vnm"}


def _nationality(value: Any) -> str:
    text = _text(value, 60)
    return "Việt Nam" if folded(text) in _VIET_NAM else text


def _class_name(value: Any, classes: Mapping[str, str], year_name: str) -> str:
    text = _text(value)
    name = classes.get(class_key(text))
    if name is None:
        if classes:
            known = ", ".join(sorted(classes.values(), key=_class_sort_key))
            raise _Bad(f"lớp “{text}” không có trong năm học {year_name} của trường",
                       f"một trong các lớp: {known}")
        raise _Bad(f"lớp “{text}” không có: trường chưa có lớp nào trong năm học {year_name}",
                   "tạo các lớp của năm học trước khi nhập danh sách")
    return name


def _class_sort_key(name: str) -> list[Any]:
    """Natural order: 6A2 before 6A10, 9A before 10A."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in re.split(r"(\d+)", name) if part]


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")


def _phone(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = _number_text(value)
        if digits.isdigit() and len(digits) in (9, 10):
            digits = "0" + digits  # Excel dropped the leading 0 of a number typed as figure
    else:
        digits = _PHONE_SEPARATORS.sub("", _text(value))
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    if not (digits.isdigit() and digits.startswith("0") and 10 <= len(digits) <= 11):
        raise _Bad(f"số điện thoại {show(value)} không hợp lệ")
    return digits


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _email(value: Any) -> str:
    text = _text(value, 254)
    if not _EMAIL.match(text):
        raise _Bad(f"“{text}” không phải địa chỉ thư điện tử")
    return text.lower()


def subject_key(value: str) -> str:
    """"TIN_HOC", "Tin học", "tin hoc" and "Vật lý"/"Vật lí" compare equal."""
    return fold(value).replace("_", "").replace("y", "i")


_SUBJECT_ALIASES = {
    "tienganh": "NGOAI_NGU_1", "anhvan": "NGOAI_NGU_1", "ngoaingu": "NGOAI_NGU_1",
    "theduc": "GDTC", "van": "NGU_VAN", "su": "LICH_SU", "dia": "DIA_LY", "li": "VAT_LY",
    "hoa": "HOA_HOC", "sinh": "SINH_HOC", "tin": "TIN_HOC", "nhac": "AM_NHAC",
    "hdtnhn": "HDTN_HN", "gdqp": "GDQP_AN", "gdktpl": "GDKT_PL",
}
_SUBJECT_BY_KEY: dict[str, str] = {}
for _s in SUBJECTS:
    _SUBJECT_BY_KEY.setdefault(subject_key(_s.code), _s.code)
    _SUBJECT_BY_KEY.setdefault(subject_key(_s.name), _s.code)
for _alias, _code_ in _SUBJECT_ALIASES.items():
    _SUBJECT_BY_KEY.setdefault(_alias, _code_)


def subject_code(value: str) -> str | None:
    """The catalogue code for a subject given by code or by name (any usual spelling)."""
    return _SUBJECT_BY_KEY.get(subject_key(value))


def _subject(value: Any, levels: tuple[str, ...]) -> str:
    text = _text(value)
    code = subject_code(text)
    if code is None:
        raise _Bad(f"môn “{text}” không có trong danh mục môn học",
                   "mã hoặc tên môn trong trang Danh mục, ví dụ TOAN hoặc Toán")
    info = SUBJECTS_BY_CODE[code]
    if levels and not set(info.levels) & set(levels):
        raise _Bad(f"môn {info.name} không dạy ở cấp {', '.join(levels)} của trường",
                   f"một môn của cấp {', '.join(levels)}")
    return code


# --- the class list ------------------------------------------------------------------------

class _RowReader:
    """One data row: typed fields out, CellErrors collected with the right column."""

    def __init__(self, layout: Layout, row_number: int, cells: Sequence[Any],
                 errors: list[CellError]) -> None:
        self.layout, self.row, self.cells, self.errors = layout, row_number, cells, errors

    def present(self, key: str) -> bool:
        return key in self.layout.positions

    def raw(self, key: str) -> Any:
        index = self.layout.positions.get(key)
        if index is None or index >= len(self.cells):
            return ""
        value = self.cells[index]
        return "" if value is None else value

    def get(self, key: str, convert: Callable[[Any], Any]) -> Any:
        """The converted value, None when blank or absent (a required blank is an error)."""
        value = self.raw(key)
        if is_blank(value):
            col = self.layout.spec.column(key)
            if col.required and self.present(key):
                self.fail(key, f"thiếu {col.header.lower()}")
            return None
        try:
            return convert(value)
        except _Bad as bad:
            self.fail(key, bad.problem, bad.expected)
            return None

    def fail(self, key: str, problem: str, expected: str | None = None) -> None:
        self.errors.append(self.layout.error(key, self.row, problem, expected))


def _data_rows(layout: Layout, rows: Sequence[Sequence[Any]]
               ) -> Iterable[tuple[int, Sequence[Any]]]:
    """(Excel row number, cells) of every non-empty row under the header, skipping the
    template's example row. A row with only its STT filled is empty (pre-numbered lists)."""
    spec = layout.spec
    stt = layout.positions.get("stt")
    example_code = spec.column(spec.code_key).example
    code_index = layout.positions.get(spec.code_key)
    for index in range(layout.header_row, len(rows)):
        cells = rows[index]
        if all(is_blank(v) for i, v in enumerate(cells) if i != stt):
            continue
        if (stt is not None and code_index is not None and stt < len(cells)
                and code_index < len(cells)
                and isinstance(cells[stt], str) and fold(cells[stt]) == fold(spec.example_marker)
                and cells[code_index] == example_code):
            continue
        yield index + 1, cells


def _check_birth(reader: _RowReader, born: date | None, start: date, today: date,
                 ages: tuple[int, int], noun: str) -> date | None:
    if born is None:
        return None
    if born > today:
        reader.fail("birth_date", f"ngày sinh {born:%d/%m/%Y} ở tương lai",
                    "ngày sinh thật, trước hôm nay")
        return None
    age = _age_on(born, start)
    low, high = ages
    if not low <= age <= high:
        reader.fail("birth_date",
                    f"ngày sinh {born:%d/%m/%Y}: {noun} {age} tuổi vào ngày bắt đầu năm học "
                    f"{start:%d/%m/%Y}",
                    f"{noun} từ {low} đến {high} tuổi vào ngày bắt đầu năm học")
        return None
    return born


def _check_identity(reader: _RowReader, number: str | None, born: date | None,
                    sex: Sex | None, noun: str) -> str | None:
    if number is None:
        return None
    problem = check_personal_id(number, birth_date=born, sex=sex, person=noun)
    if problem is not None:
        reader.fail("personal_id", problem.message, problem.expected)
        return None
    return number


def _duplicates(values: Sequence[tuple[int, str | None]], key: str, layout: Layout,
                what: str, errors: list[CellError]) -> set[int]:
    """An error on every row whose value repeats, naming the other rows; their numbers.

    ``values`` holds (row, value) of every data row, those with other errors included, so
    that a repeated code is reported even next to a wrong date."""
    seen: dict[str, list[int]] = defaultdict(list)
    for row, value in values:
        if value:
            seen[value].append(row)
    bad: set[int] = set()
    for value, numbers in seen.items():
        if len(numbers) < 2:
            continue
        for n in numbers:
            others = ", ".join(str(o) for o in numbers if o != n)
            errors.append(layout.error(key, n, f"{what} “{value}” trùng với dòng {others}",
                                       f"mỗi {layout.spec.noun} chỉ một dòng, "
                                       f"mỗi {what} chỉ xuất hiện một lần trong tệp"))
            bad.add(n)
    return bad


def _no_data(layout: Layout) -> CellError:
    return sheet_error(layout.sheet,
                       f"không có dòng dữ liệu nào dưới dòng tiêu đề (dòng {layout.header_row})",
                       f"mỗi {layout.spec.noun} một dòng, bắt đầu từ dòng "
                       f"{layout.header_row + 1}")


def parse_class_list(sheet: str, rows: Sequence[Sequence[Any]], ctx: ClassListContext
                     ) -> ParsedSheet[StudentRow]:
    """The students of a class list, or every error in it."""
    layout, errors = find_layout(CLASS_LIST, sheet, rows)
    parsed: ParsedSheet[StudentRow] = ParsedSheet(sheet, layout, [], errors)
    if layout is None:
        return parsed
    seen_rows = 0
    codes: list[tuple[int, str | None]] = []
    ids: list[tuple[int, str | None]] = []
    code_of = partial(_code, what="mã học sinh")
    name_of = partial(_name, max_length=CLASS_LIST.column("full_name").max_length)
    class_of = partial(_class_name, classes=ctx.classes, year_name=ctx.year_name)
    text_of = {f: partial(_text, max_length=CLASS_LIST.column(f).max_length)
               for f in STUDENT_TEXT_FIELDS}
    for number, cells in _data_rows(layout, rows):
        seen_rows += 1
        before = len(errors)
        r = _RowReader(layout, number, cells, errors)
        code = r.get("student_code", code_of)
        codes.append((number, code))
        name = r.get("full_name", name_of)
        sex = r.get("sex", _sex)
        born = _check_birth(r, r.get("birth_date", _date), ctx.year_start, ctx.today,
                            (STUDENT_MIN_AGE, STUDENT_MAX_AGE), "học sinh")
        class_name = r.get("class_name", class_of)
        number_id = _check_identity(r, r.get("personal_id", _personal_id), born, sex, "học sinh")
        ids.append((number, number_id))
        ethnicity = r.get("ethnicity", _ethnicity)
        nationality = r.get("nationality", _nationality)
        texts = {f: r.get(f, convert) for f, convert in text_of.items()}
        if (len(errors) > before or code is None or name is None or sex is None
                or born is None or class_name is None):
            continue
        parsed.rows.append(StudentRow(
            number, code, name, born, sex, class_name, number_id, ethnicity, nationality,
            **texts))
    if not seen_rows and not [e for e in errors if e.row is None]:
        errors.append(_no_data(layout))
    rejected = _duplicates(codes, "student_code", layout, "mã học sinh", errors)
    rejected |= _duplicates(ids, "personal_id", layout, "số định danh", errors)
    parsed.rows = [r for r in parsed.rows if r.row not in rejected]
    parsed.errors.sort(key=CellError.sort_key)
    return parsed


# --- the teacher list ----------------------------------------------------------------------

def parse_assignments(text: str, classes: Mapping[str, str], year_name: str,
                      levels: tuple[str, ...]
                      ) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """"TOAN: 6A, 6B; TIN_HOC: 7A" → [(TOAN, 6A), (TOAN, 6B), (TIN_HOC, 7A)], and the
    problems as (what is wrong, what is expected)."""
    pairs: list[tuple[str, str]] = []
    problems: list[tuple[str, str]] = []
    for part in re.split(r"[;\n]", text):
        part = part.strip()
        if not part:
            continue
        subject_text, colon, classes_text = part.partition(":")
        if not colon or not classes_text.strip():
            problems.append((f"phần “{part}” thiếu dấu hai chấm giữa môn và lớp",
                             _ASSIGNMENT_HINT))
            continue
        try:
            subject = _subject(subject_text, levels)
        except _Bad as bad:
            problems.append((bad.problem, bad.expected or _ASSIGNMENT_HINT))
            continue
        for name in classes_text.split(","):
            if not name.strip():
                continue
            try:
                pair = (subject, _class_name(name, classes, year_name))
            except _Bad as bad:
                problems.append((bad.problem, bad.expected or _ASSIGNMENT_HINT))
                continue
            if pair not in pairs:
                pairs.append(pair)
    return pairs, problems


_ASSIGNMENT_HINT = "môn: lớp, lớp; môn: lớp — ví dụ TOAN: 6A, 6B; TIN_HOC: 7A"


def parse_teacher_list(sheet: str, rows: Sequence[Sequence[Any]], ctx: TeacherListContext
                       ) -> ParsedSheet[TeacherRow]:
    """The teachers of a teacher list, with homeroom classes and teaching assignments."""
    layout, errors = find_layout(TEACHER_LIST, sheet, rows)
    parsed: ParsedSheet[TeacherRow] = ParsedSheet(sheet, layout, [], errors)
    if layout is None:
        return parsed
    has_assignments = "assignments" in layout.positions
    has_homeroom = "homeroom_class" in layout.positions
    seen_rows = 0
    codes: list[tuple[int, str | None]] = []
    ids: list[tuple[int, str | None]] = []
    for number, cells in _data_rows(layout, rows):
        seen_rows += 1
        before = len(errors)
        r = _RowReader(layout, number, cells, errors)
        code = r.get("staff_code", lambda v: _code(v, "mã giáo viên"))
        codes.append((number, code))
        name = r.get("full_name", lambda v: _name(v, 120))
        sex = r.get("sex", _sex)
        born = _check_birth(r, r.get("birth_date", _date), ctx.year_start, ctx.today,
                            (TEACHER_MIN_AGE, TEACHER_MAX_AGE), "giáo viên")
        number_id = _check_identity(r, r.get("personal_id", _personal_id), born, sex,
                                    "giáo viên")
        ids.append((number, number_id))
        phone = r.get("phone", _phone)
        email = r.get("email", _email)
        subject = r.get("main_subject", lambda v: _subject(v, ctx.levels))
        homeroom = r.get("homeroom_class",
                         lambda v: _class_name(v, ctx.classes, ctx.year_name))
        assignments: list[tuple[str, str]] | None = None
        if has_assignments:
            raw = r.raw("assignments")
            assignments = []
            if not is_blank(raw):
                try:
                    assignments, problems = parse_assignments(
                        _text(raw), ctx.classes, ctx.year_name, ctx.levels)
                except _Bad as bad:
                    problems = [(bad.problem, _ASSIGNMENT_HINT)]
                for problem, expected in problems:
                    r.fail("assignments", problem, expected)
        if len(errors) > before or code is None or name is None or sex is None:
            continue
        parsed.rows.append(TeacherRow(
            number, code, name, sex, born, number_id, phone, email, subject, homeroom,
            tuple(assignments) if assignments is not None else None, has_homeroom))
    if not seen_rows and not [e for e in errors if e.row is None]:
        errors.append(_no_data(layout))
    rejected = _duplicates(codes, "staff_code", layout, "mã giáo viên", errors)
    rejected |= _duplicates(ids, "personal_id", layout, "số định danh", errors)
    rejected |= _conflicting_homerooms(parsed.rows, layout, errors)
    rejected |= _conflicting_assignments(parsed.rows, layout, errors)
    parsed.rows = [r for r in parsed.rows if r.row not in rejected]
    parsed.errors.sort(key=CellError.sort_key)
    return parsed


def _conflicting_homerooms(rows: Sequence[TeacherRow], layout: Layout,
                           errors: list[CellError]) -> set[int]:
    by_class: dict[str, list[TeacherRow]] = defaultdict(list)
    for r in rows:
        if r.homeroom_class:
            by_class[r.homeroom_class].append(r)
    bad: set[int] = set()
    for name, teachers in by_class.items():
        if len(teachers) < 2:
            continue
        for t in teachers:
            others = ", ".join(f"{o.full_name} (dòng {o.row})" for o in teachers if o is not t)
            errors.append(layout.error(
                "homeroom_class", t.row, f"lớp {name} đã có giáo viên chủ nhiệm khác: {others}",
                "mỗi lớp một giáo viên chủ nhiệm"))
            bad.add(t.row)
    return bad


def _conflicting_assignments(rows: Sequence[TeacherRow], layout: Layout,
                             errors: list[CellError]) -> set[int]:
    """A class × subject is taught by one teacher (the roster's unique constraint)."""
    by_pair: dict[tuple[str, str], list[TeacherRow]] = defaultdict(list)
    for r in rows:
        for pair in r.assignments or ():
            by_pair[pair].append(r)
    bad: set[int] = set()
    for (subject, class_name), teachers in by_pair.items():
        if len(teachers) < 2:
            continue
        label = SUBJECTS_BY_CODE[subject].name
        for t in teachers:
            others = ", ".join(f"{o.full_name} (dòng {o.row})" for o in teachers if o is not t)
            errors.append(layout.error(
                "assignments", t.row,
                f"lớp {class_name} môn {label} đã được phân công cho giáo viên khác: {others}",
                "mỗi môn của một lớp do một giáo viên dạy"))
            bad.add(t.row)
    return bad


def ethnic_names() -> list[str]:
    """The 54 names in code order, for the template's list."""
    return [ETHNIC_GROUPS[c] for c in sorted(ETHNIC_GROUPS)]
