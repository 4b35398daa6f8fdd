"""Two ``hocba worker`` processes share one signing job (issue 5: "production runs several
workers"): on an SQLite file as on PostgreSQL, each claim takes items no other worker holds,
so every record is signed exactly once and the job ends done — counted from the signature
events per record and slot. The database is built as ``test_issuance_worker`` builds it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.test_issuance_worker import ROOT, _env, _query, database

__all__ = ["database"]  # the fixture, used by name below

RECORDS = 30


def test_two_workers_share_a_job_and_sign_every_record_exactly_once(
        database: str, tmp_path: Path) -> None:
    env = {**_env(database, tmp_path / "var"), "HOCBA_SIGNING_LEASE": "300"}
    subprocess.run([sys.executable, str(ROOT / "tests" / "test_issuance_worker.py"), "setup",
                    str(RECORDS)], env=env, cwd=ROOT, check=True, capture_output=True,
                   timeout=300)
    worker = [sys.executable, "-m", "hocba.cli", "worker", "--once"]
    both = [subprocess.Popen(worker, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE) for _ in range(2)]
    errors = [p.communicate(timeout=300)[1].decode() for p in both]
    assert [p.returncode for p in both] == [0, 0], errors
    per_record = _query(database, "SELECT record_id, slot, count(*) FROM "
                                  "issuance_signatureevent GROUP BY record_id, slot")
    assert len(per_record) == RECORDS  # none skipped
    assert {(slot, count) for _record, slot, count in per_record} == {("GVCN", 1)}  # once
    versions = _query(database, "SELECT number, count(*) FROM issuance_xmlrevision "
                                "GROUP BY number")  # one XML and one PDF revision a record
    assert versions == _query(database, "SELECT number, count(*) FROM issuance_pdfrevision "
                                        "GROUP BY number")
    assert versions == [(1, RECORDS)]
    items = _query(database, "SELECT state, count(*) FROM issuance_signingjobitem GROUP BY state")
    assert items == [("xong", RECORDS)]
    job = _query(database, "SELECT state, done, failed, total FROM issuance_signingjob")
    assert job == [("xong", RECORDS, 0, RECORDS)]
    # Each claim named its worker process: no item was taken by a claim of the other's.
    claims = _query(database, "SELECT claimed_by FROM issuance_signingjobitem")
    assert all(c.split(":")[1] in {str(p.pid) for p in both} for (c,) in claims)
