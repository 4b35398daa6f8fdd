"""Benchmark: the printable học bạ of a class of 45 — target ≥ 25 records per second per core.

    .venv/bin/python bench/bench_render_pdf.py [--runs 5] [--students 45]

Each record is a full four-page year (cover, identity page with QR, the year's two pages;
13 subjects in primary grade 4, 15 in secondary grade 7), every student different (name,
codes, look-up code, scores: ``hocba.rendering.specimen.classmates``). One class is rendered
in one thread through ``render_record``: checks and QR, Typst (PDF/A-2b), then the
incremental update with the empty signature fields (3 in primary, 18 in secondary).

Prints one JSON line per level:

- ``records_per_s``: wall-clock throughput of the median run;
- ``records_per_cpu_s``: records per second of CPU time of the whole process (Typst lays out
  pages on more than one thread; this is the per-core figure the target is about), and
  ``cpu_ms_per_record`` the same as milliseconds;
- ``ms_per_record``: median wall time per record;
- ``split_cpu_ms`` and ``split_wall_ms``: where it goes (QR and checks, Typst, signature
  fields), measured on the same class separately, CPU time of the process and wall time;
- ``load_avg_1m``: the machine's load before and after the level (other work on a 2-core VM
  inflates every figure, CPU time too: the cores' caches and turbo are shared).
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


def _split(records: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
    """Milliseconds per record in each stage, one pass over the class: CPU, then wall."""
    stages = ("checks_and_qr", "typst", "signature_fields")
    cpu = dict.fromkeys(stages, 0.0)
    wall = dict.fromkeys(stages, 0.0)

    def clocks() -> tuple[float, float]:
        return time.process_time(), time.perf_counter()

    for record in records:
        t0 = clocks()
        document = prepare([record], verify_url=VERIFY)
        t1 = clocks()
        pdf, anchors = compile_pdf(document.template, document.data,
                                   timestamp=document.timestamp)
        t2 = clocks()
        add_signature_fields(pdf, [SignatureBox.from_anchor(a) for a in anchors], book=False)
        t3 = clocks()
        for stage, (start, end) in zip(stages, ((t0, t1), (t1, t2), (t2, t3)), strict=True):
            cpu[stage] += end[0] - start[0]
            wall[stage] += end[1] - start[1]
    n = len(records)
    return ({k: round(1000 * v / n, 2) for k, v in cpu.items()},
            {k: round(1000 * v / n, 2) for k, v in wall.items()})


def bench(level: str, students: int, runs: int) -> dict[str, Any]:
    example = json.loads((ROOT / "docs" / "examples" / f"record-{level}.json").read_text())
    records = list(classmates(example, students))
    load_before = os.getloadavg()[0]
    sizes = [len(render_record(r, verify_url=VERIFY)) for r in records]  # warm-up
    wall, cpu = _timed(lambda: [render_record(r, verify_url=VERIFY) for r in records], runs)
    split_cpu, split_wall = _split(records)
    return {
        "bench": f"render_pdf_class_{level}",
        "records": students,
        "class_median_s": round(wall, 3),
        "records_per_s": round(students / wall, 1),
        "records_per_cpu_s": round(students / cpu, 1),
        "ms_per_record": round(1000 * wall / students, 2),
        "cpu_ms_per_record": round(1000 * cpu / students, 2),
        "split_cpu_ms": split_cpu,
        "split_wall_ms": split_wall,
        "pdf_kb_median": round(statistics.median(sizes) / 1024, 1),
        "runs": runs,
        "load_avg_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
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
