"""TT 27/2020/TT-BGDĐT (as corrected by QĐ 2904/QĐ-BGDĐT): assessing primary pupils.

Sources and confidence (see DOMAIN.md §2.1):

- Điều 7.1.a subject levels T/H/C; Điều 7.1.b–d periodic tests, integers 0–10, at the end of
  the year for Tiếng Việt, Toán, Ngoại ngữ 1, Lịch sử và Địa lí, Khoa học and Tin học và
  Công nghệ (two rows after QĐ 2904: Tin học, Công nghệ) [P];
- Điều 7.2 qualities and competences rated T/Đ/C [P]; the list of 5 + 3 + 7 items [P]/[B];
- Điều 9.2 the year evaluation HTXS/HTT/HT/CHT with the ≥ 9 / ≥ 7 / ≥ 5 test thresholds [P];
- Điều 13 awards [P];
- Điều 11 completing the grade, the supplementary evaluation, the principal's decision and
  "Hoàn thành chương trình tiểu học" [B] (the article's text was not retrieved).

Which grade takes which test is [B] (CTGDPT 2018: Ngoại ngữ 1 compulsory from grade 3, Lịch sử
và Địa lí and Khoa học in grades 4–5, Tin học và Công nghệ in grades 3–5): ``TESTED_GRADES``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from hocba.domain.assessment.common import (
    AssessmentError,
    Award,
    Explanation,
    Rating,
    SubjectLevel,
    YearEvaluation,
)

SOURCE = "TT 27/2020"

QUALITIES: tuple[str, ...] = ("yeu_nuoc", "nhan_ai", "cham_chi", "trung_thuc", "trach_nhiem")
GENERAL_COMPETENCES: tuple[str, ...] = ("tu_chu_tu_hoc", "giao_tiep_hop_tac",
                                        "giai_quyet_van_de")
SPECIFIC_COMPETENCES: tuple[str, ...] = ("ngon_ngu", "tinh_toan", "khoa_hoc", "cong_nghe",
                                         "tin_hoc", "tham_mi", "the_chat")
# Optional in the MOET field list, presumably because grades 1–2 have no such subject; the
# issue's grade 4 example omits them too, so they are optional in every grade.
OPTIONAL_COMPETENCES: frozenset[str] = frozenset({"cong_nghe", "tin_hoc"})
COMPETENCES: tuple[str, ...] = GENERAL_COMPETENCES + SPECIFIC_COMPETENCES

# Điều 7.1.b–d: subjects with an end-of-year periodic test, and the grades taking it [B].
TESTED_GRADES: dict[str, range] = {
    "TIENG_VIET": range(1, 6),
    "TOAN": range(1, 6),
    "NGOAI_NGU_1": range(3, 6),  # optional subject in grades 1–2: no periodic test [B]
    "LICH_SU_DIA_LY": range(4, 6),
    "KHOA_HOC": range(4, 6),
    "TIN_HOC": range(3, 6),  # "Tin học và Công nghệ (Tin học)", QĐ 2904
    "CONG_NGHE": range(3, 6),  # "Tin học và Công nghệ (Công nghệ)", QĐ 2904
}
GRADES = range(1, 6)

HTXS_TEST, HTT_TEST, HT_TEST = 9, 7, 5  # Điều 9.2.a, b, c


def takes_test(code: str, grade: int) -> bool:
    """Whether ``code`` has an end-of-year periodic test in ``grade`` (Điều 7.1.b–d)."""
    grades = TESTED_GRADES.get(code)
    return grades is not None and grade in grades


class PrincipalDecision(enum.Enum):
    """Điều 11 [B]: for a pupil who has still not completed the grade after the
    supplementary evaluation, the principal decides."""

    LEN_LOP = "len_lop"
    O_LAI_LOP = "o_lai_lop"


@dataclass(frozen=True, slots=True)
class PrimarySubject:
    code: str
    level: SubjectLevel
    test: int | None = None  # the end-of-year test, or the last retest (Điều 7.1.d)


@dataclass(frozen=True, slots=True)
class Supplementary:
    """The supplementary evaluation (đánh giá bổ sung, Điều 11 [B]) of a pupil who did not
    complete the grade: each item given replaces the year's value; the rest stand."""

    subjects: tuple[PrimarySubject, ...] = ()
    qualities: tuple[tuple[str, Rating], ...] = ()
    competences: tuple[tuple[str, Rating], ...] = ()


