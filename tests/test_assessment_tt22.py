"""TT 22/2021 (THCS, THPT): each test names the article it checks. Pure: no database."""

from __future__ import annotations

import itertools
import math
from decimal import Decimal

import pytest

from hocba.domain.assessment.common import (
    AssessmentError,
    Award,
    CommentResult,
    Level,
    round_half_up,
)
from hocba.domain.assessment.tt22 import (
    TT22_RULES,
    Assessment,
    CommentSubject,
    CommentTerm,
    Conduct,
    ScoreSubject,
    ScoreTerm,
    StudentInput,
    academic_level,
    conduct_year,
    evaluate_student,
    term_average,
    year_average,
)

D = Decimal
T, K, DAT, CD = Level.TOT, Level.KHA, Level.DAT, Level.CHUA_DAT


def term(tx: list[str], gk: str, ck: str) -> ScoreTerm:
    return ScoreTerm(tuple(D(x) for x in tx), D(gk), D(ck))


def flat(value: str, periods: int = 35) -> ScoreTerm:
    """A term whose every score is ``value``: its ĐTBmhk is exactly ``value``."""
    return ScoreTerm((D(value),) * TT22_RULES.regular_count(Assessment.SCORE, periods),
                     D(value), D(value))


def subject(code: str, hk1: str, hk2: str | None = None, *, retest: str | None = None
            ) -> ScoreSubject:
    return ScoreSubject(code, 35, flat(hk1), flat(hk2 or hk1),
                        None if retest is None else D(retest))


def comment(code: str, ok1: bool = True, ok2: bool = True,
            retest: CommentResult | None = None) -> CommentSubject:
    def t(ok: bool) -> CommentTerm:
        return CommentTerm((CommentResult.D, CommentResult.D), CommentResult.D,
                           CommentResult.D if ok else CommentResult.CD)
    return CommentSubject(code, 70, t(ok1), t(ok2), retest)


def student(*subjects: ScoreSubject | CommentSubject, conduct: tuple[Level, Level] = (T, T),
            summer: Level | None = None, absences: int = 0) -> StudentInput:
    return StudentInput("HS", absences, Conduct(conduct[0], conduct[1], summer), subjects)


def level(*scores: str, comments: tuple[CommentResult, ...] = ()) -> Level:
    return academic_level([(f"M{i}", D(s)) for i, s in enumerate(scores)],
                          [(f"N{i}", c) for i, c in enumerate(comments)], "x").level


# --- Điều 9.1.b: averages ----------------------------------------------------------------

def test_dieu_9_1_b_the_issue_example_term_average_is_7_9() -> None:
    """(8 + 7,5 + 9 + 8 + 2×7,5 + 3×8) / (4 + 5) = 71,5 / 9 = 7,94… → 7,9."""
    assert term_average(term(["8", "7.5", "9", "8"], "7.5", "8")) == D("7.9")


def test_dieu_9_1_b_the_issue_example_year_average_is_8_2() -> None:
    """ĐTBmcn = (7,9 + 2 × 8,3) / 3 = 8,166… → 8,2."""
    assert year_average(D("7.9"), D("8.3")) == D("8.2")


def test_dieu_9_1_b_regular_scores_are_summed_not_averaged() -> None:
    """(40 + 2×8 + 3×7) / 9 = 8,55… → 8,6; the wrong (mean(TX) + 2·GK + 3·CK) / 6 of a
    public codebase (DOMAIN.md §2.2) would give 47 / 6 = 7,83… → 7,8."""
    t = term(["10", "10", "10", "10"], "8", "7")
    assert term_average(t) == D("8.6")
    wrong = round_half_up((D(10) + 2 * D(8) + 3 * D(7)) / 6)
    assert wrong == D("7.8")


def test_dieu_9_1_b_term_average_exactly_7_25_rounds_half_up_to_7_3() -> None:
    """(7 + 7 + 7,5 + 2×7 + 3×7,5) / 8 = 58 / 8 = 7,25 → 7,3 (half up, not to even)."""
    assert term_average(term(["7", "7", "7.5"], "7", "7.5")) == D("7.3")


def test_dieu_9_1_b_just_below_half_rounds_down() -> None:
    assert round_half_up(D("7.2499")) == D("7.2")
    assert round_half_up(D("7.25")) == D("7.3")
    assert round_half_up(D("8.05")) == D("8.1")
    assert round_half_up(D("6.449999")) == D("6.4")


