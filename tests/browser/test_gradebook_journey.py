"""The subject teacher's grid, driven by the keyboard only: type scores with Enter to move
down, see the term average appear (TT 22/2021 Điều 9.1.b), have an impossible value refused
in Vietnamese (Điều 5.3.b), reload and find the values kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import login
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]


@pytest.fixture
def class_of_three(browser_world: Any) -> Any:
    """6A with Ánh and two more students: An sorts first, Ánh second, Bảo third."""
    from hocba.roster.models import Enrolment, Student

    for code, name in (("HS9001", "Lê Thị An"), ("HS9002", "Trần Văn Bảo")):
        student = Student.objects.create(student_code=code, full_name=name,
                                         birth_date=date(2013, 3, 3), sex="nam",
                                         school=browser_world.school)
        Enrolment.objects.create(student=student, school_class=browser_world.class_6a,
                                 start_date=browser_world.year.start,
                                 reason=Enrolment.Reason.ADMITTED)
    return browser_world


def cell(page: Page, name: str, field: str) -> Any:
    return page.get_by_label(f"{field.upper()} — {name}", exact=True)


def test_the_subject_teacher_fills_the_grid_with_the_keyboard(
        page: Page, base_url: str, class_of_three: Any) -> None:
    w = class_of_three
    login(page, base_url, "gvbm", PASSWORD)
    page.get_by_role("link", name="Sổ điểm", exact=True).click()
    page.get_by_role("link", name="Sổ điểm Toán 6A HK I", exact=True).click()
    expect(page).to_have_url(f"{base_url}/so-diem/lop/{w.class_6a.pk}/mon/TOAN/hk/1/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Sổ điểm Toán")

    # TX1 of the three students, top to bottom, with Enter only.
    cell(page, "Lê Thị An", "tx1").click()
    for value in ("7", "8", "6,5"):
        page.keyboard.type(value)
        page.keyboard.press("Enter")
    # Enter moved down three times: Bảo's TX1 is done, focus is past the last row (stays).
    expect(cell(page, "Trần Văn Bảo", "tx1")).to_have_value("6,5")

    # Ánh's row, left to right with the arrow key: TX2…TX4, GK, CK.
    cell(page, "Nguyễn Thị Ngọc Ánh", "tx2").click()
    for value in ("7,5", "9", "8", "7,5", "8"):
        page.keyboard.type(value)
        page.keyboard.press("ArrowRight")
    average = page.get_by_test_id("dtb-HS0001")
    expect(average).to_have_text("7,9")  # (8+7,5+9+8 + 2×7,5 + 3×8) / 9 = 7,94…

    # An impossible score is refused in place; the cell keeps the focus.
    wrong = cell(page, "Lê Thị An", "gk")
    wrong.click()
    page.keyboard.type("7,25")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="một chữ số thập phân")).to_be_visible()
    expect(wrong).to_be_focused()
    expect(wrong).to_have_attribute("aria-invalid", "true")
    page.keyboard.type("11")
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").filter(has_text="Điểm phải từ 0 đến 10")).to_be_visible()
    expect(wrong).to_be_focused()

    # Everything valid was saved as the teacher went: a reload shows it.
    expect(page.get_by_role("status")).to_have_text("Đã lưu.")
    page.reload()
    expect(cell(page, "Lê Thị An", "tx1")).to_have_value("7")
    expect(cell(page, "Nguyễn Thị Ngọc Ánh", "tx1")).to_have_value("8")
    expect(cell(page, "Trần Văn Bảo", "tx1")).to_have_value("6,5")
    expect(cell(page, "Nguyễn Thị Ngọc Ánh", "ck")).to_have_value("8")
    expect(cell(page, "Lê Thị An", "gk")).to_have_value("")
    expect(page.get_by_test_id("dtb-HS0001")).to_have_text("7,9")


def test_a_conflict_shows_the_other_value_and_asks_before_overwriting(
        page: Page, base_url: str, class_of_three: Any) -> None:
    from hocba.domain.access import Role
    from hocba.gradebook import services

    w = class_of_three
    login(page, base_url, "gvbm", PASSWORD)
    page.goto(f"{base_url}/so-diem/lop/{w.class_6a.pk}/mon/TOAN/hk/1/")
    target = cell(page, "Nguyễn Thị Ngọc Ánh", "tx1")
    expect(target).to_have_value("")

    # Meanwhile, the same cell is saved from another window (version 0 → 1).
    row = services.row_for(w.users[Role.GVBM], w.class_6a, w.math, 1, w.student)
    services.save_cell(w.users[Role.GVBM], row, "tx1", "8,5", 0)

    questions: list[str] = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    target.click()
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    expect(target).to_have_value("8,5")  # declined: the other value is kept and shown
    assert "Ô này vừa được Hoàng Văn Nam sửa thành 8,5" in questions[0]
    assert "Ghi đè bằng giá trị của bạn (6)?" in questions[0]

    # Another change from the other window (version 1 → 2); this time the teacher, asked,
    # chooses to overwrite it. A click back into the cell selects its value, so typing
    # replaces it.
    expect(cell(page, "Trần Văn Bảo", "tx1")).to_be_focused()
    services.save_cell(w.users[Role.GVBM], row, "tx1", "9", 1)
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    target.click()
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Đã lưu.")
    assert "sửa thành 9" in questions[1]
    expect(target).to_have_value("6")
    page.reload()
    expect(target).to_have_value("6")
