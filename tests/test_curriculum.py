"""The curriculum as data (CTGDPT 2018; TT 27/2020 Điều 7; TT 22/2021 Điều 5, 6), versioned by
school year."""

from __future__ import annotations

import pytest

from hocba.domain.curriculum import (
    GDPT_2018,
    PROGRAMMES,
    Assessment,
    programme_for_year,
    regular_assessments,
)
from hocba.domain.subjects import SUBJECTS_BY_CODE


@pytest.mark.parametrize(("periods", "count"), [
    (35, 2), (36, 3), (52, 3), (70, 3), (71, 4), (105, 4), (140, 4)])
def test_regular_assessments_follow_the_periods_per_year(periods: int, count: int) -> None:
    """TT 22/2021 Điều 6.2.b: ≤ 35 periods → 2, > 35 to 70 → 3, > 70 → 4."""
    assert regular_assessments(periods) == count


def test_every_curriculum_code_is_a_known_subject() -> None:
    for programme in PROGRAMMES:
        assert {s.code for s in programme.subjects} <= set(SUBJECTS_BY_CODE)


def test_tin_hoc_va_cong_nghe_is_two_rows_in_primary() -> None:
    """QĐ 2904/QĐ-BGDĐT splits "Tin học và Công nghệ" into two rows, each with its test."""
    rows = [s for s in GDPT_2018.for_grade(4) if s.name.startswith("Tin học và Công nghệ")]
    assert [(r.name, r.periodic_test) for r in rows] == [
        ("Tin học và Công nghệ (Tin học)", True), ("Tin học và Công nghệ (Công nghệ)", True)]
    assert not any(s.name.startswith("Tin học") for s in GDPT_2018.for_grade(2))


def test_primary_periodic_and_mid_term_tests() -> None:
    """TT 27/2020 Điều 7.1.b–c: tests in TV, Toán, NN1, LS&ĐL, KH, Tin học và Công nghệ;
    mid-term tests in Tiếng Việt and Toán in grades 4–5 only."""
    tested_5 = {s.code for s in GDPT_2018.for_grade(5) if s.periodic_test}
    assert tested_5 == {"TIENG_VIET", "TOAN", "NGOAI_NGU_1", "LICH_SU_DIA_LY", "KHOA_HOC",
                        "TIN_HOC", "CONG_NGHE"}
    assert {s.code for s in GDPT_2018.for_grade(4) if s.midterm_test} == {"TIENG_VIET", "TOAN"}
    assert not [s for s in GDPT_2018.for_grade(3) if s.midterm_test]
    nn1_grade_1 = GDPT_2018.subject(1, "NGOAI_NGU_1")
    assert nn1_grade_1 is not None and nn1_grade_1.optional and not nn1_grade_1.periodic_test
    assert all(s.assessment is Assessment.LEVEL for g in range(1, 6)
               for s in GDPT_2018.for_grade(g))


def test_comment_only_subjects_in_secondary() -> None:
    """TT 22/2021 Điều 5.3.a: GDTC, Nghệ thuật, NDGD địa phương, HĐTN-HN by comment only."""
    comment = {s.code for s in GDPT_2018.for_grade(8) if s.assessment is Assessment.COMMENT}
    assert comment == {"GDTC", "AM_NHAC", "MI_THUAT", "HDTN_HN", "NOI_DUNG_DIA_PHUONG"}
    toan = GDPT_2018.subject(8, "TOAN")
    assert toan is not None and toan.regular_assessments == 4
    gdcd = GDPT_2018.subject(8, "GDCD")
    assert gdcd is not None and gdcd.regular_assessments == 2
    assert GDPT_2018.subject(8, "GDTC") is not None
    gdtc = GDPT_2018.subject(8, "GDTC")
    assert gdtc is not None and gdtc.regular_assessments is None


def test_upper_secondary_electives_are_a_group() -> None:
    chosen = [s.code for s in GDPT_2018.for_grade(11) if s.elective_group == "lua_chon"]
    assert len(chosen) == 9 and "VAT_LY" in chosen


def test_a_school_year_keeps_the_programme_version_it_followed() -> None:
    assert programme_for_year("2025-2026") is GDPT_2018
    with pytest.raises(LookupError):
        programme_for_year("2019-2020")


def test_a_class_gets_the_rows_of_its_grade_in_its_year_programme(world: object) -> None:
    from hocba.curriculum.selectors import curriculum_of

    w = world  # the test world's 6A, school year 2025-2026
    assert w.year.programme == "GDPT2018-v1"  # type: ignore[attr-defined]
    rows = curriculum_of(w.class_6a)  # type: ignore[attr-defined]
    assert [r.code for r in rows][:3] == ["NGU_VAN", "TOAN", "NGOAI_NGU_1"]
