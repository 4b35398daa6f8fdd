"""Benchmark: the demo's certificates during seeding, and where their time goes.

    .venv/bin/python bench/bench_demo_certificates.py [--runs 3] [--db postgres://…/hocba_bench]

Seeds the small demo into a fresh database (``--runs`` times; the demo PKI in
``$HOCBA_VAR/pki`` is new on the first run and reused after, as on a second ``hocba seed``)
and reports the time of ``hocba.demo.certificates.seed_certificates`` alone: issuing an EC key,
a certificate and a PKCS#12 per signer and school, registering each through the same checks
as an upload, bulk insert, approving the seals. Beside it, the cost of one PKCS#12 file
written and read back with ``BestAvailableEncryption`` (what ``hocba.signing.storage`` uses)
and with 2,048 PBKDF2 rounds, which is where most of the time goes.

Prints one JSON line per run, then one for the PKCS#12 costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

from freshdb import add_db_arguments, setup_django


def pkcs12_costs(repeat: int = 50) -> dict[str, float]:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        PrivateFormat,
        pkcs12,
    )

    from hocba.signing import DEMO_PKCS12_PASSWORD, authority

    key = authority.new_key()
    certificate = authority.make_root(key, dt.datetime.now(dt.UTC))
    fewer_rounds = (PrivateFormat.PKCS12.encryption_builder().kdf_rounds(2048)
                    .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
                    .hmac_hash(hashes.SHA256()).build(DEMO_PKCS12_PASSWORD))
    costs = {}
    for label, encryption in (("best_available", BestAvailableEncryption(DEMO_PKCS12_PASSWORD)),
                              ("rounds_2048", fewer_rounds)):
        started = time.perf_counter()
        for _ in range(repeat):
            data = pkcs12.serialize_key_and_certificates(b"x", key, certificate, [certificate],
                                                         encryption)
        costs[f"write_{label}_ms"] = round((time.perf_counter() - started) / repeat * 1000, 2)
        started = time.perf_counter()
        for _ in range(repeat):
            pkcs12.load_key_and_certificates(data, DEMO_PKCS12_PASSWORD)
        costs[f"read_{label}_ms"] = round((time.perf_counter() - started) / repeat * 1000, 2)
    return costs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    add_db_arguments(parser)
    args = parser.parse_args()
    setup_django(args, "hocba-bench-certificates.sqlite3")

    from django.core.management import call_command
    from django.db import connection, transaction

    from hocba.demo import certificates, generator

    call_command("migrate", interactive=False, verbosity=0)
    timings: list[float] = []
    original = certificates.seed_certificates

    def timed(*positional: Any, **named: Any) -> Any:
        started = time.perf_counter()
        tally = original(*positional, **named)
        timings.append(time.perf_counter() - started)
        return tally

    generator.seed_certificates = timed  # type: ignore[attr-defined]
    for run in range(args.runs):
        with transaction.atomic():
            started = time.perf_counter()
            summary = generator.seed(size="small")
            seed_seconds = time.perf_counter() - started
            counts = generator.AuditEvent.objects.get(action="sinh_du_lieu_demo").detail
            transaction.set_rollback(True)  # the next run seeds an empty database again
        print(json.dumps({
            "bench": "demo_certificates", "run": run + 1,
            "pki": "new" if run == 0 else "reused",
            "certificates_seconds": round(timings[-1], 3),
            "seed_seconds": round(seed_seconds, 2),
            "personal": counts["chung_thu_ca_nhan"], "seals": counts["chung_thu_to_chuc"],
            "approved": counts["da_duyet"], "teachers": summary.teachers,
            "db": connection.vendor,
        }), flush=True)
    print(json.dumps({"bench": "pkcs12_file", **pkcs12_costs(),
                      "reused_median_s": round(statistics.median(timings[1:] or timings), 3)}),
          flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