@dataclass(frozen=True, slots=True)
class PrimaryStudent:
    id: str
    grade: int
    subjects: tuple[PrimarySubject, ...]
    qualities: tuple[tuple[str, Rating], ...]
    competences: tuple[tuple[str, Rating], ...]
    # Điều 13: "Tiêu biểu" needs the class's recognition of an outstanding achievement —
    # a human decision the engine cannot make, so it arrives as a flag.
    recognised_outstanding: bool = False
    supplementary: Supplementary | None = None
    principal_decision: PrincipalDecision | None = None


@dataclass(frozen=True, slots=True)
class PrimaryResult:
    id: str
    grade: int
    evaluation: YearEvaluation
    evaluation_after_supplementary: YearEvaluation | None
    award: Award | None
    completed_grade: bool
    len_lop: bool | None  # None: not completed and no principal's decision yet
    hoc_ba_note: str  # the học bạ's section 6 line, e.g. "Hoàn thành chương trình tiểu học"
    explanations: tuple[Explanation, ...] = field(default=())

    @property
    def final_evaluation(self) -> YearEvaluation:
        return self.evaluation_after_supplementary or self.evaluation


def check_student(student: PrimaryStudent) -> None:
    """The rules that depend on the grade and on the whole pupil; paths are relative to the
    pupil. Types and ranges (levels, integers 0–10) are the contract's job."""
    if student.grade not in GRADES:
        raise AssessmentError("grade", f"lớp {student.grade} không thuộc tiểu học (1–5)")
    _check_subjects(student.subjects, student.grade, "subjects")
    _check_ratings(student.qualities, QUALITIES, frozenset(), "qualities", "phẩm chất")
    _check_ratings(student.competences, COMPETENCES, OPTIONAL_COMPETENCES, "competences",
                   "năng lực")


def _check_subjects(subjects: Sequence[PrimarySubject], grade: int, where: str) -> None:
    seen: set[str] = set()
    for index, subject in enumerate(subjects):
        if subject.code in seen:
            raise AssessmentError(f"{where}[{index}].code",
                                  f"môn {subject.code} xuất hiện hơn một lần")
        seen.add(subject.code)
        tested = takes_test(subject.code, grade)
        if tested and subject.test is None:
            raise AssessmentError(f"{where}[{index}].test", (
                f"môn {subject.code} ở lớp {grade} có bài kiểm tra định kì cuối năm: thiếu "
                f"điểm ({SOURCE} Điều 7.1.b–d)"))
        if not tested and subject.test is not None:
            raise AssessmentError(f"{where}[{index}].test", (
                f"môn {subject.code} ở lớp {grade} không có bài kiểm tra định kì "
                f"({SOURCE} Điều 7.1.b–d)"))


def _check_ratings(ratings: Sequence[tuple[str, Rating]], names: Sequence[str],
                   optional: frozenset[str], where: str, what: str) -> None:
    given = {name for name, _ in ratings}
    for name in names:
        if name not in given and name not in optional:
            raise AssessmentError(f"{where}.{name}", f"thiếu mức đánh giá {what} "
                                                     f"({SOURCE} Điều 7.2)")


