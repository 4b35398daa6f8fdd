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

``--workers N`` (N ≥ 1) issues through the background job queue instead
(``hocba.issuance.jobs``): stage by stage, each class's signer confirms each slot (one job
per class and slot, queued slot by slot so that neighbouring jobs are other classes' records),
then N worker processes (forked once and kept for the whole run, as ``hocba worker``
processes live) claim and sign until the queue is empty. Without it the classes are issued
in this process (``--workers 0``). ``--profile FILE``: a cProfile (CPU time) of this
process's issuing, and one per drain of each worker beside it (``FILE.worker-PID-NS``).

Prints one JSON line: records issued, signatures, wall and CPU seconds (workers included),
records per second, the figure scaled to 1,500 students, and where the time goes
(``split_s``: rendering, XML prepare/finish, PDF prepare/finish, the key, storing, the rest,
summed over the workers; ``ms_per_record``: the same per record), measured by timing the
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

from freshdb import add_db_arguments, setup_django, start_demo_pki

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


PROFILE: list[str] = []  # the --profile file, for the forked workers too


def _work(_: int) -> tuple[dict[str, float], float, float]:
    """One forked worker: sign until the queue is empty; its split, wall and CPU time."""
    import cProfile
    import os

    from django.db import connections

    from hocba.issuance import jobs

    SPLIT.clear()
    profiler = cProfile.Profile(time.process_time) if PROFILE else None
    started, cpu = time.perf_counter(), time.process_time()
    try:
        if profiler is not None:
            profiler.enable()
        jobs.run_worker(once=True)
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(f"{PROFILE[0]}.worker-{os.getpid()}-{time.time_ns()}")
        connections.close_all()
    return dict(SPLIT), time.perf_counter() - started, time.process_time() - cpu


def _issue_queued(classes: list[Any], workers: int, base_url: str) -> tuple[float, float]:
    """Issue ``classes`` through the job queue with ``workers`` processes, stage by stage.
    Returns the workers' summed wall and CPU seconds (SPLIT gets their splits)."""
    import multiprocessing

    from django.db import connections

    from hocba.domain import issuance as rules
    from hocba.issuance import demo, jobs, selectors
    from hocba.issuance.models import SigningJobItem

    people: dict[int, dict[str, Any]] = {}
    records: dict[int, list[Any]] = {}
    for c in classes:
        people[c.pk] = demo.signers_of_class(c)
        demo.ensure_demo_certificates(c.school, [u for slot, u in people[c.pk].items()
                                                 if slot != rules.KY_PHAT_HANH],
                                      base_url=base_url)
        records[c.pk] = list(selectors.signing_records(school_class=c))
    busy = cpu = 0.0
    context = multiprocessing.get_context("fork")
    # The worker processes live for the whole run, as ``hocba worker`` processes do: forked
    # once, each stage's map hands every worker one drain of the queue.
    connections.close_all()  # never share a connection with a forked child
    pool = context.Pool(workers)
    for stage in rules.STAGE_ORDER:
        confirmations = []
        for c in classes:
            states = selectors.chain_states(records[c.pk])
            for slot in sorted({s.slot for st in states.values() for s in st.due
                                if s.stage is stage}):
                due = [st.record for st in states.values() if slot in st.due_slots]
                if slot in people[c.pk]:
                    confirmations.append((slot, c.school.code, c.name, c, due))
        for slot, _code, _name, c, due in sorted(confirmations, key=lambda t: t[:3]):
            jobs.queue(people[c.pk][slot], due, slot, school_class=c)
        for split, wall, used in pool.map(_work, range(workers), chunksize=1):
            for key, value in split.items():
                SPLIT[key] += value
            busy, cpu = busy + wall, cpu + used
        left = SigningJobItem.objects.exclude(state=SigningJobItem.State.DONE).count()
        assert left == 0, f"{left} items not signed at stage {stage}"
    pool.close()
    pool.join()
    return busy, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--schools", nargs="*", help="school codes (default: every school)")
    parser.add_argument("--workers", type=int, default=0,
                        help="worker processes of the job queue (0: sign in this process)")
    parser.add_argument("--profile", metavar="FILE",
                        help="write a cProfile of the issuing (this process only) to FILE")
    add_db_arguments(parser)
    args = parser.parse_args()

    setup_django(args, "bench-issue.sqlite3")
    import os

    from django.core.management import call_command

    services = start_demo_pki()

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
    profiler = None
    if args.profile:
        import cProfile

        PROFILE.append(args.profile)
        profiler = cProfile.Profile(time.process_time)  # CPU time: the machine may be shared
        profiler.enable()
    started, cpu = time.perf_counter(), time.process_time()
    if args.workers:
        busy, worker_cpu = _issue_queued(classes, args.workers, services.base_url)
        issued = IssuedRecord.objects.count()
    else:
        issued = sum(demo.issue_class(c, base_url=services.base_url) for c in classes)
        worker_cpu = 0.0
    wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu + worker_cpu
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    if not args.workers:
        busy = wall
    services.stop()

    signatures = SignatureEvent.objects.count()
    assert IssuedRecord.objects.count() == issued
    split = {k: round(v, 1) for k, v in sorted(SPLIT.items())}
    split["other"] = round(busy - sum(SPLIT.values()), 1)
    per_record = {k: round(v / max(issued, 1) * 1000, 1) for k, v in split.items()}
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
        "workers": args.workers,
        "split_s": split,
        "ms_per_record": per_record,
        "database": "postgresql" if args.db else "sqlite",
        "python": platform.python_version(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