def test_dieu_9_1_b_float_arithmetic_gets_cases_wrong_decimal_does_not() -> None:
    """Python's round() on a float rounds 7,25 to 7,2; and float half-up on the float sum
    turns an exact 4,95 (39,6 / 8) into 4,9 — across the 5,0 boundary of Điều 9.2."""
    assert round(58.0 / 8, 1) == 7.2  # what a float implementation prints
    assert term_average(term(["7", "7", "7.5"], "7", "7.5")) == D("7.3")

    tx, gk, ck = [4.0, 6.3, 8.7], 6.1, 2.8
    as_float = (sum(tx) + 2 * gk + 3 * ck) / (len(tx) + 5)
    assert math.floor(as_float * 10 + 0.5) / 10 == 4.9  # float half-up: wrong
    assert term_average(term(["4.0", "6.3", "8.7"], "6.1", "2.8")) == D("5.0")


def test_dieu_9_1_b_term_averages_are_rounded_before_the_year_average_uses_them() -> None:
    """HK I 58,3 / 8 = 7,2875 → 7,3 and HK II 51,6 / 8 = 6,45 → 6,5: year (7,3 + 2×6,5) / 3
    = 6,766… → 6,8. From the unrounded terms it would be (7,2875 + 12,9) / 3 = 6,729… → 6,7."""
    hk2 = term(["6.5", "6", "6.6"], "6.5", "6.5")  # 19,1 + 13 + 19,5 = 51,6 / 8 = 6,45
    assert term_average(hk2) == D("6.5")
    hk1 = term(["7", "7.4", "7"], "7.5", "7.3")  # 21,4 + 15 + 21,9 = 58,3 / 8 = 7,2875
    assert term_average(hk1) == D("7.3")
    result = evaluate_student(student(ScoreSubject("TOAN", 70, hk1, hk2), subject("B", "9")))
    assert result.subjects[0].year == D("6.8")
    assert round_half_up((D("7.2875") + 2 * D("6.45")) / 3) == D("6.7")


# --- Điều 6.2: number of regular assessments ---------------------------------------------

@pytest.mark.parametrize(("periods", "count"), [(35, 2), (36, 3), (70, 3), (71, 4), (140, 4)])
def test_dieu_6_2_b_regular_assessments_follow_periods_per_year(periods: int,
                                                                count: int) -> None:
    assert TT22_RULES.regular_count(Assessment.SCORE, periods) == count


def test_dieu_6_2_b_a_wrong_number_of_regular_scores_is_refused_with_the_expected_count(
        ) -> None:
    bad = ScoreSubject("TOAN", 140, term(["8", "7", "9"], "7", "8"), flat("8", 140))
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(student(bad))
    assert caught.value.path == "subjects[0].hk1.tx"
    assert "140 tiết/năm" in caught.value.message and "đúng 4" in caught.value.message
    assert "nhận được 3" in caught.value.message and "Điều 6.2.b" in caught.value.message


def test_dieu_6_2_a_comment_subjects_have_two_regular_assessments() -> None:
    three = CommentTerm((CommentResult.D,) * 3, CommentResult.D, CommentResult.D)
    with pytest.raises(AssessmentError, match="đúng 2"):
        evaluate_student(student(subject("A", "8"), CommentSubject("GDTC", 70, three, three)))


# --- Điều 9.1.a: comment subjects ----------------------------------------------------------

def test_dieu_9_1_a_comment_subject_is_dat_only_when_every_assessment_is_dat() -> None:
    result = evaluate_student(student(subject("A", "8"), comment("GDTC", ok1=False)))
    gdtc = result.subjects[1]
    assert (gdtc.hk1, gdtc.hk2, gdtc.year) == (CommentResult.CD, CommentResult.D,
                                               CommentResult.D)


def test_dieu_9_1_a_the_year_of_a_comment_subject_is_term_ii() -> None:
    gdtc = evaluate_student(student(subject("A", "8"), comment("GDTC", ok2=False))).subjects[1]
    assert gdtc.year is CommentResult.CD


# --- Điều 9.2: học tập levels at every boundary ----------------------------------------------

SIX_HIGH = ("8.0",) * 6


def test_dieu_9_2_a_tot_at_the_boundaries_6_5_and_8_0() -> None:
    assert level(*SIX_HIGH, "6.5") is T
    assert level(*SIX_HIGH, "6.4") is K  # one subject under 6,5
    assert level("8.0", "8.0", "8.0", "8.0", "8.0", "7.9", "7.9") is K  # only 5 at ≥ 8,0


