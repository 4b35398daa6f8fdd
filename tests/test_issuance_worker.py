"""Background signing survives a crash (issue 5 §5): a ``hocba worker`` process is killed with
SIGKILL in the middle of a batch, started again, and every record ends up signed exactly
once — no record signed twice, none skipped — counted from the signature events per record
and slot, on a real database the worker processes share (an SQLite file, or a PostgreSQL
database of its own).

The database is built by this file run as a script (``python tests/test_issuance_worker.py
setup N``): the small world of ``tests.world``, N records of its class 6A made from the
primary example record, the homeroom teacher's demo certificate, and one queued job.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDS = 24
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A fresh database URL of the kind this test session runs on."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        import psycopg

        name = f"hocba_kill_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        yield f"{PG_SERVER}/{name}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        yield f"sqlite:///{tmp_path / 'kill.sqlite3'}"


def _env(url: str, var: Path) -> dict[str, str]:
    env = {**os.environ, "DATABASE_URL": url, "HOCBA_VAR": str(var),
           "HOCBA_SIGNING_CHUNK": "2", "HOCBA_SIGNING_LEASE": "1",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _query(url: str, sql: str) -> list[tuple[Any, ...]]:
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=20) as conn:
            return list(conn.execute(sql).fetchall())
    import psycopg

    with psycopg.connect(url) as conn:
        return list(conn.execute(sql).fetchall())


def _done(url: str) -> int:
    return int(_query(url, "SELECT count(*) FROM issuance_signingjobitem "
                           "WHERE state = 'xong'")[0][0])


def test_a_worker_killed_mid_batch_resumes_and_signs_every_record_exactly_once(
        database: str, tmp_path: Path) -> None:
    env = _env(database, tmp_path / "var")
    subprocess.run([sys.executable, str(Path(__file__)), "setup", str(RECORDS)], env=env,
                   cwd=ROOT, check=True, capture_output=True, timeout=300)
    worker = [sys.executable, "-m", "hocba.cli", "worker", "--poll", "0.2"]
    first = subprocess.Popen(worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while _done(database) < 4 and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)  # no clean-up: whatever was in flight is lost
    finally:
        first.wait(timeout=30)
    at_kill = _done(database)
    assert 4 <= at_kill < RECORDS, "the kill must land mid-batch"
    time.sleep(1.2)  # the claimed items' lease (HOCBA_SIGNING_LEASE=1) runs out
    subprocess.run([*worker[:-2], "--once"], env=env, cwd=ROOT, check=True,
                   capture_output=True, timeout=300)
    per_record = _query(database, "SELECT record_id, slot, count(*) FROM "
                                  "issuance_signatureevent GROUP BY record_id, slot")
    assert len(per_record) == RECORDS  # none skipped
    assert {(slot, count) for _record, slot, count in per_record} == {("GVCN", 1)}  # once
    versions = _query(database, "SELECT number, count(*) FROM issuance_xmlrevision "
                                "GROUP BY number")  # one XML and one PDF revision a record
    assert versions == _query(database, "SELECT number, count(*) FROM issuance_pdfrevision "
                                        "GROUP BY number")
    assert versions == [(1, RECORDS)]  # each record's artefacts carry exactly one signature
    job = _query(database, "SELECT state, done, failed, total FROM issuance_signingjob")
    assert job == [("xong", RECORDS, 0, RECORDS)]
    items = _query(database, "SELECT state, count(*) FROM issuance_signingjobitem GROUP BY state")
    assert items == [("xong", RECORDS)]


# --- the database the worker runs on (this file as a script) ---------------------------------

def _setup(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hocba.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from hocba.domain.record import HocBa, sha256_hex
    from hocba.issuance import demo, jobs
    from hocba.records.models import Book, HocBaRecord
    from hocba.roster.models import Student, Teacher
    from tests.world import build_world

    call_command("migrate", interactive=False, verbosity=0)
    world = build_world()
    Teacher.objects.filter(pk=world.teacher_gvcn.pk).update(personal_id="027180000011")
    gvcn = world.users[next(r for r in world.users if r.value == "gvcn")]
    example = json.loads((ROOT / "docs" / "examples" / "record-primary.json").read_text())
    example["signers"]["homeroom"] = {"name": "Đỗ Thị Hương", "identity_number": "027180000011",
                                      "title": "Giáo viên chủ nhiệm"}
    now = timezone.now()
    records = []
    for n in range(count):
        student = Student.objects.create(student_code=f"HSK{n:04d}", full_name=f"Học Sinh {n}",
                                         birth_date=world.student.birth_date, sex="nam",
                                         school=world.school)
        book = Book.objects.create(student=student, level="TH", registry_number=f"K/{n}",
                                   opened_school=world.school, opened_year=world.year,
                                   opened_grade=4, opened_at=now)
        data = {**example, "lookup_code": str(uuid.uuid4())}
        canonical = HocBa.from_json(data).canonical_bytes()
        records.append(HocBaRecord.objects.create(
            book=book, student=student, school=world.school, school_year=world.year,
            school_class=world.class_6a, lookup_code=data["lookup_code"],
            schema=data["schema"], canonical=canonical.decode(),
            identity_hash=sha256_hex(canonical), composed_by=gvcn, composed_at=now))
    demo.ensure_demo_certificates(world.school, [gvcn])
    jobs.queue(gvcn, records, "GVCN", school_class=world.class_6a)


if __name__ == "__main__":
    sys.path[:0] = [str(ROOT), str(ROOT / "src")]
    if sys.argv[1:2] == ["setup"]:
        _setup(int(sys.argv[2]))
