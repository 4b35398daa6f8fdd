"""TT 27/2020 (primary): each test names the article it checks. Pure: no database."""

from __future__ import annotations

import pytest

from hocba.domain.assessment.common import (
    AssessmentError,
    Award,
    Rating,
    SubjectLevel,
    YearEvaluation,
)
from hocba.domain.assessment.tt27 import (
    COMPETENCES,
    QUALITIES,
    PrimaryStudent,
    PrimarySubject,
    PrincipalDecision,
    Supplementary,
    evaluate_student,
    takes_test,
)

T, H, C = SubjectLevel.T, SubjectLevel.H, SubjectLevel.C


def ratings(names: tuple[str, ...], value: Rating = Rating.T, **changed: Rating
            ) -> tuple[tuple[str, Rating], ...]:
    return tuple((name, changed.get(name, value)) for name in names)


def pupil(*subjects: PrimarySubject, grade: int = 4, qualities: dict[str, Rating] | None = None,
          competences: dict[str, Rating] | None = None, **kw: object) -> PrimaryStudent:
    return PrimaryStudent(
        "A", grade, subjects or (PrimarySubject("TIENG_VIET", T, 10),
                                 PrimarySubject("TOAN", T, 10)),
        ratings(QUALITIES, **(qualities or {})),
        ratings(tuple(c for c in COMPETENCES if c not in ("cong_nghe", "tin_hoc")),
                **(competences or {})),
        **kw)  # type: ignore[arg-type]


def evaluation(*subjects: PrimarySubject, **kw: object) -> YearEvaluation:
    return evaluate_student(pupil(*subjects, **kw)).evaluation  # type: ignore[arg-type]


def tv(level: SubjectLevel, test: int) -> PrimarySubject:
    return PrimarySubject("TIENG_VIET", level, test)


DD = PrimarySubject("DAO_DUC", T)


# --- Điều 9.2: the year evaluation at every threshold -------------------------------------

def test_dieu_9_2_a_htxs_needs_every_test_at_least_9() -> None:
    assert evaluation(tv(T, 9), DD) is YearEvaluation.HTXS
    assert evaluation(tv(T, 8), DD) is YearEvaluation.HTT


def test_dieu_9_2_b_htt_needs_every_test_at_least_7() -> None:
    assert evaluation(tv(T, 7), DD) is YearEvaluation.HTT
    assert evaluation(tv(T, 6), DD) is YearEvaluation.HT


def test_dieu_9_2_c_ht_needs_every_test_at_least_5() -> None:
    assert evaluation(tv(H, 5), DD) is YearEvaluation.HT
    assert evaluation(tv(T, 4), DD) is YearEvaluation.CHT


def test_dieu_9_2_a_b_every_subject_must_be_hoan_thanh_tot_for_htxs_and_htt() -> None:
    assert evaluation(tv(T, 10), PrimarySubject("DAO_DUC", H)) is YearEvaluation.HT


def test_dieu_9_2_d_a_subject_chua_hoan_thanh_gives_cht() -> None:
    assert evaluation(tv(T, 10), PrimarySubject("DAO_DUC", C)) is YearEvaluation.CHT


def test_dieu_9_2_every_quality_and_competence_counts() -> None:
    assert evaluation(tv(T, 10), DD, qualities={"cham_chi": Rating.D}) is YearEvaluation.HT
    assert evaluation(tv(T, 10), DD, competences={"the_chat": Rating.D}) is YearEvaluation.HT
    assert evaluation(tv(T, 10), DD, qualities={"trung_thuc": Rating.C}) is (
        YearEvaluation.CHT)


def test_dieu_9_2_the_issue_example_is_ht_completed_without_award() -> None:
    result = evaluate_student(pupil(tv(T, 9), PrimarySubject("DAO_DUC", H),
                                    qualities={"cham_chi": Rating.D}))
    assert (result.evaluation, result.award, result.completed_grade) == (
        YearEvaluation.HT, None, True)
    why = result.explanations[0]
    assert why.rule == "TT 27/2020 Điều 9.2.c"
    assert "DAO_DUC" in why.reason and "cham_chi" in why.reason


# --- Điều 7.1: periodic tests per grade ------------------------------------------------------

@pytest.mark.parametrize(("code", "grades"), [
    ("TIENG_VIET", {1, 2, 3, 4, 5}), ("TOAN", {1, 2, 3, 4, 5}), ("NGOAI_NGU_1", {3, 4, 5}),
    ("LICH_SU_DIA_LY", {4, 5}), ("KHOA_HOC", {4, 5}), ("TIN_HOC", {3, 4, 5}),
    ("CONG_NGHE", {3, 4, 5}), ("DAO_DUC", set()), ("TU_NHIEN_XA_HOI", set())])
def test_dieu_7_1_b_d_tested_subjects_per_grade(code: str, grades: set[int]) -> None:
    assert {g for g in range(1, 6) if takes_test(code, g)} == grades


def test_dieu_7_1_a_missing_test_score_of_a_tested_subject_is_refused() -> None:
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(pupil(tv(T, 9), PrimarySubject("KHOA_HOC", T)))
    assert caught.value.path == "subjects[1].test" and "lớp 4" in caught.value.message


