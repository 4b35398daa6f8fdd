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
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit


def _fresh_sqlite() -> None:
    os.environ.pop("DATABASE_URL", None)
    if "HOCBA_VAR" not in os.environ:
        os.environ["HOCBA_VAR"] = tempfile.mkdtemp(prefix="hocba-bench-")
    var = Path(os.environ["HOCBA_VAR"])
    var.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (var / f"hocba.sqlite3{suffix}").unlink(missing_ok=True)


def _fresh_postgres(url: str, drop_any: bool) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if not name:
        sys.exit("--db: thiếu tên cơ sở dữ liệu")
    if "bench" not in name and not drop_any:
        sys.exit(f"Từ chối xoá cơ sở dữ liệu “{name}”: tên phải chứa “bench” (hoặc --drop-any).")
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    os.environ["DATABASE_URL"] = url


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=["small", "large"], default="large")
    parser.add_argument("--db", help="PostgreSQL URL (default: SQLite under HOCBA_VAR)")
    parser.add_argument("--drop-any", action="store_true",
                        help="allow dropping a database whose name lacks 'bench'")
    args = parser.parse_args()

    # The database must be chosen before Django reads its settings.
    if args.db and not args.db.startswith("sqlite"):
        _fresh_postgres(args.db, args.drop_any)
    else:
        _fresh_sqlite()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()
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
