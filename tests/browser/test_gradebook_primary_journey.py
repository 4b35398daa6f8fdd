"""The primary gradebook in the browser, keyboard only: the homeroom teacher of 4A types the
end-of-year levels of Toán as t / h / c with Enter to move down and a test score, has a
decimal test score and an impossible level refused in place (TT 27/2020 Điều 7.1), reloads
and finds the values kept; then, on the class summary, types An's qualities and competences
(T/Đ/C, Điều 7.2) and sees the engine's year evaluation with its article (Điều 9.2)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

AN, ANH, BAO = "Lê Thị An", "Nguyễn Minh Ánh", "Trần Văn Bảo"


@pytest.fixture
def class_4a(browser_world: Any) -> Any:
    from tests.primary_world import build_primary

    return build_primary(browser_world)


def cell(page: Page, kind: str, point: str, name: str) -> Any:
    return page.get_by_label(f"{kind} {point} — {name}", exact=True)


def test_the_homeroom_teacher_enters_levels_and_reads_the_year_evaluation(
        page: Page, base_url: str, class_4a: Any) -> None:
    pw = class_4a
    login(page, base_url, "gvth", PASSWORD)
    page.get_by_role("link", name="Sổ điểm", exact=True).click()
    page.get_by_role("link", name="Sổ theo dõi Toán 4A", exact=True).click()
    expect(page).to_have_url(f"{base_url}/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/mon/TOAN/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sổ theo dõi Toán · Lớp 4A")

    # The end-of-year level of the three pupils, top to bottom, Enter only, lower case.
    cell(page, "Mức", "Cuối năm", AN).click()
    for letter in ("t", "h", "c"):
        page.keyboard.type(letter)
        page.keyboard.press("Enter")
    expect(cell(page, "Mức", "Cuối năm", AN)).to_have_value("T")
    expect(cell(page, "Mức", "Cuối năm", BAO)).to_have_value("C")

    # An's end-of-year test, then the arrow to the comment.
    cell(page, "KTĐK", "Cuối năm", AN).click()
    page.keyboard.type("9")
    page.keyboard.press("ArrowRight")
    expect(cell(page, "Nhận xét", "Cuối năm", AN)).to_be_focused()

    # A decimal test score is refused in place, citing the article; the cell keeps the focus.
    wrong = cell(page, "KTĐK", "Cuối năm", ANH)
    wrong.click()
    page.keyboard.type("8,5")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="không cho điểm thập phân")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="TT 27/2020 Điều 7.1.b–d")).to_be_visible()
    expect(wrong).to_be_focused()
    expect(wrong).to_have_attribute("aria-invalid", "true")
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    expect(wrong).not_to_have_attribute("aria-invalid", "true")
    # So is a letter that is no level.
    level = cell(page, "Mức", "Giữa HK I", BAO)
    level.click()
    page.keyboard.type("x")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(
        has_text="chỉ nhận T (Hoàn thành tốt), H (Hoàn thành) hoặc C")).to_be_visible()
    expect(level).to_be_focused()
    page.keyboard.press("Escape")

    expect(page.get_by_role("status")).to_have_text("Đã lưu.")
    page.reload()
    expect(cell(page, "Mức", "Cuối năm", AN)).to_have_value("T")
    expect(cell(page, "Mức", "Cuối năm", ANH)).to_have_value("H")
    expect(cell(page, "Mức", "Cuối năm", BAO)).to_have_value("C")
    expect(cell(page, "KTĐK", "Cuối năm", AN)).to_have_value("9")
    expect(cell(page, "KTĐK", "Cuối năm", ANH)).to_have_value("8")
    expect(cell(page, "Mức", "Giữa HK I", BAO)).to_have_value("")

    # Every other subject of An is entered; her qualities and competences are not yet.
    from tests.primary_world import fill_year

    fill_year(pw, pw.an, "T", 9, ratings={}, skip="TOAN")
    page.goto(f"{base_url}/")
    page.get_by_role("link", name="Tổng hợp lớp", exact=True).click()
    page.get_by_role("link", name="Cuối năm", exact=True).click()
    expect(page).to_have_url(f"{base_url}/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/tong-hop/"
                             "?diem=cn")
    evaluation = page.get_by_test_id("danh-gia-TH0001")
    expect(evaluation).to_have_text("chưa đủ dữ liệu")
    missing = page.get_by_test_id("thieu-TH0001")
    missing.click()
    expect(page.locator("details", has=missing).get_by_text(
        "Phẩm chất yêu nước cuối năm: chưa đánh giá", exact=True)).to_be_visible()

    # Qualities and competences, left to right with the arrow key: T everywhere but chăm chỉ
    # Đ; công nghệ and tin học left empty (optional).
    cell(page, "Yêu nước", "Cuối năm", AN).click()
    for value in ("t", "t", "đ", "t", "t", "t", "t", "t", "t", "t", "t", "", "", "t", "t"):
        if value:
            page.keyboard.type(value)
        page.keyboard.press("ArrowRight")
    page.get_by_label(f"Cân nặng (kg) — {AN}", exact=True).fill("27,5")
    page.keyboard.press("Enter")  # moves down, never submits
    expect(page).to_have_url(f"{base_url}/so-diem/tieu-hoc/lop/{pw.class_4a.pk}/tong-hop/"
                             "?diem=cn")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu 1 dòng.")).to_be_visible()
    expect(cell(page, "Chăm chỉ", "Cuối năm", AN)).to_have_value("Đ")

    evaluation = page.get_by_test_id("danh-gia-TH0001")
    expect(evaluation).to_have_text("Hoàn thành")
    why = page.locator("details", has=evaluation)
    expect(why.locator("strong")).to_be_hidden()
    evaluation.click()
    expect(why.locator("strong")).to_have_text("TT 27/2020 Điều 9.2.c")
    expect(why).to_contain_text("phẩm chất, năng lực chưa ở mức Tốt: chăm chỉ")
    expect(page.get_by_test_id("hoan-thanh-TH0001")).to_have_text(
        "Hoàn thành chương trình lớp 4; Được lên lớp 5")
    expect(page.locator("#danh-sach-hoan-thanh")).to_contain_text(AN)