def year_evaluation(subjects: Sequence[PrimarySubject],
                    ratings: Sequence[tuple[str, Rating]]) -> tuple[YearEvaluation, str]:
    """Điều 9.2: HTXS when every subject is T, every quality and competence T and every
    end-of-year test ≥ 9; HTT the same with tests ≥ 7; HT when every subject is T or H, every
    rating T or Đ and every test ≥ 5; CHT otherwise. Returns the level and the reason."""
    not_t = [s.code for s in subjects if s.level is not SubjectLevel.T]
    failed = [s.code for s in subjects if s.level is SubjectLevel.C]
    not_tot = [name for name, r in ratings if r is not Rating.T]
    needs_effort = [name for name, r in ratings if r is Rating.C]
    tests = [(s.code, s.test) for s in subjects if s.test is not None]

    def below(limit: int) -> list[str]:
        return [f"{code} {score}" for code, score in tests if score < limit]

    blocks = {
        YearEvaluation.HTXS: _reasons(not_t, not_tot, below(HTXS_TEST), "T", "Tốt", 9),
        YearEvaluation.HTT: _reasons(not_t, not_tot, below(HTT_TEST), "T", "Tốt", 7),
        YearEvaluation.HT: _reasons(failed, needs_effort, below(HT_TEST), "T hoặc H",
                                    "Tốt hoặc Đạt", 5),
    }
    previous: list[str] = []
    for level in (YearEvaluation.HTXS, YearEvaluation.HTT, YearEvaluation.HT):
        if not blocks[level]:
            reason = f"{level.label}: {_criteria(level)}"
            if previous:
                reason += f"; chưa đạt mức cao hơn vì {'; '.join(previous)}"
            return level, reason
        previous = blocks[level]
    return YearEvaluation.CHT, f"Chưa hoàn thành: {'; '.join(blocks[YearEvaluation.HT])}"


def _reasons(subjects: list[str], ratings: list[str], tests: list[str], want_subject: str,
             want_rating: str, test_floor: int) -> list[str]:
    out = []
    if subjects:
        out.append(f"môn chưa ở mức {want_subject}: {', '.join(subjects)}")
    if ratings:
        out.append(f"phẩm chất, năng lực chưa ở mức {want_rating}: {', '.join(ratings)}")
    if tests:
        out.append(f"bài kiểm tra cuối năm dưới {test_floor}: {', '.join(tests)}")
    return out


def _criteria(level: YearEvaluation) -> str:
    if level is YearEvaluation.HTXS:
        return ("mọi môn Hoàn thành tốt, mọi phẩm chất và năng lực Tốt, mọi bài kiểm tra "
                "định kì cuối năm ≥ 9")
    if level is YearEvaluation.HTT:
        return ("mọi môn Hoàn thành tốt, mọi phẩm chất và năng lực Tốt, mọi bài kiểm tra "
                "định kì cuối năm ≥ 7")
    return ("mọi môn Hoàn thành tốt hoặc Hoàn thành, mọi phẩm chất và năng lực Tốt hoặc "
            "Đạt, mọi bài kiểm tra định kì cuối năm ≥ 5")


_PARAGRAPH = {YearEvaluation.HTXS: "Điều 9.2.a", YearEvaluation.HTT: "Điều 9.2.b",
              YearEvaluation.HT: "Điều 9.2.c", YearEvaluation.CHT: "Điều 9.2.d"}


def _replace(base: Sequence[tuple[str, Rating]], new: Sequence[tuple[str, Rating]]
             ) -> tuple[tuple[str, Rating], ...]:
    replaced = dict(base)
    replaced.update(new)
    return tuple(replaced.items())


