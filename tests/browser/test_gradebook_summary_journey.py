"""The homeroom teacher's class summary in the browser: from the home page to the summary,
set Ánh's rèn luyện for both terms, save, see the computed year rèn luyện and học tập, and
open the explanation of a result (a ``<details>``: no script needed, CSP-safe)."""

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

NAME = "Nguyễn Thị Ngọc Ánh"


@pytest.fixture
def scored_class(browser_world: Any) -> Any:
    """Ánh has every subject sheet of 6A filled with 8,5 (comment subjects Đạt)."""
    from tests.test_gradebook_summary import fill_sheets

    fill_sheets(browser_world, browser_world.student, "8.5")
    return browser_world


def test_the_homeroom_teacher_sets_conduct_and_reads_the_explanation(
        page: Page, base_url: str, scored_class: Any) -> None:
    w = scored_class
    login(page, base_url, "gvcn", PASSWORD)
    page.get_by_role("link", name="Tổng hợp lớp", exact=True).click()
    expect(page).to_have_url(f"{base_url}/so-diem/lop/{w.class_6a.pk}/tong-hop/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Tổng hợp lớp 6A")
    # Without rèn luyện, promotion waits and says why.
    expect(page.get_by_test_id("len-lop-HS0001")).to_have_text("chưa đủ dữ liệu")
    expect(page.get_by_test_id("thieu-HS0001")).to_contain_text("Rèn luyện HK1: chưa nhập")

    page.get_by_label(f"Rèn luyện HK1 — {NAME}", exact=True).select_option(label="Tốt")
    page.get_by_label(f"Rèn luyện HK2 — {NAME}", exact=True).select_option(label="Tốt")
    page.get_by_label(f"Nghỉ có phép HK1 — {NAME}", exact=True).fill("2")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu 2 dòng.")).to_be_visible()
    expect(page.get_by_label(f"Rèn luyện HK1 — {NAME}", exact=True)).to_have_value("TOT")

    expect(page.get_by_test_id("ren-luyen-cn-HS0001")).to_have_text("Tốt")
    expect(page.get_by_test_id("hoc-tap-cn-HS0001")).to_have_text("Tốt")
    expect(page.get_by_test_id("len-lop-HS0001")).to_have_text("Được lên lớp")
    award = page.get_by_test_id("danh-hieu-HS0001")
    expect(award).to_have_text("Học sinh Giỏi")
    reason = page.get_by_text("Học sinh Giỏi: rèn luyện Tốt, học tập Tốt", exact=False)
    expect(reason).to_be_hidden()
    award.click()  # opens the <details>
    expect(reason).to_be_visible()
    why = page.locator("details", has=award)
    expect(why).to_have_attribute("open", "")
    expect(why.locator("strong")).to_have_text("TT 22/2021 Điều 15.1.b")
    expect(page.locator("#danh-sach-gioi")).to_contain_text(NAME)
