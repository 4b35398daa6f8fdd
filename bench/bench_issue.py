"""Benchmark: issuing a school year end to end with the demo signers (issue 5 target: a
1,500-student school at ≥ 20 records per second).

    HOCBA_VAR=/tmp/bench-issue .venv/bin/python bench/bench_issue.py [--schools 27260002]
    .venv/bin/python bench/bench_issue.py --db postgres://postgres@127.0.0.1:5432/hocba_bench

A fresh database gets the small demo (its certificates naming this run's TSA/OCSP, served on
a free port), every school's principal composes 2024-2025, then every class is issued as
``hocba issue`` does it: each GVBM slot, GVCN, CBQL, then the seal, each slot one
confirmation (``sign_records``: the unsigned XML and PDF rendered once, every XMLDSig and
PAdES signature at the default levels — people B-B, the seal B-LT with the TSA's token and
the OCSP answers — and each record's artefacts, signature event and issue stored).

Prints one JSON line: records issued, signatures, wall and CPU seconds, records per second,
the figure scaled to 1,500 students, and where the time goes (``split_s``: rendering, XML
prepare/finish, PDF prepare/finish, the key, storing, the rest), measured by timing the
adapter's calls in the same run.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from freshdb import add_db_arguments, setup_django

ROOT = Path(__file__).resolve().parents[1]
SPLIT: dict[str, float] = defaultdict(float)


def _timed(owner: Any, name: str, bucket: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            SPLIT[bucket] += time.perf_counter() - start

    setattr(owner, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", nargs="*", help="school codes (default: every school)")
    add_db_arguments(parser)
    args = parser.parse_args()

    setup_django(args, "bench-issue.sqlite3")
    import os

    from django.core.management import call_command

    from hocba.certificates.keys import pki_dir
    from hocba.signing import pki
    from hocba.signing.services import PkiServices

    services = PkiServices.for_directory(pki_dir())
    services.start()
    # Certificates name where their OCSP is served: this run's server.
    pki.ensure_demo_pki.__kwdefaults__ = {"base_url": services.base_url}
    os.environ["HOCBA_TSA_URL"] = f"{services.base_url}/tsa"

    from hocba.accounts.models import RoleAssignment
    from hocba.demo import generator
    from hocba.domain.access import Role
    from hocba.issuance import demo, signing_step
    from hocba.issuance import services as issuance
    from hocba.issuance.models import IssuedRecord, SignatureEvent
    from hocba.organisation.models import School, SchoolYear
    from hocba.records import compose
    from hocba.roster.models import SchoolClass

    call_command("migrate", interactive=False, verbosity=0)
    generator.seed(size="small")
    year = SchoolYear.objects.get(name="2024-2025")
    schools = School.objects.order_by("code")
    if args.schools:
        schools = schools.filter(code__in=args.schools)
    for school in schools:
        principal = RoleAssignment.objects.get(role=Role.PRINCIPAL, school=school,
                                               school_year=year).user
        for outcome in compose.compose_school(principal, school, year):
            assert not isinstance(outcome, compose.CompositionRefused), outcome.gaps.items

    _timed(signing_step, "render", "render")
    _timed(issuance._Store, "store", "store")
    import hocba.signing.pades as pades
    import hocba.signing.xmldsig as xmldsig

    _timed(xmldsig, "prepare_xml_signature", "xml_prepare")
    _timed(pades, "prepare_pdf_signature", "pdf_prepare")
    _timed(xmldsig.PreparedXmlSignature, "finish", "xml_finish")
    _timed(pades.PreparedPdfSignature, "finish", "pdf_finish")
    from hocba.signing.backends import Pkcs12Signer

    _timed(Pkcs12Signer, "sign_digests", "key")

    classes = list(SchoolClass.objects.filter(school__in=schools, school_year=year)
                   .select_related("school", "school_year").order_by("school__code", "name"))
    started, cpu = time.perf_counter(), time.process_time()
    issued = sum(demo.issue_class(c, base_url=services.base_url) for c in classes)
    wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    services.stop()

    signatures = SignatureEvent.objects.count()
    assert IssuedRecord.objects.count() == issued
    split = {k: round(v, 1) for k, v in sorted(SPLIT.items())}
    split["other"] = round(wall - sum(SPLIT.values()), 1)
    print(json.dumps({
        "bench": "issue_school_year",
        "records": issued,
        "signatures": signatures,
        "classes": len(classes),
        "wall_s": round(wall, 1),
        "cpu_s": round(cpu_s, 1),
        "records_per_s": round(issued / wall, 2),
        "ms_per_signature": round(wall / max(signatures, 1) * 1000, 1),
        "per_1500_students_s": round(wall / max(issued, 1) * 1500, 1),
        "split_s": split,
        "database": "postgresql" if args.db else "sqlite",
        "python": platform.python_version(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