def test_dieu_7_1_a_test_score_on_an_untested_subject_is_refused() -> None:
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(pupil(tv(T, 9), PrimarySubject("DAO_DUC", T, 9)))
    assert caught.value.path == "subjects[1].test"


def test_dieu_7_1_ngoai_ngu_1_has_no_test_in_grades_1_and_2() -> None:
    nn1 = PrimarySubject("NGOAI_NGU_1", T)
    assert evaluation(tv(T, 10), nn1, grade=2) is YearEvaluation.HTXS
    with pytest.raises(AssessmentError, match="thiếu điểm"):
        evaluate_student(pupil(tv(T, 10), nn1, grade=3))


def test_dieu_7_2_a_missing_quality_is_refused_but_cong_nghe_tin_hoc_are_optional() -> None:
    student = PrimaryStudent("A", 4, (tv(T, 9),), ratings(QUALITIES[1:]),
                             ratings(COMPETENCES))
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(student)
    assert caught.value.path == "qualities.yeu_nuoc"
    assert evaluation(tv(T, 9)) is YearEvaluation.HTXS  # without cong_nghe and tin_hoc


def test_grade_outside_primary_is_refused() -> None:
    with pytest.raises(AssessmentError, match="không thuộc tiểu học"):
        evaluate_student(pupil(grade=6))


# --- Điều 13: awards -----------------------------------------------------------------------

def test_dieu_13_hoc_sinh_xuat_sac_for_htxs() -> None:
    assert evaluate_student(pupil(tv(T, 9), DD)).award is Award.HS_XUAT_SAC


def test_dieu_13_tieu_bieu_only_with_the_class_recognition_flag() -> None:
    assert evaluate_student(pupil(tv(T, 8), DD)).award is None
    recognised = evaluate_student(pupil(tv(T, 8), DD, recognised_outstanding=True))
    assert recognised.award is Award.HS_TIEU_BIEU
    assert evaluate_student(pupil(tv(H, 8), DD, recognised_outstanding=True)).award is None


# --- Điều 11 [B]: completing the grade, supplementary evaluation, principal's decision ------

@pytest.mark.parametrize(("test", "completed"), [(9, True), (7, True), (5, True), (4, False)])
def test_dieu_11_htxs_htt_ht_complete_the_grade(test: int, completed: bool) -> None:
    result = evaluate_student(pupil(tv(T, test), DD))
    assert result.completed_grade is completed
    assert result.len_lop is (True if completed else None)


def test_dieu_11_grade_5_completion_writes_hoan_thanh_chuong_trinh_tieu_hoc() -> None:
    result = evaluate_student(pupil(tv(T, 8), DD, grade=5))
    assert result.hoc_ba_note == "Hoàn thành chương trình tiểu học"
    assert "Hoàn thành chương trình tiểu học" in result.explanations[-1].reason
    assert evaluate_student(pupil(tv(T, 8), DD, grade=2)).hoc_ba_note == (
        "Hoàn thành chương trình lớp 2; Được lên lớp 3")


def test_dieu_11_supplementary_evaluation_replaces_results_and_completes_the_grade() -> None:
    supplementary = Supplementary(subjects=(tv(H, 6),))
    result = evaluate_student(pupil(tv(T, 4), DD, supplementary=supplementary))
    assert result.evaluation is YearEvaluation.CHT
    assert result.evaluation_after_supplementary is YearEvaluation.HT
    assert result.completed_grade is True and result.len_lop is True
    assert result.award is None  # awards come from the end-of-year evaluation


def test_dieu_11_supplementary_ratings_replace_only_the_given_items() -> None:
    supplementary = Supplementary(qualities=(("trung_thuc", Rating.D),))
    result = evaluate_student(pupil(tv(T, 9), DD, qualities={"trung_thuc": Rating.C},
                                    supplementary=supplementary))
    assert result.evaluation_after_supplementary is YearEvaluation.HT


def test_dieu_11_supplementary_evaluation_only_after_chua_hoan_thanh() -> None:
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(pupil(tv(T, 9), DD, supplementary=Supplementary(subjects=(tv(T, 9),))))
    assert caught.value.path == "supplementary"


def test_dieu_11_supplementary_subject_must_be_one_of_the_pupils() -> None:
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(pupil(tv(T, 4), DD, supplementary=Supplementary(
            subjects=(PrimarySubject("TOAN", T, 8),))))
    assert caught.value.path == "supplementary.subjects[0].code"


def test_dieu_11_still_not_complete_the_principal_decides() -> None:
    failed = Supplementary(subjects=(tv(H, 4),))
    pending = evaluate_student(pupil(tv(T, 4), DD, supplementary=failed))
    assert (pending.completed_grade, pending.len_lop) == (False, None)
    kept = evaluate_student(pupil(tv(T, 4), DD, supplementary=failed,
                                  principal_decision=PrincipalDecision.O_LAI_LOP))
    assert kept.len_lop is False and kept.hoc_ba_note.endswith("Ở lại lớp 4")
    moved = evaluate_student(pupil(tv(T, 4), DD, supplementary=failed,
                                   principal_decision=PrincipalDecision.LEN_LOP))
    assert moved.len_lop is True and moved.completed_grade is False
