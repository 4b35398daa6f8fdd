"""Log-in journeys: each role logs in through the real form and sees its own home and menu."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from hocba.domain.access import Role
from tests.browser.conftest import login
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # WhiteNoise warns that STATIC_ROOT has not been collected; the finders serve the CSS.
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

# The main menu, in the order base.html shows it.
MENU = ("Trường", "Học sinh", "Giáo viên", "Nhập Excel", "Phân quyền", "Sổ điểm",
        "Chứng thư số của tôi", "Duyệt chứng thư số", "Duyệt chỉnh lý học bạ", "Nhật ký",
        "Chia sẻ học bạ")
(SCHOOL, STUDENTS, TEACHERS, IMPORT, ROLES, GRADEBOOK, MY_CERTIFICATE, APPROVALS, CORRECTIONS,
 LOG, SHARING) = MENU

# What each role finds in its menu: exactly these entries, no more. Written out by hand, not
# derived from the policy, so that a change of the policy shows up here as a visible change.
EXPECTED_MENU: dict[Role, set[str]] = {
    Role.BO_OFFICER: {SCHOOL, STUDENTS, TEACHERS, LOG},
    # The Sở and the Phòng approve schools' certificates (QĐ 1789 Điều 7-10); after the
    # closing date the Sở alone decides on requests to correct an issued record.
    Role.SO_OFFICER: {SCHOOL, STUDENTS, TEACHERS, ROLES, APPROVALS, CORRECTIONS, LOG},
    Role.PHONG_OFFICER: {SCHOOL, STUDENTS, TEACHERS, APPROVALS, LOG},
    Role.SCHOOL_ADMIN: {SCHOOL, STUDENTS, TEACHERS, ROLES},
    # Locks terms; signs as CBQL with a certificate of their own.
    Role.PRINCIPAL: {SCHOOL, STUDENTS, TEACHERS, IMPORT, GRADEBOOK, MY_CERTIFICATE, LOG},
    Role.VICE_PRINCIPAL: {SCHOOL, STUDENTS, TEACHERS},
    Role.VAN_THU: {SCHOOL, STUDENTS},
    Role.HOC_VU: {SCHOOL, STUDENTS, TEACHERS, IMPORT},
    Role.GVCN: {SCHOOL, STUDENTS, GRADEBOOK, MY_CERTIFICATE},
    Role.GVBM: {SCHOOL, STUDENTS, GRADEBOOK, MY_CERTIFICATE},
    # The holder shares a verification code of an issued record with a verifier (issue 6).
    Role.STUDENT: {STUDENTS, SHARING},
    Role.PARENT: {STUDENTS, SHARING},
}

# The home page section each role lands on: (heading, a text it must contain).
OFFICER_HOME = "Các trường trong phạm vi quản lý"
SCHOOL_HOME = ("Nhà trường", "Trường THCS Nguyễn Trãi")
TEACHER_HOME = ("Lớp của tôi", "Lớp 6A")
FAMILY_HOME = ("Học sinh", "Nguyễn Thị Ngọc Ánh")
EXPECTED_HOME: dict[Role, tuple[str, str]] = {
    Role.BO_OFFICER: (OFFICER_HOME, "3 trường"),  # the whole country
    Role.SO_OFFICER: (OFFICER_HOME, "2 trường"),  # Hà Nội
    Role.PHONG_OFFICER: (OFFICER_HOME, "1 trường"),  # Ba Đình
    Role.SCHOOL_ADMIN: SCHOOL_HOME,
    Role.PRINCIPAL: SCHOOL_HOME,
    Role.VICE_PRINCIPAL: SCHOOL_HOME,
    Role.VAN_THU: SCHOOL_HOME,
    Role.HOC_VU: SCHOOL_HOME,
    Role.GVCN: TEACHER_HOME,
    Role.GVBM: TEACHER_HOME,
    Role.STUDENT: FAMILY_HOME,
    Role.PARENT: FAMILY_HOME,
}

ADMIN_NOTE = "Quản trị nhà trường phân quyền người dùng; không xem và không sửa kết quả học tập."
WRONG_PASSWORD = "Tên đăng nhập hoặc mật khẩu không đúng."
LOCKED_OUT = "Đăng nhập sai quá nhiều lần"


def main_menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Trình đơn chính")


def section(page: Page, heading: str) -> Locator:
    return page.locator("section.card").filter(
        has=page.get_by_role("heading", name=heading, exact=True)
    )


def test_every_role_is_covered() -> None:
    assert set(EXPECTED_MENU) == set(Role) == set(EXPECTED_HOME)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_role_logs_in_and_sees_its_own_menu(page: Page, base_url: str, browser_world: Any,
                                            role: Role) -> None:
    user = browser_world.users[role]
    login(page, base_url, user.username, PASSWORD)

    expect(page).to_have_url(f"{base_url}/")
    expect(page.get_by_test_id("who")).to_have_text(user.full_name)
    expect(page.get_by_test_id("roles")).to_have_text(
        re.compile(rf"^{re.escape(role.label)}( — .*)?$")
    )
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Xin chào, {user.full_name}")
    expect(main_menu(page).get_by_role("link")).to_have_text(
        [entry for entry in MENU if entry in EXPECTED_MENU[role]]
    )
    heading, text = EXPECTED_HOME[role]
    expect(section(page, heading)).to_contain_text(text)

    note = page.get_by_text(ADMIN_NOTE)
    if role is Role.SCHOOL_ADMIN:
        # No results page exists yet; the admin's home says it will never see them.
        expect(note).to_be_visible()
    else:
        expect(note).to_have_count(0)


def test_session_cookie_is_secure_and_accepted_on_localhost(page: Page, base_url: str,
                                                            browser_world: Any) -> None:
    # The journeys keep production's Secure cookies: Chromium stores them for http://localhost.
    login(page, base_url, "hieutruong", PASSWORD)
    expect(page.get_by_test_id("who")).to_have_text("Hiệu trưởng")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"]
    assert cookies["csrftoken"]["secure"]


def test_wrong_password_is_refused_in_vietnamese(page: Page, base_url: str,
                                                 browser_world: Any) -> None:
    login(page, base_url, "gvcn", "khong-dung-mat-khau")

    expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)
    expect(page).to_have_url(re.compile(r"/dang-nhap/$"))
    expect(page.get_by_test_id("who")).to_have_count(0)
    # The user name is kept, the password is not.
    expect(page.get_by_label("Tên đăng nhập", exact=True)).to_have_value("gvcn")
    expect(page.get_by_label("Mật khẩu", exact=True)).to_have_value("")


def test_sixth_attempt_after_five_failures_is_locked_out(page: Page, base_url: str,
                                                         browser_world: Any) -> None:
    for _ in range(5):
        login(page, base_url, "gvcn", "khong-dung-mat-khau")
        expect(page.get_by_role("alert")).to_have_text(WRONG_PASSWORD)

    login(page, base_url, "gvcn", PASSWORD)  # the right password, too late

    expect(page.get_by_role("alert")).to_contain_text(LOCKED_OUT)
    expect(page.get_by_role("alert")).to_contain_text("Vui lòng thử lại sau 15 phút.")
    expect(page.get_by_test_id("who")).to_have_count(0)
    # Another user from the same address is not locked by gvcn's failures.
    login(page, base_url, "gvbm", PASSWORD)
    expect(page.get_by_test_id("who")).to_have_text("Hoàng Văn Nam")


def test_log_out_returns_to_the_login_page(page: Page, base_url: str,
                                           browser_world: Any) -> None:
    login(page, base_url, "hocvu", PASSWORD)
    expect(page.get_by_test_id("who")).to_have_text("Học vụ")

    page.get_by_role("button", name="Đăng xuất").click()

    expect(page).to_have_url(f"{base_url}/dang-nhap/")
    expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    expect(page.get_by_test_id("who")).to_have_count(0)
    # The session is really over: the home page sends back to the form.
    page.goto(f"{base_url}/")
    expect(page).to_have_url(re.compile(r"/dang-nhap/\?next=/$"))


def test_pages_are_vietnamese_by_default_and_english_on_request(page: Page, base_url: str,
                                                                browser_world: Any) -> None:
    # Only the language attribute is checked: the English catalogue may not exist yet, and
    # nothing here depends on its wording ("English" and "Tiếng Việt" are never translated).
    html = page.locator("html")
    page.goto(f"{base_url}/dang-nhap/")
    expect(html).to_have_attribute("lang", "vi")

    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base_url}/dang-nhap/")  # back where the switch was pressed
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(html).to_have_attribute("lang", "vi")

    login(page, base_url, "hieutruong", PASSWORD)
    expect(page.get_by_test_id("who")).to_have_text("Hiệu trưởng")
    page.get_by_role("button", name="English").click()
    expect(html).to_have_attribute("lang", "en")
    expect(page).to_have_url(f"{base_url}/")
    # The choice is kept from page to page.
    page.goto(f"{base_url}/hoc-sinh/")
    expect(html).to_have_attribute("lang", "en")

    page.get_by_role("button", name="Tiếng Việt").click()
    expect(html).to_have_attribute("lang", "vi")
    expect(page).to_have_url(f"{base_url}/hoc-sinh/")
