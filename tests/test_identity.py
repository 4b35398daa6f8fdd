"""The 12-digit personal identity number (TT 07/2016/TT-BCA Điều 7) and text hygiene."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from hocba.domain.ethnicity import ETHNIC_GROUPS, ethnic_code
from hocba.domain.identity import (
    PROVINCE_CODES,
    Sex,
    century_sex_digit,
    check_personal_id,
    make_personal_id,
)
from hocba.domain.text import clean, fold, is_nfc


@pytest.mark.parametrize(("year", "sex", "digit"), [
    (1985, Sex.MALE, 0), (1999, Sex.FEMALE, 1), (2000, Sex.MALE, 2), (2013, Sex.FEMALE, 3),
    (2099, Sex.MALE, 2), (2100, Sex.FEMALE, 5),
])
def test_fourth_digit_encodes_century_and_sex(year: int, sex: Sex, digit: int) -> None:
    """TT 07/2016/TT-BCA Điều 7.2: 1900s 0/1, 2000s 2/3, 2100s 4/5 (male/female)."""
    assert century_sex_digit(year, sex) == digit


def test_a_consistent_number_is_accepted() -> None:
    assert check_personal_id("001313012345", birth_date=date(2013, 5, 2), sex=Sex.FEMALE) is None
    assert check_personal_id("079212000001") is None


@pytest.mark.parametrize(("number", "fragment"), [
    ("00131301234", "đúng 12 chữ số"),
    ("0013130123456", "đúng 12 chữ số"),
    ("00131301234a", "đúng 12 chữ số"),
    ("097313012345", "không phải mã tỉnh"),  # 097 is not a province code
    ("000313012345", "không phải mã tỉnh"),
])
def test_malformed_numbers_are_refused_with_the_reason(number: str, fragment: str) -> None:
    problem = check_personal_id(number)
    assert problem is not None
    assert fragment in problem.message
    assert problem.expected


def test_sex_digit_inconsistent_with_the_student_is_refused() -> None:
    problem = check_personal_id("001213012345", birth_date=date(2013, 5, 2), sex=Sex.FEMALE)
    assert problem is not None
    assert problem.message == ("chữ số thứ 4 là 2 nhưng học sinh nữ sinh năm 2013 phải có 3")


def test_year_digits_inconsistent_with_the_birth_date_are_refused() -> None:
    problem = check_personal_id("001314012345", birth_date=date(2013, 5, 2), sex=Sex.FEMALE)
    assert problem is not None
    assert "chữ số thứ 5–6 là 14 nhưng năm sinh là 2013" in problem.message


def test_the_sixty_three_province_codes_stay_valid_after_the_2025_mergers() -> None:
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["079"] == "Hồ Chí Minh"
    assert make_personal_id("027", 2014, Sex.MALE, 42) == "027214000042"


def test_fifty_four_ethnic_groups_with_common_spellings() -> None:
    assert len(ETHNIC_GROUPS) == 54
    assert ethnic_code("Kinh") == "01"
    assert ethnic_code("Khmer") == ethnic_code("Khơ-me") == "05"
    assert ethnic_code("H'Mông") == ethnic_code("Mông") == "08"
    assert ethnic_code("ê đê") == "12"
    assert ethnic_code("7") == "07"
    assert ethnic_code("Klingon") is None


def test_text_is_normalised_to_nfc_on_the_way_in() -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị Ngọc Ánh ")
    assert not is_nfc(decomposed)
    assert clean(decomposed) == "Nguyễn Thị Ngọc Ánh"
    assert is_nfc(clean(decomposed))
    assert fold("Đặng  Văn") == fold("dang van")
