"""Benchmark: PAdES signatures of a class's records — target a few ms per B-B signature
(issue 5 "Measured": ≥ 20 records/s issued end to end on 2 cores, i.e. ~100 ms of CPU per
record with every signature, of which a render already takes ~45 ms).

    .venv/bin/python bench/bench_sign_pdf.py [--students 45] [--runs 3] [--pyhanko 5]

Records are rendered first (not timed): ``hocba.rendering.specimen.classmates``, every student
different. The demo PKI's services (TSA, OCSP, CRL) run in this process on a loopback port,
as ``hocba demo`` runs them; signers are PKCS#12 ECDSA P-256 keys loaded once. Per record:

- primary: GVCN (the certification: DocMDP, embeds the stamp font) → CBQL (approval, B-B)
  → KY_PHAT_HANH (the seal, B-LT: a DSS update before the seal's signature with every
  signer's and the TSA's status, OCSP answers cached per batch, then the TSA token over HTTP);
- secondary: 15 GVBM approvals before GVCN (the first GVBM certifies), CBQL, the seal B-LT;
- the seal once more on the primary class at B-LT-AFTER (the former placement: DSS after the
  seal) and at B-LTA (B-LT and a document time-stamp).

Prints one JSON line per kind of signature: median and p90 wall ms, and CPU ms of the signing
thread (``thread_cpu``: our work only) and of the process (``process_cpu``: includes the
in-process TSA/OCSP server threads answering us). ``split_ms`` breaks a B-B approval into
prepare (read the file, appearance, write the update, hash), sign (the backend's ECDSA) and
finish (CMS, fill /Contents). ``--pyhanko N`` signs N records' CBQL with pyHanko's
``sign_pdf`` for comparison.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hocba.rendering.pdf import render_record
from hocba.rendering.specimen import classmates
from hocba.signing import DEMO_PKCS12_PASSWORD
from hocba.signing.backends import Pkcs12Signer
from hocba.signing.online import HttpTimestamper
from hocba.signing.pades import StampText, prepare_pdf_signature, sign_pdf
from hocba.signing.pdf_fields import signature_fields
from hocba.signing.pdf_incremental import PdfFile
from hocba.signing.revocation import RevocationFetcher
from hocba.signing.services import PkiServices

ROOT = Path(__file__).resolve().parents[1]
VERIFY = "https://hocba.example.vn/tra-cuu"
AT = dt.datetime(2025, 5, 30, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))


class Clock:
    def __init__(self) -> None:
        self.samples: dict[str, list[tuple[float, float, float]]] = defaultdict(list)

    def time(self, kind: str, work: Callable[[], bytes]) -> bytes:
        w0, t0, p0 = time.perf_counter(), time.thread_time(), time.process_time()
        result = work()
        self.samples[kind].append((time.perf_counter() - w0, time.thread_time() - t0,
                                   time.process_time() - p0))
        return result

    def report(self, kind: str) -> dict[str, Any]:
        rows = self.samples[kind]
        wall = sorted(1000 * r[0] for r in rows)
        return {
            "bench": f"sign_pdf_{kind}", "signatures": len(rows),
            "wall_ms_median": round(statistics.median(wall), 2),
            "wall_ms_p90": round(wall[int(0.9 * (len(wall) - 1))], 2),
            "thread_cpu_ms_median": round(1000 * statistics.median(r[1] for r in rows), 2),
            "process_cpu_ms_median": round(1000 * statistics.median(r[2] for r in rows), 2),
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=45)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pyhanko", type=int, default=5)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp, \
            PkiServices.for_directory(Path(tmp) / "pki") as services:
        pki = services.pki

        def signer(issued: Any) -> Pkcs12Signer:
            return Pkcs12Signer.load(issued.pkcs12_path, issued.password)

        gvbm = signer(pki.issue_personal("Ngô Minh Tâm", "027180000021", "Giáo viên"))
        gvcn = signer(pki.issue_personal("Lê Thị Thu", "027180000011", "Giáo viên chủ nhiệm"))
        cbql = signer(pki.issue_personal("Phạm Văn Hùng", "027175000003", "Hiệu trưởng"))
        seal = signer(pki.issue_organisation("Trường Tiểu học Phật Tích", "27260001"))
        tsa = HttpTimestamper(f"{services.base_url}/tsa")
        revocation = RevocationFetcher()
        classes = {}
        for level in ("primary", "secondary"):
            example = json.loads((ROOT / "docs" / "examples" / f"record-{level}.json")
                                 .read_text(encoding="utf-8"))
            classes[level] = [render_record(r, verify_url=VERIFY)
                              for r in classmates(example, args.students)]
        clock = Clock()

        def sign(kind: str, pdf: bytes, field: str, backend: Pkcs12Signer, name: str,
                 role: str, level: str | None = None) -> bytes:
            return clock.time(kind, lambda: sign_pdf(
                pdf, field, backend, signing_time=AT, appearance=StampText(name, role, AT),
                level=level, timestamper=tsa, revocation=revocation))

        def chain(pdf: bytes, subjects: list[str], seal_level: str = "B-LT",
                  prefix: str = "") -> bytes:
            first = True
            for field in subjects:
                pdf = sign(f"{prefix}certification" if first else f"{prefix}approval_b_b",
                           pdf, field, gvbm, "Ngô Minh Tâm", "Giáo viên bộ môn")
                first = False
            pdf = sign(f"{prefix}certification" if first else f"{prefix}approval_b_b", pdf,
                       "GVCN", gvcn, "Lê Thị Thu", "Giáo viên chủ nhiệm")
            pdf = sign(f"{prefix}approval_b_b", pdf, "CBQL", cbql, "Phạm Văn Hùng",
                       "Hiệu trưởng")
            return sign(f"{prefix}seal_{seal_level.lower().replace('-', '_')}", pdf,
                        "KY_PHAT_HANH", seal, "Trường Tiểu học Phật Tích",
                        "Văn thư ký phát hành", seal_level)

        subjects = [f.name for f in signature_fields(PdfFile(classes["secondary"][0]))
                    if f.name.startswith("GVBM_")]
        chain(classes["primary"][0], [], prefix="warmup_")  # imports, font, OCSP cache
        clock.samples.clear()
        sizes: dict[str, list[int]] = defaultdict(list)
        chains_wall: dict[str, list[float]] = defaultdict(list)
        chains_cpu: dict[str, list[float]] = defaultdict(list)
        for _ in range(args.runs):
            for level, records in classes.items():
                for pdf in records:
                    start, start_cpu = time.perf_counter(), time.thread_time()
                    signed = chain(pdf, subjects if level == "secondary" else [],
                                   prefix=f"{level}_")
                    chains_wall[level].append(time.perf_counter() - start)
                    chains_cpu[level].append(time.thread_time() - start_cpu)
                    sizes[level].append(len(signed))
            for pdf in classes["primary"]:
                chain(pdf, [], seal_level="B-LTA", prefix="lta_")
                chain(pdf, [], seal_level="B-LT-AFTER", prefix="after_")
        for kind in sorted(k for k in clock.samples if not k.startswith(("lta_", "after_"))
                           or k in ("lta_seal_b_lta", "after_seal_b_lt_after")):
            print(json.dumps(clock.report(kind), ensure_ascii=False))
        for level, walls in chains_wall.items():
            print(json.dumps({
                "bench": f"sign_pdf_whole_chain_{level}", "records": len(walls),
                "signatures_per_record": (len(subjects) if level == "secondary" else 0) + 3,
                "wall_ms_per_record_median": round(1000 * statistics.median(walls), 2),
                "thread_cpu_ms_per_record_median": round(
                    1000 * statistics.median(chains_cpu[level]), 2),
                "signed_kb_median": round(statistics.median(sizes[level]) / 1024, 1),
                "unsigned_kb_median": round(statistics.median(
                    len(p) for p in classes[level]) / 1024, 1),
            }, ensure_ascii=False))
        print(json.dumps(split(classes["primary"], gvcn, cbql), ensure_ascii=False))
        if args.pyhanko:
            print(json.dumps(pyhanko_reference(classes["primary"][:args.pyhanko], pki,
                                               gvcn), ensure_ascii=False))
    print(json.dumps({"bench": "sign_pdf_machine", "cpus": os.cpu_count(),
                      "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)]}))
    return 0


def split(records: list[bytes], gvcn: Pkcs12Signer, cbql: Pkcs12Signer) -> dict[str, Any]:
    """Where a B-B approval (CBQL after the certifying GVCN) spends its time."""
    stages: dict[str, list[float]] = defaultdict(list)
    for pdf in records:
        certified = sign_pdf(pdf, "GVCN", gvcn, signing_time=AT,
                             appearance=StampText("Lê Thị Thu", "Giáo viên chủ nhiệm", AT))
        t0 = time.thread_time()
        prepared = prepare_pdf_signature(
            certified, "CBQL", cbql.certificate, cbql.chain, signing_time=AT,
            appearance=StampText("Phạm Văn Hùng", "Hiệu trưởng", AT))
        t1 = time.thread_time()
        [signature] = cbql.sign_digests([prepared.digest])
        t2 = time.thread_time()
        prepared.finish(signature)
        t3 = time.thread_time()
        stages["prepare"].append(t1 - t0)
        stages["sign"].append(t2 - t1)
        stages["finish"].append(t3 - t2)
    return {"bench": "sign_pdf_split_approval_b_b",
            "split_thread_cpu_ms_median": {k: round(1000 * statistics.median(v), 3)
                                           for k, v in stages.items()}}


def pyhanko_reference(records: list[bytes], pki: Any, gvcn: Pkcs12Signer) -> dict[str, Any]:
    """pyHanko's own ``sign_pdf`` of the same field (its default stamp), for comparison."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko.sign.fields import SigSeedSubFilter

    issued = pki.issue_personal("Lê Thị Thu", "027180000011", "Giáo viên chủ nhiệm")
    signer = signers.SimpleSigner.load_pkcs12(str(issued.pkcs12_path),
                                              passphrase=DEMO_PKCS12_PASSWORD)
    assert signer is not None
    walls = []
    for pdf in records:
        start = time.perf_counter()
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), signers.PdfSignatureMetadata(
            field_name="GVCN", subfilter=SigSeedSubFilter.PADES), signer=signer)
        walls.append(time.perf_counter() - start)
    return {"bench": "sign_pdf_pyhanko_reference_b_b", "signatures": len(walls),
            "wall_ms_median": round(1000 * statistics.median(walls), 2)}


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