def test_dieu_9_2_a_tot_needs_every_comment_subject_dat() -> None:
    assert level(*SIX_HIGH, comments=(CommentResult.D,)) is T
    assert level(*SIX_HIGH, comments=(CommentResult.CD,)) is K  # Đạt, then Điều 9.3 → Khá


def test_dieu_9_2_b_kha_at_the_boundaries_5_0_and_6_5() -> None:
    six = ("6.5",) * 6
    assert level(*six, "5.0") is K
    assert level(*six, "4.9") is DAT
    assert level("6.5", "6.5", "6.5", "6.5", "6.5", "6.4", "6.4") is DAT  # only 5 ≥ 6,5


def test_dieu_9_2_c_dat_at_the_boundaries_5_0_and_3_5() -> None:
    six = ("5.0",) * 6
    assert level(*six, "3.5") is DAT
    assert level(*six, "3.4") is CD  # under 3,5 (and Điều 9.3 does not apply: not Khá-able)
    assert level("5.0", "5.0", "5.0", "5.0", "5.0", "4.9", "4.9") is CD  # only 5 ≥ 5,0


def test_dieu_9_2_c_dat_allows_at_most_one_comment_subject_chua_dat() -> None:
    six = ("5.0",) * 6
    assert level(*six, comments=(CommentResult.CD,)) is DAT
    assert level(*six, comments=(CommentResult.CD, CommentResult.CD)) is CD


def test_dieu_9_2_fewer_than_six_score_subjects_is_never_dat() -> None:
    """"Ít nhất 06 môn": with five score subjects every level but Chưa đạt is out of reach."""
    assert level("10", "10", "10", "10", "10") is CD


# --- Điều 9.3: the single-subject adjustment ---------------------------------------------

def test_dieu_9_3_tot_except_one_subject_at_3_4_is_adjusted_to_kha() -> None:
    """DOMAIN.md's test case: computed Chưa đạt only because of one subject → Khá."""
    result = academic_level([*((f"M{i}", D("8.5")) for i in range(7)), ("LY", D("3.4"))], [],
                            "hoc_tap.year")
    assert result.level is K and result.unadjusted is CD
    assert result.explanation.rule == "TT 22/2021 Điều 9.3"
    assert "LY" in result.explanation.reason and "3,4" in result.explanation.reason


def test_dieu_9_3_tot_except_one_comment_subject_chua_dat_is_adjusted_to_kha() -> None:
    result = academic_level([(f"M{i}", D("9")) for i in range(6)],
                            [("GDTC", CommentResult.CD)], "x")
    assert (result.level, result.unadjusted) == (K, DAT)


def test_dieu_9_3_tot_except_one_subject_at_4_0_is_adjusted_from_dat_to_kha() -> None:
    assert level(*SIX_HIGH, "4.0") is K


def test_dieu_9_3_one_level_below_is_not_adjusted() -> None:
    """Tốt except one subject at 6,0 is Khá: one level down, nothing to adjust."""
    result = academic_level([*((f"M{i}", D("8")) for i in range(6)), ("X", D("6.0"))], [], "x")
    assert result.level is K and result.unadjusted is None


def test_dieu_9_3_kha_except_one_subject_is_adjusted_to_dat() -> None:
    assert level(*("7.0",) * 6, "3.0") is DAT


def test_dieu_9_3_two_subjects_pulling_down_are_not_adjusted() -> None:
    assert level(*SIX_HIGH, "3.4", "3.0") is CD


def test_dieu_9_3_the_raise_is_to_the_level_below_the_target_not_the_target() -> None:
    """Never Tốt through the adjustment; and a one-step raise from Chưa đạt lands on Khá only
    because Khá is the level adjacent to Tốt."""
    assert level(*("9.5",) * 8, "0") is K


def test_dieu_9_3_a_subject_is_not_counted_twice_towards_at_least_six() -> None:
    """8, 8, 8, 8, 8, 7 and 3,0: without the 3,0 only five subjects are ≥ 8,0, so the others
    would not give Tốt (the 3,0 cannot count as a sixth ≥ 8,0); they would give Khá (six ≥ 6,5),
    so the computed Chưa đạt is raised to the level adjacent to Khá: Đạt."""
    assert level("8", "8", "8", "8", "8", "7", "3.0") is DAT


# --- Điều 8: the whole rèn luyện table -------------------------------------------------------

