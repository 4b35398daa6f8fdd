"""Full-size specimen records, for previewing the templates and for the benchmark.

The canonical examples (docs/examples/record-*.json) carry three subjects to keep the
contract readable; a real year has twelve to fifteen. ``full_year`` fills a copy of an example
with every subject of its grade, so a template change is judged on a realistic page, and
``classmates`` varies it into a class (names, codes, look-up codes, scores), deterministic
for a seed.
"""

from __future__ import annotations

import copy
import random
import uuid
from collections.abc import Iterator, Mapping
from typing import Any

# Grade 4 under TT 27/2020 with QĐ 2904's split of Tin học và Công nghệ: (code, name, has a
# periodic test (Điều 7.1.b), comment).
PRIMARY_SUBJECTS: tuple[tuple[str, str, bool, str | None], ...] = (
    ("TIENG_VIET", "Tiếng Việt", True, "Đọc lưu loát, viết đúng chính tả, trình bày sạch đẹp."),
    ("TOAN", "Toán", True, "Tính toán nhanh, giải toán có lời văn tốt."),
    ("NGOAI_NGU_1", "Ngoại ngữ 1 (Tiếng Anh)", True, "Nghe, nói tự tin; cần luyện thêm từ vựng."),
    ("LICH_SU_DIA_LY", "Lịch sử và Địa lí", True, None),
    ("KHOA_HOC", "Khoa học", True, "Ham tìm hiểu, biết vận dụng vào đời sống."),
    ("TIN_HOC", "Tin học và Công nghệ (Tin học)", True, None),
    ("CONG_NGHE", "Tin học và Công nghệ (Công nghệ)", True, None),
    ("DAO_DUC", "Đạo đức", False, "Lễ phép, biết giúp đỡ bạn bè."),
    ("GDTC", "Giáo dục thể chất", False, None),
    ("AM_NHAC", "Nghệ thuật (Âm nhạc)", False, "Hát đúng giai điệu, thuộc lời bài hát."),
    ("MI_THUAT", "Nghệ thuật (Mĩ thuật)", False, None),
    ("HDTN", "Hoạt động trải nghiệm", False, "Tích cực tham gia các hoạt động tập thể."),
    ("TIENG_DAN_TOC", "Tiếng dân tộc", True, None),
)

# Grade 7 under TT 22/2021: (code, name, "score" or "comment" (Điều 5.3.a), teacher).
SECONDARY_SUBJECTS: tuple[tuple[str, str, str, str], ...] = (
    ("TOAN", "Toán", "score", "Nguyễn Thị Mai"),
    ("NGU_VAN", "Ngữ văn", "score", "Đỗ Văn Khánh"),
    ("NGOAI_NGU_1", "Ngoại ngữ 1 (Tiếng Anh)", "score", "Hoàng Thị Thanh Hương"),
    ("GDCD", "Giáo dục công dân", "score", "Phan Thị Ngọc Diệp"),
    ("LICH_SU_DIA_LY", "Lịch sử và Địa lí", "score", "Bùi Quang Vinh"),
    ("KHTN", "Khoa học tự nhiên", "score", "Trịnh Văn Quyết"),
    ("CONG_NGHE", "Công nghệ", "score", "Lưu Thị Yến"),
    ("TIN_HOC", "Tin học", "score", "Đặng Minh Đức"),
    ("TIENG_DAN_TOC", "Tiếng dân tộc thiểu số", "score", "Lò Văn Sướng"),
    ("NGOAI_NGU_2", "Ngoại ngữ 2 (Tiếng Trung)", "score", "Quách Tuệ Anh"),
    ("GDTC", "Giáo dục thể chất", "comment", "Vũ Minh Tuấn"),
    ("AM_NHAC", "Nghệ thuật (Âm nhạc)", "comment", "Tạ Thu Hằng"),
    ("MI_THUAT", "Nghệ thuật (Mĩ thuật)", "comment", "Kiều Văn Lộc"),
    ("HDTN_HN", "Hoạt động trải nghiệm, hướng nghiệp", "comment", "Lê Thị Thu"),
    ("NOI_DUNG_DIA_PHUONG", "Nội dung giáo dục của địa phương", "comment", "Bùi Quang Vinh"),
)

FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ",
          "Hồ", "Ngô", "Dương", "Lý")
MIDDLE = ("Thị", "Văn", "Đức", "Ngọc", "Thị Ngọc", "Minh", "Thanh", "Quốc", "Thuỳ", "Hữu")
GIVEN = ("Ánh", "Hưng", "Hương", "Dũng", "Yến", "Khánh", "Quỳnh", "Tuấn", "Trâm", "Nghĩa",
         "Phượng", "Hiếu", "Ngân", "Tùng", "Diệp", "Sơn", "Uyên", "Lộc", "Thảo", "Vĩnh")


def _primary(record: dict[str, Any]) -> None:
    record["primary"]["subjects"] = [
        {"code": code, "name": name, "level": "T" if i % 4 else "H",
         "test": (10 - i % 3) if tested else None, "comment": comment}
        for i, (code, name, tested, comment) in enumerate(PRIMARY_SUBJECTS)]


def _secondary(record: dict[str, Any]) -> None:
    subjects, teachers = [], []
    for i, (code, name, kind, teacher_name) in enumerate(SECONDARY_SUBJECTS):
        teacher = {"name": teacher_name, "identity_number": f"0271850000{30 + i:02d}"}
        if kind == "score":
            hk1, hk2 = 6.5 + (i * 7 % 30) / 10, 7.0 + (i * 3 % 25) / 10
            year = (hk1 + 2 * hk2) / 3  # TT 22/2021 Điều 9.1.b
            marks = {"hk1": f"{hk1:.1f}", "hk2": f"{hk2:.1f}", "year": f"{year:.1f}"}
        else:
            marks = {"hk1": "D", "hk2": "D", "year": "D"}
        subjects.append({"code": code, "name": name, "assessment": kind, **marks,
                         "retest": None, "teacher": teacher,
                         "comment": "Tư duy tốt, trình bày mạch lạc." if i == 0 else None})
        teachers.append({**teacher, "subjects": [code]})
    record["secondary"]["subjects"] = subjects
    record["signers"]["subject_teachers"] = teachers


def full_year(record: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``record`` with every subject of a grade-4 (primary) or grade-7 year."""
    out = copy.deepcopy(dict(record))
    if out.get("primary") is not None:
        _primary(out)
    if out.get("secondary") is not None:
        _secondary(out)
    return out


def _vary_scores(record: dict[str, Any], rng: random.Random) -> None:
    if record.get("secondary") is not None:
        ability = rng.uniform(5.0, 9.5)
        for subject in record["secondary"]["subjects"]:
            if subject["assessment"] == "score":
                hk1, hk2 = (min(10.0, max(0.0, rng.gauss(ability, 0.8))) for _ in range(2))
                year = (hk1 + 2 * hk2) / 3  # TT 22/2021 Điều 9.1.b
                subject.update(hk1=f"{hk1:.1f}", hk2=f"{hk2:.1f}", year=f"{year:.1f}")
    if record.get("primary") is not None:
        for subject in record["primary"]["subjects"]:
            subject["level"] = rng.choice("TTTHH")
            if subject["test"] is not None:
                subject["test"] = rng.randint(6, 10)


def classmates(record: Mapping[str, Any], count: int, *, seed: int = 45) -> Iterator[dict]:
    """``count`` full-year records of one class, each a different student."""
    rng = random.Random(seed)
    base = full_year(record)
    for n in range(count):
        student = copy.deepcopy(base)
        student["lookup_code"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        student["student"]["full_name"] = (f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} "
                                           f"{rng.choice(GIVEN)}")
        student["student"]["code"] = f"{base['student']['code'][:-3]}{n + 1:03d}"
        student["student"]["sex"] = rng.choice(("nam", "nu"))
        _vary_scores(student, rng)
        yield student
