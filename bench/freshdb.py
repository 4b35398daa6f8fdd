"""A fresh, throwaway database for a benchmark, chosen before Django is imported.

``fresh_sqlite(name)`` points DATABASE_URL at an empty SQLite file under HOCBA_VAR (a new
temporary folder when unset, never ./var); ``fresh_postgres(url)`` drops and recreates the
database named in ``url``, which must contain "bench" unless ``drop_any`` is given.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


def fresh_sqlite(filename: str) -> None:
    if "HOCBA_VAR" not in os.environ:
        os.environ["HOCBA_VAR"] = tempfile.mkdtemp(prefix="hocba-bench-")
    var = Path(os.environ["HOCBA_VAR"])
    var.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        (var / f"{filename}{suffix}").unlink(missing_ok=True)
    os.environ["DATABASE_URL"] = f"sqlite:///{var.resolve() / filename}"


def fresh_postgres(url: str, drop_any: bool = False) -> None:
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


def add_db_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", help="PostgreSQL URL (default: SQLite under HOCBA_VAR)")
    parser.add_argument("--drop-any", action="store_true",
                        help="allow dropping a database whose name lacks 'bench'")


def setup_django(args: argparse.Namespace, sqlite_name: str) -> None:
    """Choose the fresh database (before Django reads its settings), then start Django."""
    if args.db and not args.db.startswith("sqlite"):
        fresh_postgres(args.db, args.drop_any)
    else:
        fresh_sqlite(sqlite_name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()


def start_demo_pki() -> Any:
    """Start the demo PKI's TSA/OCSP/CRL on a free port (after ``setup_django``) and make the
    certificates seeding creates name it: they carry the address of their OCSP responder."""
    from hocba.certificates.keys import pki_dir
    from hocba.signing import pki
    from hocba.signing.services import PkiServices

    services = PkiServices.for_directory(pki_dir())
    services.start()
    pki.ensure_demo_pki.__kwdefaults__ = {"base_url": services.base_url}
    os.environ["HOCBA_TSA_URL"] = f"{services.base_url}/tsa"
    return services
