"""Composing the học bạ from the demo's finished year, and exporting it.

The demo's previous year (2024-2025) is complete and locked; its current year is not. One
demo database per module (read-mostly; each test that composes rolls back with it)."""

from __future__ import annotations

import io
import json
import subprocess
import uuid
import zipfile
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client

from hocba.accounts.models import RoleAssignment, User
from hocba.audit.models import AuditEvent
from hocba.demo import generator
from hocba.domain import moet
from hocba.domain.access import Role
from hocba.domain.record import HocBa, sha256_hex
from hocba.organisation.models import School, SchoolYear
from hocba.records import compose, renditions
from hocba.records.models import Book, HocBaRecord, RecordStatus
from hocba.roster.models import SchoolClass

DEMO_PASSWORD = "hocba-demo-2025"
# pytest-django sets up the test database only when a collected test asks for it; the
# module-scoped demo below needs it even when this file runs alone.
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Any:
    with django_db_blocker.unblock(), transaction.atomic():
        generator.seed(size="small")
        yield django_db_blocker
        transaction.set_rollback(True)


@pytest.fixture
def db_demo(demo: Any) -> Any:
    """A test inside the module's demo, rolled back after it."""
    with demo.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def _year(name: str) -> SchoolYear:
    return SchoolYear.objects.get(name=name)


def _principal(school: School, year: SchoolYear) -> User:
    return RoleAssignment.objects.filter(
        role=Role.PRINCIPAL, school=school, school_year=year).select_related("user").first().user


def _class(school_code: str, year: str, name: str) -> SchoolClass:
    return SchoolClass.objects.get(school__code=school_code, school_year__name=year, name=name)


def test_every_demo_student_of_the_finished_year_gets_a_valid_round_tripping_record(
        db_demo: Any) -> None:
    """Issue 4 "Done when": for every student of the demo the XML validates against the
    profile's XSD (CV 2088 PL1 II.1) and reads back into the same record."""
    year = _year("2024-2025")
    total = 0
    for school in School.objects.order_by("code"):
        principal = _principal(school, year)
        outcomes = compose.compose_school(principal, school, year)
        refused = [o for o in outcomes if isinstance(o, compose.CompositionRefused)]
        assert not refused, [(r.school_class.name, r.gaps.items) for r in refused]
        for record in HocBaRecord.objects.filter(school=school, school_year=year):
            hocba = HocBa.from_json(json.loads(record.canonical))
            assert sha256_hex(record.canonical.encode()) == record.identity_hash
            assert hocba.identity_hash() == record.identity_hash
            xml = moet.write(hocba)
            moet.validate(xml)
            assert moet.read(xml).identity_hash() == record.identity_hash
            total += 1
    assert total == HocBaRecord.objects.filter(school_year=year).count() > 1000


def test_a_record_is_a_snapshot_with_a_fresh_uuid4_and_opens_or_continues_the_book(
        db_demo: Any) -> None:
    year = _year("2024-2025")
    school_class = _class("27260002", "2024-2025", "7A")
    principal = _principal(school_class.school, year)
    done = compose.compose_class(principal, school_class)
    assert done.created and done.already == 0
    record = done.created[0]
    assert uuid.UUID(str(record.lookup_code)).version == 4
    data = json.loads(record.canonical)
    assert data["school_year"] == "2024-2025" and data["class"] == {"name": "7A", "grade": 7}
    assert data["student"]["full_name"] == record.student.full_name
    assert data["secondary"]["subjects"] and data["signers"]["principal"]["name"]
    # Grade 7 continues the THCS book (a new book only at grades 1, 6 and 10, or on arrival).
    assert Book.objects.get(student=record.student, level="THCS") == record.book
    # Composing again creates nothing new: every student has a live record of the year.
    again = compose.compose_class(principal, school_class)
    assert again.created == [] and again.already == len(done.created)
    assert AuditEvent.objects.filter(action="tao_hoc_ba", object_id=str(school_class.pk)
                                     ).count() == 2


def test_a_year_not_locked_is_refused_with_every_missing_item_and_nothing_is_composed(
        db_demo: Any) -> None:
    year = _year("2025-2026")
    school_class = _class("27260002", "2025-2026", "7A")
    hocvu = User.objects.get(username="hocvu")
    with pytest.raises(compose.CompositionRefused) as refused:
        compose.compose_class(hocvu, school_class)
    gaps = refused.value.gaps.items
    assert "Học kì II chưa được hiệu trưởng khoá: kết quả cả năm chưa chốt" in gaps[""]
    # Each student is named with what is missing (term II is not entered yet).
    assert len([who for who in gaps if who]) == school_class.enrolments.count()
    assert not HocBaRecord.objects.filter(school_year=year).exists()


def test_only_hoc_vu_and_the_principal_compose(db_demo: Any) -> None:
    school_class = _class("27260002", "2025-2026", "7A")
    for username in ("gvcn", "gvbm", "vanthu", "quantri", "phohieutruong"):
        with pytest.raises(PermissionDenied):
            compose.compose_class(User.objects.get(username=username), school_class)


def test_a_discarded_draft_keeps_its_code_and_the_next_one_gets_a_new_one(db_demo: Any) -> None:
    year = _year("2024-2025")
    school_class = _class("27260002", "2024-2025", "8A")
    principal = _principal(school_class.school, year)
    first = compose.compose_class(principal, school_class).created[0]
    compose.discard(principal, first)
    first.refresh_from_db()
    assert first.status == RecordStatus.DISCARDED
    again = compose.compose_class(principal, school_class)
    replacement = next(r for r in again.created if r.student_id == first.student_id)
    assert replacement.lookup_code != first.lookup_code


