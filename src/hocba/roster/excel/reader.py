"""Open an uploaded spreadsheet safely and hand back its cells.

Reading is python-calamine's (STACK.md §6: ~14× faster than openpyxl). Calamine only
returns the value a formula last computed, so formulas are found separately by streaming
the worksheet XML (xlsx) or ``content.xml`` (ods) and looking for formula cells.

What is not a real spreadsheet is refused by looking at the bytes, not at the file name:
a PDF renamed ``.xlsx``, a CSV, an HTML page saved as ``.xls`` each get their own message.
Limits (``settings.IMPORT_MAX_BYTES``, ``settings.IMPORT_MAX_ROWS``) are checked before the
cells are turned into Python objects, and a zip that inflates far beyond its size is refused
before it is inflated.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from hocba.domain.roster_sheet import CellError, file_error, sheet_error

# A real class list inflates about 5–10×; 20× the upload limit leaves ample room and still
# stops a zip bomb before calamine inflates it into memory.
INFLATE_FACTOR = 20

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
# A formula element, with or without a namespace prefix. Substring tests run at memchr speed;
# a false positive (the text ":f " inside a cell) only costs the exact XML scan.
_FORMULA_MARKS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/")
_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
_ODF_PREFIX = re.compile(r"^[A-Za-z]+:(?==)")  # "of:=SUM(...)" → "=SUM(...)"
_CHUNK = 1 << 20

FormulaCell = tuple[int, int, str]  # Excel row (1-based), column (0-based), formula text


class ImportFileError(Exception):
    """The file cannot be read at all; ``error`` says why, in Vietnamese."""

    def __init__(self, error: CellError) -> None:
        super().__init__(str(error))
        self.error = error


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f}".replace(".", ",") + " MB"


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def size_error(size: int, filename: str, max_bytes: int | None = None) -> CellError | None:
    """Too large or empty: checked before the upload is even read into memory."""
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    if size == 0:
        return file_error(f"tệp “{filename}” trống (0 byte)",
                          "một tệp Excel (.xlsx) có dữ liệu, ví dụ từ tệp mẫu")
    if size > limit:
        return file_error(
            f"tệp “{filename}” nặng {_mb(size)}, vượt giới hạn {_mb(limit)} mỗi lần nhập",
            "tệp nhỏ hơn: xoá ảnh và các trang không cần, hoặc chia thành nhiều tệp")
    return None


def _not_a_spreadsheet(data: bytes, filename: str) -> CellError:
    head = data[:2048]
    text_head = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    what = "không phải bảng tính"
    if head.startswith(b"%PDF"):
        what = "là tài liệu PDF, không phải bảng tính"
    elif head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8")):
        what = "là ảnh, không phải bảng tính"
    elif text_head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) or (
            b"<table" in text_head):
        what = "là trang HTML/XML được đổi đuôi, không phải bảng tính Excel thật"
    elif _looks_like_text(head):
        what = "là tệp văn bản (CSV/TXT), không phải bảng tính Excel"
    return file_error(f"tệp “{filename}” {what}",
                      "tệp .xlsx (hoặc .xls, .ods): mở tệp bằng Excel rồi chọn "
                      "Lưu thành → Sổ làm việc Excel (.xlsx)")


def _looks_like_text(head: bytes) -> bool:
    try:
        sample = head.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample = head.decode("utf-16")
        except UnicodeDecodeError:
            return False
    return bool(sample) and all(c.isprintable() or c in "\r\n\t" for c in sample[:500])


@dataclass
class Workbook:
    """An opened spreadsheet: its visible worksheets, their cells and their formula cells."""

    filename: str
    kind: str  # "xlsx", "xls", "xlsb" or "ods"
    book: CalamineWorkbook
    archive: zipfile.ZipFile | None = None
    max_rows: int = 0
    _sheet_paths: dict[str, str] = field(default_factory=dict)

    def sheet_names(self) -> list[str]:
        """Visible worksheets, in workbook order (hidden lists and charts are not data)."""
        return [m.name for m in self.book.sheets_metadata
                if m.typ == SheetTypeEnum.WorkSheet and m.visible == SheetVisibleEnum.Visible]

    def rows(self, sheet: str) -> list[list[Any]]:
        """Cells of ``sheet``, row i being Excel row i + 1 and column j being letter j.

        Refuses a sheet with more rows than the limit before building the Python lists."""
        try:
            data = self.book.get_sheet_by_name(sheet)
        except CalamineError as exc:
            raise ImportFileError(self._unreadable(exc)) from exc
        end = data.end
        if end is None:
            return []
        last_row = end[0] + 1
        if last_row - 1 > self.max_rows:
            raise ImportFileError(sheet_error(
                sheet,
                f"trang có {_thousands(last_row - 1)} dòng dưới dòng đầu tiên (đến dòng "
                f"{_thousands(last_row)}), vượt giới hạn {_thousands(self.max_rows)} dòng "
                "mỗi lần nhập",
                f"chia thành nhiều tệp, mỗi tệp tối đa {_thousands(self.max_rows)} dòng"))
        try:
            return data.to_python(skip_empty_area=False)
        except CalamineError as exc:
            raise ImportFileError(self._unreadable(exc)) from exc

    def formulas(self, sheet: str) -> list[FormulaCell]:
        """Every formula cell of ``sheet``. Not detectable in the binary .xls/.xlsb formats."""
        if self.archive is None or self.kind not in ("xlsx", "ods"):
            return []
        try:
            if self.kind == "xlsx":
                path = self._xlsx_sheet_paths().get(sheet)
                return _xlsx_formulas(self.archive, path) if path else []
            return _ods_formulas(self.archive, sheet)
        except (ET.ParseError, KeyError, zipfile.BadZipFile, OSError) as exc:
            raise ImportFileError(file_error(
                f"tệp “{self.filename}” bị hỏng, không đọc được trang “{sheet}” ({exc})",
                "mở tệp bằng Excel, lưu lại thành .xlsx rồi tải lên lại")) from exc

    def _xlsx_sheet_paths(self) -> dict[str, str]:
        if not self._sheet_paths:
            assert self.archive is not None
            self._sheet_paths = _xlsx_sheet_paths(self.archive)
        return self._sheet_paths

    def _unreadable(self, exc: Exception) -> CellError:
        return file_error(f"không đọc được tệp “{self.filename}”: tệp bị hỏng ({exc})",
                          "mở tệp bằng Excel, lưu lại thành .xlsx rồi tải lên lại")

    def close(self) -> None:
        self.book.close()
        if self.archive is not None:
            self.archive.close()


def open_workbook(data: bytes, filename: str, *, max_bytes: int | None = None,
                  max_rows: int | None = None) -> Workbook:
    """Open ``data`` as a spreadsheet or raise ImportFileError with the reason."""
    problem = size_error(len(data), filename, max_bytes)
    if problem is not None:
        raise ImportFileError(problem)
    limit = settings.IMPORT_MAX_BYTES if max_bytes is None else max_bytes
    rows_limit = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    archive: zipfile.ZipFile | None = None
    if data.startswith(b"PK"):
        archive, kind = _open_archive(data, filename, limit)
    elif data.startswith(_OLE2):
        kind = "xls"
    else:
        raise ImportFileError(_not_a_spreadsheet(data, filename))
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except CalamineError as exc:
        if archive is not None:
            archive.close()
        message = str(exc).lower()
        if "password" in message or "encrypt" in message or (kind == "xls" and _encrypted(data)):
            raise ImportFileError(file_error(
                f"tệp “{filename}” được đặt mật khẩu nên không đọc được",
                "mở tệp bằng Excel, bỏ mật khẩu (Tệp → Thông tin → Bảo vệ sổ làm việc), "
                "lưu lại rồi tải lên")) from exc
        raise ImportFileError(file_error(
            f"không đọc được tệp “{filename}”: tệp bị hỏng hoặc không phải bảng tính ({exc})",
            "mở tệp bằng Excel, lưu lại thành .xlsx rồi tải lên lại")) from exc
    return Workbook(filename, kind, book, archive, rows_limit)


def _encrypted(data: bytes) -> bool:
    # An encrypted .xlsx is an OLE2 container holding an "EncryptionInfo" stream.
    return "EncryptionInfo".encode("utf-16-le") in data[:65536]


def _open_archive(data: bytes, filename: str, max_bytes: int) -> tuple[zipfile.ZipFile, str]:
    damaged = ImportFileError(file_error(
        f"tệp “{filename}” bị hỏng (tệp nén .xlsx không đọc được)",
        "mở tệp bằng Excel, lưu lại thành .xlsx rồi tải lên lại"))
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        inflated = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError):
        raise damaged from None
    if inflated > INFLATE_FACTOR * max_bytes:
        archive.close()
        raise ImportFileError(file_error(
            f"tệp “{filename}” giải nén ra {_mb(inflated)}, quá lớn so với một danh sách",
            f"tệp giải nén dưới {_mb(INFLATE_FACTOR * max_bytes)}; xoá ảnh và trang thừa"))
    if "xl/workbook.xml" in names:
        return archive, "xlsx"
    if "xl/workbook.bin" in names:
        return archive, "xlsb"  # read by calamine; formulas are not detectable
    mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    if mimetype.startswith(b"application/vnd.oasis.opendocument.spreadsheet"):
        return archive, "ods"
    archive.close()
    if "word/document.xml" in names or b"opendocument.text" in mimetype:
        what = "là tài liệu văn bản (Word), không phải bảng tính"
    elif "ppt/presentation.xml" in names or b"opendocument.presentation" in mimetype:
        what = "là bản trình chiếu, không phải bảng tính"
    elif "[Content_Types].xml" in names:
        raise damaged
    else:
        what = "là tệp nén (.zip), không phải bảng tính"
    raise ImportFileError(file_error(
        f"tệp “{filename}” {what}",
        "tệp .xlsx (hoặc .xls, .ods): dùng tệp mẫu và lưu bằng Excel"))


# --- formula detection ---------------------------------------------------------------------

def _iterparse(stream: Any, events: Any) -> Iterator[tuple[str, Any]]:
    # The XML comes from an uploaded file. ElementTree never fetches external entities, and
    # the bundled expat (>= 2.4) bounds entity amplification ("billion laughs").
    return ET.iterparse(stream, events=events)  # noqa: S314


def _has_formula(archive: zipfile.ZipFile, member: str, marks: tuple[bytes, ...]) -> bool:
    """A cheap streaming pre-check, so a sheet without formulas is never parsed as XML."""
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(_CHUNK):
            window = tail + chunk
            if any(mark in window for mark in marks):
                return True
            tail = chunk[-16:]
    return False


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _xlsx_sheet_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → worksheet part, from xl/workbook.xml and its relationships."""
    targets: dict[str, str] = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in archive.namelist():
        with archive.open(rels) as stream:
            for _, elem in _iterparse(stream, ("end",)):
                if _local(elem.tag) == "Relationship":
                    target = elem.get("Target", "")
                    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
                        posixpath.join("xl", target))
                    targets[elem.get("Id", "")] = path
    paths: dict[str, str] = {}
    with archive.open("xl/workbook.xml") as stream:
        index = 0
        for _, elem in _iterparse(stream, ("end",)):
            if _local(elem.tag) != "sheet":
                continue
            index += 1
            rid = elem.get(f"{{{_NS_REL}}}id", "")
            path = targets.get(rid, f"xl/worksheets/sheet{index}.xml")
            paths[elem.get("name", "")] = path
    return paths


