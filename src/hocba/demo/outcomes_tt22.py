"""The demo's TT 22 outcomes: what each student's year comes to, and scores that reach it.

Pure Python (no Django): ``hocba.demo.results_tt22`` writes what this module decides.

A student's outcome (``Plan``) is decided first: học tập level, rèn luyện per term, absences,
and the promotion the roster implies. Scores are then drawn around the ability of that level
until the TT 22 engine (``hocba.domain.assessment.tt22``) agrees, so the demo never contradicts
the rules it demonstrates: a student the roster promotes is promoted by Điều 12; a repeater
(lưu ban) is not, either for more than 45 sessions absent or for học tập Chưa đạt still so
after the summer re-evaluation (Điều 14, planned by ``tt22_summer``). Every draw comes from
the caller's ``random.Random``; the same seed gives the same scores.
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from hocba.domain.assessment.common import CommentResult, Level
from hocba.domain.assessment.tt22 import (
    TT22_RULES,
    CommentSubject,
    CommentTerm,
    Conduct,
    ScoreSubject,
    ScoreTerm,
    StudentInput,
    StudentResult,
    academic_level,
    comment_term_result,
    evaluate_student,
    term_average,
)
from hocba.domain.assessment.tt22_summer import after_summer, summer_plan
from hocba.domain.curriculum import Assessment, CurriculumSubject

COMMENT_REGULAR = TT22_RULES.comment_regular_count  # Điều 6.2.a: ĐĐGtx of a comment subject
ABSENCE_LIMIT = TT22_RULES.absence_limit  # Điều 12: more than 45 sessions → not promoted
TRIES = 60  # draws of one student's scores before settling for a near miss

# The typical term average of a student aiming at each học tập level (TT 22/2021 Điều 9.2).
ABILITY = {Level.TOT: (8.3, 9.3), Level.KHA: (6.9, 7.9), Level.DAT: (5.5, 6.5),
           Level.CHUA_DAT: (3.9, 4.9)}
# Rèn luyện in term II by học tập level: most students Tốt (TT 22/2021 Điều 8).
CONDUCT = {
    Level.TOT: ((Level.TOT, 0.9), (Level.KHA, 0.1)),
    Level.KHA: ((Level.TOT, 0.65), (Level.KHA, 0.3), (Level.DAT, 0.05)),
    Level.DAT: ((Level.TOT, 0.4), (Level.KHA, 0.45), (Level.DAT, 0.15)),
    Level.CHUA_DAT: ((Level.KHA, 0.5), (Level.DAT, 0.5)),
}


@dataclass(frozen=True)
class Pupil:
    id: int
    code: str  # student code: the seed of a stable aptitude


@dataclass(frozen=True)
class Plan:
    """What one student's year (or term I, in a year in progress) comes to."""

    level: Level  # học tập: of the year, or of term I in a year in progress
    conduct: tuple[Level, Level]  # rèn luyện, term I and term II
    absences: tuple[tuple[int, int], tuple[int, int]]  # (excused, unexcused) per term
    promoted: bool | None  # the Điều 12 decision the roster implies (finished years)

    @property
    def absent(self) -> int:
        return sum(e + u for e, u in self.absences)


class Cells(NamedTuple):
    """One term of one subject as the teacher entered it, in the gradebook's stored text:
    scores ``"8"``, ``"7.5"``; ratings ``"D"``, ``"CD"``."""

    tx: tuple[str, ...]
    gk: str
    ck: str

    def score_term(self) -> ScoreTerm:
        return ScoreTerm(tuple(Decimal(v) for v in self.tx), Decimal(self.gk), Decimal(self.ck))

    def comment_term(self) -> CommentTerm:
        return CommentTerm(tuple(CommentResult(v) for v in self.tx), CommentResult(self.gk),
                           CommentResult(self.ck))


Draw = dict[str, dict[int, Cells]]  # subject code → term → cells


def scored(row: CurriculumSubject) -> bool:
    return row.assessment is Assessment.SCORE


def regular(row: CurriculumSubject) -> int:
    """ĐĐGtx per term: by periods for a score subject (Điều 6.2.b), 2 otherwise (6.2.a)."""
    return row.regular_assessments or COMMENT_REGULAR


# --- scores -------------------------------------------------------------------------------

