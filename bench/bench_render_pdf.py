"""Benchmark: the printable học bạ of a class of 45 — target ≥ 25 records per second per core.

    .venv/bin/python bench/bench_render_pdf.py [--runs 5] [--students 45]

Each record is a full four-page year (cover, identity page with QR, the year's two pages;
13 subjects in primary grade 4, 15 in secondary grade 7), every student different (name,
codes, look-up code, scores: ``hocba.rendering.specimen.classmates``). One class is rendered
in one thread through ``render_record``: checks and QR, Typst (PDF/A-2b), then pyHanko's
incremental update with the empty signature fields (3 in primary, 18 in secondary).

Prints one JSON line per level:

- ``records_per_s``: wall-clock throughput of the median run;
- ``records_per_cpu_s``: records per second of CPU time of the whole process (Typst lays out
  pages on more than one thread; this is the per-core figure the target is about);
- ``ms_per_record``: median per record, and ``split_ms``: where it goes (QR and checks,
  Typst, signature fields), measured on the same class separately;
- ``load_avg_1m``: the machine's load when the level finished (other work on a 2-core VM
  inflates every figure).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hocba.rendering.payload import prepare
from hocba.rendering.pdf import render_record
from hocba.rendering.signature_fields import SignatureBox, add_signature_fields
from hocba.rendering.specimen import classmates
from hocba.rendering.typst_engine import compile_pdf

ROOT = Path(__file__).resolve().parents[1]
VERIFY = "https://hocba.example.vn/tra-cuu"


def _timed(run: Any, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (all threads of the process) of ``run()``."""
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(wall), statistics.median(cpu)


def _split(records: list[dict[str, Any]]) -> dict[str, float]:
    """Milliseconds per record in each stage, one pass over the class."""
    totals = {"checks_and_qr": 0.0, "typst": 0.0, "signature_fields": 0.0}
    for record in records:
        t0 = time.perf_counter()
        document = prepare([record], verify_url=VERIFY)
        t1 = time.perf_counter()
        pdf, anchors = compile_pdf(document.template, document.data,
                                   timestamp=document.timestamp)
        t2 = time.perf_counter()
        add_signature_fields(pdf, [SignatureBox.from_anchor(a) for a in anchors], book=False)
        t3 = time.perf_counter()
        totals["checks_and_qr"] += t1 - t0
        totals["typst"] += t2 - t1
        totals["signature_fields"] += t3 - t2
    return {k: round(1000 * v / len(records), 2) for k, v in totals.items()}


def bench(level: str, students: int, runs: int) -> dict[str, Any]:
    example = json.loads((ROOT / "docs" / "examples" / f"record-{level}.json").read_text())
    records = list(classmates(example, students))
    sizes = [len(render_record(r, verify_url=VERIFY)) for r in records]  # warm-up
    wall, cpu = _timed(lambda: [render_record(r, verify_url=VERIFY) for r in records], runs)
    return {
        "bench": f"render_pdf_class_{level}",
        "records": students,
        "class_median_s": round(wall, 3),
        "records_per_s": round(students / wall, 1),
        "records_per_cpu_s": round(students / cpu, 1),
        "ms_per_record": round(1000 * wall / students, 2),
        "split_ms": _split(records),
        "pdf_kb_median": round(statistics.median(sizes) / 1024, 1),
        "runs": runs,
        "load_avg_1m": round(os.getloadavg()[0], 2),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--students", type=int, default=45)
    args = parser.parse_args(argv)
    for level in ("primary", "secondary"):
        print(json.dumps(bench(level, args.students, args.runs), ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