def _xlsx_formulas(archive: zipfile.ZipFile, member: str) -> list[FormulaCell]:
    if member not in archive.namelist() or not _has_formula(archive, member, _FORMULA_MARKS):
        return []
    found: list[FormulaCell] = []
    row, col = 0, -1
    with archive.open(member) as stream:
        for event, elem in _iterparse(stream, ("start", "end")):
            tag = _local(elem.tag)
            if event == "start":
                if tag == "row":
                    r = elem.get("r")
                    row, col = (int(r) if r and r.isdigit() else row + 1), -1
                elif tag == "c":
                    ref = _CELL_REF.match(elem.get("r") or "")
                    col = _column_index(ref.group(1)) if ref else col + 1
                    if ref:
                        row = int(ref.group(2))
                continue
            if tag == "f":
                found.append((row, col, (elem.text or "").strip()))
            elif tag == "row":
                elem.clear()
    return found


def _column_index(letters: str) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + (ord(ch) - 64)
    return number - 1


def _ods_formulas(archive: zipfile.ZipFile, sheet: str) -> list[FormulaCell]:
    if not _has_formula(archive, "content.xml", (b":formula=",)):
        return []
    table, name_attr = f"{{{_NS_TABLE}}}", f"{{{_NS_TABLE}}}name"
    found: list[FormulaCell] = []
    inside, row, next_row, col = False, 0, 1, 0
    with archive.open("content.xml") as stream:
        for event, elem in _iterparse(stream, ("start", "end")):
            tag = elem.tag
            if tag == f"{table}table":
                inside = event == "start" and elem.get(name_attr) == sheet
                if event == "end":
                    elem.clear()
                continue
            if not inside:
                continue
            if tag == f"{table}table-row":
                if event == "start":
                    row, col = next_row, 0
                else:
                    next_row += int(elem.get(f"{table}number-rows-repeated", "1"))
                    elem.clear()
            elif tag in (f"{table}table-cell", f"{table}covered-table-cell") and event == "end":
                formula = elem.get(f"{table}formula")
                if formula:
                    found.append((row, col, _ODF_PREFIX.sub("", formula)))
                col += int(elem.get(f"{table}number-columns-repeated", "1"))
    return found
