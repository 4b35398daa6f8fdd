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


@pytest.fixture
def summer_class(browser_world: Any) -> Any:
    """Lý: Toán 3,0 and Ngữ văn 4,5, the rest 7,0, rèn luyện Khá: học tập Chưa đạt, so she
    is re-evaluated in both subjects (TT 22/2021 Điều 14)."""
    from tests.test_gradebook_reassessment import set_scores
    from tests.test_gradebook_summary import conduct, enrol, fill_sheets

    w = browser_world
    w.ly = enrol(w, "HS9101", "Trần Thị Lý")
    fill_sheets(w, w.ly, "7")
    set_scores(w, w.ly, "TOAN", "3")
    set_scores(w, w.ly, "NGU_VAN", "4.5")
    conduct(w, w.ly, "KHA", "KHA")
    return w


def test_the_principal_enters_re_tests_and_sees_the_promotion_change(
        page: Page, base_url: str, summer_class: Any) -> None:
    w = summer_class
    login(page, base_url, "hieutruong", PASSWORD)
    page.goto(f"{base_url}/so-diem/lop/{w.class_6a.pk}/tong-hop/")
    expect(page.get_by_test_id("len-lop-HS9101")).to_have_text("Không được lên lớp")
    expect(page.get_by_test_id("sau-he-len-lop-HS9101")).to_have_text("chờ kết quả sau hè")
    expect(page.get_by_test_id("kiem-tra-lai-HS9101")).to_contain_text("Ngữ văn, Toán")

    page.get_by_role("link", name="Rèn luyện hè và kiểm tra lại (1)").click()
    expect(page).to_have_url(f"{base_url}/so-diem/lop/{w.class_6a.pk}/tong-hop/sau-he/")
    expect(page.get_by_test_id("ke-hoach-HS9101")).to_contain_text("TT 22/2021 Điều 14")
    math = page.get_by_label("Kiểm tra lại Toán — Trần Thị Lý", exact=True)
    math.fill("12")
    page.get_by_label("Kiểm tra lại Ngữ văn — Trần Thị Lý", exact=True).fill("5,5")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    # Refused whole, with the student, the subject and the rule; the typed values stay.
    expect(page.get_by_text("Trần Thị Lý, kiểm tra lại môn Toán: Điểm phải từ 0 đến 10 "
                            "(TT 22/2021 Điều 5.3.b).")).to_be_visible()
    expect(math).to_have_value("12")
    expect(page.get_by_test_id("sau-he-len-lop-HS9101")).to_have_text("chờ kết quả sau hè")

    math.fill("6")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã lưu 2 kết quả.")).to_be_visible()
    expect(page.get_by_test_id("cuoi-nam-hoc-tap-HS9101")).to_have_text("Chưa đạt")
    after = page.get_by_test_id("sau-he-len-lop-HS9101")
    expect(after).to_have_text("Được lên lớp")
    expect(page.get_by_test_id("sau-he-hoc-tap-HS9101")).to_have_text("Khá")
    after.click()  # the explanation, with its article
    expect(page.locator("details", has=after).locator("strong")).to_have_text(
        "TT 22/2021 Điều 12")

    page.get_by_role("link", name="Về tổng hợp lớp").click()
    expect(page.get_by_test_id("len-lop-HS9101")).to_have_text("Không được lên lớp")
    expect(page.get_by_test_id("sau-he-len-lop-HS9101")).to_have_text("Được lên lớp")
    expect(page.locator("#danh-sach-len-lop")).to_contain_text("Trần Thị Lý")