CONDUCT_TABLE = {
    # (HK I, HK II): year
    (T, T): T, (K, T): T, (DAT, T): K, (CD, T): K,
    (T, K): K, (K, K): K, (DAT, K): K, (CD, K): DAT,
    (T, DAT): K, (K, DAT): DAT, (DAT, DAT): DAT, (CD, DAT): DAT,
    (T, CD): CD, (K, CD): CD, (DAT, CD): CD, (CD, CD): CD,
}


@pytest.mark.parametrize(("hk1", "hk2"), list(itertools.product(Level, Level)))
def test_dieu_8_year_conduct_from_both_terms_all_16_combinations(hk1: Level,
                                                                 hk2: Level) -> None:
    assert conduct_year(hk1, hk2) is CONDUCT_TABLE[(hk1, hk2)]


def test_dieu_8_the_table_covers_every_combination() -> None:
    assert len(CONDUCT_TABLE) == 16


# --- Điều 12: promotion ---------------------------------------------------------------------

GOOD = tuple(subject(f"M{i}", "8.5") for i in range(8))


def test_dieu_12_promoted_with_45_absences_not_with_46() -> None:
    assert evaluate_student(student(*GOOD, absences=45)).len_lop is True
    held = evaluate_student(student(*GOOD, absences=46))
    assert held.len_lop is False
    why = next(e for e in held.explanations if e.field == "len_lop")
    assert why.rule == "TT 22/2021 Điều 12" and "46 buổi" in why.reason


def test_dieu_12_not_promoted_when_conduct_is_chua_dat() -> None:
    assert evaluate_student(student(*GOOD, conduct=(T, CD))).len_lop is False


def test_dieu_12_not_promoted_when_hoc_tap_is_chua_dat() -> None:
    weak = tuple(subject(f"M{i}", "4") for i in range(8))
    assert evaluate_student(student(*weak)).len_lop is False


def test_dieu_12_promoted_at_dat_and_dat() -> None:
    ok = tuple(subject(f"M{i}", "5") for i in range(6))
    result = evaluate_student(student(*ok, conduct=(DAT, DAT)))
    assert (result.hoc_tap_year.level, result.ren_luyen_year, result.len_lop) == (
        DAT, DAT, True)


# --- Điều 13: summer training; Điều 14: re-evaluation of subjects -----------------------------

def test_dieu_13_summer_training_replaces_the_year_conduct_for_promotion() -> None:
    result = evaluate_student(student(*GOOD, conduct=(K, CD), summer=DAT))
    assert result.ren_luyen_year is CD and result.ren_luyen_after_summer is DAT
    assert result.len_lop is True
    failed = evaluate_student(student(*GOOD, conduct=(K, CD), summer=CD))
    assert failed.len_lop is False


def test_dieu_13_summer_training_is_only_for_a_year_conduct_of_chua_dat() -> None:
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(student(*GOOD, conduct=(K, K), summer=T))
    assert caught.value.path == "conduct.summer" and "Khá" in caught.value.message


def _struggling(retest: str | None = None, comment_retest: CommentResult | None = None
                ) -> StudentInput:
    """Five subjects at 5,0 and Toán at 3,0 (under 3,5, and only five ≥ 5,0): Chưa đạt."""
    return student(*(subject(f"M{i}", "5") for i in range(5)),
                   subject("TOAN", "3", retest=retest), comment("GDTC"), absences=10)


def test_dieu_14_a_retest_replaces_the_year_average_and_hoc_tap_is_recomputed() -> None:
    before = evaluate_student(_struggling())
    assert before.hoc_tap_year.level is CD and before.len_lop is False
    after = evaluate_student(_struggling(retest="5.5"))
    assert after.hoc_tap_year.level is CD  # the end-of-year result stays on record
    assert after.hoc_tap_after_reevaluation is not None
    assert after.hoc_tap_after_reevaluation.level is DAT
    assert after.len_lop is True
    assert after.subjects[5].final == D("5.5") and after.subjects[5].year == D("3.0")
    retest = after.subjects[5].explanations()[-1]
    assert (retest.field, retest.rule) == ("subjects.TOAN.retest", "TT 22/2021 Điều 14")


def test_dieu_14_a_failed_retest_keeps_the_student_back() -> None:
    after = evaluate_student(_struggling(retest="4.0"))
    assert after.hoc_tap_after_reevaluation is not None
    assert after.hoc_tap_after_reevaluation.level is CD and after.len_lop is False


