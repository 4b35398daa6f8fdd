"""Benchmark: composing the học bạ of a school's finished year and writing its Ministry XML
(issue 4 target: a 2,000-student school in under 5 s).

    HOCBA_VAR=/tmp/bench-compose .venv/bin/python bench/bench_compose.py
    .venv/bin/python bench/bench_compose.py --db postgres://postgres@127.0.0.1:5432/hocba_bench

A fresh database gets the small demo (six schools; last year complete and locked). Then, for
every school, its principal composes every class of 2024-2025 (``compose_school``: the
year-results selectors, the TT 22/TT 27 engines, the snapshot, canonical JSON and hash, the
rows and their audit entries), then every record's XML is written from its stored canonical
JSON and checked against the profile's XSD, as the export does (``moet.write_checked``).
Prints one JSON line with the students composed, the seconds for each step, and the figure
scaled to 2,000 students; ``*_cpu_s`` is this process's CPU time for the step (steadier than
the clock on a shared machine; it leaves out PostgreSQL's own).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from freshdb import add_db_arguments, setup_django

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_db_arguments(parser)
    args = parser.parse_args()

    setup_django(args, "bench-compose.sqlite3")
    from django.core.management import call_command

    from hocba.accounts.models import RoleAssignment
    from hocba.demo import generator
    from hocba.domain import moet
    from hocba.domain.access import Role
    from hocba.organisation.models import School, SchoolYear
    from hocba.records import compose
    from hocba.records.models import HocBaRecord

    call_command("migrate", interactive=False, verbosity=0)
    generator.seed(size="small")
    year = SchoolYear.objects.get(name="2024-2025")

    started, cpu = time.perf_counter(), time.process_time()
    for school in School.objects.order_by("code"):
        principal = RoleAssignment.objects.get(role=Role.PRINCIPAL, school=school,
                                               school_year=year).user
        for outcome in compose.compose_school(principal, school, year):
            assert not isinstance(outcome, compose.CompositionRefused), outcome.gaps.items
    composed, composed_cpu = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    records = list(HocBaRecord.objects.filter(school_year=year).values_list("canonical",
                                                                            flat=True))
    size = sum(len(moet.write_checked(json.loads(c))) for c in records)
    written, written_cpu = time.perf_counter() - started, time.process_time() - cpu

    count = len(records)
    total = composed + written
    print(json.dumps({
        "bench": "compose_and_xml_school_year",
        "students": count,
        "compose_s": round(composed, 2),
        "xml_s": round(written, 2),
        "total_s": round(total, 2),
        "compose_cpu_s": round(composed_cpu, 2),
        "xml_cpu_s": round(written_cpu, 2),
        "per_2000_students_s": round(total / count * 2000, 2),
        "xml_mean_bytes": size // max(count, 1),
        "database": "postgresql" if args.db else "sqlite",
        "python": platform.python_version(),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
