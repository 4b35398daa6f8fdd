"""The homeroom teacher's class summary (issue 3, part 4, GVCN) for a TT 22 class: rèn
luyện and absences entered, results computed by the engine from the subject sheets with
their explanation, promotion (TT 22/2021 Điều 12) and awards (Điều 15.1), nothing guessed
when a score is missing, only the GVCN writing, and no silent overwrite."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from hocba.audit.models import AuditEvent
from hocba.curriculum.models import Subject
from hocba.curriculum.selectors import curriculum_of
from hocba.domain.access import Role
from hocba.domain.curriculum import Assessment
from hocba.gradebook import summary
from hocba.gradebook.models import ClassTermRecord, TermResult
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher
from tests.world import PASSWORD, _user

URL = "/so-diem/lop/{}/tong-hop/"


def enrol(world: Any, code: str, name: str) -> Student:
    student = Student.objects.create(student_code=code, full_name=name,
                                     birth_date=date(2013, 3, 3), sex="nam",
                                     school=world.school)
    Enrolment.objects.create(student=student, school_class=world.class_6a,
                             start_date=world.year.start, reason=Enrolment.Reason.ADMITTED)
    return student


def fill_sheets(world: Any, student: Student, score: str,
                skip: tuple[str, int, str] | None = None) -> None:
    """Every compulsory subject of 6A, both terms, each score ``score`` and every comment
    subject Đạt; ``skip`` = (subject code, term, "gk"/"ck") leaves that one cell empty."""
    for row in curriculum_of(world.class_6a):
        if row.optional:
            continue
        subject = Subject.objects.get(code=row.code)
        for term in (1, 2):
            gap = skip[2] if skip and skip[:2] == (row.code, term) else ""
            if row.assessment is Assessment.SCORE:
                count = row.regular_assessments or 0
                TermResult.objects.create(
                    student=student, school_class=world.class_6a, subject=subject, term=term,
                    tx=[score] * count, gk=None if gap == "gk" else Decimal(score),
                    ck=None if gap == "ck" else Decimal(score))
            else:
                TermResult.objects.create(
                    student=student, school_class=world.class_6a, subject=subject, term=term,
                    tx=["D", "D"], gk_rating="" if gap == "gk" else "D",
                    ck_rating="" if gap == "ck" else "D")


def conduct(world: Any, student: Student, hk1: str, hk2: str,
            absences: tuple[int, int] = (0, 0)) -> None:
    for term, level, away in ((1, hk1, absences[0]), (2, hk2, absences[1])):
        ClassTermRecord.objects.create(student=student, school_class=world.class_6a,
                                       term=term, conduct=level, absences_excused=away)


@pytest.fixture
def class_6a(world: Any) -> Any:
    """Ánh: 8,5 everywhere, Tốt/Tốt → Tốt, HS Giỏi. Bảo: Khá/Khá and 46 sessions absent →
    not promoted. An: Toán HK2 without CK. Dung: 9,5 everywhere, Tốt → HS Xuất sắc."""
    world.bao = enrol(world, "HS9002", "Trần Văn Bảo")
    world.an = enrol(world, "HS9001", "Lê Thị An")
    world.dung = enrol(world, "HS9003", "Phạm Thu Dung")
    fill_sheets(world, world.student, "8.5")
    conduct(world, world.student, "TOT", "TOT", (2, 1))
    fill_sheets(world, world.bao, "8.5")
    conduct(world, world.bao, "KHA", "KHA", (20, 26))
    fill_sheets(world, world.an, "7", skip=("TOAN", 2, "ck"))
    conduct(world, world.an, "TOT", "KHA")
    fill_sheets(world, world.dung, "9.5")
    conduct(world, world.dung, "TOT", "TOT")
    return world


def gvcn(world: Any) -> Any:
    return world.users[Role.GVCN]


def row_of(data: summary.ClassSummary, student: Student) -> summary.SummaryRow:
    row = data.row_of(student.pk)
    assert row is not None
    return row


# --- results computed by the engine, with their explanation --------------------------------

def test_a_student_with_good_scores_and_conduct_is_tot_promoted_and_hs_gioi(
        class_6a: Any) -> None:
    w = class_6a
    row = row_of(summary.class_summary(gvcn(w), w.class_6a), w.student)
    assert row.missing == []
    assert (row.hoc_tap["hk1"].value, row.hoc_tap["hk2"].value,
            row.hoc_tap["year"].value) == ("Tốt", "Tốt", "Tốt")
    assert row.hoc_tap["year"].rule == "TT 22/2021 Điều 9.2.a"
    assert "8 môn ≥ 8,0" in row.hoc_tap["year"].reason
    assert row.ren_luyen_year.value == "Tốt"
    assert row.ren_luyen_year.rule == "TT 22/2021 Điều 8"
    assert row.promoted is True
    assert row.len_lop.reason == "Được lên lớp: rèn luyện Tốt, học tập Tốt, nghỉ 3 buổi " \
                                 "(không quá 45)"
    assert row.award.value == "Học sinh Giỏi"
    assert row.award.rule == "TT 22/2021 Điều 15.1.b"


def test_46_sessions_absent_is_not_promoted_with_the_reason(class_6a: Any) -> None:
    # TT 22/2021 Điều 12: more than 45 sessions absent in the year, excused or not.
    w = class_6a
    data = summary.class_summary(gvcn(w), w.class_6a)
    row = row_of(data, w.bao)
    assert row.hoc_tap["year"].value == "Tốt"
    assert row.ren_luyen_year.value == "Khá"
    assert row.promoted is False
    assert row.len_lop.value == "Không được lên lớp"
    assert row.len_lop.rule == "TT 22/2021 Điều 12"
    assert row.len_lop.reason == "Không được lên lớp: nghỉ 46 buổi, quá 45 buổi"
    assert row.award.value == "Không"
    assert [r.student for r in data.not_promoted] == [w.bao]


def test_a_missing_score_is_named_and_nothing_depending_on_it_is_guessed(
        class_6a: Any) -> None:
    w = class_6a
    row = row_of(summary.class_summary(gvcn(w), w.class_6a), w.an)
    assert row.missing == ["Toán HK2: thiếu CK"]
    assert row.hoc_tap["hk1"].value == "Khá"  # HK1 is complete: 7,0 everywhere
    assert row.hoc_tap["hk2"].value is None
    assert row.hoc_tap["year"].value is None
    assert row.ren_luyen_year.value == "Khá"  # Điều 8: II Khá, I Tốt
    assert row.promoted is None and row.len_lop.value is None and row.award.value is None


def test_the_award_and_promotion_lists(class_6a: Any) -> None:
    w = class_6a
    data = summary.class_summary(gvcn(w), w.class_6a)
    assert [r.student for r in data.excellent] == [w.dung]
    assert row_of(data, w.dung).award.rule == "TT 22/2021 Điều 15.1.a"
    assert [r.student for r in data.good] == [w.student]
    assert {r.student for r in data.promoted} == {w.student, w.dung}
    assert [r.student for r in data.undecided] == [w.an]


def test_a_student_without_any_scores_or_conduct_lists_what_is_missing(world: Any) -> None:
    row = row_of(summary.class_summary(gvcn(world), world.class_6a), world.student)
    assert "Toán HK1: chưa có điểm" in row.missing
    assert "Rèn luyện HK2: chưa nhập" in row.missing
    assert row.hoc_tap["hk1"].value is None and row.promoted is None


def test_the_page_shows_results_explanations_and_lists(client: Any, class_6a: Any) -> None:
    w = class_6a
    client.login(username="gvcn", password=PASSWORD)
    page = client.get(URL.format(w.class_6a.pk))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<details class="sum-why"><summary data-testid="danh-hieu-HS0001">Học sinh Giỏi' \
           "</summary>" in html
    assert "<strong>TT 22/2021 Điều 15.1.b</strong>" in html
    assert "Không được lên lớp: nghỉ 46 buổi, quá 45 buổi" in html
    assert "Toán HK2: thiếu CK" in html
    assert 'id="danh-sach-xuat-sac"' in html and "<script" not in html
    assert "style=" not in html.split("<main", 1)[-1]
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.READ, action="xem",
                                     school_id=w.school.pk).exists()


def test_the_home_page_links_the_homeroom_teacher_to_the_summary(client: Any,
                                                                 world: Any) -> None:
    client.login(username="gvcn", password=PASSWORD)
    assert URL.format(world.class_6a.pk) in client.get("/").content.decode()
    client.login(username="gvbm", password=PASSWORD)
    assert "/tong-hop/" not in client.get("/").content.decode()


# --- writes: the GVCN only, validated, audited, never silently overwriting ---------------

def edit(student: Student, term: int = 1, conduct: str = "TOT", excused: str = "0",
         unexcused: str = "0", comment: str = "", version: int = 0) -> summary.RecordEdit:
    return summary.RecordEdit(student, term, conduct, excused, unexcused, comment, version)


def test_the_gvcn_saves_conduct_and_absences_in_one_audited_write(world: Any) -> None:
    saved = summary.save_records(gvcn(world), world.class_6a, [
        edit(world.student, 1, "TOT", "2", "1", "Chăm ngoan"), edit(world.student, 2, "Khá")])
    assert (saved.written, saved.requests) == (2, [])
    hk1 = ClassTermRecord.objects.get(student=world.student, term=1)
    assert (hk1.conduct, hk1.absences_excused, hk1.absences_unexcused, hk1.comment,
            hk1.version, hk1.updated_by) == ("TOT", 2, 1, "Chăm ngoan", 1, gvcn(world))
    assert ClassTermRecord.objects.get(student=world.student, term=2).conduct == "KHA"
    events = AuditEvent.objects.filter(kind=AuditEvent.Kind.WRITE, action="sua_tong_hop_lop")
    assert events.count() == 2
    event = events.get(detail__hoc_ki=1)
    assert (event.school_id, event.province_id, event.area_id) == (
        world.school.pk, world.province.pk, world.area.pk)
    assert event.role == "Giáo viên chủ nhiệm"
    assert event.detail["hoc_sinh"] == "HS0001"
    assert event.detail["thay_doi"]["conduct"] == {"cu": "", "moi": "TOT"}
    row = row_of(summary.class_summary(gvcn(world), world.class_6a), world.student)
    assert row.ren_luyen_year.value == "Khá"  # Điều 8: II Khá, I ≥ Đạt


@pytest.mark.parametrize(("change", "message"), [
    ({"excused": "-1"}, "Nguyễn Thị Ngọc Ánh, nghỉ có phép HK1: số buổi nghỉ không được âm"),
    ({"unexcused": "2,5"}, "Nguyễn Thị Ngọc Ánh, nghỉ không phép HK1: số buổi nghỉ phải là "
                           "số nguyên không âm"),
    ({"conduct": "Giỏi"}, "Nguyễn Thị Ngọc Ánh, rèn luyện HK1: “Giỏi” không phải là mức "
                          "rèn luyện"),
])
def test_impossible_values_are_refused_naming_the_student_and_field_and_nothing_is_written(
        world: Any, change: dict[str, str], message: str) -> None:
    bao = enrol(world, "HS9002", "Trần Văn Bảo")
    with pytest.raises(summary.SummaryError) as refused:
        summary.save_records(gvcn(world), world.class_6a,
                             [edit(bao, 2, "DAT"), edit(world.student, 1, **change)])
    assert any(p.startswith(message) for p in refused.value.problems), refused.value.problems
    assert not ClassTermRecord.objects.exists()  # not even Bảo's valid row
    assert not AuditEvent.objects.filter(action="sua_tong_hop_lop").exists()


def test_a_stale_version_is_refused_naming_who_changed_it(world: Any) -> None:
    summary.save_records(gvcn(world), world.class_6a, [edit(world.student, 1, "TOT")])
    bao = enrol(world, "HS9002", "Trần Văn Bảo")
    with pytest.raises(summary.SummaryError) as refused:
        # Another window, loaded at version 0, saves Bảo and a change to Ánh's row.
        summary.save_records(gvcn(world), world.class_6a, [
            edit(bao, 1, "KHA"), edit(world.student, 1, "DAT", version=0)])
    assert refused.value.conflict
    [problem] = refused.value.problems
    assert problem.startswith("Nguyễn Thị Ngọc Ánh, HK1: dòng này vừa được Đỗ Thị Hương sửa")
    assert "không lưu để không ghi đè" in problem
    assert ClassTermRecord.objects.get(student=world.student, term=1).conduct == "TOT"
    assert not ClassTermRecord.objects.filter(student=bao, conduct="KHA").exists()


def test_the_subject_teacher_and_another_class_gvcn_may_not_edit(world: Any) -> None:
    with pytest.raises(PermissionDenied):
        summary.save_records(world.users[Role.GVBM], world.class_6a, [edit(world.student)])
    other = Teacher.objects.create(school=world.school, staff_code="GV003",
                                   full_name="Vũ Thị Lan", sex="nu",
                                   user=_user("gvcn6b", "Vũ Thị Lan"))
    SchoolClass.objects.filter(pk=world.class_6b.pk).update(homeroom_teacher=other)
    with pytest.raises(PermissionDenied):
        summary.save_records(other.user, world.class_6a, [edit(world.student)])
    assert not ClassTermRecord.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).count() == 2


def test_the_pages_refuse_editing_to_others_and_show_the_principal_read_only(
        client: Any, world: Any) -> None:
    url = URL.format(world.class_6a.pk)
    form = {f"rl1-{world.student.pk}": "TOT"}
    client.login(username="gvbm", password=PASSWORD)
    assert client.get(url).status_code == 403  # a subject teacher reads their subject only
    assert client.post(url, form).status_code == 403
    client.login(username="hieutruong", password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    assert "disabled" in page.content.decode() and "Lưu</button>" not in page.content.decode()
    assert client.post(url, form).status_code == 403
    assert not ClassTermRecord.objects.exists()


def test_the_form_saves_only_changed_rows_and_refuses_a_stale_one(client: Any,
                                                                  world: Any) -> None:
    url = URL.format(world.class_6a.pk)
    sid = world.student.pk
    client.login(username="gvcn", password=PASSWORD)
    page = client.get(url)
    shown = page.context["summary"].rows[0].originals_json
    post = {f"o-{sid}": shown, f"rl1-{sid}": "TOT", f"cp1-{sid}": "0", f"kp1-{sid}": "3",
            f"nx1-{sid}": "", f"rl2-{sid}": "", f"cp2-{sid}": "0", f"kp2-{sid}": "0",
            f"nx2-{sid}": ""}
    answer = client.post(url, post)
    assert answer.status_code == 302
    assert ClassTermRecord.objects.count() == 1  # HK2 unchanged: no row written
    rec = ClassTermRecord.objects.get()
    assert (rec.conduct, rec.absences_unexcused, rec.version) == ("TOT", 3, 1)
    # The same page posted again (version 0) with another change: refused, typed value kept.
    again = client.post(url, {**post, f"rl1-{sid}": "KHA"})
    assert again.status_code == 409
    html = again.content.decode()
    assert "dòng này vừa được Đỗ Thị Hương sửa" in html
    assert '<option value="KHA" selected>' in html
    assert json.loads(again.context["summary"].rows[0].originals_json)[f"v1-{sid}"] == "0"
    assert ClassTermRecord.objects.get().conduct == "TOT"
    # Refused values come back with the student and field named.
    bad = client.post(url, {**post, f"o-{sid}": client.get(url).context["summary"].rows[0]
                            .originals_json, f"cp2-{sid}": "-4"})
    assert bad.status_code == 400
    assert "Nguyễn Thị Ngọc Ánh, nghỉ có phép HK2: số buổi nghỉ không được âm" in \
        bad.content.decode()