def test_dieu_14_a_comment_subject_re_evaluation_replaces_its_year_result() -> None:
    subjects = [subject(f"M{i}", "5") for i in range(6)]
    two_cd = student(*subjects, comment("GDTC", ok2=False),
                     comment("AM_NHAC", ok2=False, retest=CommentResult.D))
    result = evaluate_student(two_cd)
    assert result.hoc_tap_year.level is CD
    assert result.hoc_tap_after_reevaluation is not None
    assert result.hoc_tap_after_reevaluation.level is DAT and result.len_lop is True


def test_dieu_14_retest_refused_when_the_subject_is_already_5_or_more() -> None:
    s = student(*(subject(f"M{i}", "5", retest="6" if i == 0 else None) for i in range(5)),
                subject("TOAN", "3"))
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(s)
    assert caught.value.path == "subjects[0].retest" and "≥ 5,0" in caught.value.message
    assert "(TT 22/2021 Điều 14)" in caught.value.message


def test_dieu_14_retest_refused_when_hoc_tap_is_not_chua_dat() -> None:
    s = student(*GOOD[:-1], subject("X", "4", retest="6"))
    with pytest.raises(AssessmentError, match="Chưa đạt mới được kiểm tra"):
        evaluate_student(s)


# --- Điều 15.1: awards ----------------------------------------------------------------------

def test_dieu_15_1_a_xuat_sac_needs_six_subjects_at_9_0() -> None:
    six_nine = [subject(f"M{i}", "9.0") for i in range(6)] + [subject("X", "8.9")]
    assert evaluate_student(student(*six_nine)).award is Award.HS_XUAT_SAC
    five_nine = [subject(f"M{i}", "9.0") for i in range(5)] + [subject(f"X{i}", "8.9")
                                                             for i in range(2)]
    assert evaluate_student(student(*five_nine)).award is Award.HS_GIOI


def test_dieu_15_1_b_gioi_needs_conduct_tot_and_hoc_tap_tot() -> None:
    assert evaluate_student(student(*GOOD)).award is Award.HS_GIOI
    assert evaluate_student(student(*GOOD, conduct=(T, K))).award is None
    kha = [subject(f"M{i}", "7") for i in range(8)]
    assert evaluate_student(student(*kha)).award is None


def test_dieu_15_1_awards_use_the_year_conduct_tot_from_khá_then_tot() -> None:
    assert evaluate_student(student(*GOOD, conduct=(K, T))).award is Award.HS_GIOI


# --- The issue's example and the explanations ----------------------------------------------

def test_issue_example_subject_gives_7_9_8_3_8_2_with_the_formula_in_the_explanation(
        ) -> None:
    toan = ScoreSubject("TOAN", 140, term(["8", "7.5", "9", "8"], "7.5", "8"),
                        term(["8", "8", "9", "8"], "8", "8.5"))
    result = evaluate_student(student(toan, *GOOD[:6]))
    s = result.subjects[0]
    assert (s.hk1, s.hk2, s.year) == (D("7.9"), D("8.3"), D("8.2"))
    texts = {e.field: e for e in s.explanations()}
    assert texts["subjects.TOAN.hk1"].rule == "TT 22/2021 Điều 9.1.b"
    assert "71,5 / 9" in texts["subjects.TOAN.hk1"].reason
    assert "7,9" in texts["subjects.TOAN.year"].reason


def test_every_student_result_names_its_rule() -> None:
    result = evaluate_student(student(*GOOD))
    fields = {e.field: e.rule for e in result.explanations}
    assert fields["hoc_tap.year"] == "TT 22/2021 Điều 9.2.a"
    assert fields["ren_luyen.year"] == "TT 22/2021 Điều 8"
    assert fields["award"] == "TT 22/2021 Điều 15.1.b"
    tot = next(e for e in result.explanations if e.field == "hoc_tap.year")
    assert tot.reason.startswith("Tốt: mọi môn đánh giá bằng nhận xét Đạt; mọi môn tính "
                                 "điểm ≥ 6,5 và 8 môn ≥ 8,0")


def test_a_subject_given_twice_is_refused() -> None:
    with pytest.raises(AssessmentError, match="TOAN xuất hiện hơn một lần"):
        evaluate_student(student(subject("TOAN", "8"), subject("TOAN", "7")))


def test_the_callers_decimal_context_does_not_change_the_results() -> None:
    import decimal

    with decimal.localcontext() as ctx:
        ctx.prec = 2
        ctx.rounding = decimal.ROUND_DOWN
        assert term_average(term(["8", "7.5", "9", "8"], "7.5", "8")) == D("7.9")
        assert year_average(D("7.9"), D("8.3")) == D("8.2")
