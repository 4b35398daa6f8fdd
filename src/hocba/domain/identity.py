"""The 12-digit personal identity number (mã số định danh cá nhân / số CCCD).

Structure, from Thông tư 07/2016/TT-BCA Điều 7 (DOMAIN.md §4, source S18):

* digits 1–3: code of the province where the birth was registered (001–096, 63 codes);
* digit 4: century of birth and sex (1900s: 0 male, 1 female; 2000s: 2 / 3; 2100s: 4 / 5;
  2200s: 6 / 7; 2300s: 8 / 9);
* digits 5–6: the last two digits of the year of birth;
* digits 7–12: a random number.

The province code is where the birth was registered, not where the person lives now, and the
63 codes stay valid after the 2025 provincial mergers (the number is for life).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class Sex(StrEnum):
    MALE = "nam"
    FEMALE = "nu"

    @property
    def label(self) -> str:
        return "Nam" if self is Sex.MALE else "Nữ"


# TT 07/2016/TT-BCA Phụ lục: province codes of birth registration.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
    "008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
    "014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
    "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
    "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
    "037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
    "044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
    "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
    "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
    "070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
    "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
    "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

_TWELVE_DIGITS = re.compile(r"^\d{12}$")


@dataclass(frozen=True)
class IdentityProblem:
    """Why a number was refused, in Vietnamese, and what was expected."""

    message: str
    expected: str


def century_sex_digit(birth_year: int, sex: Sex) -> int:
    """TT 07/2016/TT-BCA Điều 7.2: the 4th digit for a birth year and sex."""
    century_index = (birth_year // 100) - 19  # 1900s → 0, 2000s → 1, ...
    if not 0 <= century_index <= 4:
        raise ValueError(f"năm sinh {birth_year} ngoài khoảng 1900–2399")
    return century_index * 2 + (1 if sex is Sex.FEMALE else 0)


def check_personal_id(
    number: str, *, birth_date: date | None = None, sex: Sex | None = None,
    person: str = "học sinh",
) -> IdentityProblem | None:
    """Return None when ``number`` is a plausible personal identity number, else the problem.

    With ``birth_date`` and ``sex`` given, the century/sex digit and the year digits must agree
    with them (TT 07/2016/TT-BCA Điều 7.2).
    """
    value = number.strip()
    if not _TWELVE_DIGITS.match(value):
        return IdentityProblem(
            f"số định danh “{value}” phải gồm đúng 12 chữ số",
            "12 chữ số, ví dụ 001208012345",
        )
    province = value[:3]
    if province not in PROVINCE_CODES:
        return IdentityProblem(
            f"3 chữ số đầu “{province}” không phải mã tỉnh nơi đăng ký khai sinh",
            "mã tỉnh từ 001 đến 096 theo Thông tư 07/2016/TT-BCA",
        )
    if birth_date is None or sex is None:
        return None
    try:
        expected_digit = century_sex_digit(birth_date.year, sex)
    except ValueError as exc:
        return IdentityProblem(str(exc), "năm sinh hợp lệ")
    if int(value[3]) != expected_digit:
        return IdentityProblem(
            f"chữ số thứ 4 là {value[3]} nhưng {person} {sex.label.lower()} "
            f"sinh năm {birth_date.year} phải có {expected_digit}",
            f"chữ số thứ 4 bằng {expected_digit} (thế kỷ và giới tính khớp ngày sinh)",
        )
    if value[4:6] != f"{birth_date.year % 100:02d}":
        return IdentityProblem(
            f"chữ số thứ 5–6 là {value[4:6]} nhưng năm sinh là {birth_date.year}",
            f"chữ số thứ 5–6 bằng {birth_date.year % 100:02d}",
        )
    return None


def make_personal_id(province: str, birth_year: int, sex: Sex, serial: int) -> str:
    """Build a structurally valid number (used by the demo data generator)."""
    if province not in PROVINCE_CODES:
        raise ValueError(province)
    digit = century_sex_digit(birth_year, sex)
    return f"{province}{digit}{birth_year % 100:02d}{serial % 10**6:06d}"
