"""The English catalogue: complete, compiled, and really shown when the switch asks for it.

Vietnamese is the source language (the msgids); English is the one translation. A principal
walks through the main pages once with the language cookie set to English and once without it.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import polib
import pytest

from hocba.domain.access import Role

LOCALE = Path(__file__).resolve().parents[1] / "src" / "hocba" / "locale" / "en" / "LC_MESSAGES"
PO = LOCALE / "django.po"
MO = LOCALE / "django.mo"

# Each page with a few pieces of its chrome: (Vietnamese original, its English translation).
# Chosen so that neither wording can come from the data of the test world.
PAGES: dict[str, list[tuple[str, str]]] = {
    "/": [("Đăng xuất", "Sign out"), ("Xin chào, Hiệu trưởng", "Hello, Hiệu trưởng"),
          ("Nhật ký</a>", "Audit log</a>"), ("Nhập Excel</a>", "Excel import</a>"),
          (">Học sinh</a>", ">Students</a>"), ("Năm học 2025-2026", "School year 2025-2026"),
          ("phần mềm nguồn mở cho học bạ số", "open-source software for digital school records")],
    "/truong/": [("<h1>Trường</h1>", "<h1>Schools</h1>"), ("Tên trường", "School name"),
                 ("Cấp học", "Level"), ("Tìm trường", "Search schools")],
    "/truong/{school}/": [("Mã trường 01000101", "School code 01000101"),
                          ("<th>Sĩ số</th>", "<th>Size</th>"), ("<th>Khối</th>", "<th>Grade</th>"),
                          ("Giáo viên chủ nhiệm", "Homeroom teacher"),
                          ("Nhập danh sách từ Excel", "Import lists from Excel")],
    "/lop/{c6a}/": [("<h1>Lớp 6A</h1>", "<h1>Class 6A</h1>"),
                    ("GVCN: Đỗ Thị Hương", "Homeroom teacher: Đỗ Thị Hương"),
                    ("Mã học sinh", "Student code"), ("Ngày sinh", "Date of birth"),
                    ("Phân công giảng dạy", "Teaching assignments")],
    "/hoc-sinh/": [("<h1>Học sinh</h1>", "<h1>Students</h1>"), ("Tìm học sinh", "Search students"),
                   ("2 học sinh", "2 students"), ("<th>Trường</th>", "<th>School</th>")],
    "/hoc-sinh/{student}/": [("Số định danh cá nhân", "Personal ID number"),
                             ("Dân tộc", "Ethnicity"), ("Quê quán", "Hometown"),
                             ("Quá trình học tập", "Enrolment history"),
                             ("Chuyển lớp, chuyển trường", "Change class or school")],
    "/nhat-ky/": [("Nhật ký hệ thống", "System audit log"), ("Mọi loại", "All types"),
                  ("Người thực hiện", "User"), ("<th>Thời điểm</th>", "<th>Time</th>")],
    "/nhap-excel/": [("Tải tệp lên", "Upload a file"),
                     ("Chỉ kiểm tra, chưa ghi", "Check only, don't save"),
                     ("Tệp mẫu", "Templates"), ("Loại danh sách", "List type")],
}


def _fill(template: str, world: Any) -> str:
    return template.format(school=world.school.pk, c6a=world.class_6a.pk,
                           student=world.student.pk)


def _get(client: Any, url: str) -> tuple[Any, str]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response, html.unescape(response.content.decode())


@pytest.mark.parametrize("url", list(PAGES))
def test_page_is_english_after_the_switch(client: Any, world: Any, url: str) -> None:
    client.force_login(world.users[Role.PRINCIPAL])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response, page = _get(client, _fill(url, world))
    assert '<html lang="en">' in page
    assert response.headers["Content-Language"] == "en"
    assert "Sign out" in page and "Tiếng Việt</button>" in page
    for vietnamese, english in PAGES[url]:
        assert english in page, (url, english)
        assert vietnamese not in page, (url, vietnamese)


@pytest.mark.parametrize("url", list(PAGES))
def test_page_is_vietnamese_without_the_cookie(client: Any, world: Any, url: str) -> None:
    client.force_login(world.users[Role.PRINCIPAL])
    response, page = _get(client, _fill(url, world))
    assert '<html lang="vi">' in page
    assert response.headers["Content-Language"] == "vi"
    assert "English</button>" in page
    for vietnamese, _english in PAGES[url]:
        assert vietnamese in page, (url, vietnamese)


def test_no_chrome_is_left_in_vietnamese_in_english_mode(client: Any, world: Any) -> None:
    """No sentence of the catalogue shows up untranslated on any page (e.g. a stale .mo)."""
    client.force_login(world.users[Role.PRINCIPAL])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    sentences = [e.msgid for e in polib.pofile(str(PO))
                 if " " in e.msgid and "%" not in e.msgid and len(e.msgid) >= 12]
    assert len(sentences) > 30
    for url in PAGES:
        _response, page = _get(client, _fill(url, world))
        left = [s for s in sentences if s in page]
        assert not left, (url, left)


def test_vietnamese_choice_goes_back_to_vietnamese(client: Any, world: Any) -> None:
    client.force_login(world.users[Role.PRINCIPAL])
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert "Sign out" in client.get("/").content.decode()
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="vi">' in page and "Đăng xuất" in page


def test_catalogue_is_complete() -> None:
    po = polib.pofile(str(PO))
    assert po.metadata["Language"] == "en"
    assert not po.metadata_is_fuzzy
    assert len(po) >= 100
    assert po.percent_translated() == 100
    assert not po.untranslated_entries()
    assert not po.fuzzy_entries()
    assert not po.obsolete_entries()
    for entry in po:
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1], entry.msgid
            assert all(entry.msgstr_plural.values()), entry.msgid
        else:
            assert entry.msgstr.strip(), entry.msgid


PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def test_translations_keep_every_placeholder() -> None:
    for entry in polib.pofile(str(PO)):
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            assert sorted(PLACEHOLDER.findall(entry.msgid_plural)) == wanted, entry.msgid
            forms = list(entry.msgstr_plural.values())
        else:
            forms = [entry.msgstr]
        for form in forms:
            assert sorted(PLACEHOLDER.findall(form)) == wanted, (entry.msgid, form)
            assert form.count("%") == len(wanted), (entry.msgid, form)


def _pairs(catalogue: Any) -> set[tuple[Any, ...]]:
    pairs = set()
    for e in catalogue:
        if e.msgid_plural:
            translated: Any = tuple(sorted(e.msgstr_plural.items()))
        else:
            translated = e.msgstr
        pairs.add((e.msgctxt, e.msgid, e.msgid_plural, translated))
    return pairs


def test_committed_mo_matches_the_po(tmp_path: Path) -> None:
    """The .mo is committed (no gettext at run time): it must be compiled from the .po as is."""
    fresh = tmp_path / "django.mo"
    polib.pofile(str(PO)).save_as_mofile(str(fresh))
    mo = polib.mofile(str(MO))
    committed = _pairs(mo)
    assert committed == _pairs(polib.mofile(str(fresh)))
    assert len(committed) == len(polib.pofile(str(PO)))
    assert mo.metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
