"""Benchmark: evaluate a whole school under TT 22 — 2,000 students × 15 subjects, both terms.

    .venv/bin/python bench/bench_assess.py [--runs 7]

Prints one JSON line, e.g. ``{"bench": "assess_school_2000x15", "median_s": 0.2, ...}``:

- ``median_s`` (and ``cpu_median_s``, steadier on a busy machine): the engine alone,
  ``tt22.evaluate_students`` on already-built inputs — every term and year average, học tập
  per term and year with the Điều 9.3 adjustment, rèn luyện, promotion, award and the
  student-level explanations;
- ``contract_median_s``: the whole ``hocba assess`` path without the process start (parse
  the JSON text, check every field, evaluate, build the output with every explanation,
  write the JSON); ``contract_no_explanations_median_s``: the same with
  ``--no-explanations``.

Inputs are generated deterministically (seeded): 10 score subjects (periods 140/105/70/35,
so 4/4/3/2 regular scores) and 5 comment-only subjects per student. No database, no Django.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from hocba.domain.assessment import contract, tt22

STUDENTS = 2_000
SCORE_SUBJECTS = (("TOAN", 140), ("NGU_VAN", 140), ("NGOAI_NGU_1", 105), ("KHTN", 140),
                  ("LICH_SU_DIA_LY", 105), ("GDCD", 35), ("CONG_NGHE", 52), ("TIN_HOC", 35),
                  ("TIENG_DAN_TOC", 105), ("NGOAI_NGU_2", 70))
COMMENT_SUBJECTS = (("GDTC", 70), ("AM_NHAC", 35), ("MI_THUAT", 35), ("HDTN_HN", 105),
                    ("NOI_DUNG_DIA_PHUONG", 35))
LEVELS = ("TOT", "TOT", "KHA", "KHA", "DAT", "CHUA_DAT")


def _count(periods: int) -> int:
    return tt22.TT22_RULES.regular_count(tt22.Assessment.SCORE, periods)


def school(seed: int = 20251) -> dict[str, Any]:
    """The input document of a 2,000-student school, as ``hocba assess`` reads it."""
    rng = random.Random(seed)
    students = []
    for i in range(STUDENTS):
        ability = rng.uniform(3.5, 9.8)

        def mark() -> float:
            return min(10.0, max(0.0, round(rng.gauss(ability, 1.2), 1)))  # noqa: B023

        def score_term(n: int) -> dict[str, Any]:
            return {"tx": [mark() for _ in range(n)], "gk": mark(), "ck": mark()}

        def comment_term() -> dict[str, Any]:
            return {"tx": ["D", "D"], "gk": "D",
                    "ck": "D" if rng.random() > 0.03 else "CD"}

        subjects: list[dict[str, Any]] = [
            {"code": code, "assessment": "score", "periods_per_year": periods,
             "hk1": score_term(_count(periods)), "hk2": score_term(_count(periods))}
            for code, periods in SCORE_SUBJECTS]
        subjects += [{"code": code, "assessment": "comment", "periods_per_year": periods,
                      "hk1": comment_term(), "hk2": comment_term()}
                     for code, periods in COMMENT_SUBJECTS]
        students.append({"id": f"HS{i:05d}", "absences": rng.choice((0, 2, 5, 12, 30, 47)),
                         "conduct": {"hk1": rng.choice(LEVELS), "hk2": rng.choice(LEVELS)},
                         "subjects": subjects})
    return {"regime": "tt22", "grade": 8, "students": students}


def engine_inputs(document: dict[str, Any]) -> list[tt22.StudentInput]:
    out = []
    for s in document["students"]:
        subjects: list[tt22.Subject] = []
        for sub in s["subjects"]:
            if sub["assessment"] == "score":
                terms = [tt22.ScoreTerm(tuple(Decimal(str(x)) for x in t["tx"]),
                                        Decimal(str(t["gk"])), Decimal(str(t["ck"])))
                         for t in (sub["hk1"], sub["hk2"])]
                subjects.append(tt22.ScoreSubject(sub["code"], sub["periods_per_year"],
                                                  terms[0], terms[1]))
            else:
                cterms = [tt22.CommentTerm(tuple(tt22.CommentResult(x) for x in t["tx"]),
                                           tt22.CommentResult(t["gk"]),
                                           tt22.CommentResult(t["ck"]))
                          for t in (sub["hk1"], sub["hk2"])]
                subjects.append(tt22.CommentSubject(sub["code"], sub["periods_per_year"],
                                                    cterms[0], cterms[1]))
        conduct = tt22.Conduct(tt22.Level(s["conduct"]["hk1"]), tt22.Level(s["conduct"]["hk2"]))
        out.append(tt22.StudentInput(s["id"], s["absences"], conduct, tuple(subjects)))
    return out


def _median(run: Any, runs: int) -> tuple[float, list[float], float]:
    """Median wall time, every wall time, median CPU time of the process."""
    times, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        run()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times), times, statistics.median(cpu)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)

    document = school()
    inputs = engine_inputs(document)
    text = json.dumps(document)
    results = tt22.evaluate_students(inputs)
    levels = [r.hoc_tap_year.level.value for r in results]

    engine, engine_times, engine_cpu = _median(lambda: tt22.evaluate_students(inputs),
                                               args.runs)
    whole, _, _ = _median(lambda: contract.dumps(contract.assess_text(text), indent=None),
                          max(3, args.runs // 2))
    bare, _, _ = _median(lambda: contract.dumps(contract.assess_text(text, explanations=False),
                                                indent=None), max(3, args.runs // 2))
    print(json.dumps({
        "bench": "assess_school_2000x15",
        "median_s": round(engine, 4),
        "min_s": round(min(engine_times), 4),
        "max_s": round(max(engine_times), 4),
        "cpu_median_s": round(engine_cpu, 4),
        "contract_median_s": round(whole, 4),
        "contract_no_explanations_median_s": round(bare, 4),
        "students": len(inputs),
        "subjects_per_student": len(SCORE_SUBJECTS) + len(COMMENT_SUBJECTS),
        "hoc_tap_year": {level: levels.count(level) for level in sorted(set(levels))},
        "promoted": sum(r.len_lop for r in results),
        "runs": args.runs,
    }, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
