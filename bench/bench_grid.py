"""Benchmark: server time to load the gradebook grid of a 45-student class (target < 150 ms).

    HOCBA_VAR=/tmp/bench-grid .venv/bin/python bench/bench_grid.py
    .venv/bin/python bench/bench_grid.py --db postgres://postgres@127.0.0.1:5432/hocba_bench

A fresh database gets the test world (``tests.world``) and 44 more students in 6A, every
score of Toán term I filled (4 ĐĐGtx, GK, CK, a comment). The subject teacher then loads the
grid page through Django's test client: the whole view (authorisation, selector, averages,
the audit entry of the read, the template). Prints the median of ``--runs`` loads as one JSON
line, e.g. ``{"bench": "grid_load_45", "median_ms": 41.2, ...}``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

from freshdb import add_db_arguments, setup_django

ROOT = Path(__file__).resolve().parents[1]
CLASS_SIZE = 45


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_db_arguments(parser)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    setup_django(args, "bench-grid.sqlite3")
    sys.path.insert(0, str(ROOT))  # for tests.world
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from tests.world import build_world

    from hocba.domain.access import Role
    from hocba.gradebook.models import TermResult
    from hocba.roster.models import Enrolment, Student

    setup_test_environment()  # the test client's host and a fast hasher are allowed
    call_command("migrate", interactive=False, verbosity=0)
    world = build_world()
    students = Student.objects.bulk_create(
        Student(student_code=f"HS{5000 + i}", full_name=f"Nguyễn Văn Học Sinh {i:02d}",
                birth_date=date(2013, 1 + i % 12, 1 + i % 28), sex="nam", school=world.school)
        for i in range(1, CLASS_SIZE))
    Enrolment.objects.bulk_create(
        Enrolment(student=s, school_class=world.class_6a, start_date=world.year.start,
                  reason=Enrolment.Reason.ADMITTED) for s in students)
    TermResult.objects.bulk_create(
        TermResult(student=s, school_class=world.class_6a, subject=world.math, term=1,
                   tx=["8", "7.5", "9", str(5 + i % 5)], gk=7 + i % 3, ck=6 + i % 4,
                   comment="Chăm chỉ, tiến bộ", version=7)
        for i, s in enumerate([world.student, *students]))

    client = Client()
    client.force_login(world.users[Role.GVBM])
    url = f"/so-diem/lop/{world.class_6a.pk}/mon/TOAN/hk/1/"
    first = client.get(url, secure=True)
    assert first.status_code == 200, first.status_code
    assert first.content.count(b'data-testid="dtb-') == CLASS_SIZE
    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        response = client.get(url, secure=True)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200

    print(json.dumps({
        "bench": "grid_load_45",
        "median_ms": round(statistics.median(timings), 1),
        "min_ms": round(min(timings), 1),
        "max_ms": round(max(timings), 1),
        "runs": args.runs,
        "students": CLASS_SIZE,
        "db": connection.vendor,
        "python": platform.python_version(),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
