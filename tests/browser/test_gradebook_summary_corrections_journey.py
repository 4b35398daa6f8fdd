"""After the lock, in the browser: the homeroom teacher changes Ánh's term I rèn luyện on the
class summary with a reason, the change waits; the principal approves it on the locks page
and the summary shows it (HCMC QĐ 1789 Điều 13)."""

from __future__ import annotations

from collections.abc import Callable
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
def locked_class(browser_world: Any) -> Any:
    """Ánh's term I rèn luyện is Khá, then the principal locks term I."""
    from hocba.domain.access import Role
    from hocba.gradebook import services
    from tests.test_gradebook_summary import conduct

    w = browser_world
    conduct(w, w.student, "KHA", "TOT")
    services.lock_term(w.users[Role.PRINCIPAL], w.school, w.year, 1)
    return w


def test_a_locked_terms_conduct_change_waits_for_the_principal(
        open_page: Callable[..., Page], base_url: str, locked_class: Any) -> None:
    w = locked_class
    page = open_page()
    login(page, base_url, "gvcn", PASSWORD)
    page.goto(f"{base_url}/so-diem/lop/{w.class_6a.pk}/tong-hop/")
    expect(page.get_by_role("status").filter(has_text="Học kì I đã khoá")).to_contain_text(
        "sẽ thành đề nghị gửi Hiệu trưởng duyệt")
    conduct = page.get_by_label(f"Rèn luyện HK1 — {NAME}", exact=True)
    conduct.select_option(label="Tốt")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("hãy ghi lí do đề nghị sửa", exact=False)).to_be_visible()
    expect(conduct).to_have_value("TOT")  # the typed value is kept
    page.get_by_label("Lí do đề nghị sửa (bắt buộc khi học kì đã khoá)").fill("Nhập nhầm")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.get_by_text("Đã gửi 1 đề nghị sửa tổng hợp lớp cho Hiệu trưởng duyệt."))\
        .to_be_visible()
    expect(conduct).to_have_value("KHA")  # not applied yet

    principal = open_page()
    login(principal, base_url, "hieutruong", PASSWORD)
    principal.goto(f"{base_url}/so-diem/khoa/")
    row = principal.get_by_role("row").filter(has_text="Nhập nhầm")
    expect(row).to_contain_text("Tổng hợp lớp")
    expect(row).to_contain_text("Rèn luyện")
    with principal.expect_navigation():
        row.get_by_role("button", name="Duyệt", exact=True).click()
    expect(principal.get_by_text("Đã duyệt và áp dụng đề nghị.")).to_be_visible()
    page.reload()
    expect(page.get_by_label(f"Rèn luyện HK1 — {NAME}", exact=True)).to_have_value("TOT")
