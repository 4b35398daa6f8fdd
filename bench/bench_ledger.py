"""Benchmark: the transparency log (issue 6 §1) — appending 100,000 events through the
service, then proofs and head signing at that size.

    .venv/bin/python bench/bench_ledger.py [--events 100000] [--chunk 50]
    .venv/bin/python bench/bench_ledger.py --db postgres://postgres@127.0.0.1:5432/hocba_bench_ledger
    .venv/bin/python bench/bench_ledger.py --issue 27260001 [--db …]

A fresh database; ``--events`` synthetic "issued" events are appended through
``hocba.transparency.services.append_events`` in transactions of ``--chunk`` events (a seal's
confirmation stores 50 records a transaction, and the log signs one head per transaction).
Then, at that size: an inclusion proof by look-up code as the API builds it
(``selectors.inclusion_for``: the leaf, the latest head, the path's O(log n) nodes) and its
verification; a consistency proof between two random sizes; signing a head (Ed25519 alone,
and with storing it); and the audit of the log itself (leaves, nodes, every head's
signature, root and consistency; the records step skipped, the events being synthetic).
Medians of ``--repeat`` runs, wall and CPU (``time.process_time``) — the machine is shared,
CPU is the steadier figure.

``--issue SCHOOL`` instead runs ``bench_issue.py --schools SCHOOL`` in this process with the
log hook (``append_issued``) timed as its own bucket ``log_append`` of the split, so the
hook's cost per issued record is measured inside a real issuance (the ``store`` bucket
includes it).

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

from freshdb import add_db_arguments, setup_django


def _median(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of ``fn``."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return round(statistics.median(walls) * 1000, 3), round(statistics.median(cpus) * 1000, 3)


def _issue(args: argparse.Namespace) -> int:
    sys.path.insert(0, os.path.dirname(__file__))
    import bench_issue

    original = bench_issue.setup_django

    def setup(args: argparse.Namespace, sqlite_name: str) -> None:
        original(args, sqlite_name)
        from hocba.transparency import services as log

        bench_issue._timed(log, "append_issued", "log_append")

    bench_issue.setup_django = setup
    sys.argv = ["bench_issue.py", "--schools", args.issue]
    if args.db:
        sys.argv += ["--db", args.db]
    return int(bench_issue.main())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=50, help="events per transaction")
    parser.add_argument("--repeat", type=int, default=200, help="runs per median")
    parser.add_argument("--issue", metavar="SCHOOL",
                        help="measure the hook inside bench_issue.py for this school instead")
    add_db_arguments(parser)
    args = parser.parse_args()
    if args.issue:
        return _issue(args)

    setup_django(args, "bench-ledger.sqlite3")
    from django.core.management import call_command
    from django.db import transaction

    from hocba.domain import ledger
    from hocba.transparency import selectors, services
    from hocba.transparency.audit import audit
    from hocba.transparency.keys import log_origin, log_private_key, log_public_key

    call_command("migrate", interactive=False, verbosity=0)
    rng = random.Random(6)
    start = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    events = [ledger.LogEvent(
        event=ledger.ISSUED, lookup_code=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        record_sha256=hashlib.sha256(b"r%d" % n).hexdigest(), school=f"2726{n % 40:04d}",
        time=start + dt.timedelta(milliseconds=40 * n),
        xml_sha256=hashlib.sha256(b"x%d" % n).hexdigest(),
        pdf_sha256=hashlib.sha256(b"p%d" % n).hexdigest()) for n in range(args.events)]
    log_private_key()  # generate/load the key outside the timing

    wall, cpu = time.perf_counter(), time.process_time()
    for first in range(0, len(events), args.chunk):
        services.append_events(events[first:first + args.chunk])
    append_wall, append_cpu = time.perf_counter() - wall, time.process_time() - cpu

    # A transaction appending one chunk, as the seal's store does (median, at full size).
    extra = iter([ledger.LogEvent(
        event=ledger.REVOKED, lookup_code=e.lookup_code, record_sha256=e.record_sha256,
        school=e.school, time=e.time) for e in events])

    def one_chunk() -> None:
        with transaction.atomic():
            services.append_events([next(extra) for _ in range(args.chunk)])

    chunk_ms = _median(one_chunk, min(args.repeat, 100))
    size = selectors.log_size()
    public = log_public_key()
    codes = [rng.choice(events).lookup_code for _ in range(args.repeat)]
    proofs = iter(codes)
    inclusion_ms = _median(lambda: selectors.inclusion_for(next(proofs)), args.repeat)
    sample = selectors.inclusion_for(codes[0])
    assert sample is not None and sample.verify(public)
    verify_ms = _median(lambda: sample.verify(public), args.repeat)
    pairs = iter([(rng.randrange(1, size), size) for _ in range(args.repeat)])

    def consistency() -> None:
        m, n = next(pairs)
        selectors.consistency_between(m, n)

    consistency_ms = _median(consistency, args.repeat)
    head = selectors.latest_tree_head()
    assert head is not None
    key = log_private_key()
    now = dt.datetime.now(dt.UTC)
    sign_ms = _median(lambda: ledger.TreeHead.sign(log_origin(), head.size, head.root, now, key),
                      args.repeat)
    head_verify_ms = _median(lambda: head.verify(public), args.repeat)

    def store_head() -> None:
        with transaction.atomic():
            services.sign_head(head.size, head.root, now)

    store_head_ms = _median(store_head, min(args.repeat, 50))
    wall, cpu = time.perf_counter(), time.process_time()
    problems = audit(records=False)  # synthetic events have no records
    audit_wall, audit_cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert problems == [], problems[:5]

    print(json.dumps({
        "bench": "transparency_log",
        "events": args.events,
        "chunk": args.chunk,
        "log_size": size,
        "append_total_s": round(append_wall, 1),
        "append_cpu_s": round(append_cpu, 1),
        "append_us_per_event": round(append_wall / args.events * 1e6, 1),
        "append_cpu_us_per_event": round(append_cpu / args.events * 1e6, 1),
        "chunk_append_ms_wall_cpu": chunk_ms,
        "inclusion_proof_ms_wall_cpu": inclusion_ms,
        "inclusion_path_len": len(sample.path),
        "inclusion_verify_ms_wall_cpu": verify_ms,
        "consistency_proof_ms_wall_cpu": consistency_ms,
        "head_sign_ms_wall_cpu": sign_ms,
        "head_sign_and_store_ms_wall_cpu": store_head_ms,
        "head_verify_ms_wall_cpu": head_verify_ms,
        "audit_s_wall_cpu": [round(audit_wall, 1), round(audit_cpu, 1)],
        "database": "postgresql" if args.db else "sqlite",
        "python": platform.python_version(),
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