def evaluate_student(student: PrimaryStudent) -> PrimaryResult:
    """Every TT 27 year result of one pupil, each with the rule that produced it."""
    check_student(student)
    explanations: list[Explanation] = []
    ratings = student.qualities + student.competences
    evaluation, reason = year_evaluation(student.subjects, ratings)
    explanations.append(Explanation("evaluation", f"{SOURCE} {_PARAGRAPH[evaluation]}", reason))

    after: YearEvaluation | None = None
    supplementary = student.supplementary
    if supplementary is not None:
        if evaluation.completes_grade:
            raise AssessmentError("supplementary", (
                f"chỉ học sinh Chưa hoàn thành mới được đánh giá bổ sung ({SOURCE} Điều 11); "
                f"kết quả cả năm là {evaluation.label}"))
        after_subjects = _supplement(student, supplementary)
        _check_ratings(_replace(student.qualities, supplementary.qualities), QUALITIES,
                       frozenset(), "supplementary.qualities", "phẩm chất")
        after_ratings = (_replace(student.qualities, supplementary.qualities)
                         + _replace(student.competences, supplementary.competences))
        after, reason = year_evaluation(after_subjects, after_ratings)
        explanations.append(Explanation(
            "evaluation_after_supplementary", f"{SOURCE} Điều 11",
            f"Sau đánh giá bổ sung: {reason}"))
    final = after or evaluation

    award, award_reason = _award(evaluation, student.recognised_outstanding)
    explanations.append(Explanation("award", f"{SOURCE} Điều 13", award_reason))

    completed = final.completes_grade
    grade = student.grade
    len_lop: bool | None
    if completed:
        len_lop = True
        note = ("Hoàn thành chương trình tiểu học" if grade == 5 else
                f"Hoàn thành chương trình lớp {grade}; Được lên lớp {grade + 1}")
        why = f"{final.label}: hoàn thành chương trình lớp {grade}"
    elif student.principal_decision is PrincipalDecision.LEN_LOP:
        len_lop = True
        note = f"Chưa hoàn thành chương trình lớp {grade}; Được lên lớp {grade + 1}"
        why = "Chưa hoàn thành; hiệu trưởng quyết định cho lên lớp"
    elif student.principal_decision is PrincipalDecision.O_LAI_LOP:
        len_lop = False
        note = f"Chưa hoàn thành chương trình lớp {grade}; Ở lại lớp {grade}"
        why = "Chưa hoàn thành; hiệu trưởng quyết định ở lại lớp"
    else:
        len_lop = None
        note = f"Chưa hoàn thành chương trình lớp {grade}"
        why = ("Chưa hoàn thành: giáo viên giúp đỡ rồi đánh giá bổ sung; nếu vẫn chưa hoàn "
               "thành, hiệu trưởng quyết định lên lớp hay ở lại lớp")
    explanations.append(Explanation("completed_grade", f"{SOURCE} Điều 11",
                                    f"{why}. Ghi học bạ: {note}"))
    return PrimaryResult(id=student.id, grade=grade, evaluation=evaluation,
                         evaluation_after_supplementary=after, award=award,
                         completed_grade=completed, len_lop=len_lop, hoc_ba_note=note,
                         explanations=tuple(explanations))


def _supplement(student: PrimaryStudent, supplementary: Supplementary
                ) -> tuple[PrimarySubject, ...]:
    by_code = {s.code: s for s in student.subjects}
    _check_subjects(supplementary.subjects, student.grade, "supplementary.subjects")
    for index, subject in enumerate(supplementary.subjects):
        if subject.code not in by_code:
            raise AssessmentError(f"supplementary.subjects[{index}].code", (
                f"môn {subject.code} không có trong kết quả cả năm của học sinh"))
    replaced = {s.code: s for s in supplementary.subjects}
    return tuple(replaced.get(s.code, s) for s in student.subjects)


def _award(evaluation: YearEvaluation, recognised: bool) -> tuple[Award | None, str]:
    """Điều 13: "Học sinh Xuất sắc" for HTXS; "Học sinh Tiêu biểu…" for HTT with an
    outstanding achievement recognised by the class (given in the input)."""
    if evaluation is YearEvaluation.HTXS:
        return Award.HS_XUAT_SAC, "Học sinh Xuất sắc: Hoàn thành xuất sắc"
    if evaluation is YearEvaluation.HTT and recognised:
        return Award.HS_TIEU_BIEU, ("Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn "
                                    "luyện: Hoàn thành tốt và được tập thể lớp công nhận")
    if evaluation is YearEvaluation.HTT:
        return None, ("Không có danh hiệu: Hoàn thành tốt; danh hiệu Tiêu biểu cần tập thể "
                      "lớp công nhận thành tích nổi bật (recognised_outstanding)")
    return None, f"Không có danh hiệu: {evaluation.label}"


def evaluate_students(students: Iterable[PrimaryStudent]) -> list[PrimaryResult]:
    return [evaluate_student(s) for s in students]
