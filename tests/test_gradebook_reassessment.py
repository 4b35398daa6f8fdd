"""After a TT 22 school year (issue 3): summer training (TT 22/2021 Điều 13) and the
re-evaluation of subjects (kiểm tra, đánh giá lại, Điều 14), then promotion again (Điều 12).

Who must do what is the engine's decision; the summer's results replace the year's for
promotion while the year-end values stay; the principal and học vụ enter re-evaluation
results (HCMC QĐ 1789 Điều 28), the GVCN the rèn luyện after summer; every write is audited
and a refused save writes nothing. ``year_results`` gives the record composer the same
values the class summary shows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from hocba.audit.models import AuditEvent
from hocba.domain.access import Role
from hocba.domain.assessment.common import CommentResult, Level
from hocba.domain.assessment.tt22 import (
    CommentSubject,
    CommentTerm,
    Conduct,
    ScoreSubject,
    ScoreTerm,
    StudentInput,
)
from hocba.domain.assessment.tt22_summer import Reevaluation, after_summer
from hocba.gradebook import summary
from hocba.gradebook.models import ClassTermRecord, SubjectRetest, SummerConduct, TermResult
from hocba.gradebook.reassessment_page import after_year_page
from hocba.gradebook.reassessment_services import (
    ReassessmentError,
    RetestEdit,
    SummerEdit,
    save_after_year,
)
from hocba.gradebook.year_results import SubjectTeacher
from hocba.roster.models import Enrolment, SchoolClass, Student
from tests.test_gradebook_summary import conduct, enrol, fill_sheets
from tests.world import PASSWORD

URL = "/so-diem/lop/{}/tong-hop/sau-he/"


# --- the rule itself, in the pure core --------------------------------------------------

def _score(code: str, value: str) -> ScoreSubject:
    v = Decimal(value)
    term = ScoreTerm((v,) * 4, v, v)
    return ScoreSubject(code, 140, term, term)


def _comment(code: str, year: CommentResult = CommentResult.D) -> CommentSubject:
    ok = CommentTerm((CommentResult.D,) * 2, CommentResult.D, CommentResult.D)
    last = CommentTerm((CommentResult.D,) * 2, CommentResult.D, year)
    return CommentSubject(code, 35, ok, last)


def _student(scores: dict[str, str], hk2: Level = Level.KHA,
             comments: tuple[CommentSubject, ...] = ()) -> StudentInput:
    subjects = tuple(_score(c, v) for c, v in scores.items()) + comments
    return StudentInput("HS1", 0, Conduct(Level.KHA, hk2), subjects)


SEVEN = {f"M{i}": "7" for i in range(6)}


def test_a_score_below_3_5_sends_every_subject_below_5_to_re_evaluation() -> None:
    # TT 22/2021 Điều 14: every score subject with ĐTBmcn < 5,0, not a chosen one.
    after = after_summer(_student({"TOAN": "3", "NGU_VAN": "4.9", **SEVEN}), None, {})
    plan = after.plan
    assert not plan.summer_training
    assert plan.reevaluation is Reevaluation.OPEN
    assert plan.subjects == ("TOAN", "NGU_VAN")
    assert plan.explanations[0].rule == "TT 22/2021 Điều 14"
    assert "TOAN 3" in plan.explanations[0].reason and "NGU_VAN 4,9" in plan.explanations[0].reason
    assert after.result is None
    assert after.awaiting == ("subjects.TOAN.retest", "subjects.NGU_VAN.retest")
    assert after.year_end.len_lop is False


def test_re_evaluation_results_replace_the_year_results_and_promotion_is_recomputed() -> None:
    after = after_summer(_student({"TOAN": "3", "NGU_VAN": "4.9", **SEVEN}), None,
                         {"TOAN": Decimal("6"), "NGU_VAN": Decimal("5.5")})
    result = after.result
    assert result is not None
    assert result.hoc_tap_year.level is Level.CHUA_DAT  # the year-end value stays
    assert result.hoc_tap_after_reevaluation is not None
    assert result.hoc_tap_after_reevaluation.level is Level.KHA  # Điều 9.2.b on 6; 5,5; 7…
    assert result.len_lop is True


def test_two_comment_subjects_chua_dat_are_re_evaluated_d_or_cd() -> None:
    # Điều 9.2.c allows one comment subject Chưa đạt; two make học tập Chưa đạt.
    student = _student(SEVEN, comments=(_comment("GDTC", CommentResult.CD),
                                        _comment("AM_NHAC", CommentResult.CD)))
    after = after_summer(student, None, {"GDTC": CommentResult.D})
    assert after.plan.subjects == ("GDTC", "AM_NHAC")
    assert after.awaiting == ("subjects.AM_NHAC.retest",)
    done = after_summer(student, None, {"GDTC": CommentResult.D, "AM_NHAC": CommentResult.CD})
    assert done.result is not None and done.result.len_lop is True  # one CĐ is still Đạt


def test_conduct_chua_dat_means_summer_training_then_re_evaluation() -> None:
    # Điều 13 khoản 1: rèn luyện cả năm Chưa đạt → summer training; DOMAIN-SECONDARY §6.4
    # [D]: re-evaluation only once the rèn luyện after the summer is at least Đạt.
    # Two subjects low: with one, Điều 9.3 would raise học tập to Đạt.
    student = _student({"TOAN": "3", "NGU_VAN": "4", **SEVEN}, hk2=Level.CHUA_DAT)
    waiting = after_summer(student, None, {})
    assert waiting.plan.summer_training
    assert waiting.plan.reevaluation is Reevaluation.AFTER_SUMMER
    assert waiting.awaiting == ("ren_luyen.summer", "subjects.TOAN.retest",
                                "subjects.NGU_VAN.retest")
    assert waiting.plan.explanations[0].rule == "TT 22/2021 Điều 13"
    retests = {"TOAN": Decimal("8"), "NGU_VAN": Decimal("6")}
    refused = after_summer(student, Level.CHUA_DAT, retests)
    assert refused.plan.reevaluation is Reevaluation.REFUSED
    assert refused.result is not None and refused.result.len_lop is False
    assert [e.field for e in refused.ignored] == ["subjects.TOAN.retest",
                                                  "subjects.NGU_VAN.retest"]
    passed = after_summer(student, Level.DAT, retests)
    assert passed.result is not None and passed.result.ren_luyen_after_summer is Level.DAT
    assert passed.result.len_lop is True


# --- the class, the gradebook and the pages ----------------------------------------------

def set_scores(world: Any, student: Student, code: str, score: str) -> None:
    """Both terms of ``code`` for ``student`` at ``score`` everywhere (so ĐTBmcn = score)."""
    value = Decimal(score)
    for row in TermResult.objects.filter(student=student, subject__code=code):
        row.tx = [score] * len(row.tx)
        row.gk = row.ck = value
        row.save()


def set_rating(student: Student, code: str, rating: str) -> None:
    TermResult.objects.filter(student=student, subject__code=code, term=2).update(
        ck_rating=rating)


@pytest.fixture
def summer_class(world: Any) -> Any:
    """6A at the end of the year:

    - Ánh: 8,5 everywhere, Tốt → promoted, nothing in the summer;
    - Lý: Toán 3,0 and Ngữ văn 4,5, the rest 7,0, rèn luyện Khá → học tập Chưa đạt,
      re-evaluated in Toán and Ngữ văn (Điều 14);
    - Minh: 7,0 everywhere but rèn luyện HK2 Chưa đạt → summer training (Điều 13);
    - Nga: Toán 3,0, Tin học 4,0 and rèn luyện Chưa đạt → summer training, then
      re-evaluation (two subjects: with one, Điều 9.3 raises học tập to Đạt)."""
    w = world
    fill_sheets(w, w.student, "8.5")
    conduct(w, w.student, "TOT", "TOT")
    w.ly = enrol(w, "HS9101", "Trần Thị Lý")
    fill_sheets(w, w.ly, "7")
    set_scores(w, w.ly, "TOAN", "3")
    set_scores(w, w.ly, "NGU_VAN", "4.5")
    conduct(w, w.ly, "KHA", "KHA", (1, 2))
    w.minh = enrol(w, "HS9102", "Lê Văn Minh")
    fill_sheets(w, w.minh, "7")
    conduct(w, w.minh, "DAT", "CHUA_DAT")
    w.nga = enrol(w, "HS9103", "Phạm Thị Nga")
    fill_sheets(w, w.nga, "7")
    set_scores(w, w.nga, "TOAN", "3")
    set_scores(w, w.nga, "TIN_HOC", "4")
    conduct(w, w.nga, "KHA", "CHUA_DAT")
    return w


def principal(w: Any) -> Any:
    return w.users[Role.PRINCIPAL]


def row_of(w: Any, student: Student, user: Any = None) -> summary.SummaryRow:
    row = summary.class_summary(user or principal(w), w.class_6a).row_of(student.pk)
    assert row is not None
    return row


def test_the_summary_names_who_trains_in_summer_and_who_is_re_evaluated_in_what(
        summer_class: Any) -> None:
    w = summer_class
    data = summary.class_summary(w.users[Role.GVCN], w.class_6a)
    assert [r.student for r in data.summer_training] == [w.minh, w.nga]
    assert [(r.student, r.summer_subjects) for r in data.reevaluated] == [
        (w.ly, ["Ngữ văn", "Toán"]), (w.nga, ["Toán", "Tin học"])]
    assert row_of(w, w.nga).waits_for_summer
    ly = row_of(w, w.ly)
    assert ly.promoted is False and ly.final_promoted is None  # waits for the re-tests
    assert "(TT 22/2021 Điều 14)" in ly.after_note
    assert "dưới 5,0 hoặc Chưa đạt (Ngữ văn 4,5; Toán 3,0)" in ly.after_note
    assert ly.after_len_lop.reason == "chờ kết quả sau hè"
    assert [r.student for r in data.promoted] == [w.student]  # only Ánh is decided
    assert [r.student for r in data.awaiting_summer] == [w.ly, w.minh, w.nga]
    anh = row_of(w, w.student)
    assert anh.after_len_lop == summary.NOT_NEEDED and anh.final_promoted is True


def test_re_evaluation_scores_replace_the_year_results_and_promotion_changes(
        summer_class: Any) -> None:
    w = summer_class
    saved = save_after_year(principal(w), w.class_6a, [], [
        RetestEdit(w.ly, "TOAN", "6", 0), RetestEdit(w.ly, "NGU_VAN", "5,5", 0)])
    assert saved == 2
    retest = SubjectRetest.objects.get(student=w.ly, subject__code="TOAN")
    assert (retest.score, retest.rating, retest.version, retest.updated_by) == (
        Decimal("6.0"), "", 1, principal(w))
    ly = row_of(w, w.ly)
    assert ly.hoc_tap["year"].value == "Chưa đạt"  # the year-end value is kept
    assert ly.len_lop.value == "Không được lên lớp"
    assert ly.after_hoc_tap.value == "Khá"
    assert ly.after_hoc_tap.rule == "TT 22/2021 Điều 14; TT 22/2021 Điều 9.2.b"
    assert ly.after_len_lop.value == "Được lên lớp"
    assert ly.after_len_lop.rule == "TT 22/2021 Điều 12"
    assert ly.final_promoted is True
    assert ly.award.value == "Không"  # Điều 15.1 [B]: awards stay on the year-end results


def test_a_second_low_re_test_keeps_the_student_back(summer_class: Any) -> None:
    w = summer_class
    save_after_year(principal(w), w.class_6a, [], [
        RetestEdit(w.ly, "TOAN", "3,4", 0), RetestEdit(w.ly, "NGU_VAN", "4", 0)])
    ly = row_of(w, w.ly)
    assert ly.after_hoc_tap.value == "Chưa đạt"  # Điều 9.2.d: a subject below 3,5
    assert ly.after_len_lop.value == "Không được lên lớp"
    data = summary.class_summary(principal(w), w.class_6a)
    assert w.ly in [r.student for r in data.not_promoted]


def test_the_homeroom_teacher_enters_the_summer_conduct_and_promotion_follows(
        summer_class: Any) -> None:
    # TT 22/2021 Điều 13 khoản 3: the GVCN assesses rèn luyện at the end of the summer.
    w = summer_class
    gvcn = w.users[Role.GVCN]
    assert save_after_year(gvcn, w.class_6a, [SummerEdit(w.minh, "Đạt", 0)], []) == 1
    minh = row_of(w, w.minh)
    assert minh.ren_luyen_year.value == "Chưa đạt"
    assert minh.after_ren_luyen.value == "Đạt"
    assert minh.after_ren_luyen.rule == "TT 22/2021 Điều 13"
    assert minh.after_len_lop.value == "Được lên lớp" and minh.final_promoted is True
    event = AuditEvent.objects.get(action="nhap_ren_luyen_he")
    assert event.kind == AuditEvent.Kind.WRITE and event.role == "Giáo viên chủ nhiệm"
    assert event.detail == {"hoc_sinh": "HS9102", "lop": "6A", "cu": "", "moi": "DAT",
                            "phien_ban": 1, "can_cu": "TT 22/2021 Điều 13"}
    assert (event.school_id, event.province_id) == (w.school.pk, w.province.pk)


def test_re_evaluation_waits_for_the_summer_conduct_and_is_refused_after_a_failed_one(
        summer_class: Any) -> None:
    w = summer_class
    with pytest.raises(ReassessmentError) as early:
        save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.nga, "TOAN", "7", 0)])
    assert "cần nhập rèn luyện sau hè trước" in early.value.problems[0]
    # Summer Đạt and the re-test in one save: the summer value opens the re-evaluation.
    save_after_year(principal(w), w.class_6a, [SummerEdit(w.nga, "DAT", 0)],
                    [RetestEdit(w.nga, "TOAN", "7", 0), RetestEdit(w.nga, "TIN_HOC", "7", 0)])
    nga = row_of(w, w.nga)
    assert (nga.after_ren_luyen.value, nga.after_hoc_tap.value, nga.after_len_lop.value) == (
        "Đạt", "Khá", "Được lên lớp")
    # The GVCN changes the summer result to Chưa đạt: the re-test no longer applies.
    save_after_year(w.users[Role.GVCN], w.class_6a, [SummerEdit(w.nga, "CHUA_DAT", 1)], [])
    nga = row_of(w, w.nga)
    assert nga.after_len_lop.value == "Không được lên lớp"
    assert nga.after_hoc_tap.rule == "TT 22/2021 Điều 14"
    assert nga.after is not None
    assert [e.field for e in nga.after.ignored] == ["subjects.TOAN.retest",
                                                    "subjects.TIN_HOC.retest"]
    with pytest.raises(ReassessmentError) as refused:
        save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.nga, "TOAN", "8", 1)])
    assert "rèn luyện sau hè vẫn Chưa đạt" in refused.value.problems[0]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda w: RetestEdit(w.ly, "TOAN", "11", 0),
     "Trần Thị Lý, kiểm tra lại môn Toán: Điểm phải từ 0 đến 10 (TT 22/2021 Điều 5.3.b)."),
    (lambda w: RetestEdit(w.ly, "TOAN", "6,25", 0),
     "Trần Thị Lý, kiểm tra lại môn Toán: Điểm chỉ có tối đa một chữ số thập phân"),
    (lambda w: RetestEdit(w.ly, "GDTC", "Đ", 0),
     "Trần Thị Lý, kiểm tra lại môn Giáo dục thể chất: môn này không thuộc diện kiểm tra"),
    (lambda w: RetestEdit(w.student, "TOAN", "9", 0),
     "Nguyễn Thị Ngọc Ánh, kiểm tra lại môn Toán: môn này không thuộc diện kiểm tra, đánh "
     "giá lại; chỉ các môn có ĐTBmcn dưới 5,0"),
    (lambda w: SummerEdit(w.ly, "Tốt", 0),
     "Trần Thị Lý, rèn luyện sau hè: rèn luyện cả năm là Khá, không thuộc diện rèn luyện "
     "trong kì nghỉ hè (TT 22/2021 Điều 13 khoản 1"),
    (lambda w: SummerEdit(w.minh, "Giỏi", 0),
     "Lê Văn Minh, rèn luyện sau hè: “Giỏi” không phải là mức rèn luyện"),
])
def test_impossible_or_unneeded_values_are_refused_and_nothing_is_written(
        summer_class: Any, edit: Any, message: str) -> None:
    w = summer_class
    bad = edit(w)
    good = RetestEdit(w.ly, "NGU_VAN", "6", 0)  # valid, but in the same refused save
    summer = [bad] if isinstance(bad, SummerEdit) else []
    retests = [good] + ([bad] if isinstance(bad, RetestEdit) else [])
    with pytest.raises(ReassessmentError) as refused:
        save_after_year(principal(w), w.class_6a, summer, retests)
    assert any(p.startswith(message) for p in refused.value.problems), refused.value.problems
    assert not SubjectRetest.objects.exists() and not SummerConduct.objects.exists()
    assert not AuditEvent.objects.filter(action__in=["nhap_kiem_tra_lai",
                                                     "nhap_ren_luyen_he"]).exists()


def test_a_comment_subject_is_re_evaluated_d_or_cd(summer_class: Any) -> None:
    w = summer_class
    set_rating(w.minh, "GDTC", "CD")
    set_rating(w.minh, "AM_NHAC", "CD")
    save_after_year(w.users[Role.GVCN], w.class_6a, [SummerEdit(w.minh, "DAT", 0)], [])
    with pytest.raises(ReassessmentError) as refused:
        save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.minh, "GDTC", "7", 0)])
    assert "chỉ nhận Đ (Đạt) hoặc CĐ (Chưa đạt)" in refused.value.problems[0]
    save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.minh, "GDTC", "đ", 0),
                                                   RetestEdit(w.minh, "AM_NHAC", "Đ", 0)])
    assert set(SubjectRetest.objects.values_list("rating", flat=True)) == {"D"}
    assert row_of(w, w.minh).after_len_lop.value == "Được lên lớp"


def test_only_the_principal_and_hoc_vu_enter_re_evaluation_results(
        summer_class: Any) -> None:
    # HCMC QĐ 1789 Điều 28: the leadership approves re-tests and summer training.
    w = summer_class
    retest = [RetestEdit(w.ly, "TOAN", "6", 0)]
    for role in (Role.GVCN, Role.GVBM, Role.VICE_PRINCIPAL, Role.SCHOOL_ADMIN):
        with pytest.raises(PermissionDenied):
            save_after_year(w.users[role], w.class_6a, [], retest)
    with pytest.raises(PermissionDenied):  # the subject teacher: not the summer rèn luyện
        save_after_year(w.users[Role.GVBM], w.class_6a, [SummerEdit(w.minh, "DAT", 0)], [])
    assert not SubjectRetest.objects.exists() and not SummerConduct.objects.exists()
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.DENIED).count() == 5
    save_after_year(w.users[Role.HOC_VU], w.class_6a, [], retest)
    event = AuditEvent.objects.get(action="nhap_kiem_tra_lai")
    assert event.role == "Học vụ"
    assert event.detail == {"hoc_sinh": "HS9101", "lop": "6A", "mon": "TOAN", "cu": "",
                            "moi": "6", "phien_ban": 1, "can_cu": "TT 22/2021 Điều 14"}


def test_last_years_class_is_out_of_the_principals_scope(summer_class: Any) -> None:
    w = summer_class
    Enrolment.objects.create(student=w.ly, school_class=w.class_6a_last_year,
                             start_date=w.last_year.start, reason=Enrolment.Reason.ADMITTED)
    with pytest.raises(PermissionDenied):
        save_after_year(principal(w), w.class_6a_last_year, [],
                        [RetestEdit(w.ly, "TOAN", "6", 0)])


def test_a_stale_version_is_refused_naming_who_changed_it_and_nothing_is_written(
        summer_class: Any) -> None:
    w = summer_class
    save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.ly, "TOAN", "6", 0)])
    with pytest.raises(ReassessmentError) as refused:
        # Another window, loaded before that save: Ngữ văn is new, Toán is stale.
        save_after_year(w.users[Role.HOC_VU], w.class_6a, [], [
            RetestEdit(w.ly, "NGU_VAN", "6", 0), RetestEdit(w.ly, "TOAN", "7", 0)])
    assert refused.value.conflict
    [problem] = refused.value.problems
    assert problem.startswith("Trần Thị Lý, kiểm tra lại môn Toán: vừa được Hiệu trưởng sửa")
    assert SubjectRetest.objects.get(subject__code="TOAN").score == Decimal("6")
    assert not SubjectRetest.objects.filter(subject__code="NGU_VAN").exists()


def test_clearing_a_value_keeps_the_row_with_a_new_version(summer_class: Any) -> None:
    w = summer_class
    save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.ly, "TOAN", "6", 0)])
    save_after_year(principal(w), w.class_6a, [], [RetestEdit(w.ly, "TOAN", "", 1)])
    row = SubjectRetest.objects.get()
    assert (row.score, row.rating, row.version) == (None, "", 2)
    assert AuditEvent.objects.filter(action="nhap_kiem_tra_lai").count() == 2
    assert row_of(w, w.ly).after_hoc_tap.reason == "chờ kết quả sau hè"


def test_nothing_after_the_year_is_shown_before_the_year_results_are_complete(
        summer_class: Any) -> None:
    w = summer_class
    ClassTermRecord.objects.filter(student=w.minh, term=2).update(conduct="")
    minh = row_of(w, w.minh)
    assert minh.after is None and minh.final_promoted is None
    assert (minh.after_hoc_tap, minh.after_ren_luyen, minh.after_len_lop) == (
        summary.NOT_YET,) * 3
    with pytest.raises(ReassessmentError) as refused:
        save_after_year(principal(w), w.class_6a, [SummerEdit(w.minh, "DAT", 0)], [])
    assert refused.value.problems == [
        "Lê Văn Minh: chưa có kết quả cả năm nên chưa xét rèn luyện hè, kiểm tra lại "
        "(Rèn luyện HK2: chưa nhập)."]


def test_a_summer_value_that_no_longer_applies_is_ignored_and_can_be_cleared(
        summer_class: Any) -> None:
    w = summer_class
    gvcn = w.users[Role.GVCN]
    save_after_year(gvcn, w.class_6a, [SummerEdit(w.minh, "KHA", 0)], [])
    # The year rèn luyện is corrected to Đạt: there is no summer training any more.
    ClassTermRecord.objects.filter(student=w.minh, term=2).update(conduct="DAT")
    minh = row_of(w, w.minh)
    assert minh.after is not None and not minh.after.plan.needed
    assert minh.after_ren_luyen == summary.NOT_NEEDED and minh.final_promoted is True
    [note] = minh.after.ignored
    assert note.rule == "TT 22/2021 Điều 13"
    assert note.reason.startswith("Bỏ qua rèn luyện sau hè (Khá): rèn luyện cả năm là Đạt")
    [row] = [r for r in after_year_page(gvcn, w.class_6a).rows if r.student == w.minh]
    assert (row.summer_name, row.summer_value) == (f"rlh-{w.minh.pk}", "KHA")
    save_after_year(gvcn, w.class_6a, [SummerEdit(w.minh, "", 1)], [])
    assert SummerConduct.objects.get(student=w.minh).level == ""


# --- what the record composer reads ------------------------------------------------------

def test_year_results_give_the_composer_the_summary_values(summer_class: Any) -> None:
    w = summer_class
    w.teacher_gvbm.personal_id = "001085012345"
    w.teacher_gvbm.save()
    ClassTermRecord.objects.filter(student=w.ly, term=2).update(comment="Cần cố gắng hơn")
    save_after_year(principal(w), w.class_6a, [], [
        RetestEdit(w.ly, "TOAN", "6", 0), RetestEdit(w.ly, "NGU_VAN", "5,5", 0)])
    results = {r.student.student_code: r for r in summary.year_results(w.class_6a)}
    assert list(results) == ["HS0001", "HS9101", "HS9102", "HS9103"]  # class-list order
    ly = results["HS9101"]
    math = next(s for s in ly.subjects if s.code == "TOAN")
    assert (math.name, math.assessment, math.hk1, math.hk2, math.year, math.reevaluated,
            math.final) == ("Toán", "score", Decimal("3.0"), Decimal("3.0"), Decimal("3.0"),
                            Decimal("6"), Decimal("6"))
    assert math.teacher == SubjectTeacher("Hoàng Văn Nam", "001085012345")
    pe = next(s for s in ly.subjects if s.code == "GDTC")
    assert (pe.assessment, pe.hk1, pe.year, pe.reevaluated, pe.teacher) == (
        "comment", "D", "D", None, None)
    assert (ly.hoc_tap_year, ly.hoc_tap_after, ly.ren_luyen_year, ly.ren_luyen_after) == (
        "CHUA_DAT", "KHA", "KHA", None)
    assert (ly.promoted_at_year_end, ly.promoted, ly.completed_programme) == (
        False, True, None)
    assert (ly.absences_excused, ly.absences_unexcused) == (3, 0)
    assert ly.homeroom_comment == "Cần cố gắng hơn"
    assert ly.reevaluated_subjects == ("NGU_VAN", "TOAN") and not ly.summer_training
    assert "Giáo dục thể chất: chưa phân công giáo viên bộ môn" in ly.missing
    assert not any("kiểm tra" in m for m in ly.missing)
    nga = results["HS9103"]
    assert nga.promoted is None and nga.summer_training
    assert "Rèn luyện sau hè: chưa nhập (TT 22/2021 Điều 13)" in nga.missing
    assert "Toán: chưa có kết quả kiểm tra, đánh giá lại (TT 22/2021 Điều 14)" in nga.missing
    anh = results["HS0001"]
    assert (anh.award, anh.promoted, anh.hoc_tap_year) == ("HS_GIOI", True, "TOT")
    assert "Nhận xét cả năm của GVCN (học kì II): chưa có" in anh.missing


def test_in_grade_9_the_decision_is_the_completion_of_thcs(world: Any) -> None:
    # DOMAIN-SECONDARY §6.4 [D]: the Điều 12 test also decides "completed THCS" in grade 9.
    nine = SchoolClass.objects.create(school=world.school, school_year=world.year, grade=9,
                                      name="9A")
    Enrolment.objects.filter(student=world.student).update(school_class=nine)
    world.class_6a = nine  # the helpers fill the sheets of ``world.class_6a``
    fill_sheets(world, world.student, "8")
    conduct(world, world.student, "TOT", "KHA")
    [result] = summary.year_results(nine)
    assert (result.promoted, result.completed_programme) == (True, True)


# --- the pages ---------------------------------------------------------------------------

def test_the_principal_enters_a_re_test_on_the_page(client: Any, summer_class: Any) -> None:
    w = summer_class
    url = URL.format(w.class_6a.pk)
    client.login(username="hieutruong", password=PASSWORD)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    rows = page.context["page"].rows
    assert [r.student for r in rows] == [w.ly, w.minh, w.nga]  # Ánh has nothing to do
    assert 'aria-label="Kiểm tra lại Toán — Trần Thị Lý"' in html
    assert "<script" not in html and "style=" not in html.split("<main", 1)[-1]
    sid = w.ly.pk
    form = {f"o-{sid}": rows[0].originals_json, f"kt-{sid}-TOAN": "6",
            f"kt-{sid}-NGU_VAN": "5,5"}
    done = client.post(url, form, follow=True)
    assert done.redirect_chain[-1][0] == url
    text = done.content.decode()
    assert "Đã lưu 2 kết quả." in text
    assert '<summary data-testid="sau-he-len-lop-HS9101">Được lên lớp</summary>' in text
    again = client.post(url, {**form, f"kt-{sid}-TOAN": "7"})  # the page as first loaded
    assert again.status_code == 409
    assert "vừa được Hiệu trưởng sửa" in again.content.decode()
    assert 'value="7"' in again.content.decode()  # the typed value is kept
    bad = client.post(url, {f"o-{sid}": client.get(url).context["page"].rows[0].originals_json,
                            f"kt-{sid}-TOAN": "12"})
    assert bad.status_code == 400
    assert "Trần Thị Lý, kiểm tra lại môn Toán: Điểm phải từ 0 đến 10" in bad.content.decode()


def test_the_homeroom_teacher_sees_re_tests_read_only_and_others_are_refused(
        client: Any, summer_class: Any) -> None:
    w = summer_class
    url = URL.format(w.class_6a.pk)
    client.login(username="gvcn", password=PASSWORD)
    html = client.get(url).content.decode()
    assert 'aria-label="Kiểm tra lại Toán — Trần Thị Lý" readonly' in html
    assert 'aria-label="Rèn luyện sau hè — Lê Văn Minh">' in html  # editable
    sid = w.ly.pk
    page = client.get(url).context["page"]
    refused = client.post(url, {f"o-{sid}": page.rows[0].originals_json,
                                f"kt-{sid}-TOAN": "6"})
    assert refused.status_code == 403
    client.login(username="gvbm", password=PASSWORD)
    assert client.get(url).status_code == 403
    client.login(username="phohieutruong", password=PASSWORD)
    assert client.get(url).status_code == 200
    assert client.post(url, {f"kt-{sid}-TOAN": "6"}).status_code == 403
    assert not SubjectRetest.objects.exists()


def test_the_class_summary_shows_the_after_summer_columns_and_lists(
        client: Any, summer_class: Any) -> None:
    w = summer_class
    save_after_year(principal(w), w.class_6a, [], [
        RetestEdit(w.ly, "TOAN", "6", 0), RetestEdit(w.ly, "NGU_VAN", "5,5", 0)])
    client.login(username="gvcn", password=PASSWORD)
    html = client.get(f"/so-diem/lop/{w.class_6a.pk}/tong-hop/").content.decode()
    assert f'href="{URL.format(w.class_6a.pk)}"' in html
    assert '<summary data-testid="sau-he-hoc-tap-HS9101">Khá</summary>' in html
    assert '<span class="muted" data-testid="sau-he-len-lop-HS0001">—</span>' in html
    assert 'data-testid="kiem-tra-lai-HS9103"' in html
    assert "Trần Thị Lý <span class=\"muted\">HS9101</span> — sau rèn luyện hè, kiểm tra lại" \
        in html
