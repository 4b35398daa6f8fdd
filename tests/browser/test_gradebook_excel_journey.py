"""The Excel round trip in the browser: the subject teacher downloads the score sheet from the
grid, fills it in (openpyxl stands in for Excel), uploads it with one mistake and reads where
it is, fixes it, uploads again and finds the scores on the grid (TT 22/2021 Điều 5.3.b)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def class_of_two(browser_world: Any) -> Any:
    """6A with Lê Thị An (row 7 of the sheet) and Nguyễn Thị Ngọc Ánh (row 8)."""
    from hocba.roster.models import Enrolment, Student

    student = Student.objects.create(student_code="HS9001", full_name="Lê Thị An",
                                     birth_date=date(2013, 3, 3), sex="nu",
                                     school=browser_world.school)
    Enrolment.objects.create(student=student, school_class=browser_world.class_6a,
                             start_date=browser_world.year.start,
                             reason=Enrolment.Reason.ADMITTED)
    return browser_world


def filled(source: Path, target: Path, anh_gk: Any) -> Path:
    book = load_workbook(source)
    sheet = book["Sổ điểm"]
    assert sheet["B8"].value == "HS0001"
    for col, value in zip("DEFGHI", [8, 7.5, 9, 8, anh_gk, 8], strict=True):
        sheet[f"{col}8"] = value
    sheet["D7"] = 6.5
    out = io.BytesIO()
    book.save(out)
    target.write_bytes(out.getvalue())
    return target


def cell(page: Page, name: str, field: str) -> Any:
    return page.get_by_label(f"{field.upper()} — {name}", exact=True)


def test_the_subject_teacher_fills_the_sheet_in_excel_and_imports_it(
        page: Page, base_url: str, class_of_two: Any, tmp_path: Path) -> None:
    w = class_of_two
    login(page, base_url, "gvbm", PASSWORD)
    grid = f"{base_url}/so-diem/lop/{w.class_6a.pk}/mon/TOAN/hk/1/"
    page.goto(grid)
    with page.expect_download() as info:
        page.get_by_role("link", name="Tải Excel", exact=True).click()
    download = info.value
    assert download.suggested_filename == "Sổ điểm Toán 6A HK1 2025-2026.xlsx"
    exported = tmp_path / "exported.xlsx"
    download.save_as(exported)

    # One mistake: a mid-term score with two decimals (TT 22/2021 Điều 5.3.b).
    page.get_by_role("link", name="Nhập từ Excel", exact=True).click()
    page.get_by_label("Tệp Excel (.xlsx)").set_input_files(
        filled(exported, tmp_path / "sai.xlsx", 7.25))
    page.get_by_role("button", name="Nhập điểm").click()
    expect(page.get_by_test_id("import-errors")).to_contain_text("chưa có điểm nào được ghi")
    rows = page.get_by_test_id("import-error-table").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Sổ điểm")
    expect(rows.first.locator("td").nth(1)).to_have_text("8")
    expect(rows.first.locator("td").nth(2)).to_have_text("H (GK)")
    expect(rows.first).to_contain_text("tối đa một chữ số thập phân")

    # Fixed and uploaded again: back on the grid with the summary and the values.
    page.get_by_label("Tệp Excel (.xlsx)").set_input_files(
        filled(exported, tmp_path / "dung.xlsx", 7.5))
    page.get_by_role("button", name="Nhập điểm").click()
    expect(page).to_have_url(grid)
    expect(page.locator(".messages")).to_contain_text("Đã cập nhật 7 ô của 2 học sinh.")
    expect(cell(page, "Nguyễn Thị Ngọc Ánh", "tx2")).to_have_value("7,5")
    expect(cell(page, "Nguyễn Thị Ngọc Ánh", "gk")).to_have_value("7,5")
    expect(cell(page, "Lê Thị An", "tx1")).to_have_value("6,5")
    expect(page.get_by_test_id("dtb-HS0001")).to_have_text("7,9")
