"""Benchmark: import a 2,000-row class list (45 classes) into a fresh, throwaway database.

    HOCBA_VAR=/tmp/bench-var .venv/bin/python bench/bench_import.py
    .venv/bin/python bench/bench_import.py --db postgres://postgres@127.0.0.1:5432/hocba_bench

Prints one JSON line, e.g.
``{"bench": "import_class_list_2000", "median_s": 0.42, "validate_median_s": 0.2, ...}``:
``median_s`` is the full import of 2,000 new students (read, check, write, audit, commit);
``validate_median_s`` the same file checked only (``dry_run``, nothing written);
``reimport_median_s`` the same file again once every student exists; ``read_median_s`` the
spreadsheet reading alone; ``*cpu*`` the process's CPU time (steadier than wall time on a
busy machine; the database's own work is in it for SQLite, not for PostgreSQL).
Each is the median of ``--runs`` runs; before every full import
the students and enrolments are deleted so that each run starts from the same database.

SQLite: ``bench-import.sqlite3`` under ``HOCBA_VAR`` is deleted first (without ``HOCBA_VAR``
a temporary directory is used, never ./var). PostgreSQL: the database named in ``--db`` is
dropped and created again, so its name must contain "bench" (or pass ``--drop-any``).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import date
from typing import Any

from freshdb import add_db_arguments, setup_django

ROWS = 2_000
GRADES = {6: 12, 7: 11, 8: 11, 9: 11}  # 45 classes of a large lower secondary school
YEAR_START = date(2025, 9, 5)

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng",
          "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý", "Đinh", "Trịnh", "Đoàn", "Lương"]
MIDDLE = {"nam": ["Văn", "Minh", "Quốc", "Đức", "Hữu", "Thành", "Gia", "Anh", "Xuân", "Công"],
          "nu": ["Thị", "Ngọc", "Thu", "Minh", "Thanh", "Hồng", "Phương", "Bảo", "Khánh", "Mai"]}
GIVEN = {"nam": ["An", "Bảo", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hùng", "Khang", "Khoa",
                 "Long", "Minh", "Nam", "Nghĩa", "Phúc", "Quân", "Sơn", "Thắng", "Trung", "Vũ"],
         "nu": ["Anh", "Ánh", "Chi", "Diệp", "Giang", "Hà", "Hương", "Lan", "Linh", "Mai",
                "My", "Ngân", "Nhung", "Oanh", "Phương", "Quỳnh", "Thảo", "Trang", "Vy", "Yến"]}
PLACES = ["Hà Nội", "Hải Phòng", "Nam Định", "Thái Bình", "Nghệ An", "Thanh Hóa", "Bắc Ninh",
          "Hưng Yên", "Thừa Thiên Huế", "Đà Nẵng"]
ETHNIC = ["Kinh"] * 17 + ["Tày", "Mường", "Thái"]
PROVINCES = ["001", "001", "001", "031", "036", "034", "040", "038", "027", "033"]


def class_names() -> list[tuple[int, str]]:
    return [(grade, f"{grade}A{n}") for grade, count in GRADES.items()
            for n in range(1, count + 1)]


def class_list_bytes(rng: random.Random) -> bytes:
    """2,000 plausible students spread over the 45 classes, with valid identity numbers."""
    from openpyxl import Workbook

    from hocba.domain import roster_sheet as rs
    from hocba.domain.identity import Sex, make_personal_id

    book = Workbook(write_only=True)
    sheet = book.create_sheet(rs.CLASS_LIST.title)
    sheet.append([c.header for c in rs.CLASS_LIST.columns])
    classes = class_names()
    for n in range(ROWS):
        grade, name = classes[n % len(classes)]
        sex = rng.choice(["nam", "nu"])
        year = YEAR_START.year - grade - 5
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        family = rng.choice(FAMILY)
        pid = make_personal_id(rng.choice(PROVINCES), year, Sex(sex), 100_000 + n)
        sheet.append([
            n + 1, f"HS25{n:05d}",
            f"{family} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}",
            born if n % 2 else born.strftime("%d/%m/%Y"),  # Excel dates and typed text
            "Nam" if sex == "nam" else "Nữ", name, pid, rng.choice(ETHNIC), "Việt Nam",
            rng.choice(PLACES), rng.choice(PLACES),
            f"Số {rng.randint(1, 200)} ngõ {rng.randint(1, 90)}, phường Cầu Giấy, Hà Nội",
            f"{family} Văn {rng.choice(GIVEN['nam'])}",
            f"{rng.choice(FAMILY)} Thị {rng.choice(GIVEN['nu'])}", "",
        ])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def world() -> tuple[Any, Any, Any]:
    """A school with 45 classes in 2025-2026 and a Học vụ allowed to import into it."""
    from hocba.accounts.models import RoleAssignment, User
    from hocba.domain.access import Role
    from hocba.organisation.models import School, SchoolYear, Unit
    from hocba.roster.models import SchoolClass

    bo = Unit.objects.create(kind=Unit.Kind.BO, code="BGDDT", name="Bộ Giáo dục và Đào tạo")
    so = Unit.objects.create(kind=Unit.Kind.SO, code="SO01", parent=bo,
                             name="Sở Giáo dục và Đào tạo Thành phố Hà Nội")
    year = SchoolYear.objects.create(name="2025-2026", start=YEAR_START, end=date(2026, 5, 31))
    school = School.objects.create(code="01000199", name="Trường THCS Cầu Giấy", province=so,
                                   levels=["THCS"])
    SchoolClass.objects.bulk_create([
        SchoolClass(school=school, school_year=year, grade=grade, name=name)
        for grade, name in class_names()])
    user = User.objects.create_user(username="hocvu", password=None, full_name="Học vụ")
    RoleAssignment.objects.create(user=user, role=Role.HOC_VU, school=school, school_year=year)
    return school, year, user


def timed(func: Any, cpu: list[float] | None = None) -> tuple[float, Any]:
    """Wall seconds and the value; the process's CPU seconds are appended to ``cpu``."""
    started, cpu_started = time.perf_counter(), time.process_time()
    value = func()
    if cpu is not None:
        cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started, value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    add_db_arguments(parser)
    args = parser.parse_args()

    setup_django(args, "bench-import.sqlite3")
    from django.core.management import call_command
    from django.db import connection

    from hocba.roster.excel import reader, services
    from hocba.roster.models import Enrolment, Student

    call_command("migrate", interactive=False, verbosity=0)
    school, year, user = world()
    data = class_list_bytes(random.Random(2025))

    def run(dry_run: bool = False) -> services.ImportResult:
        result = services.import_class_list(data, filename="bench.xlsx", school=school,
                                            school_year=year, actor=user, dry_run=dry_run)
        if result.errors:
            raise SystemExit(result.error_report()[:2000])
        return result

    def read() -> None:
        book = reader.open_workbook(data, "bench.xlsx")
        book.rows(book.sheet_names()[0])
        book.formulas(book.sheet_names()[0])
        book.close()

    def empty_roster() -> None:
        # Raw deletes: the ORM's would log every row in the audit log and cost seconds.
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {Enrolment._meta.db_table}")  # noqa: S608
            cursor.execute(f"DELETE FROM {Student._meta.db_table}")  # noqa: S608

    run(dry_run=True)  # warm up: imports, caches, first queries
    reads = [timed(read)[0] for _ in range(args.runs)]
    check_cpu: list[float] = []
    checks = [timed(lambda: run(dry_run=True), check_cpu)[0] for _ in range(args.runs)]
    imports, reimports, import_cpu = [], [], []
    for _ in range(args.runs):
        empty_roster()
        seconds, result = timed(run, import_cpu)
        assert result.created == ROWS, result.summary()
        imports.append(seconds)
    for _ in range(args.runs):
        seconds, result = timed(run)
        assert result.updated == ROWS, result.summary()
        reimports.append(seconds)
    assert Student.objects.count() == ROWS
    assert Enrolment.objects.filter(end_date__isnull=True).count() == ROWS

    print(json.dumps({
        "bench": "import_class_list_2000",
        "median_s": round(statistics.median(imports), 3),
        "cpu_median_s": round(statistics.median(import_cpu), 3),
        "validate_median_s": round(statistics.median(checks), 3),
        "validate_cpu_median_s": round(statistics.median(check_cpu), 3),
        "reimport_median_s": round(statistics.median(reimports), 3),
        "read_median_s": round(statistics.median(reads), 3),
        "min_s": round(min(imports), 3), "max_s": round(max(imports), 3),
        "runs": args.runs, "rows": ROWS, "classes": sum(GRADES.values()),
        "file_bytes": len(data), "db": connection.vendor,
        "python": platform.python_version(), "cpus": os.cpu_count(),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