# The gradebook's canonical text of a mark given in tenths: 80 → "8", 75 → "7.5".
_TENTHS = tuple(f"{t // 10}.{t % 10}" if t % 10 else str(t // 10) for t in range(101))
_HALVES = tuple(_TENTHS[5 * h] for h in range(21))
# A test marked in quarters is written with one decimal rounded half up (TT 22/2021 Điều
# 5.3.b): 7,25 → 7,3; 7,75 → 7,8. In tenths, q quarters round to (5q + 1) // 2.
_QUARTERS = tuple(_TENTHS[(5 * q + 1) // 2] for q in range(41))


def regular_mark(value: float) -> str:
    """A regular assessment (ĐĐGtx), marked in halves: 7,5 or 8."""
    return _HALVES[math.floor(min(10.0, max(0.0, value)) * 2 + 0.5)]


def periodic_mark(value: float) -> str:
    """A periodic test (ĐĐGgk, ĐĐGck), marked in quarters and written with one decimal."""
    return _QUARTERS[math.floor(min(10.0, max(0.0, value)) * 4 + 0.5)]


def regular_marks(rng: random.Random, count: int, mean: float) -> tuple[str, ...]:
    gauss, floor = rng.gauss, math.floor  # the demo draws millions of marks: no calls
    return tuple(_HALVES[floor(min(10.0, max(0.0, gauss(mean, 0.9))) * 2 + 0.5)]
                 for _ in range(count))


def _ratings(count: int, failed: str) -> Cells:
    """Đ everywhere; ``failed`` names the one assessment rated CĐ ("", "tx" or "ck")."""
    tx = ["D"] * count
    if failed == "tx":
        tx[-1] = "CD"
    return Cells(tuple(tx), "D", "CD" if failed == "ck" else "D")


def draw(rng: random.Random, rows: Sequence[CurriculumSubject], level: Level,
         terms: Sequence[int]) -> Draw:
    """One attempt at a student's scores around the ability of ``level``. Ratings are Đ,
    except for a weaker student's one comment subject (Chưa đạt in that term, Điều 9.1.a)."""
    gauss = rng.gauss
    base = rng.uniform(*ABILITY[level])
    drift = gauss(0.1, 0.25)  # term II against term I
    comments = [r.code for r in rows if not scored(r)]
    failing = ""
    if comments and ((level is Level.DAT and rng.random() < 0.12)
                     or (level is Level.CHUA_DAT and rng.random() < 0.5)):
        failing = rng.choice(comments)
    out: Draw = {}
    for row in rows:
        cells: dict[int, Cells] = {}
        mean = base + gauss(0, 0.5)
        count = regular(row)
        for term in terms:
            if scored(row):
                m = mean + drift if term == 2 else mean
                cells[term] = Cells(regular_marks(rng, count, m), periodic_mark(gauss(m, 0.8)),
                                    periodic_mark(gauss(m, 0.8)))
                continue
            failed = "" if row.code != failing else (
                "ck" if level is Level.CHUA_DAT else "tx" if term == 1 else "")
            cells[term] = _ratings(count, failed)
        out[row.code] = cells
    return out


def student_input(pupil: Pupil, rows: Sequence[CurriculumSubject], cells: Draw, plan: Plan
                  ) -> StudentInput:
    subjects: list[ScoreSubject | CommentSubject] = []
    for row in rows:
        one, two = cells[row.code][1], cells[row.code][2]
        if scored(row):
            subjects.append(ScoreSubject(row.code, row.periods_per_year, one.score_term(),
                                         two.score_term()))
        else:
            subjects.append(CommentSubject(row.code, row.periods_per_year, one.comment_term(),
                                           two.comment_term()))
    return StudentInput(pupil.code, plan.absent, Conduct(*plan.conduct), tuple(subjects))


def term_one_level(rows: Sequence[CurriculumSubject], cells: Draw) -> Level:
    """Học tập of term I (TT 22/2021 Điều 9.2, 9.3), as the class summary computes it."""
    scores = [(r.code, term_average(cells[r.code][1].score_term())) for r in rows if scored(r)]
    comments = [(r.code, comment_term_result(cells[r.code][1].comment_term()))
                for r in rows if not scored(r)]
    return academic_level(scores, comments, "hoc_tap.hk1").level


def settle(rng: random.Random, pupil: Pupil, rows: Sequence[CurriculumSubject], plan: Plan,
           complete: bool) -> tuple[Draw, StudentResult | None]:
    """Draw until the engine gives the planned level (and, for a finished year, the Điều 12
    decision). After TRIES, keep the first draw whose promotion still matches the roster."""
    terms = (1, 2) if complete else (1,)
    fallback: tuple[Draw, StudentResult | None] | None = None
    for _ in range(TRIES):
        cells = draw(rng, rows, plan.level, terms)
        if not complete:
            if term_one_level(rows, cells) is plan.level:
                return cells, None
            fallback = fallback or (cells, None)
            continue
        result = evaluate_student(student_input(pupil, rows, cells, plan))
        if result.len_lop is plan.promoted:
            if result.hoc_tap_year.level is plan.level:
                return cells, result
            fallback = fallback or (cells, result)
    if fallback is None:
        raise RuntimeError(f"{pupil.code}: không sinh được điểm khớp với việc lên lớp")
    return fallback


def retests(rng: random.Random, pupil: Pupil, rows: Sequence[CurriculumSubject], cells: Draw,
            plan: Plan, year_end: StudentResult) -> dict[str, str]:
    """The summer re-evaluation of a student who repeats the grade with học tập Chưa đạt
    (TT 22/2021 Điều 14: the subjects below 5,0 or Chưa đạt, as ``tt22_summer`` plans them):
    results, as stored text, after which học tập is still Chưa đạt and Điều 12 still refuses
    promotion — a subject or two may pass, not enough of them."""
    subjects = summer_plan(year_end).subjects
    if not subjects:
        return {}
    engine = student_input(pupil, rows, cells, plan)
    kinds = {r.code: scored(r) for r in rows}
    values: dict[str, str] = {}
    for _ in range(TRIES):
        values = {code: periodic_mark(rng.gauss(4.0, 1.2)) if kinds[code]
                  else "CD" if rng.random() < 0.7 else "D" for code in subjects}
        entered = {code: Decimal(v) if kinds[code] else CommentResult(v)
                   for code, v in values.items()}
        again = after_summer(engine, None, entered).result
        if again is not None and again.len_lop is False:
            return values
    raise RuntimeError(f"{pupil.code}: không sinh được kết quả kiểm tra lại khớp với lưu ban")


# --- plans ----------------------------------------------------------------------------------

def _pick(rng: random.Random, weights: Sequence[tuple[Level, float]]) -> Level:
    return rng.choices([lv for lv, _ in weights], [w for _, w in weights])[0]


def aptitude(pupil: Pupil) -> float:
    """A stable 0–1 aptitude from the student code: a strong student stays strong."""
    return zlib.crc32(pupil.code.encode()) / 2**32


def _absences(rng: random.Random) -> tuple[int, int]:
    excused = rng.choices((0, rng.randint(1, 3), rng.randint(4, 8)), (0.55, 0.35, 0.1))[0]
    return excused, (rng.randint(1, 2) if rng.random() < 0.12 else 0)


def _conduct(rng: random.Random, level: Level) -> tuple[Level, Level]:
    """Term II by level; term I now and then one level lower (the student improved)."""
    hk2 = _pick(rng, CONDUCT[level])
    hk1 = Level.from_rank(hk2.rank - 1) if hk2.rank and rng.random() < 0.2 else hk2
    return hk1, hk2


def class_levels(rng: random.Random, count: int, in_progress: bool) -> list[Level]:
    """A class's học tập levels, best first: some Tốt, Khá and Đạt in every class (TT 22/2021
    Điều 9.2); after term I of a year in progress also a few Chưa đạt."""
    if count < 3:
        return [Level.KHA] * count
    failing = rng.choice((0, 1, 1, 2)) if in_progress and count > 10 else 0
    tot = max(1, round(count * rng.uniform(0.2, 0.4)))
    dat = max(1, round(count * rng.uniform(0.18, 0.32)))
    kha = max(1, count - tot - dat - failing)
    tot = count - kha - dat - failing
    return ([Level.TOT] * tot + [Level.KHA] * kha + [Level.DAT] * dat
            + [Level.CHUA_DAT] * failing)


def plans(rng: random.Random, pupils: Sequence[Pupil], repeaters: set[int],
          complete: bool) -> dict[int, Plan]:
    """Per student id, the planned outcome. In a finished year the repeaters are exactly the
    students not promoted (Điều 12): by turns học tập Chưa đạt (Điều 9.2.d), or more than 45
    sessions absent with học tập Đạt."""
    out: dict[int, Plan] = {}
    for n, pupil in enumerate(p for p in pupils if p.id in repeaters):
        if n % 2 == 0:
            level, absences = Level.CHUA_DAT, (_absences(rng), _absences(rng))
        else:
            level = Level.DAT
            total = rng.randint(ABSENCE_LIMIT + 1, ABSENCE_LIMIT + 14)
            absences = ((total // 2 - 3, 3), (total - total // 2 - 4, 4))
        out[pupil.id] = Plan(level, _conduct(rng, level), absences, False)
    ranked = sorted((p for p in pupils if p.id not in repeaters),
                    key=lambda p: -(0.75 * aptitude(p) + 0.25 * rng.random()))
    for pupil, level in zip(ranked, class_levels(rng, len(ranked), not complete), strict=True):
        out[pupil.id] = Plan(level, _conduct(rng, level), (_absences(rng), _absences(rng)),
                             True if complete else None)
    return out


# --- comments -------------------------------------------------------------------------------

GVCN_OPENING = {
    Level.TOT: ("Chăm ngoan, lễ phép, có ý thức tự giác cao trong học tập.",
                "Ngoan, tích cực tham gia các hoạt động của lớp, học tập chăm chỉ, sáng tạo."),
    Level.KHA: ("Ngoan, lễ phép, có ý thức học tập.",
                "Chăm chỉ, hòa đồng với bạn bè, tham gia đầy đủ các hoạt động của lớp."),
    Level.DAT: ("Ngoan nhưng chưa thật chăm chỉ, cần tập trung hơn trong giờ học.",
                "Hiền lành, có cố gắng nhưng kết quả học tập chưa cao."),
    Level.CHUA_DAT: ("Ý thức học tập chưa tốt, kiến thức cơ bản còn hổng nhiều.",
                     "Còn ham chơi, chưa tự giác học bài và làm bài tập ở nhà."),
}


def gvcn_comment(rng: random.Random, plan: Plan, result: StudentResult,
                 names: dict[str, str]) -> str:
    """The GVCN's year comment (the học bạ's second block): conduct and learning in a few
    words, naming the student's best or weakest subjects."""
    averages = sorted(((r.year, r.code) for r in result.subjects
                       if isinstance(r.year, Decimal)), reverse=True)
    level = result.hoc_tap_year.level
    parts = [rng.choice(GVCN_OPENING[level])]
    if averages and level in (Level.TOT, Level.KHA):
        parts.append(f"Học tốt môn {names[averages[0][1]]}.")
    if plan.absent > ABSENCE_LIMIT:
        parts.append(f"Nghỉ học {plan.absent} buổi trong năm, cần đi học đều đặn.")
    elif level is Level.CHUA_DAT:
        parts.append(f"Cần ôn tập thêm các môn {', '.join(names[c] for _, c in averages[-2:])}.")
    elif level is not Level.TOT and averages:
        parts.append(f"Cần cố gắng hơn ở môn {names[averages[-1][1]]}.")
    else:
        parts.append("Cần phát huy.")
    return " ".join(parts)


def teacher_comment(row: CurriculumSubject, cells: Cells) -> str:
    """A subject teacher's short term-II comment (the học bạ's optional subject comment)."""
    if not scored(row):
        if comment_term_result(cells.comment_term()) is CommentResult.D:
            return "Tích cực, hoàn thành tốt các yêu cầu của môn học."
        return "Chưa hoàn thành một số yêu cầu của môn học, cần cố gắng hơn."
    average = term_average(cells.score_term())
    if average >= 8:
        return "Nắm vững kiến thức, vận dụng tốt."
    if average >= Decimal("6.5"):
        return "Nắm được kiến thức cơ bản, cần luyện tập thêm."
    if average >= 5:
        return "Tiếp thu còn chậm, cần cố gắng hơn."
    return "Chưa nắm vững kiến thức cơ bản, cần ôn tập thêm."
