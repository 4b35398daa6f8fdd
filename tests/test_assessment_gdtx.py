"""The GDTX regime: TT 22/2021's engine with the assumed differences as data [B]."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hocba.domain.assessment.common import AssessmentError, Level
from hocba.domain.assessment.gdtx import GDTX_RULES, gdtx_rules
from hocba.domain.assessment.tt22 import (
    TT22_RULES,
    Conduct,
    ScoreSubject,
    ScoreTerm,
    StudentInput,
    evaluate_student,
)


def flat(code: str, value: str) -> ScoreSubject:
    t = ScoreTerm((Decimal(value),) * 2, Decimal(value), Decimal(value))
    return ScoreSubject(code, 35, t, t)


def learner(n: int, value: str = "8.5", conduct: Conduct | None = None,
            absences: int = 0) -> StudentInput:
    return StudentInput("HV1", absences, conduct, tuple(flat(f"M{i}", value) for i in range(n)))


def test_gdtx_uses_the_tt22_formulas_and_levels_and_says_it_is_an_assumption() -> None:
    """TT 22/2021 Điều 9.1.b and 9.2.a, applied to GDTX by assumption [B]."""
    result = evaluate_student(learner(7), GDTX_RULES)
    assert result.hoc_tap_year.level is Level.TOT
    assert result.hoc_tap_year.explanation.rule == (
        "TT 22/2021 Điều 9.2.a (áp dụng cho GDTX, giả định [B])")


def test_gdtx_conduct_may_be_absent_then_it_is_no_promotion_condition_and_no_award() -> None:
    result = evaluate_student(learner(7), GDTX_RULES)
    assert result.ren_luyen_year is None and result.len_lop is True and result.award is None
    with pytest.raises(AssessmentError) as caught:
        evaluate_student(learner(7), TT22_RULES)
    assert caught.value.path == "conduct"


def test_gdtx_with_conduct_behaves_like_tt22() -> None:
    """TT 22/2021 Điều 8, 12, 15.1 with the same numbers."""
    for rules in (GDTX_RULES, TT22_RULES):
        result = evaluate_student(learner(7, conduct=Conduct(Level.TOT, Level.TOT)), rules)
        assert (result.ren_luyen_year, result.len_lop, result.award is not None) == (
            Level.TOT, True, True)


def test_gdtx_the_at_least_six_subjects_can_be_set_per_input() -> None:
    """Điều 9.2 "ít nhất 06 môn": a GDTX programme with five score subjects."""
    assert evaluate_student(learner(5), GDTX_RULES).hoc_tap_year.level is Level.CHUA_DAT
    five = gdtx_rules({"min_subjects": 5})
    assert evaluate_student(learner(5), five).hoc_tap_year.level is Level.TOT


def test_gdtx_absence_limit_is_45_unless_configured() -> None:
    """TT 22/2021 Điều 12: 45 absences, by default also for GDTX."""
    assert evaluate_student(learner(7, absences=46), GDTX_RULES).len_lop is False
    relaxed = gdtx_rules({"absence_limit": 60})
    assert evaluate_student(learner(7, absences=46), relaxed).len_lop is True


def test_gdtx_unknown_or_impossible_knobs_are_refused() -> None:
    with pytest.raises(AssessmentError, match="không phải tham số"):
        gdtx_rules({"pass_mark": 4})
    with pytest.raises(AssessmentError, match="phải ≥ 1"):
        gdtx_rules({"min_subjects": 0})


def test_gdtx_learner_is_called_hoc_vien_in_refusals() -> None:
    student = StudentInput("HV1", 0, Conduct(Level.KHA, Level.KHA, Level.TOT),
                           tuple(flat(f"M{i}", "8") for i in range(6)))
    with pytest.raises(AssessmentError, match="chỉ học viên"):
        evaluate_student(student, GDTX_RULES)
