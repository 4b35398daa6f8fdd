"""Every page, for every role: the right answer (200 or a Vietnamese 403), never a 500."""

from __future__ import annotations

from typing import Any

import pytest

from hocba.domain.access import Role

PAGES = ["/", "/truong/", "/truong/{school}/", "/lop/{c6a}/", "/lop/{c_old}/", "/hoc-sinh/",
         "/hoc-sinh/{student}/", "/hoc-sinh/{far}/", "/hoc-sinh/?q=ngoc", "/giao-vien/",
         "/giao-vien/?truong={school}", "/nhat-ky/", "/phan-quyen/", "/nhap-excel/",
         "/truong/{school}/?nam=abc", "/hoc-sinh/?trang=999", "/lop/999999/"]

OK = 200
# Pages refused (403) or absent (404) per role; everything else must answer 200.
REFUSED: dict[Role, set[str]] = {
    Role.BO_OFFICER: {"/phan-quyen/", "/nhap-excel/"},
    Role.SO_OFFICER: {"/hoc-sinh/{far}/", "/nhap-excel/"},
    Role.PHONG_OFFICER: {"/hoc-sinh/{far}/", "/phan-quyen/", "/nhap-excel/"},
    Role.SCHOOL_ADMIN: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/nhat-ky/", "/nhap-excel/"},
    Role.PRINCIPAL: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/phan-quyen/"},
    Role.VICE_PRINCIPAL: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/nhat-ky/", "/phan-quyen/",
                          "/nhap-excel/"},
    Role.VAN_THU: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/nhat-ky/", "/phan-quyen/",
                   "/nhap-excel/", "/giao-vien/?truong={school}"},
    Role.HOC_VU: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/nhat-ky/", "/phan-quyen/"},
    Role.GVCN: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/nhat-ky/", "/phan-quyen/",
                "/nhap-excel/", "/giao-vien/?truong={school}"},
    Role.GVBM: {"/lop/{c_old}/", "/hoc-sinh/{far}/", "/nhat-ky/", "/phan-quyen/",
                "/nhap-excel/", "/giao-vien/?truong={school}"},
}
# A student or parent sees only their own child's pages.
REFUSED[Role.STUDENT] = REFUSED[Role.PARENT] = {
    "/truong/{school}/", "/truong/{school}/?nam=abc", "/lop/{c6a}/", "/lop/{c_old}/",
    "/hoc-sinh/{far}/", "/nhat-ky/", "/phan-quyen/", "/nhap-excel/",
    "/giao-vien/?truong={school}",
}


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_page_answers_each_role_without_error(client: Any, world: Any, role: Role) -> None:
    client.force_login(world.users[role])
    ids = {"school": world.school.pk, "c6a": world.class_6a.pk,
           "c_old": world.class_6a_last_year.pk, "student": world.student.pk,
           "far": world.other_province_student.pk}
    for template in PAGES:
        url = template.format(**ids)
        status = client.get(url).status_code
        if template == "/lop/999999/":
            assert status == 404, url
        elif template in REFUSED[role]:
            assert status == 403, (role, url, status)
        else:
            assert status == OK, (role, url, status)


def test_anonymous_visitors_are_sent_to_the_log_in_page(client: Any, world: Any) -> None:
    for url in ("/", "/hoc-sinh/", f"/hoc-sinh/{world.student.pk}/", "/nhat-ky/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/dang-nhap/")


def test_the_student_search_finds_by_name_without_diacritics_typed_exactly(
        client: Any, world: Any) -> None:
    client.force_login(world.users[Role.PRINCIPAL])
    page = client.get("/hoc-sinh/", {"q": "Ngọc Ánh"}).content.decode()
    assert "Nguyễn Thị Ngọc Ánh" in page
    assert "Trần Văn Bình" not in page


def test_a_class_list_is_in_vietnamese_order_by_given_name(client: Any, world: Any) -> None:
    from hocba.roster.models import Enrolment, Student

    for code, name in (("HS0201", "Lê Thị Bình"), ("HS0202", "Nguyễn Văn An"),
                       ("HS0203", "Trần Ánh")):
        student = Student.objects.create(student_code=code, full_name=name, sex="nam",
                                          birth_date=world.student.birth_date, school=world.school)
        Enrolment.objects.create(student=student, school_class=world.class_6a,
                                 start_date=world.year.start, reason="nhap_hoc")
    client.force_login(world.users[Role.GVCN])
    page = client.get(f"/lop/{world.class_6a.pk}/").content.decode()
    order = [page.index(n) for n in ("Nguyễn Văn An", "Nguyễn Thị Ngọc Ánh", "Trần Ánh",
                                     "Lê Thị Bình")]
    assert order == sorted(order)
