"""Roster journeys: a homeroom teacher reads their class, the principal reads the log of it;
out-of-scope addresses are refused in Vietnamese; search pages; a phone shows it all."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hocba.roster.models import SchoolClass
from tests.browser.conftest import login, shot_path
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # WhiteNoise warns that STATIC_ROOT has not been collected; the finders serve the CSS.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

ANH = "Nguyễn Thị Ngọc Ánh"
GVCN_NAME = "Đỗ Thị Hương"
MANY = 120  # extra students in 6A: with Ánh and Bình (6B), 122 = three pages of 50
MANY_NAME = "Lê Thị Thu"  # followed by 001 ... 120


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def logout(page: Page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()


def has_no_horizontal_overflow(page: Page) -> bool:
    """The page itself never scrolls sideways; a wide table scrolls inside its own box."""
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= window.innerWidth"
        " && document.body.scrollWidth <= window.innerWidth"
    )


@pytest.fixture
def crowded_world(browser_world: Any) -> Any:
    """The world, plus ``MANY`` students in 6A this year."""
    from hocba.roster.models import Enrolment, Student

    students = Student.objects.bulk_create(
        Student(student_code=f"HS{1000 + i}", full_name=f"{MANY_NAME} {i:03d}",
                birth_date=date(2013, 1 + i % 12, 1 + i % 28), sex="nu" if i % 2 else "nam",
                school=browser_world.school)
        for i in range(1, MANY + 1)
    )
    Enrolment.objects.bulk_create(
        Enrolment(student=s, school_class=browser_world.class_6a,
                  start_date=browser_world.year.start, reason=Enrolment.Reason.ADMITTED)
        for s in students
    )
    return browser_world


def test_homeroom_teacher_reads_the_class_and_the_principal_sees_it_in_the_log(
        page: Page, base_url: str, browser_world: Any) -> None:
    w = browser_world
    login(page, base_url, "gvcn", PASSWORD)

    # Home → "Lớp của tôi" → 6A.
    my_classes = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Lớp của tôi", exact=True))
    my_classes.get_by_role("link", name="Lớp 6A").click()
    expect(page).to_have_url(f"{base_url}/lop/{w.class_6a.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Lớp 6A")
    expect(page.locator("main")).to_contain_text(f"GVCN: {GVCN_NAME}")
    rows = page.locator("table.grid").first.locator("tbody tr")
    expect(rows).to_have_count(1)  # Ánh only: Châu left 6A last year, Bình is in 6B
    expect(rows.first.locator("td")).to_have_text(["1", "HS0001", ANH, "02/05/2013", "Nữ"])
    assert is_nfc(rows.first.locator("td").nth(2).inner_text())

    # → the student's page: identity facts.
    rows.first.get_by_role("link", name=ANH, exact=True).click()
    expect(page).to_have_url(f"{base_url}/hoc-sinh/{w.student.pk}/")
    expect(page.get_by_test_id("student-name")).to_have_text(ANH)
    assert is_nfc(page.get_by_test_id("student-name").inner_text())
    expect(page.locator("main")).to_contain_text("Mã học sinh HS0001 · Trường THCS Nguyễn Trãi")
    facts = page.locator("dl.facts")
    for term, value in [("Ngày sinh", "02/05/2013"), ("Giới tính", "Nữ"),
                        ("Số định danh cá nhân", "001313012345"), ("Dân tộc", "Kinh"),
                        ("Quốc tịch", "Việt Nam")]:
        expect(facts.locator(f"dt:text-is('{term}') + dd")).to_have_text(value)
    history = page.locator("table.grid tbody tr")
    expect(history).to_have_count(1)
    expect(history.first).to_contain_text("2025-2026")
    expect(history.first).to_contain_text("05/09/2025")
    logout(page)

    # The principal's log shows both reads, by the teacher, with the role they read as.
    login(page, base_url, "hieutruong", PASSWORD)
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
        "link", name="Nhật ký").click()
    expect(page).to_have_url(f"{base_url}/nhat-ky/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhật ký hệ thống")
    reads = page.locator("table.grid tbody tr").filter(has_text=f"{GVCN_NAME} (gvcn)").filter(
        has_text="Xem")
    student_read = reads.filter(has_text=f"{ANH} (HS0001)")
    expect(student_read).to_have_count(1)
    expect(student_read.locator("td").nth(2)).to_have_text("Giáo viên chủ nhiệm")
    expect(reads.filter(has_text="6A (2025-2026)")).to_have_count(1)
    # Filtering by the teacher's name keeps the events by or about her, and nothing else.
    page.get_by_role("textbox", name="Tìm trong nhật ký").fill(GVCN_NAME)
    page.get_by_role("button", name="Lọc").click()
    expect(page).to_have_url(re.compile(r"/nhat-ky/\?q="))
    expect(page.get_by_role("textbox", name="Tìm trong nhật ký")).to_have_value(GVCN_NAME)
    all_rows = page.locator("table.grid tbody tr")
    expect(all_rows.filter(has_not_text=GVCN_NAME)).to_have_count(0)
    expect(all_rows.filter(has_text=f"{ANH} (HS0001)")).to_have_count(1)


# Addresses a homeroom teacher of 6A might type: another class of the same school, a class
# of another school, a student of 6B, students of another school and another province.
OUT_OF_SCOPE = ("class_6b", "class_other_school", "classmate_6b", "other_school_student",
                "other_province_student")


def test_homeroom_teacher_typing_addresses_outside_their_scope_gets_403(
        page: Page, base_url: str, browser_world: Any) -> None:
    login(page, base_url, "gvcn", PASSWORD)
    for target in OUT_OF_SCOPE:
        obj = getattr(browser_world, target)
        is_class = isinstance(obj, SchoolClass)
        path = f"/lop/{obj.pk}/" if is_class else f"/hoc-sinh/{obj.pk}/"

        response = page.goto(base_url + path)

        assert response is not None and response.status == 403, (target, path)
        expect(page.locator("html")).to_have_attribute("lang", "vi")
        expect(page.get_by_role("heading", level=1)).to_have_text("Không có quyền truy cập")
        expect(page.get_by_test_id("reason")).to_have_text(
            re.compile(r"^Không được xem .+ ngoài phạm vi được phân công\.$"))
        expect(page.get_by_test_id("who")).to_have_text(GVCN_NAME)  # still logged in
        # Nothing of the refused object leaks into the page.
        expect(page.locator("main")).not_to_contain_text(
            f"Lớp {obj.name}" if is_class else obj.full_name)
    page.get_by_role("link", name="Về trang chủ").click()
    expect(page).to_have_url(f"{base_url}/")


def test_teacher_asking_for_the_log_is_refused_and_unknown_pages_are_404(
        page: Page, base_url: str, browser_world: Any) -> None:
    login(page, base_url, "gvcn", PASSWORD)

    response = page.goto(f"{base_url}/nhat-ky/")
    assert response is not None and response.status == 403
    expect(page.get_by_test_id("reason")).to_have_text(
        "Vai trò của bạn không được xem nhật ký hệ thống.")

    for path in ("/lop/999999/", "/hoc-sinh/999999/", "/khong-co-trang-nay/"):
        response = page.goto(base_url + path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")


def test_principal_searches_students_page_by_page(page: Page, base_url: str,
                                                  crowded_world: Any) -> None:
    login(page, base_url, "hieutruong", PASSWORD)
    page.get_by_role("navigation", name="Trình đơn chính").get_by_role(
        "link", name="Học sinh").click()
    expect(page).to_have_url(f"{base_url}/hoc-sinh/")
    rows = page.locator("table.grid tbody tr")
    pager = page.get_by_role("navigation", name="Phân trang")
    # This year's students of the school: Ánh, Bình and the 120; not Châu (left last year),
    # nor the students of other schools.
    expect(page.locator("main")).to_contain_text("122 học sinh")
    expect(pager).to_contain_text("Trang 1 / 3")
    expect(rows).to_have_count(50)

    page.get_by_role("textbox", name="Tìm học sinh").fill(MANY_NAME)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(page.locator("main")).to_contain_text(f"{MANY} học sinh")
    expect(pager).to_contain_text("Trang 1 / 3")
    expect(rows.first.locator("td").nth(1)).to_have_text(f"{MANY_NAME} 001")
    expect(pager.get_by_role("link", name="‹ Trước")).to_have_count(0)

    pager.get_by_role("link", name="Sau ›").click()
    expect(pager).to_contain_text("Trang 2 / 3")
    expect(page).to_have_url(re.compile(r"trang=2"))
    expect(page.get_by_role("textbox", name="Tìm học sinh")).to_have_value(MANY_NAME)
    expect(rows).to_have_count(50)
    expect(rows.first.locator("td").nth(1)).to_have_text(f"{MANY_NAME} 051")

    pager.get_by_role("link", name="Sau ›").click()
    expect(pager).to_contain_text("Trang 3 / 3")
    expect(rows).to_have_count(MANY - 100)
    expect(rows.last.locator("td").nth(1)).to_have_text(f"{MANY_NAME} 120")
    expect(pager.get_by_role("link", name="Sau ›")).to_have_count(0)

    pager.get_by_role("link", name="‹ Trước").click()
    expect(pager).to_contain_text("Trang 2 / 3")

    # A search with no match says so, in Vietnamese.
    page.get_by_role("textbox", name="Tìm học sinh").fill("Không Ai Tên Này")
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(rows).to_have_text(["Không tìm thấy học sinh nào khớp với từ khoá."])


def test_phone_shows_the_class_without_sideways_scrolling(
        open_page: Callable[..., Page], base_url: str, crowded_world: Any) -> None:
    w = crowded_world
    phone = open_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                      is_mobile=True, has_touch=True)
    phone.goto(f"{base_url}/dang-nhap/")
    assert has_no_horizontal_overflow(phone), "login page"
    phone.screenshot(path=str(shot_path("phone-login")))
    login(phone, base_url, "gvcn", PASSWORD)
    expect(phone.get_by_test_id("who")).to_have_text(GVCN_NAME)
    assert has_no_horizontal_overflow(phone), "home"
    phone.screenshot(path=str(shot_path("phone-home")))

    phone.goto(f"{base_url}/lop/{w.class_6a.pk}/")
    table = phone.locator("table.grid").first
    pager = phone.get_by_role("navigation", name="Phân trang")
    expect(table.locator("tbody tr")).to_have_count(50)
    expect(table.get_by_role("link", name=f"{MANY_NAME} 001", exact=True)).to_be_visible()
    expect(pager).to_contain_text("Trang 1 / 3")
    assert has_no_horizontal_overflow(phone), "class page"
    # The table is wider than the screen, but it scrolls inside its own box.
    box = table.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert table.evaluate("t => t.scrollWidth > t.clientWidth"), "the table should scroll"
    phone.screenshot(path=str(shot_path("phone-class-6a")))
    phone.screenshot(path=str(shot_path("phone-class-6a-full")), full_page=True)

    # Ánh sorts after the "Lê Thị Thu" students: page 3, reached with the pager's links.
    pager.get_by_role("link", name="Sau ›").tap()
    expect(pager).to_contain_text("Trang 2 / 3")
    pager.get_by_role("link", name="Sau ›").tap()
    expect(pager).to_contain_text("Trang 3 / 3")
    expect(table.locator("tbody tr")).to_have_count(MANY + 1 - 100)
    assert has_no_horizontal_overflow(phone), "class page 3"
    table.get_by_role("link", name=ANH, exact=True).tap()
    expect(phone.get_by_test_id("student-name")).to_have_text(ANH)
    assert has_no_horizontal_overflow(phone), "student page"
    phone.screenshot(path=str(shot_path("phone-student")), full_page=True)

    response = phone.goto(f"{base_url}/lop/{w.class_6b.pk}/")
    assert response is not None and response.status == 403
    assert has_no_horizontal_overflow(phone), "403 page"
    phone.screenshot(path=str(shot_path("phone-403")))


def test_principal_pages_on_a_phone_and_a_desktop(open_page: Callable[..., Page],
                                                  base_url: str, crowded_world: Any) -> None:
    """The widest tables (the log, the student list) stay inside a phone's screen."""
    phone = open_page(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                      is_mobile=True, has_touch=True)
    login(phone, base_url, "hieutruong", PASSWORD)
    for path, name in [("/", "home"), ("/hoc-sinh/", "students"), ("/nhat-ky/", "log"),
                       (f"/truong/{crowded_world.school.pk}/", "school")]:
        response = phone.goto(base_url + path)
        assert response is not None and response.status == 200, path
        assert has_no_horizontal_overflow(phone), path
        phone.screenshot(path=str(shot_path(f"phone-principal-{name}")))

    desktop = open_page()
    login(desktop, base_url, "hieutruong", PASSWORD)
    desktop.goto(f"{base_url}/lop/{crowded_world.class_6a.pk}/")
    expect(desktop.locator("table.grid").first.locator("tbody tr")).to_have_count(50)
    desktop.screenshot(path=str(shot_path("desktop-class-6a")))
    desktop.goto(f"{base_url}/nhat-ky/")
    desktop.screenshot(path=str(shot_path("desktop-log")))
