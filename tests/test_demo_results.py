"""The demo's TT 22 results: last year complete and locked, this year in term II.

The next step composes a học bạ for every student of a finished year, so every secondary
student of 2024-2025 must have a year the class summary computes with nothing missing, in
agreement with the roster: promoted students promoted, repeaters (lưu ban) not (TT 22/2021
Điều 12).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from decimal import Decimal

import pytest
from django.db import transaction

from hocba.accounts.models import User
from hocba.audit.models import AuditEvent
from hocba.demo import generator
from hocba.demo.outcomes_tt22 import periodic_mark, regular_mark
from hocba.domain.text import is_nfc
from hocba.gradebook import services, summary
from hocba.gradebook.cells import parse_rating, parse_score
from hocba.gradebook.models import TermLock, TermResult
from hocba.gradebook.models_class import ClassTermRecord
from hocba.gradebook.models_reassessment import SubjectRetest
from hocba.gradebook.selectors import is_principal_of
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import Enrolment, SchoolClass

# sha256 of every TT 22 result and class record of the small seed, in a fixed order. Like
# test_demo.SMALL_STUDENTS_DIGEST it changes only when the generator changes on purpose (or
# the roster it builds on); a change between runs means the results are not deterministic.
SMALL_RESULTS_DIGEST = "5fd1ec6b4bd29acab3f2942fe353e8c6d4d4dca8e7e4e374f369b2bb02100dba"


@pytest.fixture
def seeded(db) -> None:  # type: ignore[no-untyped-def]
    generator.seed(size="small")


def secondary_classes(year: str) -> list[SchoolClass]:
    return list(SchoolClass.objects.filter(school_year__name=year, grade__gte=6)
                .select_related("school", "school_year").order_by("school__code", "grade",
                                                                    "name"))


def last_year_summaries() -> list[summary.ClassSummary]:
    """The class summary of every secondary class of 2024-2025, as the Sở officer sees it
    (a finished year's class lists the students who finished the year in it)."""
    officer = User.objects.get(username="so")
    return [summary.class_summary(officer, cls) for cls in secondary_classes("2024-2025")]


def test_marks_have_one_decimal_rounded_half_up() -> None:
    # TT 22/2021 Điều 5.3.b: a test marked 7,25 is written 7,3; 7,75 → 7,8; 10 stays 10.
    assert [periodic_mark(v) for v in (7.25, 7.75, 7.5, 7.1, 9.99, 10.4, -1.0)] == [
        "7.3", "7.8", "7.5", "7", "10", "10", "0"]
    assert [regular_mark(v) for v in (7.3, 7.8, 0.2)] == ["7.5", "8", "0"]


def test_every_secondary_student_of_last_year_has_a_complete_year(seeded: None) -> None:
    repeaters = set(Enrolment.objects.filter(reason=Enrolment.Reason.REPEATING)
                    .values_list("student_id", flat=True))
    summaries = last_year_summaries()
    assert len(summaries) == 20  # 7 + 3 THCS at two schools, 6 at Lý Thái Tổ, 4 THPT
    levels: Counter[str] = Counter()
    not_promoted = []
    for class_summary in summaries:
        cls = class_summary.school_class
        assert len(class_summary.rows) == cls.enrolments.count() >= 30, cls
        for row in class_summary.rows:
            assert row.missing == [], (str(cls), str(row.student), row.missing)
            assert all(row.hoc_tap[k].value for k in ("hk1", "hk2", "year")), row.student
            assert row.ren_luyen_year.value and row.award.value, row.student
            # TT 22/2021 Điều 12 (after the summer's Điều 14 re-evaluation): the engine's
            # decision is the roster's.
            assert row.final_promoted is (row.student.pk not in repeaters), row.student
            levels[row.hoc_tap["year"].value or ""] += 1
            if not row.final_promoted:
                not_promoted.append(row)
            comment = row.records[2].comment if row.records[2] else ""
            assert comment.endswith(".") and is_nfc(comment), row.student
        # Every class has Tốt, Khá and Đạt students (TT 22/2021 Điều 9.2.a–c).
        assert {"Tốt", "Khá", "Đạt"} <= {r.hoc_tap["year"].value for r in class_summary.rows}
        assert class_summary.good, f"{cls}: no Học sinh Giỏi (Điều 15.1.b)"

    assert set(levels) == {"Tốt", "Khá", "Đạt", "Chưa đạt"}
    assert levels["Khá"] > levels["Đạt"] > levels["Chưa đạt"] > 0
    # Not promoted: học tập Chưa đạt, still so after the re-evaluation (Điều 9.2.d, 14), or
    # more than 45 sessions absent (Điều 12).
    failed = [r for r in not_promoted if r.hoc_tap["year"].value == "Chưa đạt"]
    assert failed and all(r.reevaluation and r.summer_subjects for r in failed)
    assert all(r.after_hoc_tap.value == "Chưa đạt" for r in failed)
    assert any("quá 45 buổi" in r.len_lop.reason for r in not_promoted)
    assert {row.student.pk for row in not_promoted} == repeaters & {
        r.student.pk for c in summaries for r in c.rows}


def test_the_record_composition_finds_last_year_complete(seeded: None) -> None:
    repeaters = set(Enrolment.objects.filter(reason=Enrolment.Reason.REPEATING)
                    .values_list("student_id", flat=True))
    for cls in secondary_classes("2024-2025"):
        years = summary.year_results(cls)
        assert len(years) == cls.enrolments.count(), cls
        for year in years:
            assert year.missing == (), (str(cls), str(year.student), year.missing)
            assert year.promoted is (year.student.pk not in repeaters)
            assert year.homeroom_comment and year.hoc_tap_year and year.ren_luyen_year
            assert all(s.teacher and s.year is not None and s.comment_hk2
                       for s in year.subjects), year.student
            if cls.grade in (9, 12):
                assert year.completed_programme is year.promoted


def test_last_years_sheets_hold_what_a_teacher_could_type(seeded: None) -> None:
    results = TermResult.objects.filter(school_class__school_year__name="2024-2025")
    assert results.count() > 15_000
    assert not results.filter(term=2, comment="").exists(), "term II subject comments"
    for row in results.select_related("subject")[:3000]:
        for value in row.tx:
            if row.gk is None:
                assert parse_rating("tx", value) == value  # Đ/CĐ, TT 22/2021 Điều 5.3.a
            else:
                assert parse_score("tx", value) is not None  # 0–10, one decimal, Điều 5.3.b
        if row.gk is not None:
            assert 0 <= row.gk <= 10 and 0 <= row.ck <= 10
            assert row.gk == row.gk.quantize(Decimal("0.1"))
    records = ClassTermRecord.objects.filter(school_class__school_year__name="2024-2025")
    assert not records.filter(conduct="").exists()
    assert {r.conduct for r in records} >= {"TOT", "KHA", "DAT"}
    assert not records.filter(term=2, comment="").exists()
    over = [r for r in records if r.absences > 15]  # per term
    assert over and len(over) < 10, "only the Điều 12 cases miss many sessions"


def test_each_schools_terms_are_locked_by_its_principal_and_logged(seeded: None) -> None:
    previous = SchoolYear.objects.get(name="2024-2025")
    current = SchoolYear.objects.get(name="2025-2026")
    secondary = [s for s in School.objects.order_by("code") if {"THCS", "THPT"} & set(s.levels)]
    assert len(secondary) == 4
    for school in secondary:
        for year, terms in ((previous, {1, 2}), (current, {1})):
            locks = TermLock.objects.filter(school=school, school_year=year)
            assert {lock.term for lock in locks} == terms, (school, year)
            assert all(is_principal_of(lock.locked_by, school, year) for lock in locks)
    main = School.objects.get(code="27260002")
    assert {lock.locked_by.username for lock in TermLock.objects.filter(school=main)} == {
        "hieutruong"}
    # One event per class (bulk writes send no per-row signal), one per lock.
    classes = secondary_classes("2024-2025") + secondary_classes("2025-2026")
    events = AuditEvent.objects.filter(action="sinh_ket_qua_demo", object_type="SchoolClass",
                                       object_id__in=[str(c.pk) for c in classes])
    assert sorted(int(e.object_id) for e in events) == sorted(c.pk for c in classes)
    for event in events:
        cls = SchoolClass.objects.get(pk=event.object_id)
        assert event.school_id == cls.school_id
        assert event.detail["ket_qua_mon"] == TermResult.objects.filter(school_class=cls).count()
    for school in secondary:
        assert AuditEvent.objects.filter(action="khoa_hoc_ki", school_id=school.pk).count() == 3
    assert not AuditEvent.objects.filter(object_type="TermResult").exists()


def test_this_year_has_term_one_locked_and_term_two_begun(seeded: None) -> None:
    officer = User.objects.get(username="so")
    hk1: Counter[str] = Counter()
    for cls in secondary_classes("2025-2026"):
        class_summary = summary.class_summary(officer, cls)
        assert class_summary.locked_terms == [1]
        for row in class_summary.rows:
            assert row.hoc_tap["hk1"].value, (str(cls), str(row.student), row.missing)
            assert row.hoc_tap["hk2"].value is None and row.promoted is None
            assert not [m for m in row.missing if "HK1" in m]
            hk1[row.hoc_tap["hk1"].value or ""] += 1
    assert set(hk1) == {"Tốt", "Khá", "Đạt", "Chưa đạt"}
    begun = TermResult.objects.filter(school_class__school_year__name="2025-2026", term=2)
    assert begun.exists() and not begun.filter(gk__isnull=False).exists()
    assert not begun.exclude(gk_rating="").exists()
    assert all(r.tx[0] for r in begun[:500]), "the first regular assessments are in"
    assert any(not r.tx[-1] for r in begun[:500]), "and not yet the last ones"

    # The subject teacher meets the lock: a term-I change becomes a correction request, while
    # term II is still open (HCMC QĐ 1789 Điều 13).
    teacher = User.objects.get(username="gvbm")
    row = TermResult.objects.filter(
        school_class__assignments__teacher__user=teacher, subject__code="NGU_VAN",
        school_class__school_year__name="2025-2026", term=1).select_related(
        "school_class", "subject", "student").first()
    assert row is not None
    with pytest.raises(services.ReasonRequired):
        services.save_cell(teacher, row, "ck", "9", row.version)
    open_row = services.row_for(teacher, row.school_class, row.subject, 2, row.student)
    saved = services.save_cell(teacher, open_row, "gk", "7,5", open_row.version)
    assert saved.correction is None and saved.value == "7,5"


def results_digest() -> str:
    lines = [
        f"{code}|{year}|{cls}|{subject}|{term}|{tx}|{gk}|{ck}|{gkr}|{ckr}|{comment}"
        for code, year, cls, subject, term, tx, gk, ck, gkr, ckr, comment in
        TermResult.objects.order_by(
            "student__student_code", "school_class__school_year__name", "subject__code",
            "term").values_list(
            "student__student_code", "school_class__school_year__name", "school_class__name",
            "subject__code", "term", "tx", "gk", "ck", "gk_rating", "ck_rating", "comment")]
    lines += [
        "|".join(str(v) for v in values) for values in ClassTermRecord.objects.order_by(
            "student__student_code", "school_class__school_year__name", "term").values_list(
            "student__student_code", "school_class__school_year__name", "term", "conduct",
            "absences_excused", "absences_unexcused", "comment")]
    lines += [
        "|".join(str(v) for v in values) for values in SubjectRetest.objects.order_by(
            "student__student_code", "subject__code").values_list(
            "student__student_code", "subject__code", "score", "rating")]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@pytest.mark.django_db
def test_the_results_are_deterministic() -> None:
    point = transaction.savepoint()
    generator.seed(size="small")
    first = results_digest()
    transaction.savepoint_rollback(point)
    assert generator.is_empty()
    generator.seed(size="small")
    assert results_digest() == first
    assert first == SMALL_RESULTS_DIGEST
