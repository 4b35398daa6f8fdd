"""Benchmark: import a filled score sheet of a 45-student class (Toán 6, 4 ĐĐGtx) from Excel.

    HOCBA_VAR=/tmp/bench-gb .venv/bin/python bench/gradebook_import.py
    .venv/bin/python bench/gradebook_import.py --db postgres://postgres@127.0.0.1:5432/hocba_bench_gb

A fresh database gets the test world (``tests.world``) and 44 more students in 6A. The
subject teacher exports the empty sheet of Toán, term I (TX1–TX4, GK, CK, Nhận xét), every
cell is filled in (45 × 7 = 315 cells), and the file goes through ``excel.import_sheet``,
the service behind the upload page: reading (calamine), the signed identity sheet, every
cell checked with the grid's rules, then each changed cell written through
``services.save_cell`` (authorisation, version, audit) in one transaction.

Prints one JSON line, e.g. ``{"bench": "gradebook_import_45x4", "median_s": 0.9, ...}``:
``median_s`` is the full import of the 315 cells (the sheet's rows are deleted before each
run, so every run writes all of them); ``refused_median_s`` the same file with one impossible
score in the last row (everything read and checked, nothing written);
``unchanged_median_s`` a file equal to what is stored (read, checked, compared, nothing to
write); ``export_median_s`` the export. Each is the median of ``--runs`` runs; ``*cpu*`` is
the process's CPU time (the database's own work is in it for SQLite, not PostgreSQL).

SQLite: ``bench-gradebook-import.sqlite3`` under ``HOCBA_VAR`` is deleted first (without
``HOCBA_VAR`` a temporary directory is used, never ./var). PostgreSQL: the database named in
``--db`` is dropped and created again, so its name must contain "bench" (or ``--drop-any``).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from freshdb import add_db_arguments, setup_django

ROOT = Path(__file__).resolve().parents[1]
CLASS_SIZE = 45


def timed(func: Any, cpu: list[float]) -> tuple[float, Any]:
    started, cpu_started = time.perf_counter(), time.process_time()
    value = func()
    cpu.append(time.process_time() - cpu_started)
    return time.perf_counter() - started, value


def filled(data: bytes, bad_last: bool = False) -> bytes:
    """The exported sheet with every editable cell of every student filled in."""
    from openpyxl import load_workbook

    from hocba.gradebook import excel

    book = load_workbook(io.BytesIO(data))
    sheet = book[excel.DATA_SHEET]
    last = excel.HEADER_ROW + CLASS_SIZE
    for number in range(excel.HEADER_ROW + 1, last + 1):
        i = number - excel.HEADER_ROW
        # D–G TX1–TX4, H GK, I CK (J is ĐTB, ignored), K Nhận xét.
        for col, value in zip("DEFGHI", (8, 7.5, 9, 5 + i % 5, 7 + i % 3, 6.5 + i % 4),
                              strict=True):
            sheet[f"{col}{number}"] = value
        sheet[f"K{number}"] = "Chăm chỉ, tiến bộ rõ trong học kì"
    if bad_last:
        sheet[f"I{last}"] = 11  # TT 22/2021 Điều 5.3.b: refused, nothing written
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_db_arguments(parser)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    setup_django(args, "bench-gradebook-import.sqlite3")
    sys.path.insert(0, str(ROOT))  # for tests.world
    from django.core.management import call_command
    from django.db import connection
    from tests.world import build_world

    from hocba.accounts.models import User
    from hocba.domain.access import Role
    from hocba.gradebook import excel
    from hocba.gradebook.models import TermResult
    from hocba.roster.models import Enrolment, Student

    call_command("migrate", interactive=False, verbosity=0)
    world = build_world()
    students = Student.objects.bulk_create(
        Student(student_code=f"HS{5000 + i}", full_name=f"Nguyễn Văn Học Sinh {i:02d}",
                birth_date=date(2013, 1 + i % 12, 1 + i % 28), sex="nam", school=world.school)
        for i in range(1, CLASS_SIZE))
    Enrolment.objects.bulk_create(
        Enrolment(student=s, school_class=world.class_6a, start_date=world.year.start,
                  reason=Enrolment.Reason.ADMITTED) for s in students)
    teacher = world.users[Role.GVBM]

    def user() -> Any:  # a fresh user object: no grant cache carried between runs
        return User.objects.get(pk=teacher.pk)

    def export() -> bytes:
        return excel.export_sheet(user(), world.class_6a, world.math, 1)

    empty = export()
    full, refused = filled(empty), filled(empty, bad_last=True)

    def run(data: bytes) -> Any:
        return excel.import_sheet(user(), world.class_6a, world.math, 1, data, "so-diem.xlsx")

    cells = CLASS_SIZE * 7
    timings: dict[str, list[float]] = {k: [] for k in ("full", "refused", "same", "export")}
    cpu: dict[str, list[float]] = {k: [] for k in timings}
    for _ in range(args.runs):
        TermResult.objects.filter(school_class=world.class_6a).delete()
        seconds, outcome = timed(lambda: run(full), cpu["full"])
        assert outcome.ok and outcome.updated == cells, (outcome.errors[:3], outcome.updated)
        timings["full"].append(seconds)
        seconds, outcome = timed(lambda: run(refused), cpu["refused"])
        assert [e.row for e in outcome.errors] == [excel.HEADER_ROW + CLASS_SIZE]
        timings["refused"].append(seconds)
        seconds, current = timed(export, cpu["export"])
        timings["export"].append(seconds)
        seconds, outcome = timed(lambda current=current: run(current), cpu["same"])
        assert outcome.ok and outcome.updated == 0
        timings["same"].append(seconds)

    def median(values: list[float]) -> float:
        return round(statistics.median(values), 3)

    print(json.dumps({
        "bench": "gradebook_import_45x4",
        "median_s": median(timings["full"]),
        "min_s": round(min(timings["full"]), 3),
        "max_s": round(max(timings["full"]), 3),
        "cpu_median_s": median(cpu["full"]),
        "refused_median_s": median(timings["refused"]),
        "unchanged_median_s": median(timings["same"]),
        "export_median_s": median(timings["export"]),
        "cells": cells,
        "students": CLASS_SIZE,
        "file_kb": round(len(full) / 1024, 1),
        "runs": args.runs,
        "db": connection.vendor,
        "python": platform.python_version(),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
