"""Import journey: học vụ uploads a class list with errors, reads where each one is, uploads
the corrected list, and finds the new students in their class."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import login, shot_path
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # WhiteNoise warns that STATIC_ROOT has not been collected; the finders serve the CSS.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

HEADERS = ["STT", "Mã học sinh", "Họ và tên", "Ngày sinh", "Giới tính", "Lớp",
           "Số định danh cá nhân"]
# Typed decomposed (NFD), as some macOS and Excel exports write it: the page must show NFC.
NFD_NAME = unicodedata.normalize("NFD", "Trịnh Thị Thuỳ Dương")

GOOD_ROWS = [
    [1, "HS2501", NFD_NAME, date(2014, 3, 9), "Nữ", "6A", "001314012345"],
    [2, "HS2502", "Đặng Quốc Việt", date(2014, 11, 20), "Nam", "6A", "001214054321"],
    [3, "HS2503", "Hà Thị Mỹ Duyên", date(2014, 7, 1), "Nữ", "6A", ""],
]
NEW_NAMES = ["Trịnh Thị Thuỳ Dương", "Đặng Quốc Việt", "Hà Thị Mỹ Duyên"]

# The same list with three mistakes, one per data row (the header is Excel row 1).
BAD_ROWS = [
    # A boy born in 2014 needs 2 as the 4th digit; 3 is for a girl.
    [1, "HS2501", NFD_NAME, date(2014, 3, 9), "Nữ", "6A", "001314012345"],
    [2, "HS2502", "Đặng Quốc Việt", date(2014, 11, 20), "Nam", "6A", "001314054321"],
    [3, "HS2503", "Hà Thị Mỹ Duyên", date(2014, 7, 1), "Nữ", "9Z", ""],
    [4, "HS2504", "Lý Văn Tài", date(2031, 1, 15), "Nam", "6A", ""],
]
# (Excel row, column letter, header, a fragment of the message)
EXPECTED_ERRORS = [
    (3, "G", "Số định danh cá nhân", "chữ số thứ 4"),
    (4, "F", "Lớp", "9Z"),
    (5, "D", "Ngày sinh", "tương lai"),
]
NOTHING_WRITTEN = "chưa có dữ liệu nào được ghi"


def class_list_xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Danh sách lớp"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    for cell in sheet["D"][1:]:
        cell.number_format = "DD/MM/YYYY"
    for cell in sheet["G"][1:]:
        cell.number_format = "@"  # text: keeps the leading zeros
    book.save(path)
    return path


def error_cells(page: Page) -> list[list[str]]:
    """The error table, one list of cell texts per error: sheet, row, column, problem, need."""
    return page.get_by_test_id("import-error-table").evaluate(
        "t => [...t.tBodies[0].rows].map(r => [...r.cells].map(c => c.innerText.trim()))")


def written() -> bool:
    """Whether any student of either file is in the database (checked beside the browser)."""
    from hocba.roster.models import Student

    codes = {row[1] for row in BAD_ROWS + GOOD_ROWS}
    return Student.objects.filter(student_code__in=codes).exists()


def class_6a_names(page: Page) -> list[str]:
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 6A")
    return page.locator("table.grid").first.locator("tbody tr td:nth-child(3)").all_inner_texts()


def test_hoc_vu_imports_a_class_list_after_fixing_the_errors(
        page: Page, base_url: str, browser_world: Any, tmp_path: Path) -> None:
    w = browser_world
    login(page, base_url, "hocvu", PASSWORD)
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
        "link", name="Nhập Excel").click()
    expect(page).to_have_url(f"{base_url}/nhap-excel/")
    form = page.get_by_test_id("import-form")
    form.get_by_label("Loại danh sách").select_option(label="Danh sách lớp")
    form.get_by_label("Trường", exact=True).select_option(
        label="Trường THCS Nguyễn Trãi (01000101)")
    form.get_by_label("Năm học").select_option(label="2025-2026")
    file_input = form.get_by_label(re.compile(r"^Tệp Excel"))
    send = form.get_by_role("button", name="Nhập danh sách")

    # 1. A list with three mistakes: each named by row and column, and nothing written.
    file_input.set_input_files(class_list_xlsx(tmp_path / "danh-sach-6A.xlsx", BAD_ROWS))
    send.click()
    errors = page.get_by_test_id("import-errors")
    expect(errors.get_by_role("heading")).to_have_text(
        f"Không nhập được tệp “danh-sach-6A.xlsx” — {NOTHING_WRITTEN}")
    expect(page.get_by_test_id("import-success")).to_have_count(0)
    cells = error_cells(page)
    page.screenshot(path=str(shot_path("import-errors")), full_page=True)
    found = {(int(c[1]), c[2]) for c in cells}
    for row, column, header, fragment in EXPECTED_ERRORS:
        assert (row, f"{column} ({header})") in found, cells
        assert any(c[1] == str(row) and fragment.casefold() in c[3].casefold()
                   for c in cells), (row, fragment, cells)
        assert all(c[0] == "Danh sách lớp" and c[4] for c in cells)  # sheet named, need said
    assert len(cells) == len(EXPECTED_ERRORS), cells  # the good row 2 is not blamed
    expect(page.get_by_test_id("import-error-count")).to_have_text(
        re.compile(rf"^Tìm thấy {len(cells)} lỗi\."))

    # The error list downloads as a spreadsheet, with the same errors.
    with page.expect_download() as download:
        page.get_by_test_id("import-errors-download").click()
    assert download.value.suggested_filename == "Lỗi nhập danh-sach-6A.xlsx"
    saved = tmp_path / "loi.xlsx"
    download.value.save_as(saved)
    report = load_workbook(saved, read_only=True)
    report_text = " ".join(str(v) for ws in report.worksheets
                           for r in ws.iter_rows(values_only=True) for v in r if v is not None)
    assert all(fragment.casefold() in report_text.casefold()
               for *_, fragment in EXPECTED_ERRORS), report_text

    assert not written()

    # 2. The corrected list, into the same form (it kept the choices), checked first...
    expect(form.get_by_label("Loại danh sách")).to_have_value("lop")
    expect(form.get_by_label("Năm học")).to_have_value(str(w.year.pk))
    file_input.set_input_files(class_list_xlsx(tmp_path / "danh-sach-6A-da-sua.xlsx", GOOD_ROWS))
    form.get_by_role("button", name="Chỉ kiểm tra, chưa ghi").click()
    expect(page.get_by_test_id("import-check-ok")).to_contain_text(
        "Tệp “danh-sach-6A-da-sua.xlsx” hợp lệ: 3 học sinh vào 1 lớp (3 mới, 0 đã có). "
        "Chưa ghi gì vì chỉ kiểm tra.")
    assert not written()

    # ... then imported: a summary, and a link to the school.
    file_input.set_input_files(class_list_xlsx(tmp_path / "danh-sach-6A-da-sua.xlsx", GOOD_ROWS))
    send.click()
    success = page.get_by_test_id("import-success")
    expect(page.get_by_test_id("import-summary")).to_have_text(
        "Đã nhập 3 học sinh vào 1 lớp (3 mới, 0 cập nhật).")
    page.screenshot(path=str(shot_path("import-success")), full_page=True)
    expect(page.get_by_test_id("import-errors")).to_have_count(0)

    # 3. School → 6A: the new students are in the class, in NFC whatever the file used.
    success.get_by_role("link", name="Xem Trường THCS Nguyễn Trãi").click()
    page.get_by_role("link", name="6A", exact=True).click()
    names = class_6a_names(page)
    assert set(NEW_NAMES) <= set(names), names
    assert "Nguyễn Thị Ngọc Ánh" in names  # an import adds to the class, it does not replace
    assert all(unicodedata.is_normalized("NFC", n) for n in names), names
    expect(page.get_by_role("link", name="Trịnh Thị Thuỳ Dương", exact=True)).to_be_visible()
