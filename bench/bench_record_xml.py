"""Benchmark: the Ministry's XML for a 2,000-student school — target (issue 4) under 5 s for
composing and writing; this script measures the pure part.

    .venv/bin/python bench/bench_record_xml.py [--runs 5] [--students 2000]

Builds 2,000 synthetic canonical records per level, every one different (names, identity
numbers, look-up codes, subjects and scores, nulls), then times, over the whole school:

- ``write_median_s``: ``hocba.domain.moet.write`` for every record: the record's JSON, the
  profile's mapping to an lxml tree, XSD validation of that tree, serialisation to UTF-8;
- ``validate_median_s``: ``moet.validate`` of every file produced, as a received file is
  checked (hardened parse, no empty tag, XSD);
- ``read_median_s``: ``moet.read`` of every file back to a record (round trip);
- ``from_json_median_s``: ``HocBa.from_json`` of every record document (the pure checks of
  composing; the database reads of composing are not here).

Primary: grade 4 with 12 subjects (3 signature slots). Secondary: grade 7 with 13 subjects,
each with its own GVBM slot (16 slots). Prints one JSON line per level.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hocba.domain import moet
from hocba.domain.identity import Sex, make_personal_id
from hocba.domain.record import HocBa
from hocba.domain.subjects import SUBJECTS_BY_CODE

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Vũ", "Võ", "Phan", "Trương",
          "Bùi", "Đặng", "Đỗ", "Ngô", "Hồ", "Dương", "Đinh"]
MIDDLE = {Sex.MALE: ["Văn", "Đức", "Minh", "Quốc", "Gia", "Hữu"],
          Sex.FEMALE: ["Thị", "Ngọc", "Thu", "Khánh", "Bảo", "Mai"]}
GIVEN = {Sex.MALE: ["Hưng", "Dũng", "Tuấn", "Khoa", "Bảo", "Nam", "Phúc", "Long", "Đạt"],
         Sex.FEMALE: ["Ánh", "Lan", "Yến", "Thảo", "Nhi", "Hà", "Linh", "Trang", "Vy"]}
PRIMARY = ("TIENG_VIET", "TOAN", "NGOAI_NGU_1", "LICH_SU_DIA_LY", "KHOA_HOC", "TIN_HOC",
           "CONG_NGHE", "DAO_DUC", "GDTC", "AM_NHAC", "MI_THUAT", "HDTN")
TESTED = {"TIENG_VIET", "TOAN", "NGOAI_NGU_1", "LICH_SU_DIA_LY", "KHOA_HOC", "TIN_HOC",
          "CONG_NGHE"}  # TT 27/2020 Điều 7.1.b
SECONDARY = ("NGU_VAN", "TOAN", "NGOAI_NGU_1", "GDCD", "LICH_SU_DIA_LY", "KHTN", "CONG_NGHE",
             "TIN_HOC", "GDTC", "AM_NHAC", "MI_THUAT", "HDTN_HN", "NOI_DUNG_DIA_PHUONG")
COMMENT_ONLY = {"GDTC", "AM_NHAC", "MI_THUAT", "HDTN_HN", "NOI_DUNG_DIA_PHUONG"}  # Điều 5.3.a


def _person(rng: random.Random, sex: Sex, year: int, serial: int) -> tuple[str, str]:
    name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
    return name, make_personal_id("027", year, sex, serial)


def _common(rng: random.Random, i: int, level: str, grade: int) -> dict[str, Any]:
    sex = rng.choice([Sex.MALE, Sex.FEMALE])
    birth_year = 2024 - grade - 6
    name, number = _person(rng, sex, birth_year, 100_000 + i)
    first = 2024 - (grade - {"TH": 1, "THCS": 6}[level])
    school = "Trường Tiểu học Phật Tích" if level == "TH" else "Trường THCS Nguyễn Đăng Đạo"
    teacher, teacher_id = _person(rng, Sex.FEMALE, 1985, 900_000 + i % 50)
    return {
        "schema": "hocba.record/1", "lookup_code": str(uuid.UUID(int=rng.getrandbits(128),
                                                                  version=4)),
        "level": level, "composed_at": "2025-05-30T14:05:00+07:00",
        "book": {"level": level, "registry_number": f"27260001-{first}-{i:04d}",
                 "first_year": f"{first}-{first + 1}"},
        "school_year": "2024-2025",
        "school": {"code": "27260001", "name": school, "education_office_code": "27",
                   "education_office_name": "Sở Giáo dục và Đào tạo Bắc Ninh",
                   "province": "Bắc Ninh", "district": rng.choice(["Huyện Tiên Du", None]),
                   "commune": "Xã Phật Tích", "place_of_issue": "Phật Tích"},
        "student": {"code": f"27260001{i:05d}", "identity_number": number, "full_name": name,
                    "sex": sex.value, "birth_date": f"{birth_year}-{rng.randrange(1, 13):02d}-"
                                                    f"{rng.randrange(1, 29):02d}",
                    "birth_place": "Bắc Ninh", "home_town": "Tiên Du, Bắc Ninh",
                    "address": f"Thôn {rng.randrange(1, 12)}, xã Phật Tích, tỉnh Bắc Ninh",
                    "ethnicity": rng.choice(["Kinh"] * 9 + ["Tày"]), "nationality": "Việt Nam",
                    "father": rng.choice([None, f"{name.split()[0]} Văn Bình"]),
                    "mother": "Trần Thị Hoa", "guardian": None},
        "class": {"name": f"{grade}{'ABCDEFGHIK'[i % 10]}", "grade": grade},
        "history": [{"school_year": f"{y}-{y + 1}", "class": f"{grade - 2024 + y}A",
                     "school": school, "since": f"{y}-09-05"} for y in range(first, 2025)],
        "attendance": {"excused": rng.randrange(12), "unexcused": rng.randrange(4)},
        "promoted": rng.random() > 0.02,
        "homeroom_comment": rng.choice(["Em ngoan, học tốt.", "Em chăm chỉ, cần mạnh dạn hơn.",
                                        "Có tiến bộ rõ trong học kì II."]),
        "signers": {"homeroom": {"name": teacher, "identity_number": teacher_id,
                                 "title": "Giáo viên chủ nhiệm"},
                    "principal": {"name": "Phạm Văn Hùng", "identity_number": "027175000003",
                                  "title": "Hiệu trưởng"},
                    "subject_teachers": []},
        "created_on": "2025-05-30", "issued_on": None,
    }


def primary_record(rng: random.Random, i: int) -> dict[str, Any]:
    document = _common(rng, i, "TH", 4)
    ratings = ["T", "T", "T", "D", "C"]
    document.update(regime="tt27", secondary=None,
                    health={"weight_kg": f"{rng.randrange(20, 40)}.{rng.randrange(10)}",
                            "height_cm": str(rng.randrange(120, 145))})
    document["primary"] = {
        "subjects": [{"code": c, "name": SUBJECTS_BY_CODE[c].name, "level": rng.choice("TTHHC"),
                      "test": rng.randrange(4, 11) if c in TESTED else None,
                      "comment": rng.choice([None, "Tiến bộ.", "Cần luyện thêm."])}
                     for c in PRIMARY],
        "qualities": {q: rng.choice(ratings) for q in ("yeu_nuoc", "nhan_ai", "cham_chi",
                                                       "trung_thuc", "trach_nhiem")},
        "competences": {c: rng.choice(ratings) for c in (
            "tu_chu_tu_hoc", "giao_tiep_hop_tac", "giai_quyet_van_de", "ngon_ngu", "tinh_toan",
            "khoa_hoc", "cong_nghe", "tin_hoc", "tham_mi", "the_chat")},
        "comments": {"qualities": "Chăm chỉ, trung thực.", "general_competences": "Tự giác.",
                     "specific_competences": "Đọc, viết thành thạo."},
        "evaluation": rng.choice(["HTXS", "HTT", "HT", "CHT"]), "completed_grade": True,
        "completed_primary": None, "completion_text": "Hoàn thành chương trình lớp 4",
        "award": rng.choice([None, None, "HS_XUAT_SAC", "HS_TIEU_BIEU"]), "special_award": None}
    return document


def secondary_record(rng: random.Random, i: int) -> dict[str, Any]:
    document = _common(rng, i, "THCS", 7)
    document.update(regime="tt22", primary=None, health={"weight_kg": None, "height_cm": None})
    subjects, teachers = [], []
    for n, code in enumerate(SECONDARY):
        name, number = _person(rng, Sex.FEMALE, 1980, 800_000 + n * 7 + i % 3)
        teachers.append({"name": name, "identity_number": number, "subjects": [code]})
        if code in COMMENT_ONLY:
            results = {k: rng.choice(["D"] * 9 + ["CD"]) for k in ("hk1", "hk2", "year")}
        else:
            results = {k: f"{rng.randrange(3, 10)}.{rng.randrange(10)}"
                       for k in ("hk1", "hk2", "year")}
        subjects.append({"code": code, "name": SUBJECTS_BY_CODE[code].name,
                         "assessment": "comment" if code in COMMENT_ONLY else "score",
                         **results, "retest": None,
                         "teacher": {"name": name, "identity_number": number},
                         "comment": rng.choice([None, "Tích cực phát biểu."])})
    levels = ["TOT", "KHA", "KHA", "DAT", "CHUA_DAT"]
    document["secondary"] = {
        "subjects": subjects,
        "hoc_tap": {"hk1": rng.choice(levels), "hk2": rng.choice(levels),
                    "year": rng.choice(levels), "after_summer": None},
        "ren_luyen": {"hk1": "TOT", "hk2": rng.choice(levels), "year": rng.choice(levels),
                      "after_summer": None},
        "completed_programme": None, "award": rng.choice([None, "HS_GIOI", "HS_XUAT_SAC"]),
        "special_award": None}
    document["signers"]["subject_teachers"] = teachers
    return document


def _median(run: Callable[[], object], runs: int) -> tuple[float, float, float]:
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), min(times), statistics.median(cpu)


def bench(level: str, students: int, runs: int) -> dict[str, Any]:
    rng = random.Random(20250530)
    make = primary_record if level == "TH" else secondary_record
    documents = [make(rng, i) for i in range(students)]
    records = [HocBa.from_json(d) for d in documents]
    files = [moet.write(r) for r in records]
    assert all(moet.read(x) == r for x, r in zip(files, records, strict=True))  # lossless

    write, write_min, write_cpu = _median(lambda: [moet.write(r) for r in records], runs)
    check, _, _ = _median(lambda: [moet.validate(x) for x in files], runs)
    read, _, _ = _median(lambda: [moet.read(x) for x in files], runs)
    parse, _, _ = _median(lambda: [HocBa.from_json(d) for d in documents], runs)
    return {
        "bench": f"record_xml_{students}_{level}",
        "profile": moet.profile_for(records[0]).key,
        "write_median_s": round(write, 3), "write_min_s": round(write_min, 3),
        "write_cpu_median_s": round(write_cpu, 3),
        "ms_per_record": round(1000 * write / students, 3),
        "validate_median_s": round(check, 3), "read_median_s": round(read, 3),
        "from_json_median_s": round(parse, 3),
        "mean_file_bytes": round(sum(len(x) for x in files) / students),
        "students": students, "runs": runs, "round_trip_equal": True,
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--students", type=int, default=2_000)
    args = parser.parse_args(argv)
    for level in ("TH", "THCS"):
        print(json.dumps(bench(level, args.students, args.runs), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
