"""TT 22/2021/TT-BGDĐT: assessing lower and upper secondary students (THCS, THPT).

Each result carries the rule that produced it. Article numbers and their sources:

- Điều 5.3.b (scores: integer or one decimal after rounding) — [P] via a verbatim quote;
- Điều 6.2.a/b (regular assessments per term: comment subjects 2 [B]; score subjects by
  periods per year, 35 → 2, >35–70 → 3, >70 → 4 [P]);
- Điều 9.1.a/b (subject results; ĐTBmhk and ĐTBmcn formulas) [P]/[T];
- Điều 9.2.a–d and 9.3 (học tập levels and the single-subject adjustment) [P];
- Điều 8 (rèn luyện for the year from the two terms) [T];
- Điều 12 (lên lớp: both levels ≥ Đạt and at most 45 absences) [T];
- Điều 13 (summer training: its rèn luyện replaces the year's for promotion) [T];
- Điều 14 (re-evaluation of subjects: its results replace the year's) [T]/[B];
- Điều 15.1 (Học sinh Xuất sắc, Học sinh Giỏi) [P].

The numbers that a regime may change (the GDTX variant, see ``gdtx.py``) live in
``SecondaryRules``; the arithmetic and the level logic do not change.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Context, Decimal, localcontext

from hocba.domain.assessment.common import (
    ONE_DECIMAL,
    TEN,
    AssessmentError,
    Award,
    CommentResult,
    Explanation,
    Level,
    vn_number,
)

# Decimal arithmetic never depends on the caller's context: 28 significant digits is
# exact for every sum of one-decimal scores and far beyond what one-decimal rounding needs.
DECIMAL_CONTEXT = Context(prec=28)

# TT 22/2021 Điều 9.2 thresholds, named as the article names them.
TOT_FLOOR = Decimal("6.5")  # Tốt: every score subject ≥ 6,5 …
TOT_HIGH = Decimal("8.0")  # … and at least 6 of them ≥ 8,0
KHA_FLOOR = Decimal("5.0")  # Khá: every score subject ≥ 5,0 …
KHA_HIGH = Decimal("6.5")  # … and at least 6 of them ≥ 6,5
DAT_PASS = Decimal("5.0")  # Đạt: at least 6 score subjects ≥ 5,0 …
DAT_FLOOR = Decimal("3.5")  # … and none below 3,5
EXCELLENT = Decimal("9.0")  # Điều 15.1.a: at least 6 subjects with ĐTBmcn ≥ 9,0
RETEST_BELOW = Decimal("5.0")  # Điều 14 [B]: subjects below 5,0 may be re-assessed


class Assessment(enum.Enum):
    """How a subject is assessed (TT 22/2021 Điều 5.3): comment plus score, or comment only."""

    SCORE = "score"
    COMMENT = "comment"


@dataclass(frozen=True, slots=True)
class SecondaryRules:
    """The numbers of a TT 22-based regime. ``TT22_RULES`` is the circular; GDTX overrides."""

    regime: str = "tt22"
    source: str = "TT 22/2021"
    # Appended to every citation, e.g. to mark that a rule is applied to GDTX by assumption.
    citation_note: str = ""
    learner: str = "học sinh"
    # Điều 6.2.b: (most periods per year, regular assessments per term), then the rest.
    regular_count_by_periods: tuple[tuple[int, int], ...] = ((35, 2), (70, 3))
    regular_count_above: int = 4
    # Điều 6.2.a [B]: comment-only subjects have 2 regular assessments per term.
    comment_regular_count: int = 2
    # Điều 9.2 and 15.1.a: "ít nhất 06 môn học".
    min_subjects: int = 6
    # Điều 12 [T]: more than 45 sessions absent → not promoted.
    absence_limit: int = 45
    # False: rèn luyện may be absent (then it is neither assessed nor a promotion condition).
    conduct_required: bool = True

    def cite(self, article: str) -> str:
        return f"{self.source} {article}{self.citation_note}"

    def regular_count(self, assessment: Assessment, periods_per_year: int) -> int:
        """Regular assessments (ĐĐGtx) per term (Điều 6.2.a, 6.2.b)."""
        if assessment is Assessment.COMMENT:
            return self.comment_regular_count
        for most_periods, count in self.regular_count_by_periods:
            if periods_per_year <= most_periods:
                return count
        return self.regular_count_above


TT22_RULES = SecondaryRules()


# ---------------------------------------------------------------------------------------
# Inputs

@dataclass(frozen=True, slots=True)
class ScoreTerm:
    """One term of a score subject: regular (ĐĐGtx), mid-term (ĐĐGgk), end-of-term (ĐĐGck)."""

    tx: tuple[Decimal, ...]
    gk: Decimal
    ck: Decimal


@dataclass(frozen=True, slots=True)
class CommentTerm:
    """One term of a comment-only subject: every assessment is Đạt or Chưa đạt."""

    tx: tuple[CommentResult, ...]
    gk: CommentResult
    ck: CommentResult


@dataclass(frozen=True, slots=True)
class ScoreSubject:
    code: str
    periods_per_year: int
    hk1: ScoreTerm
    hk2: ScoreTerm
    retest: Decimal | None = None  # Điều 14: the re-assessment score, replacing ĐTBmcn

    @property
    def assessment(self) -> Assessment:
        return Assessment.SCORE


@dataclass(frozen=True, slots=True)
class CommentSubject:
    code: str
    periods_per_year: int
    hk1: CommentTerm
    hk2: CommentTerm
    retest: CommentResult | None = None  # Điều 14: the re-assessment, replacing the year

    @property
    def assessment(self) -> Assessment:
        return Assessment.COMMENT


Subject = ScoreSubject | CommentSubject


@dataclass(frozen=True, slots=True)
class Conduct:
    """Rèn luyện per term (GVCN's judgement) and, after summer training, the re-evaluation."""

    hk1: Level
    hk2: Level
    summer: Level | None = None


@dataclass(frozen=True, slots=True)
class StudentInput:
    id: str
    absences: int
    conduct: Conduct | None
    subjects: tuple[Subject, ...]


# ---------------------------------------------------------------------------------------
# Subject results

def term_average(term: ScoreTerm) -> Decimal:
    """ĐTBmhk = (TĐĐGtx + 2 × ĐĐGgk + 3 × ĐĐGck) / (số ĐĐGtx + 5), rounded half up to one
    decimal (TT 22/2021 Điều 9.1.b). TĐĐGtx is the *sum* of the regular scores."""
    with localcontext(DECIMAL_CONTEXT):
        return _term_average(term)


def year_average(hk1: Decimal, hk2: Decimal) -> Decimal:
    """ĐTBmcn = (ĐTBmhkI + 2 × ĐTBmhkII) / 3 from the already *rounded* term averages,
    rounded half up to one decimal (TT 22/2021 Điều 9.1.b)."""
    with localcontext(DECIMAL_CONTEXT):
        return _year_average(hk1, hk2)


# The same, for callers already inside ``localcontext(DECIMAL_CONTEXT)`` (one context switch
# per student instead of one per average).
def _term_average(term: ScoreTerm) -> Decimal:
    return ((sum(term.tx) + 2 * term.gk + 3 * term.ck) / (len(term.tx) + 5)).quantize(
        ONE_DECIMAL, ROUND_HALF_UP)


def _year_average(hk1: Decimal, hk2: Decimal) -> Decimal:
    return ((hk1 + 2 * hk2) / 3).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def comment_term_result(term: CommentTerm) -> CommentResult:
    """Đạt when every assessment of the term is Đạt (TT 22/2021 Điều 9.1.a); the required
    number of assessments is checked on input."""
    ok = CommentResult.D
    if term.gk is ok and term.ck is ok and CommentResult.CD not in term.tx:
        return ok
    return CommentResult.CD


def _approx(total: Decimal, divisor: int) -> str:
    exact = total / divisor
    shown = exact.quantize(Decimal("0.001"), rounding=ROUND_DOWN)
    if shown == exact:
        return vn_number(f"{exact.normalize():f}")
    return vn_number(f"{shown:f}") + "…"


@dataclass(frozen=True, slots=True)
class ScoreSubjectResult:
    subject: ScoreSubject
    hk1: Decimal
    hk2: Decimal
    year: Decimal

    @property
    def code(self) -> str:
        return self.subject.code

    @property
    def final(self) -> Decimal:
        """The year result after re-evaluation: the retest score replaces ĐTBmcn."""
        return self.subject.retest if self.subject.retest is not None else self.year

    def explanations(self, rules: SecondaryRules = TT22_RULES) -> list[Explanation]:
        """Built on demand (the bulk evaluation does not pay for the text)."""
        out = []
        for name, term, value in (("hk1", self.subject.hk1, self.hk1),
                                  ("hk2", self.subject.hk2, self.hk2)):
            total = sum(term.tx) + 2 * term.gk + 3 * term.ck
            parts = " + ".join(vn_number(x) for x in term.tx)
            out.append(Explanation(
                f"subjects.{self.code}.{name}", rules.cite("Điều 9.1.b"),
                f"ĐTBmhk = ({parts} + 2×{vn_number(term.gk)} + 3×{vn_number(term.ck)}) / "
                f"({len(term.tx)} + 5) = {vn_number(total)} / {len(term.tx) + 5} = "
                f"{_approx(total, len(term.tx) + 5)} → {vn_number(value)}"))
        total = self.hk1 + 2 * self.hk2
        out.append(Explanation(
            f"subjects.{self.code}.year", rules.cite("Điều 9.1.b"),
            f"ĐTBmcn = ({vn_number(self.hk1)} + 2×{vn_number(self.hk2)}) / 3 = "
            f"{_approx(total, 3)} → {vn_number(self.year)} (từ ĐTBmhk đã làm tròn)"))
        if self.subject.retest is not None:
            out.append(Explanation(
                f"subjects.{self.code}.retest", rules.cite("Điều 14"),
                f"Điểm kiểm tra lại {vn_number(self.subject.retest)} thay cho ĐTBmcn "
                f"{vn_number(self.year)} khi đánh giá lại kết quả học tập cả năm"))
        return out


@dataclass(frozen=True, slots=True)
class CommentSubjectResult:
    subject: CommentSubject
    hk1: CommentResult
    hk2: CommentResult

    @property
    def code(self) -> str:
        return self.subject.code

    @property
    def year(self) -> CommentResult:
        """The year result is the term II result (TT 22/2021 Điều 9.1.a)."""
        return self.hk2

    @property
    def final(self) -> CommentResult:
        return self.subject.retest if self.subject.retest is not None else self.hk2

    def explanations(self, rules: SecondaryRules = TT22_RULES) -> list[Explanation]:
        out = []
        for name, result in (("hk1", self.hk1), ("hk2", self.hk2)):
            reason = ("mọi lần đánh giá đều Đạt" if result is CommentResult.D
                      else "có lần đánh giá Chưa đạt")
            out.append(Explanation(f"subjects.{self.code}.{name}", rules.cite("Điều 9.1.a"),
                                   f"{result.label}: {reason}"))
        out.append(Explanation(f"subjects.{self.code}.year", rules.cite("Điều 9.1.a"),
                               f"{self.hk2.label}: cả năm lấy kết quả học kì II"))
        if self.subject.retest is not None:
            out.append(Explanation(
                f"subjects.{self.code}.retest", rules.cite("Điều 14"),
                f"Đánh giá lại {self.subject.retest.label} thay cho kết quả cả năm"))
        return out


SubjectResult = ScoreSubjectResult | CommentSubjectResult


def check_regular_counts(subjects: Sequence[Subject], rules: SecondaryRules = TT22_RULES) -> None:
    """Refuse a term whose number of regular assessments is not the one the periods per year
    require (TT 22/2021 Điều 6.2). The path is relative to the student."""
    expected_by_periods: dict[int, int] = {}
    for index, subject in enumerate(subjects):
        if isinstance(subject, ScoreSubject):
            periods = subject.periods_per_year
            expected = expected_by_periods.get(periods, 0)
            if not expected:
                expected = expected_by_periods[periods] = rules.regular_count(
                    Assessment.SCORE, periods)
        else:
            expected = rules.comment_regular_count
        if len(subject.hk1.tx) == expected and len(subject.hk2.tx) == expected:
            continue
        for name in ("hk1", "hk2"):
            term: ScoreTerm | CommentTerm = getattr(subject, name)
            if len(term.tx) != expected:
                if subject.assessment is Assessment.SCORE:
                    why = (f"môn {subject.code} có {subject.periods_per_year} tiết/năm nên "
                           f"cần đúng {expected} điểm đánh giá thường xuyên mỗi học kì "
                           f"({rules.cite('Điều 6.2.b')})")
                else:
                    why = (f"môn đánh giá bằng nhận xét {subject.code} cần đúng {expected} "
                           f"lần đánh giá thường xuyên mỗi học kì ({rules.cite('Điều 6.2.a')})")
                raise AssessmentError(f"subjects[{index}].{name}.tx",
                                      f"{why}, nhận được {len(term.tx)}")


def subject_result(subject: Subject) -> SubjectResult:
    with localcontext(DECIMAL_CONTEXT):
        return _subject_result(subject)


def _subject_result(subject: Subject) -> SubjectResult:
    if isinstance(subject, ScoreSubject):
        hk1 = _term_average(subject.hk1)
        hk2 = _term_average(subject.hk2)
        return ScoreSubjectResult(subject, hk1, hk2, _year_average(hk1, hk2))
    return CommentSubjectResult(subject, comment_term_result(subject.hk1),
                                comment_term_result(subject.hk2))


# ---------------------------------------------------------------------------------------
# Học tập (Điều 9.2, 9.3)

@dataclass(frozen=True, slots=True)
class LevelResult:
    level: Level
    explanation: Explanation
    # Before the Điều 9.3 adjustment, when it applied.
    unadjusted: Level | None = None


def _count(values: Iterable[Decimal], threshold: Decimal) -> int:
    return sum([v >= threshold for v in values])


def _meets(target: Level, scores: Sequence[Decimal], not_achieved: int, n: int) -> bool:
    """Whether the criteria of Điều 9.2.a (Tốt), b (Khá) or c (Đạt) hold."""
    lowest = min(scores, default=TEN)
    if target is Level.TOT:
        return not_achieved == 0 and lowest >= TOT_FLOOR and _count(scores, TOT_HIGH) >= n
    if target is Level.KHA:
        return not_achieved == 0 and lowest >= KHA_FLOOR and _count(scores, KHA_HIGH) >= n
    return not_achieved <= 1 and lowest >= DAT_FLOOR and _count(scores, DAT_PASS) >= n


def _floor(target: Level) -> Decimal:
    return TOT_FLOOR if target is Level.TOT else KHA_FLOOR


_PARAGRAPH = {Level.TOT: "Điều 9.2.a", Level.KHA: "Điều 9.2.b", Level.DAT: "Điều 9.2.c",
              Level.CHUA_DAT: "Điều 9.2.d"}


def academic_level(scores: Sequence[tuple[str, Decimal]],
                   comments: Sequence[tuple[str, CommentResult]],
                   field: str, rules: SecondaryRules = TT22_RULES) -> LevelResult:
    """The học tập level of a term (from ĐTBmhk) or of the year (from ĐTBmcn), with the
    Điều 9.3 adjustment.

    Điều 9.3: when the level is two or more levels below Tốt (or Khá) *only because of one
    subject*, it is raised to the level adjacent below that one (Tốt → Khá, Khá → Đạt).
    "Only because of one subject" is tested by treating that one subject as if it just met
    the target's floor (≥ 6,5 for Tốt, ≥ 5,0 for Khá; Đạt for a comment subject) without
    counting it towards the "at least 6 subjects" condition, and checking the target's
    criteria again. The raise is one step below the target, never the target itself.
    """
    n = rules.min_subjects
    values = [v for _, v in scores]
    not_achieved = [code for code, r in comments if r is CommentResult.CD]
    level = Level.CHUA_DAT
    for target in (Level.TOT, Level.KHA, Level.DAT):
        if _meets(target, values, len(not_achieved), n):
            level = target
            break
    for target in (Level.TOT, Level.KHA):
        if target.rank - level.rank < 2:
            continue
        # Only one subject may be below the target: with two, ignoring one leaves the other.
        floor = _floor(target)
        low = [i for i, v in enumerate(values) if v < floor]
        if len(low) + len(not_achieved) != 1:
            continue
        if low:
            code, shown = scores[low[0]][0], vn_number(values[low[0]])
            rest = values[:low[0]] + values[low[0] + 1:]
        else:
            code, shown, rest = not_achieved[0], CommentResult.CD.label, values
        if _meets(target, rest, 0, n):
            adjusted = Level.from_rank(target.rank - 1)
            return LevelResult(adjusted, Explanation(
                field, rules.cite("Điều 9.3"),
                f"{adjusted.label}: theo Điều 9.2 là {level.label}, thấp hơn mức "
                f"{target.label} từ 2 mức trở lên chỉ do một môn ({code}: {shown}); "
                f"điều chỉnh lên mức liền kề {adjusted.label}"), unadjusted=level)
    return LevelResult(level, Explanation(field, rules.cite(_PARAGRAPH[level]),
                                          _academic_reason(level, scores, not_achieved, n)))


def _academic_reason(level: Level, scores: Sequence[tuple[str, Decimal]],
                     not_achieved: Sequence[str], n: int) -> str:
    values = [v for _, v in scores]
    if level is Level.TOT:
        return (f"Tốt: mọi môn đánh giá bằng nhận xét Đạt; mọi môn tính điểm ≥ 6,5 và "
                f"{_count(values, TOT_HIGH)} môn ≥ 8,0 (cần ít nhất {n})")
    if level is Level.KHA:
        return (f"Khá: mọi môn đánh giá bằng nhận xét Đạt; mọi môn tính điểm ≥ 5,0 và "
                f"{_count(values, KHA_HIGH)} môn ≥ 6,5 (cần ít nhất {n}); chưa đủ mức Tốt")
    if level is Level.DAT:
        return (f"Đạt: {len(not_achieved)} môn nhận xét Chưa đạt (tối đa 1); "
                f"{_count(values, DAT_PASS)} môn tính điểm ≥ 5,0 (cần ít nhất {n}); "
                f"không môn nào dưới 3,5; chưa đủ mức Khá")
    why = []
    if len(not_achieved) > 1:
        why.append(f"{len(not_achieved)} môn nhận xét Chưa đạt ({', '.join(not_achieved)})")
    passed = _count(values, DAT_PASS)
    if passed < n:
        why.append(f"chỉ {passed} môn tính điểm ≥ 5,0 (cần ít nhất {n})")
    low = [f"{code} {vn_number(v)}" for code, v in scores if v < DAT_FLOOR]
    if low:
        why.append(f"có môn dưới 3,5 ({', '.join(low)})")
    return "Chưa đạt: " + "; ".join(why)


# ---------------------------------------------------------------------------------------
# Rèn luyện (Điều 8)

def conduct_year(hk1: Level, hk2: Level) -> Level:
    """The year rèn luyện from the two terms (TT 22/2021 Điều 8):

    Tốt = II Tốt and I ≥ Khá; Khá = (II Khá, I ≥ Đạt) or (II Đạt, I Tốt) or (II Tốt, I Đạt
    or Chưa đạt); Đạt = (II Đạt, I Khá, Đạt or Chưa đạt) or (II Khá, I Chưa đạt); Chưa đạt =
    the rest (II Chưa đạt)."""
    if hk2 is Level.TOT:
        return Level.TOT if hk1.at_least(Level.KHA) else Level.KHA
    if hk2 is Level.KHA:
        return Level.KHA if hk1.at_least(Level.DAT) else Level.DAT
    if hk2 is Level.DAT:
        return Level.KHA if hk1 is Level.TOT else Level.DAT
    return Level.CHUA_DAT


# ---------------------------------------------------------------------------------------
# The whole student

@dataclass(frozen=True, slots=True)
class StudentResult:
    id: str
    subjects: tuple[SubjectResult, ...]
    hoc_tap_hk1: LevelResult
    hoc_tap_hk2: LevelResult
    hoc_tap_year: LevelResult
    # After re-evaluation (Điều 14), when a retest was given; else None.
    hoc_tap_after_reevaluation: LevelResult | None
    ren_luyen_hk1: Level | None
    ren_luyen_hk2: Level | None
    ren_luyen_year: Level | None
    ren_luyen_after_summer: Level | None
    len_lop: bool
    award: Award | None
    explanations: tuple[Explanation, ...] = field(default=())

    @property
    def hoc_tap_final(self) -> Level:
        after = self.hoc_tap_after_reevaluation
        return (after or self.hoc_tap_year).level

    @property
    def ren_luyen_final(self) -> Level | None:
        return self.ren_luyen_after_summer or self.ren_luyen_year

    def all_explanations(self, rules: SecondaryRules = TT22_RULES) -> list[Explanation]:
        """The student's own explanations followed by every subject's."""
        out = list(self.explanations)
        for subject in self.subjects:
            out.extend(subject.explanations(rules))
        return out


def _finals(results: Sequence[SubjectResult]
            ) -> tuple[list[tuple[str, Decimal]], list[tuple[str, CommentResult]]]:
    """Year results after re-evaluation (retests replacing), split by kind."""
    scores: list[tuple[str, Decimal]] = []
    comments: list[tuple[str, CommentResult]] = []
    for r in results:
        if isinstance(r, ScoreSubjectResult):
            scores.append((r.code, r.final))
        else:
            comments.append((r.code, r.final))
    return scores, comments


def evaluate_student(student: StudentInput, rules: SecondaryRules = TT22_RULES
                     ) -> StudentResult:
    """Every TT 22 result of one student for one school year.

    Scores must already be valid (0–10, at most one decimal: see ``contract``); the rules that
    depend on the whole student are checked here and raise ``AssessmentError`` with a path
    relative to the student (``subjects[2].hk1.tx``, ``conduct.summer``...).
    """
    check_regular_counts(student.subjects, rules)
    if student.conduct is None and rules.conduct_required:
        raise AssessmentError("conduct", f"thiếu kết quả rèn luyện học kì I và II "
                                         f"({rules.cite('Điều 8')})")
    codes = [s.code for s in student.subjects]
    if len(set(codes)) != len(codes):
        twice = next(c for c in codes if codes.count(c) > 1)
        raise AssessmentError("subjects", f"môn {twice} xuất hiện hơn một lần")

    with localcontext(DECIMAL_CONTEXT):
        return _evaluate(student, rules)


def _evaluate(student: StudentInput, rules: SecondaryRules) -> StudentResult:
    subject_results: list[SubjectResult] = []
    scores1, scores2, scores_year = [], [], []
    comments1, comments2 = [], []
    for s in student.subjects:
        code = s.code
        if isinstance(s, ScoreSubject):
            a, b = _term_average(s.hk1), _term_average(s.hk2)
            y = _year_average(a, b)
            subject_results.append(ScoreSubjectResult(s, a, b, y))
            scores1.append((code, a))
            scores2.append((code, b))
            scores_year.append((code, y))
        else:
            c1, c2 = comment_term_result(s.hk1), comment_term_result(s.hk2)
            subject_results.append(CommentSubjectResult(s, c1, c2))
            comments1.append((code, c1))
            comments2.append((code, c2))
    results = tuple(subject_results)
    comments_year = comments2  # Điều 9.1.a: the year of a comment subject is term II
    explanations: list[Explanation] = []
    hk1 = academic_level(scores1, comments1, "hoc_tap.hk1", rules)
    hk2 = academic_level(scores2, comments2, "hoc_tap.hk2", rules)
    year = academic_level(scores_year, comments_year, "hoc_tap.year", rules)
    explanations += [hk1.explanation, hk2.explanation, year.explanation]

    # Rèn luyện for the year, then summer training (Điều 8, 13).
    conduct = student.conduct
    ren_year: Level | None = None
    after_summer: Level | None = None
    if conduct is not None:
        ren_year = conduct_year(conduct.hk1, conduct.hk2)
        explanations.append(Explanation(
            "ren_luyen.year", rules.cite("Điều 8"),
            f"{ren_year.label}: học kì I {conduct.hk1.label}, học kì II {conduct.hk2.label}"))
        if conduct.summer is not None:
            if ren_year is not Level.CHUA_DAT:
                raise AssessmentError("conduct.summer", (
                    f"chỉ {rules.learner} có kết quả rèn luyện cả năm Chưa đạt mới rèn luyện "
                    f"trong kì nghỉ hè ({rules.cite('Điều 13')}); kết quả cả năm là "
                    f"{ren_year.label}"))
            after_summer = conduct.summer
            explanations.append(Explanation(
                "ren_luyen.after_summer", rules.cite("Điều 13"),
                f"{after_summer.label}: đánh giá lại sau khi rèn luyện trong kì nghỉ hè, "
                f"thay cho kết quả rèn luyện cả năm khi xét lên lớp"))
    ren_final = after_summer or ren_year

    # Re-evaluation of subjects (Điều 14 [B]): replaces year results, then recompute.
    after: LevelResult | None = None
    retested = [(i, r) for i, r in enumerate(results) if r.subject.retest is not None]
    if retested:
        _check_retests(retested, year.level, ren_final, rules)
        after = academic_level(*_finals(results), "hoc_tap.after_reevaluation", rules)
        explanations.append(after.explanation)
    hoc_tap_final = (after or year).level

    len_lop, why = _promotion(hoc_tap_final, ren_final, student.absences, rules)
    explanations.append(Explanation("len_lop", rules.cite("Điều 12"), why))
    award, award_why = _award(year.level, ren_year, results, rules)
    article = {Award.HS_XUAT_SAC: "Điều 15.1.a", Award.HS_GIOI: "Điều 15.1.b"}
    explanations.append(Explanation("award", rules.cite(article.get(award, "Điều 15.1")
                                                        if award else "Điều 15.1"), award_why))
    return StudentResult(
        id=student.id, subjects=results, hoc_tap_hk1=hk1, hoc_tap_hk2=hk2, hoc_tap_year=year,
        hoc_tap_after_reevaluation=after,
        ren_luyen_hk1=conduct.hk1 if conduct else None,
        ren_luyen_hk2=conduct.hk2 if conduct else None,
        ren_luyen_year=ren_year, ren_luyen_after_summer=after_summer,
        len_lop=len_lop, award=award, explanations=tuple(explanations))


def _check_retests(retested: Sequence[tuple[int, SubjectResult]], year: Level,
                   conduct: Level | None, rules: SecondaryRules) -> None:
    """[B]/[T] Điều 14: only a student whose year học tập is Chưa đạt (and whose rèn luyện,
    after any summer training, is at least Đạt) is re-assessed, and only in score subjects
    with ĐTBmcn below 5,0 or comment subjects rated Chưa đạt."""
    index = retested[0][0]
    if year is not Level.CHUA_DAT:
        raise AssessmentError(f"subjects[{index}].retest", (
            f"chỉ {rules.learner} có kết quả học tập cả năm Chưa đạt mới được kiểm tra, đánh "
            f"giá lại ({rules.cite('Điều 14')}); kết quả cả năm là {year.label}"))
    if conduct is not None and not conduct.at_least(Level.DAT):
        raise AssessmentError(f"subjects[{index}].retest", (
            f"{rules.learner} có kết quả rèn luyện Chưa đạt không được kiểm tra, đánh giá lại "
            f"({rules.cite('Điều 14')})"))
    for index, result in retested:
        if isinstance(result, ScoreSubjectResult) and result.year >= RETEST_BELOW:
            raise AssessmentError(f"subjects[{index}].retest", (
                f"môn {result.code} có ĐTBmcn {vn_number(result.year)} ≥ 5,0 nên không "
                f"kiểm tra lại ({rules.cite('Điều 14')})"))
        if isinstance(result, CommentSubjectResult) and result.year is CommentResult.D:
            raise AssessmentError(f"subjects[{index}].retest", (
                f"môn {result.code} cả năm đã Đạt nên không đánh giá lại "
                f"({rules.cite('Điều 14')})"))


def _promotion(hoc_tap: Level, ren_luyen: Level | None, absences: int,
               rules: SecondaryRules) -> tuple[bool, str]:
    """Điều 12 [T]: rèn luyện (after summer training) ≥ Đạt, học tập (after re-evaluation)
    ≥ Đạt, and no more than 45 sessions absent, excused or not."""
    reasons = []
    if ren_luyen is not None and not ren_luyen.at_least(Level.DAT):
        reasons.append("kết quả rèn luyện Chưa đạt")
    if not hoc_tap.at_least(Level.DAT):
        reasons.append("kết quả học tập Chưa đạt")
    if absences > rules.absence_limit:
        reasons.append(f"nghỉ {absences} buổi, quá {rules.absence_limit} buổi")
    if reasons:
        return False, "Không được lên lớp: " + "; ".join(reasons)
    conduct = f"rèn luyện {ren_luyen.label}, " if ren_luyen is not None else (
        "không đánh giá rèn luyện, ")
    return True, (f"Được lên lớp: {conduct}học tập {hoc_tap.label}, nghỉ {absences} buổi "
                  f"(không quá {rules.absence_limit})")


def _award(hoc_tap: Level, ren_luyen: Level | None, results: Sequence[SubjectResult],
           rules: SecondaryRules) -> tuple[Award | None, str]:
    """Điều 15.1: from the end-of-year results (before any re-evaluation)."""
    if ren_luyen is None:
        return None, "Không xét danh hiệu: không có kết quả rèn luyện"
    if ren_luyen is not Level.TOT or hoc_tap is not Level.TOT:
        return None, (f"Không có danh hiệu: cần rèn luyện Tốt và học tập Tốt (rèn luyện "
                       f"{ren_luyen.label}, học tập {hoc_tap.label})")
    excellent = sum(1 for r in results
                    if isinstance(r, ScoreSubjectResult) and r.year >= EXCELLENT)
    if excellent >= rules.min_subjects:
        return Award.HS_XUAT_SAC, (f"Học sinh Xuất sắc: rèn luyện Tốt, học tập Tốt, "
                                   f"{excellent} môn có ĐTBmcn ≥ 9,0")
    return Award.HS_GIOI, (f"Học sinh Giỏi: rèn luyện Tốt, học tập Tốt; {excellent} môn có "
                           f"ĐTBmcn ≥ 9,0 (Xuất sắc cần ít nhất {rules.min_subjects})")


def evaluate_students(students: Iterable[StudentInput], rules: SecondaryRules = TT22_RULES
                      ) -> list[StudentResult]:
    return [evaluate_student(s, rules) for s in students]
