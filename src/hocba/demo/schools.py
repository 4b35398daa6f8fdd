"""The demo province and its schools: six hand-picked ones, and a whole province for benchmarks.

The province is the new tỉnh Bắc Ninh (Bắc Ninh and Bắc Giang merged on 01/07/2025). School
codes keep the old province prefix (27 Bắc Ninh, 24 Bắc Giang) because an education code is
immutable (TT 42/2021/TT-BGDĐT Điều 10); a school's names per year record the merger.
Schools with upper-secondary grades are run by the Sở directly, so they have no area.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hocba.demo.names import BAC_NINH, DISTRICTS, District, bare

PROVINCE_CODE = "27"  # MA_SO_GIAO_DUC of the Sở (the code of the new province)
PROVINCE_TITLE = "Tỉnh Bắc Ninh"
SO_NAME = "Sở Giáo dục và Đào tạo tỉnh Bắc Ninh"
BO_CODE = "BGDDT"
BO_NAME = "Bộ Giáo dục và Đào tạo"

MAIN_SCHOOL = "27260002"  # the THCS school of the demo accounts
SECOND_SCHOOL = "24222001"  # the other school's principal (hieutruong2)
DEMO_CLASS = "7A"  # gvcn's class; a grade above the first, so its students have a history
GVBM_SUBJECT = "NGU_VAN"

# Per-level class sizes (students in a class, inclusive range).
CLASS_SIZE = {"TH": (30, 36), "THCS": (32, 40), "THPT": (36, 44)}


@dataclass(frozen=True)
class SchoolSpec:
    no: int  # 1-based position: a stable number for codes and identity serials
    code: str  # MA_TRUONG: province prefix + GSO district code + serial
    name: str
    levels: tuple[str, ...]
    district: str  # GSO code of the district before 2025
    commune: str  # commune or ward before 2025, with its kind ("Xã Phật Tích")
    has_area: bool
    classes_per_grade: dict[int, int]  # this year's classes per grade
    homeroom_subject: dict[str, str] = field(default_factory=dict)  # class name → subject
    reserved_subject: str | None = None  # one teacher of it is never a homeroom teacher

    @property
    def district_info(self) -> District:
        return DISTRICTS[self.district]

    @property
    def area_code(self) -> str | None:
        return area_code(self.district) if self.has_area else None

    @property
    def old_province(self) -> str:
        return self.district_info.old_province


def area_code(district: str) -> str:
    return f"{PROVINCE_CODE}-{district}"


def area_name(district: str) -> str:
    return f"Phòng Giáo dục và Đào tạo khu vực {DISTRICTS[district].short}"


def _code(district: str, serial: int) -> str:
    prefix = "27" if DISTRICTS[district].old_province == BAC_NINH else "24"
    return f"{prefix}{district}{serial:03d}"


def small_schools() -> list[SchoolSpec]:
    """Six schools: TH, THCS (the demo accounts), THPT, THCS+THPT, and two from Bắc Giang."""
    return [
        SchoolSpec(1, _code("260", 1), "Trường Tiểu học Phật Tích", ("TH",), "260",
                   "Xã Phật Tích", True, {1: 2, 2: 2, 3: 2, 4: 2, 5: 2}),
        SchoolSpec(2, MAIN_SCHOOL, "Trường THCS Nguyễn Đăng Đạo", ("THCS",), "260",
                   "Thị trấn Lim", True, {6: 3, 7: 3, 8: 2, 9: 2},
                   homeroom_subject={DEMO_CLASS: "TOAN"}, reserved_subject=GVBM_SUBJECT),
        SchoolSpec(3, _code("256", 1), "Trường THPT Hàn Thuyên", ("THPT",), "256",
                   "Phường Đại Phúc", False, {10: 2, 11: 2, 12: 2}),
        SchoolSpec(4, _code("261", 1), "Trường THCS và THPT Lý Thái Tổ", ("THCS", "THPT"), "261",
                   "Phường Đình Bảng", False, dict.fromkeys(range(6, 13), 1)),
        SchoolSpec(5, SECOND_SCHOOL, "Trường THCS Thân Nhân Trung", ("THCS",), "222",
                   "Phường Bích Động", True, {6: 2, 7: 1, 8: 1, 9: 1}),
        SchoolSpec(6, _code("222", 2), "Trường Tiểu học Hoàng Ninh", ("TH",), "222",
                   "Phường Hoàng Ninh", True, dict.fromkeys(range(1, 6), 1)),
    ]


# A whole province: in every former district, five primary and three lower-secondary schools
# (the hand-picked ones count), and one upper-secondary school run by the Sở.
LARGE_TH_PER_DISTRICT = 5
LARGE_THCS_PER_DISTRICT = 3


def large_schools() -> list[SchoolSpec]:
    specs = small_schools()
    rng = random.Random("hocba-demo/large-province")
    used = {s.name for s in specs}
    serials = {d: sum(1 for s in specs if s.district == d) for d in DISTRICTS}
    for d in DISTRICTS.values():
        communes = list(d.communes)
        rng.shuffle(communes)
        for level, label, wanted, grades in (
            ("TH", "Tiểu học", LARGE_TH_PER_DISTRICT, range(1, 6)),
            ("THCS", "THCS", LARGE_THCS_PER_DISTRICT, range(6, 10)),
        ):
            have = sum(1 for s in specs if s.district == d.code and s.levels == (level,))
            for commune in communes:
                if have >= wanted:
                    break
                name = f"Trường {label} {bare(commune)}"
                if name in used:
                    continue
                used.add(name)
                serials[d.code] += 1
                specs.append(SchoolSpec(
                    len(specs) + 1, _code(d.code, serials[d.code]), name, (level,), d.code,
                    commune, True, {g: rng.randint(2, 4) for g in grades},
                ))
                have += 1
        serials[d.code] += 1
        specs.append(SchoolSpec(
            len(specs) + 1, _code(d.code, serials[d.code]), f"Trường THPT {d.short} số 1",
            ("THPT",), d.code, communes[-1], False, {g: rng.randint(4, 7) for g in (10, 11, 12)},
        ))
    return specs


def schools_for(size: str) -> list[SchoolSpec]:
    if size == "small":
        return small_schools()
    if size == "large":
        return large_schools()
    raise ValueError(f"kích thước dữ liệu demo không hợp lệ: {size!r} (small hoặc large)")
