"""The hidden, signed identity sheet of an exported score sheet (``excel``).

The sheet ``hocba`` says what the file is (school, class, subject, term, school year), and
holds every exported cell value with each row's version, so that an import can tell the
teacher's changes from other people's. It carries an HMAC-SHA256 of all of that, keyed with
a key derived from ``SECRET_KEY`` for this one purpose (``IDENTITY_PURPOSE``): a file whose
identity or exported values were edited, one forged by hand, or one exported by another
installation is refused before anything else in it is read.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from openpyxl import Workbook

from hocba.curriculum.models import Subject
from hocba.domain.roster_sheet import CellError, file_error
from hocba.gradebook import selectors
from hocba.gradebook.models import TermResult
from hocba.roster.excel.reader import ImportFileError

META_SHEET = "hocba"
META_KIND = "so_diem"
META_VALUES_ROW = 12  # the exported values' header row on the hidden sheet
# The key of the identity sheet's HMAC is derived from SECRET_KEY for this purpose only.
IDENTITY_PURPOSE = "hocba.gradebook.excel:identity-sheet:v1"
SIGNATURE_KEY = "chu_ky"
VERSION_COLUMN = "phien_ban"


def identity_signature(keys: dict[str, str], header: Sequence[str],
                       rows: Sequence[Sequence[str]]) -> str:
    """HMAC-SHA256 of the identity sheet's content, in a canonical form (keys sorted, rows
    as written), with a key derived from SECRET_KEY for ``IDENTITY_PURPOSE``."""
    message = json.dumps({"keys": sorted(keys.items()), "header": list(header),
                          "rows": [list(r) for r in rows]},
                         ensure_ascii=False, separators=(",", ":"))
    return salted_hmac(IDENTITY_PURPOSE, message, algorithm="sha256").hexdigest()


def write_identity(book: Workbook, sheet: selectors.Sheet, grid: selectors.Grid,
                   results: dict[int, TermResult]) -> None:
    """The hidden sheet: what the file is, the values as exported (canonical text) with each
    row's version, and the HMAC over all of it."""
    meta = book.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    school_class, shape = sheet.school_class, sheet.shape
    keys = {key: str(value) for key, value in (
        ("loai", META_KIND), ("lop_id", school_class.pk), ("lop", school_class.name),
        ("mon", sheet.subject.code), ("hoc_ki", sheet.term),
        ("nam_hoc", school_class.school_year.name), ("truong", school_class.school.code),
        ("so_tx", shape.regular), ("xuat_luc", timezone.now().isoformat()))}
    header = ["ma_hoc_sinh", *shape.fields, VERSION_COLUMN]
    rows = []
    for row in grid.rows:
        result = results.get(row.student.pk)
        rows.append([row.student.student_code,
                     *(selectors.stored_value(shape, result, n) for n in shape.fields),
                     str(result.version if result else 0)])
    lines: list[list[str]] = [
        ["Trang do hocba tạo để nhận diện sổ điểm khi nhập lại; không sửa trang này."],
        *([k, v] for k, v in keys.items()),
        [SIGNATURE_KEY, identity_signature(keys, header, rows)]]
    lines += [[]] * (META_VALUES_ROW - 1 - len(lines))
    lines += [header, *rows]
    for number, line in enumerate(lines, start=1):
        for col, value in enumerate(line, start=1):
            cell = meta.cell(number, col)
            cell.number_format = "@"  # text: "8" stays the stored text, never a number
            cell.value = value
            cell.data_type = "s"


def _text(value: Any) -> str:
    """A cell of the hidden sheet as the text that was written (all its cells are text)."""
    return "" if value is None else str(value)


def read_identity(book: Any, filename: str, errors: list[CellError]
                  ) -> dict[str, Any] | None:
    """The hidden sheet's keys and exported values, or None with an error added: missing,
    not a gradebook sheet, or not signed by this hocba (edited or forged)."""
    missing = file_error(
        f"tệp “{filename}” không phải sổ điểm tải về từ hocba (thiếu trang nhận diện ẩn "
        "“hocba”)",
        "tải tệp Excel từ trang sổ điểm (nút “Tải Excel”), điền vào chính tệp đó rồi tải "
        "lên; không chép sang tệp khác")
    try:
        rows = book.rows(META_SHEET)
    except ImportFileError:
        errors.append(missing)
        return None
    keys = {_text(r[0]): _text(r[1]) for r in rows[1:META_VALUES_ROW - 1]
            if len(r) >= 2 and r[0]}
    if keys.get("loai") != META_KIND or len(rows) < META_VALUES_ROW:
        errors.append(missing)
        return None
    signature = keys.pop(SIGNATURE_KEY, "")
    header = [_text(v) for v in rows[META_VALUES_ROW - 1]]
    while header and not header[-1]:
        header.pop()
    lines = [[_text(v) for v in r[:len(header)]] + [""] * (len(header) - len(r))
             for r in rows[META_VALUES_ROW:] if r and r[0]]
    if not constant_time_compare(signature, identity_signature(keys, header, lines)):
        # Results are legal records (HCMC QĐ 1789 Điều 6 forbids altering them): a file
        # whose identity cannot be trusted is not read at all.
        errors.append(file_error(
            f"trang nhận diện ẩn “hocba” của tệp “{filename}” đã bị sửa hoặc không do hocba "
            "tạo ra (mã kiểm tra không khớp), nên không xác định được đây là sổ điểm nào và "
            "không nhập",
            "tải lại tệp Excel từ trang sổ điểm (nút “Tải Excel”) và điền điểm vào chính tệp "
            "đó; không sửa, không chép trang ẩn “hocba”"))
        return None
    values = {r[0]: dict(zip(header[1:], r[1:], strict=True)) for r in lines}
    return {"keys": keys, "values": values}


def check_identity(keys: dict[str, str], sheet: selectors.Sheet, filename: str,
                   errors: list[CellError]) -> bool:
    """Whether the (signed) file is this sheet's; otherwise an error names what it is."""
    school_class = sheet.school_class
    wanted = {"lop_id": str(school_class.pk), "mon": sheet.subject.code,
              "hoc_ki": str(sheet.term), "nam_hoc": school_class.school_year.name}
    if all(keys.get(k) == v for k, v in wanted.items()):
        return True
    subject = Subject.objects.filter(code=keys.get("mon", "")).first()
    term = keys.get("hoc_ki", "")
    what = (f"môn {subject.name if subject else keys.get('mon', '?')} lớp "
            f"{keys.get('lop', '?')} học kì {term} năm học {keys.get('nam_hoc', '?')}")
    here = (f"môn {sheet.subject.name} lớp {school_class.name} học kì {sheet.term} năm học "
            f"{school_class.school_year.name}")
    if keys.get("lop_id") != str(school_class.pk) and keys.get("lop") == school_class.name:
        what += " (của một lớp khác cùng tên)"
    errors.append(file_error(
        f"tệp “{filename}” là sổ điểm {what}, không phải sổ điểm {here}",
        "tải lên đúng tệp của sổ điểm này, hoặc mở sổ điểm của tệp đó rồi nhập ở đó"))
    return False