def _composed(code: str = "27260002", name: str = "7A") -> HocBaRecord:
    school_class = _class(code, "2024-2025", name)
    principal = _principal(school_class.school, school_class.school_year)
    return compose.compose_class(principal, school_class).created[0]


def _pdftotext(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def test_the_pdf_shows_the_name_every_subject_and_the_look_up_code(db_demo: Any) -> None:
    record = _composed()
    data = json.loads(record.canonical)
    text = _pdftotext(renditions.rendition(record, renditions.Format.PDF))
    flat = " ".join(text.split())
    assert record.student.full_name in flat
    assert str(record.lookup_code) in flat
    for subject in data["secondary"]["subjects"]:
        assert subject["name"].split(" (")[0] in flat


def test_the_web_page_downloads_a_record_and_a_class_zip_and_logs_the_reads(
        db_demo: Any) -> None:
    record = _composed()
    client = Client()
    assert client.login(username="hieutruong", password=DEMO_PASSWORD)
    page = client.get(f"/hoc-ba/lop/{record.school_class_id}/")
    assert page.status_code == 200 and str(record.lookup_code) in page.content.decode()
    xml = client.get(f"/hoc-ba/{record.lookup_code}/tai-ve.xml")
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    moet.validate(xml.content)
    zipped = client.get(f"/hoc-ba/lop/{record.school_class_id}/tai-ve.json.zip")
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as archive:
        names = archive.namelist()
    assert len(names) == HocBaRecord.objects.filter(school_class=record.school_class_id).count()
    reads = AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, actor__username="hieutruong")
    assert reads.filter(detail__tai_ve="xml").exists()
    assert reads.filter(detail__tai_ve_lop="json").exists()


def test_a_teacher_of_another_class_cannot_download_the_record(db_demo: Any) -> None:
    record = _composed("27260002", "8A")
    client = Client()
    assert client.login(username="gvcn", password=DEMO_PASSWORD)
    assert client.get(f"/hoc-ba/{record.lookup_code}/tai-ve.pdf").status_code == 403


def test_an_unknown_look_up_code_is_not_found(db_demo: Any) -> None:
    client = Client()
    assert client.login(username="hieutruong", password=DEMO_PASSWORD)
    assert client.get(f"/hoc-ba/{uuid.uuid4()}/tai-ve.pdf").status_code == 404
    assert client.get("/hoc-ba/khong-phai-uuid/tai-ve.pdf").status_code == 404


def test_export_command_writes_the_json_xml_and_pdf_of_a_record(db_demo: Any, tmp_path: Any,
                                                                capsys: Any) -> None:
    from hocba.cli import main

    record = _composed()
    for fmt in ("json", "xml", "pdf"):
        out = tmp_path / f"hb.{fmt}"
        assert main(["export", str(record.lookup_code), "--format", fmt, "--out", str(out)]) == 0
        body = out.read_bytes()
        if fmt == "json":
            assert sha256_hex(body) == record.identity_hash
        elif fmt == "xml":
            moet.validate(body)
        else:
            assert body.startswith(b"%PDF")
    assert main(["export", str(uuid.uuid4()), "--format", "pdf", "--out",
                 str(tmp_path / "x.pdf")]) == 2
    assert "Không có học bạ" in capsys.readouterr().err
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, channel="cli",
                                     detail__tai_ve="pdf").exists()


def test_hoc_vu_composes_from_the_class_page_and_sees_what_is_missing(db_demo: Any) -> None:
    client = Client()
    assert client.login(username="hocvu", password=DEMO_PASSWORD)
    finished = _class("27260002", "2024-2025", "8A")
    page = client.get(f"/hoc-ba/lop/{finished.pk}/")
    assert "Tạo học bạ cho học sinh chưa có" in page.content.decode()
    done = client.post(f"/hoc-ba/lop/{finished.pk}/tao/", follow=True)
    assert "Đã tạo" in done.content.decode()
    assert HocBaRecord.objects.filter(school_class=finished).count() > 20
    running = _class("27260002", "2025-2026", "8A")
    refused = client.post(f"/hoc-ba/lop/{running.pk}/tao/")
    assert refused.status_code == 400
    text = refused.content.decode()
    assert "Chưa thể tạo học bạ" in text and "Học kì II chưa được hiệu trưởng khoá" in text
    assert not HocBaRecord.objects.filter(school_class=running).exists()


def test_a_value_the_record_refuses_is_named_and_nothing_is_kept(db_demo: Any) -> None:
    """The roster let a malformed identity number through (an old import, say): the
    record's own check names it (CV 2088 PL1 Phụ lục 1.1: SO_CCCD_GIAO_VIEN_CHU_NHIEM) and
    no record and no book is created."""
    school_class = _class("27260002", "2024-2025", "8B")
    teacher = school_class.homeroom_teacher
    type(teacher).objects.filter(pk=teacher.pk).update(personal_id="999999999999")
    principal = _principal(school_class.school, school_class.school_year)
    books_before = Book.objects.count()
    with pytest.raises(compose.CompositionRefused) as refused:
        compose.compose_class(principal, school_class)
    messages = [m for items in refused.value.gaps.items.values() for m in items]
    assert any("identity_number" in m and "“999”" in m for m in messages), messages[:3]
    assert not HocBaRecord.objects.filter(school_class=school_class).exists()
    assert Book.objects.count() == books_before
