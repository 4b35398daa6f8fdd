"""Benchmark: seed the demo data into a fresh, throwaway database.

    HOCBA_VAR=/tmp/bench-seed .venv/bin/python bench/bench_seed.py --size large
    .venv/bin/python bench/bench_seed.py --size large --db postgres://postgres@127.0.0.1:5432/hocba_bench

Prints one JSON line per run, e.g.
``{"bench": "seed_large", "seconds": 34.2, "schools": 128, "students": 62449, "db": "sqlite"}``.

SQLite: the database file under ``HOCBA_VAR`` is deleted first (without ``HOCBA_VAR`` a
temporary directory is used, never ./var). PostgreSQL: the database named in ``--db`` is
dropped and created again, so its name must contain "bench" (or pass ``--drop-any``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time

from freshdb import add_db_arguments, setup_django


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["small", "large"], default="large")
    add_db_arguments(parser)
    args = parser.parse_args()

    setup_django(args, "hocba.sqlite3")
    from django.core.management import call_command
    from django.db import connection

    from hocba.demo import generator

    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    migrate_seconds = time.perf_counter() - started

    started = time.perf_counter()
    summary = generator.seed(size=args.size)
    seconds = time.perf_counter() - started

    print(json.dumps({
        "bench": f"seed_{args.size}",
        "seconds": round(seconds, 2),
        "schools": summary.schools,
        "classes": summary.classes_all_years,
        "students": summary.students,
        "enrolments": summary.enrolments,
        "teachers": summary.teachers,
        "assignments": summary.assignments,
        "db": connection.vendor,
        "migrate_seconds": round(migrate_seconds, 2),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
