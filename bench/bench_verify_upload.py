"""Benchmark: verifying an uploaded học bạ (issue 6 "Measured": an uploaded three-signature
PDF — GVCN, CBQL and the seal, B-LT — under 300 ms median; a naive pyHanko validation measured
300–550 ms).

    HOCBA_VAR=/tmp/bench-upload .venv/bin/python bench/bench_verify_upload.py [--runs 30]
    .venv/bin/python bench/bench_verify_upload.py --db postgres://postgres@127.0.0.1:5432/hocba_bench

A fresh database gets the small demo (its certificates naming this run's TSA/OCSP); one
primary class and one THCS class are composed and issued with the demo signers
(``hocba.issuance.demo.issue_class``). Then ``hocba.verification.services.verify_file`` is
timed, in this process, on:

* ``primary-pdf-cold`` — the target: the issued primary PDF (three signatures) with every
  cache emptied before each run (the process's and the database's), so each run validates
  every signature (``verify_pdf``), compares with the stored original, finds the record by
  the file's SHA-256 and checks the log's inclusion proof;
* ``primary-pdf-warm`` — the same file uploaded again: its check is cached by SHA-256;
* ``primary-xml-cold``, ``secondary-pdf-cold`` (sixteen signatures), ``secondary-xml-cold``;
* ``tampered-pdf-cold`` — one flipped byte of page content (found by the printed look-up
  code through ``pdftotext``);
* ``check-code`` / ``check-code-wrong-factor`` — for comparison, ``check_code`` in process on
  the issued records (the stored originals' checks cached, the API's short answer cache off):
  the per-request work behind the status API (``bench_verify_status.py`` measures it under
  ``wrk``).

Prints one JSON line per case: median, p90, min and max wall ms, median CPU ms
(``time.process_time``), the load average and the CPU count; ``--profile`` prints cProfile's
top functions of a cold primary run.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from freshdb import add_db_arguments, setup_django, start_demo_pki

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.test_issuance_acceptance: the tampering helper


def issue() -> dict[str, tuple[bytes, bytes]]:
    """Issue a primary and a THCS class of the demo; the first record's (XML, PDF) of each."""
    from django.core.management import call_command

    from hocba.accounts.models import RoleAssignment
    from hocba.demo import generator
    from hocba.domain.access import Role
    from hocba.issuance import demo
    from hocba.records import compose
    from hocba.records.models import HocBaRecord
    from hocba.roster.models import SchoolClass
    from hocba.verification.services import _stored_bytes

    services = start_demo_pki()
    call_command("migrate", interactive=False, verbosity=0)
    generator.seed(size="small")
    found = {}
    for label, school, name in (("primary", "27260001", "4A"), ("secondary", "27260002", "7A")):
        school_class = SchoolClass.objects.select_related("school", "school_year").get(
            school__code=school, school_year__name="2024-2025", name=name)
        principal = RoleAssignment.objects.get(role=Role.PRINCIPAL, school=school_class.school,
                                               school_year=school_class.school_year).user
        compose.compose_class(principal, school_class)
        records = list(HocBaRecord.objects.filter(school_class=school_class)
                       .order_by("id")[:2])
        assert demo.issue_class(school_class, base_url=services.base_url,
                                records=records) == len(records)
        xml, pdf = _stored_bytes(records[0], "xml"), _stored_bytes(records[0], "pdf")
        assert xml is not None and pdf is not None
        found[label] = (xml, pdf)
    services.stop()
    return found


def forget() -> None:
    from hocba.verification import selectors
    from hocba.verification.models import FileCheckCache

    selectors.forget_memory()
    FileCheckCache.objects.all().delete()


def measure(label: str, data: bytes, runs: int, *, cold: bool,
            expect_valid: bool) -> dict[str, Any]:
    from hocba.verification.services import verify_file

    walls, cpus = [], []
    name = "hoc-ba.pdf" if data.startswith(b"%PDF") else "hoc-ba.xml"
    verify_file(data, filename=name)  # imports, first connections
    for _ in range(runs):
        if cold:
            forget()
        started, cpu = time.perf_counter(), time.process_time()
        report = verify_file(data, filename=name)
        walls.append((time.perf_counter() - started) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
        assert report.valid is expect_valid, report.as_dict()
    walls.sort()
    return {"case": label, "runs": runs, "median_ms": round(statistics.median(walls), 1),
            "p90_ms": round(walls[int(0.9 * (len(walls) - 1))], 1),
            "min_ms": round(walls[0], 1), "max_ms": round(walls[-1], 1),
            "median_cpu_ms": round(statistics.median(cpus), 1),
            "load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()}


def lookups(runs: int) -> list[dict[str, Any]]:
    import datetime as dt

    from django.conf import settings

    from hocba.records.models import HocBaRecord
    from hocba.verification.services import check_code

    settings.VERIFICATION_STATUS_CACHE_SECONDS = 0
    rows = list(HocBaRecord.objects.filter(issue__isnull=False)
                .values_list("lookup_code", "student__birth_date"))
    found = []
    for label, shift in (("check-code", 0), ("check-code-wrong-factor", 1)):
        cpus, walls = [], []
        for n in range(runs):
            code, born = rows[n % len(rows)]
            started, cpu = time.perf_counter(), time.process_time()
            report = check_code(str(code), birth_date=born + dt.timedelta(days=shift))
            walls.append((time.perf_counter() - started) * 1000)
            cpus.append((time.process_time() - cpu) * 1000)
            assert report.valid is (shift == 0), report.as_dict()
        walls.sort()
        found.append({"case": label, "runs": runs,
                      "median_ms": round(statistics.median(walls), 2),
                      "p90_ms": round(walls[int(0.9 * (len(walls) - 1))], 2),
                      "median_cpu_ms": round(statistics.median(cpus), 2),
                      "load_avg_1m": round(os.getloadavg()[0], 2), "cpus": os.cpu_count()})
    return found


def profile(work: Callable[[], Any], top: int) -> str:
    forget()
    profiler = cProfile.Profile()
    profiler.enable()
    work()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(top)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    add_db_arguments(parser)
    args = parser.parse_args()
    setup_django(args, "bench-verify-upload.sqlite3")
    files = issue()
    from tests.test_issuance_acceptance import page_content_flipped

    primary_xml, primary_pdf = files["primary"]
    secondary_xml, secondary_pdf = files["secondary"]
    cases = [("primary-pdf-cold", primary_pdf, args.runs, True, True),
             ("primary-pdf-warm", primary_pdf, args.runs, False, True),
             ("primary-xml-cold", primary_xml, args.runs, True, True),
             ("tampered-pdf-cold", page_content_flipped(primary_pdf), max(args.runs // 3, 3),
              True, False),
             ("secondary-pdf-cold", secondary_pdf, max(args.runs // 3, 3), True, True),
             ("secondary-xml-cold", secondary_xml, args.runs, True, True)]
    for label, data, runs, cold, valid in cases:
        print(json.dumps(measure(label, data, runs, cold=cold, expect_valid=valid)), flush=True)
    for line in lookups(20 * args.runs):
        print(json.dumps(line), flush=True)
    if args.profile:
        from hocba.verification.services import verify_file

        print(profile(lambda: verify_file(primary_pdf, filename="hoc-ba.pdf"), 40))


if __name__ == "__main__":
    main()
