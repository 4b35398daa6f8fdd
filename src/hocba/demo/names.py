"""Name pools for the demo data: people, places, schools.

Family-name weights follow the commonly cited national shares (Nguyễn about 38 %, Trần 11 %,
Lê 9.5 %, Phạm 7 %, …), with the northern spellings (Hoàng, Vũ) dominant, as in Bắc Ninh.
Middle names differ by sex and by generation: "Văn" and "Thị" are far more common among the
parents than among children born after 2005.

The places are those of Bắc Ninh and Bắc Giang, which merged on 01/07/2025 into the new
tỉnh Bắc Ninh when the district level was abolished. District names and codes are the GSO
codes in force before the reform; the communes and wards after the reform are plausible
names for a demo, not an authoritative gazetteer.

Every string here is NFC (checked at import).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from itertools import accumulate

from hocba.domain.identity import Sex


class WeightedPool:
    """Draw from ``(value, weight)`` pairs with one bisect per draw."""

    def __init__(self, pairs: tuple[tuple[str, float], ...]) -> None:
        self.values = [v for v, _ in pairs]
        self.cum = list(accumulate(w for _, w in pairs))

    def pick(self, rng: random.Random) -> str:
        return rng.choices(self.values, cum_weights=self.cum)[0]


FAMILY_NAMES = WeightedPool((
    ("Nguyễn", 38.0), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.6),
    ("Huỳnh", 0.5), ("Phan", 4.5), ("Vũ", 3.4), ("Võ", 0.5), ("Đặng", 2.1), ("Bùi", 2.0),
    ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đào", 0.8),
    ("Đoàn", 0.6), ("Trịnh", 0.6), ("Trương", 0.5), ("Đinh", 0.6), ("Mai", 0.4),
    ("Lương", 0.4), ("Chu", 0.4), ("Hà", 0.5), ("Tạ", 0.4), ("Cao", 0.4), ("Lưu", 0.3),
    ("Kiều", 0.2), ("Thân", 0.4), ("Giáp", 0.3), ("Nghiêm", 0.2), ("Tô", 0.2), ("Vương", 0.2),
    ("Lâm", 0.2), ("Quách", 0.1),
))

# Children (born 2005–2020).
MIDDLE_NAMES: dict[Sex, WeightedPool] = {
    Sex.MALE: WeightedPool((
        ("Văn", 14), ("Đức", 10), ("Minh", 12), ("Quốc", 6), ("Hoàng", 5), ("Gia", 7),
        ("Anh", 4), ("Hữu", 4), ("Xuân", 3), ("Thành", 4), ("Trọng", 3), ("Tuấn", 3),
        ("Bảo", 5), ("Đăng", 4), ("Khánh", 3), ("Nhật", 4), ("Quang", 5), ("Công", 3),
        ("Duy", 4), ("Mạnh", 2), ("Tiến", 2), ("Trung", 2), ("Hải", 2), ("Phúc", 2),
    )),
    Sex.FEMALE: WeightedPool((
        ("Thị", 22), ("Ngọc", 10), ("Thu", 6), ("Thanh", 6), ("Minh", 6), ("Khánh", 5),
        ("Bảo", 5), ("Phương", 5), ("Hà", 4), ("Diệu", 3), ("Mai", 3), ("Hồng", 3),
        ("Thảo", 3), ("Quỳnh", 3), ("Kim", 3), ("Hải", 3), ("Gia", 4), ("Thùy", 3),
        ("Tú", 2), ("Vân", 2), ("Hoài", 2), ("Yến", 2), ("Bích", 2), ("Lan", 2),
    )),
}

# The parents' and teachers' generation (born 1965–1998).
ADULT_MIDDLE_NAMES: dict[Sex, WeightedPool] = {
    Sex.MALE: WeightedPool((
        ("Văn", 55), ("Đức", 8), ("Minh", 6), ("Quốc", 4), ("Hữu", 5), ("Xuân", 4),
        ("Đình", 4), ("Công", 4), ("Quang", 3), ("Trọng", 3), ("Mạnh", 2), ("Thế", 2),
    )),
    Sex.FEMALE: WeightedPool((
        ("Thị", 72), ("Thu", 5), ("Thanh", 5), ("Ngọc", 4), ("Hồng", 4), ("Minh", 3),
        ("Kim", 3), ("Phương", 2), ("Bích", 2),
    )),
}

GIVEN_NAMES: dict[Sex, tuple[str, ...]] = {
    Sex.MALE: (
        "An", "Anh", "Bảo", "Bình", "Chiến", "Cường", "Dũng", "Duy", "Dương", "Đạt", "Đăng",
        "Đức", "Giang", "Hải", "Hào", "Hiếu", "Hoàng", "Hùng", "Huy", "Hưng", "Khang",
        "Khánh", "Khải", "Khoa", "Khôi", "Kiên", "Lâm", "Long", "Lộc", "Mạnh", "Minh",
        "Nam", "Nghĩa", "Nguyên", "Nhân", "Phát", "Phong", "Phúc", "Quân", "Quang", "Sơn",
        "Tài", "Thái", "Thắng", "Thành", "Thịnh", "Tiến", "Toàn", "Trí", "Trung", "Tuấn",
        "Tùng", "Việt", "Vinh", "Vũ",
    ),
    Sex.FEMALE: (
        "An", "Anh", "Ánh", "Bích", "Châu", "Chi", "Diệp", "Dung", "Dương", "Giang", "Hà",
        "Hạnh", "Hằng", "Hân", "Hiền", "Hoa", "Hồng", "Hương", "Huyền", "Khuê", "Lan",
        "Linh", "Loan", "Ly", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhi", "Nhung", "Oanh",
        "Phương", "Quyên", "Quỳnh", "Tâm", "Thảo", "Thủy", "Thư", "Trang", "Trâm", "Tú",
        "Uyên", "Vân", "Vy", "Yến",
    ),
}

ADULT_GIVEN_NAMES: dict[Sex, tuple[str, ...]] = {
    Sex.MALE: (
        "Bình", "Chiến", "Cường", "Dũng", "Đông", "Hải", "Hòa", "Hùng", "Hưng", "Khải", "Lâm",
        "Long", "Lợi", "Mạnh", "Nam", "Nghĩa", "Phong", "Quân", "Sơn", "Tâm", "Thanh",
        "Thắng", "Thuận", "Tiến", "Toàn", "Trung", "Tuấn", "Tùng", "Vinh", "Thịnh", "Hiển",
    ),
    Sex.FEMALE: (
        "Dung", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Hồng", "Huệ", "Hương", "Lan", "Liên",
        "Loan", "Lụa", "Mai", "Minh", "Nga", "Nhung", "Oanh", "Phượng", "Tâm", "Thảo",
        "Thoa", "Thủy", "Thúy", "Trang", "Tuyết", "Vân", "Xuân", "Yến", "Huyền", "Lý",
    ),
}


def child_name(rng: random.Random, sex: Sex, family: str) -> str:
    middle = MIDDLE_NAMES[sex].pick(rng)
    if rng.random() < 0.15:  # "Nguyễn Thị Ngọc Ánh": a double middle name
        second = MIDDLE_NAMES[sex].pick(rng)
        if second != middle and second not in ("Thị", "Văn"):
            middle = f"{middle} {second}"
    return f"{family} {middle} {rng.choice(GIVEN_NAMES[sex])}"


def adult_name(rng: random.Random, sex: Sex, family: str | None = None) -> str:
    family = family or FAMILY_NAMES.pick(rng)
    middle = ADULT_MIDDLE_NAMES[sex].pick(rng)
    return f"{family} {middle} {rng.choice(ADULT_GIVEN_NAMES[sex])}"


# --- places ------------------------------------------------------------------------------

@dataclass(frozen=True)
class District:
    """A district before 01/07/2025: its GSO code, its title, its communes then and now."""

    code: str  # GSO district code, e.g. "260"
    title: str  # "Huyện Tiên Du"
    old_province: str  # "Bắc Ninh" or "Bắc Giang"
    communes: tuple[str, ...]  # before the reform, with their kind: "Xã Phật Tích"
    new_communes: tuple[str, ...]  # after the reform (no district above them)

    @property
    def short(self) -> str:
        """"Tiên Du" from "Huyện Tiên Du", "Bắc Ninh" from "Thành phố Bắc Ninh"."""
        for prefix in ("Thành phố ", "Thị xã ", "Huyện "):
            if self.title.startswith(prefix):
                return self.title[len(prefix):]
        return self.title

    def new_commune_for(self, old: str) -> str:
        """The commune or ward that absorbed ``old`` in 2025 (a stable demo mapping)."""
        return self.new_communes[self.communes.index(old) % len(self.new_communes)]


def bare(unit: str) -> str:
    """"Phật Tích" from "Xã Phật Tích"."""
    for prefix in ("Thị trấn ", "Phường ", "Xã "):
        if unit.startswith(prefix):
            return unit[len(prefix):]
    return unit


_KINDS = ("Thị trấn ", "Phường ", "Xã ", "Thành phố ", "Thị xã ", "Huyện ", "Tỉnh ")


def lower_kind(unit: str) -> str:
    """"xã Phật Tích" from "Xã Phật Tích", "huyện Tiên Du" from "Huyện Tiên Du": the form
    used inside an address."""
    for prefix in _KINDS:
        if unit.startswith(prefix):
            return prefix.lower() + unit[len(prefix):]
    return unit


BAC_NINH = "Bắc Ninh"
BAC_GIANG = "Bắc Giang"

DISTRICTS: dict[str, District] = {d.code: d for d in (
    District("260", "Huyện Tiên Du", BAC_NINH, (
        "Thị trấn Lim", "Xã Phật Tích", "Xã Liên Bão", "Xã Hiên Vân", "Xã Lạc Vệ",
        "Xã Việt Đoàn", "Xã Nội Duệ", "Xã Cảnh Hưng", "Xã Đại Đồng", "Xã Hoàn Sơn",
        "Xã Tân Chi", "Xã Minh Đạo", "Xã Tri Phương",
    ), ("Xã Tiên Du", "Xã Phật Tích", "Xã Liên Bão", "Xã Tân Chi", "Xã Đại Đồng")),
    District("256", "Thành phố Bắc Ninh", BAC_NINH, (
        "Phường Vũ Ninh", "Phường Đáp Cầu", "Phường Suối Hoa", "Phường Tiền An",
        "Phường Ninh Xá", "Phường Vệ An", "Phường Kinh Bắc", "Phường Đại Phúc",
        "Phường Võ Cường", "Phường Khắc Niệm", "Phường Hạp Lĩnh", "Phường Hòa Long",
    ), ("Phường Kinh Bắc", "Phường Võ Cường", "Phường Vũ Ninh", "Phường Hạp Lĩnh",
        "Phường Nam Sơn")),
    District("261", "Thành phố Từ Sơn", BAC_NINH, (
        "Phường Đông Ngàn", "Phường Đình Bảng", "Phường Tân Hồng", "Phường Châu Khê",
        "Phường Đồng Nguyên", "Phường Trang Hạ", "Phường Tương Giang", "Phường Phù Khê",
        "Phường Hương Mạc", "Phường Tam Sơn",
    ), ("Phường Từ Sơn", "Phường Tam Sơn", "Phường Đồng Nguyên", "Phường Phù Khê")),
    District("258", "Huyện Yên Phong", BAC_NINH, (
        "Thị trấn Chờ", "Xã Đông Phong", "Xã Yên Trung", "Xã Thụy Hòa", "Xã Hòa Tiến",
        "Xã Tam Giang", "Xã Đông Tiến", "Xã Văn Môn", "Xã Dũng Liệt", "Xã Long Châu",
        "Xã Tam Đa", "Xã Trung Nghĩa",
    ), ("Xã Yên Phong", "Xã Văn Môn", "Xã Tam Giang", "Xã Yên Trung", "Xã Tam Đa")),
    District("259", "Thị xã Quế Võ", BAC_NINH, (
        "Phường Phố Mới", "Phường Việt Hùng", "Xã Phù Lãng", "Xã Bằng An", "Phường Phượng Mao",
        "Xã Châu Phong", "Xã Ngọc Xá", "Phường Nhân Hòa", "Xã Đào Viên", "Phường Phù Lương",
        "Xã Đức Long",
    ), ("Phường Quế Võ", "Phường Phương Liễu", "Phường Nhân Hòa", "Phường Đào Viên",
        "Phường Bồng Lai")),
    District("262", "Thị xã Thuận Thành", BAC_NINH, (
        "Phường Hồ", "Phường Gia Đông", "Phường Song Hồ", "Xã Đình Tổ", "Phường Trí Quả",
        "Phường Xuân Lâm", "Phường Hà Mãn", "Xã Ngũ Thái", "Xã Nguyệt Đức", "Phường Thanh Khương",
        "Phường Mão Điền",
    ), ("Phường Thuận Thành", "Phường Mão Điền", "Phường Trạm Lộ", "Phường Trí Quả",
        "Phường Song Liễu")),
    District("263", "Huyện Gia Bình", BAC_NINH, (
        "Thị trấn Gia Bình", "Xã Đông Cứu", "Xã Lãng Ngâm", "Thị trấn Nhân Thắng", "Xã Xuân Lai",
        "Xã Đại Bái", "Xã Quỳnh Phú", "Xã Song Giang", "Xã Thái Bảo", "Xã Vạn Ninh",
        "Xã Cao Đức",
    ), ("Xã Gia Bình", "Xã Nhân Thắng", "Xã Đại Lai", "Xã Cao Đức", "Xã Đông Cứu")),
    District("264", "Huyện Lương Tài", BAC_NINH, (
        "Thị trấn Thứa", "Xã Lâm Thao", "Xã Phú Hòa", "Xã Quảng Phú", "Xã Trừng Xá",
        "Xã Minh Tân", "Xã Trung Kênh", "Xã An Thịnh", "Xã Bình Định", "Xã Lai Hạ",
    ), ("Xã Lương Tài", "Xã Lâm Thao", "Xã Trung Chính", "Xã Trung Kênh")),
    District("222", "Thị xã Việt Yên", BAC_GIANG, (
        "Phường Bích Động", "Phường Nếnh", "Phường Hồng Thái", "Phường Quang Châu",
        "Phường Tăng Tiến", "Phường Vân Trung", "Xã Tiên Sơn", "Phường Hoàng Ninh",
        "Xã Minh Đức", "Xã Nghĩa Trung", "Xã Trung Sơn",
    ), ("Phường Việt Yên", "Phường Nếnh", "Phường Vân Hà", "Phường Tự Lạn")),
    District("223", "Huyện Hiệp Hòa", BAC_GIANG, (
        "Thị trấn Thắng", "Xã Đức Thắng", "Xã Hợp Thịnh", "Xã Mai Đình", "Xã Hoàng Vân",
        "Xã Lương Phong", "Xã Đoan Bái", "Xã Danh Thắng", "Xã Châu Minh", "Xã Thường Thắng",
    ), ("Xã Hiệp Hòa", "Xã Hợp Thịnh", "Xã Hoàng Vân", "Xã Xuân Cẩm")),
    District("213", "Thành phố Bắc Giang", BAC_GIANG, (
        "Phường Trần Phú", "Phường Ngô Quyền", "Phường Hoàng Văn Thụ", "Phường Lê Lợi",
        "Phường Mỹ Độ", "Phường Xương Giang", "Phường Dĩnh Kế", "Phường Đa Mai",
        "Xã Song Mai", "Xã Tân Mỹ",
    ), ("Phường Bắc Giang", "Phường Đa Mai", "Phường Tiền Phong", "Phường Tân Tiến")),
    District("217", "Huyện Lạng Giang", BAC_GIANG, (
        "Thị trấn Vôi", "Thị trấn Kép", "Xã Tân Dĩnh", "Xã Tân Thanh", "Xã Xuân Hương",
        "Xã Mỹ Thái", "Xã Dương Đức", "Xã Nghĩa Hòa", "Xã Quang Thịnh", "Xã Tiên Lục",
    ), ("Xã Lạng Giang", "Xã Kép", "Xã Tân Dĩnh", "Xã Mỹ Thái", "Xã Tiên Lục")),
    District("216", "Huyện Tân Yên", BAC_GIANG, (
        "Thị trấn Cao Thượng", "Thị trấn Nhã Nam", "Xã Ngọc Thiện", "Xã Liên Chung",
        "Xã Việt Lập", "Xã Lam Cốt", "Xã Phúc Hòa", "Xã Song Vân", "Xã Quang Tiến",
    ), ("Xã Tân Yên", "Xã Nhã Nam", "Xã Phúc Hòa", "Xã Quang Trung", "Xã Ngọc Thiện")),
    District("218", "Huyện Lục Nam", BAC_GIANG, (
        "Thị trấn Đồi Ngô", "Xã Cẩm Lý", "Xã Bảo Đài", "Xã Bắc Lũng", "Xã Huyền Sơn",
        "Xã Lan Mẫu", "Xã Tiên Hưng", "Xã Vũ Xá", "Xã Đông Phú", "Xã Trường Sơn",
    ), ("Xã Lục Nam", "Xã Bảo Đài", "Xã Cẩm Lý", "Xã Bắc Lũng", "Xã Đông Phú")),
)}

# Districts in the mountains, where Tày, Nùng, Dao and Sán Dìu families are many.
UPLAND_DISTRICTS = frozenset({"218", "217", "216"})

HAMLETS_RURAL = (
    "Thôn Đông", "Thôn Đoài", "Thôn Trung", "Thôn Thượng", "Thôn Hạ", "Thôn Nam", "Thôn Bắc",
    "Xóm Mới", "Thôn Tiền", "Thôn Hậu", "Thôn Cầu", "Thôn Chùa", "Thôn Đình", "Thôn Giữa",
)
HAMLETS_URBAN = (
    *(f"Khu phố {n}" for n in range(1, 9)),
    "Khu Đồng Trầm", "Khu Tiên Xá", "Khu Yên Mẫn", "Khu Thanh Sơn",
)

# Hometowns outside the province, for families that moved in (old names: quê quán is
# written as registered).
OTHER_HOMETOWNS = (
    "xã Hải Bối, huyện Đông Anh, thành phố Hà Nội",
    "xã Yên Thường, huyện Gia Lâm, thành phố Hà Nội",
    "xã Cẩm Vũ, huyện Cẩm Giàng, tỉnh Hải Dương",
    "xã Tân Dân, huyện Khoái Châu, tỉnh Hưng Yên",
    "xã Quang Trung, huyện Kiến Xương, tỉnh Thái Bình",
    "xã Hợp Thành, huyện Phú Lương, tỉnh Thái Nguyên",
    "xã Quỳnh Hưng, huyện Quỳnh Lưu, tỉnh Nghệ An",
    "xã Hoằng Quỳ, huyện Hoằng Hóa, tỉnh Thanh Hóa",
    "xã Mai Pha, thành phố Lạng Sơn, tỉnh Lạng Sơn",
)

# Schools far away, for transfers in and out.
FAR_SCHOOLS: dict[str, tuple[str, ...]] = {
    "TH": (
        "Trường Tiểu học Dịch Vọng B, Hà Nội", "Trường Tiểu học Kim Đồng, Thái Nguyên",
        "Trường Tiểu học Lê Văn Tám, Hải Dương", "Trường Tiểu học Nguyễn Trãi, Hưng Yên",
    ),
    "THCS": (
        "Trường THCS Cầu Giấy, Hà Nội", "Trường THCS Chu Văn An, Thái Nguyên",
        "Trường THCS Lê Quý Đôn, Hải Dương", "Trường THCS Trần Phú, Hưng Yên",
        "Trường THCS Nguyễn Du, Thành phố Hồ Chí Minh",
    ),
    "THPT": (
        "Trường THPT Yên Viên, Hà Nội", "Trường THPT Chuyên Thái Nguyên",
        "Trường THPT Nguyễn Trãi, Hải Dương", "Trường THPT Hưng Yên",
    ),
}


def _check_nfc() -> None:
    strings: list[str] = [*FAMILY_NAMES.values, *HAMLETS_RURAL, *HAMLETS_URBAN, *OTHER_HOMETOWNS]
    for pools in (MIDDLE_NAMES, ADULT_MIDDLE_NAMES):
        for pool in pools.values():
            strings += pool.values
    for names in (*GIVEN_NAMES.values(), *ADULT_GIVEN_NAMES.values(), *FAR_SCHOOLS.values()):
        strings += names
    for d in DISTRICTS.values():
        strings += [d.title, *d.communes, *d.new_communes]
    bad = [s for s in strings if not unicodedata.is_normalized("NFC", s)]
    if bad:
        raise ValueError(f"demo names not in NFC: {bad}")


_check_nfc()
