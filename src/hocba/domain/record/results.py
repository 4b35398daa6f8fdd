"""The year's results as the record carries them: TT 27/2020 (primary) or TT 22/2021 (secondary).

Values are the assessment engine's codes (``hocba.domain.assessment.common``): subject
levels T/H/C, ratings T/D/C, the year evaluation HTXS/HTT/HT/CHT, TT 22 levels
TOT/KHA/DAT/CHUA_DAT, comment results D/CD. Scores are decimal strings with a dot ("7.9"),
never binary floats.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from hocba.domain.assessment.common import (
    Award,
    CommentResult,
    Level,
    Rating,
    SubjectLevel,
    YearEvaluation,
)
from hocba.domain.assessment.tt27 import COMPETENCES, OPTIONAL_COMPETENCES, QUALITIES
from hocba.domain.curriculum import Assessment
from hocba.domain.record.people import (
    SUBJECT_CODE,
    SUBJECT_CODE_HINT,
    identity_number,
)
from hocba.domain.record.reading import Fields, RecordError

# TT 22/2021 Điều 5.3.b: an integer or one decimal, 0–10.
SCORE = re.compile(r"^(10(\.0)?|\d(\.\d)?)$")
PRIMARY_AWARDS = (Award.HS_XUAT_SAC, Award.HS_TIEU_BIEU)  # TT 27/2020 Điều 13
SECONDARY_AWARDS = (Award.HS_XUAT_SAC, Award.HS_GIOI)  # TT 22/2021 Điều 15

Ratings = tuple[tuple[str, Rating | None], ...]


def _subject_code(f: Fields) -> str:
    return f.matching("code", SUBJECT_CODE, SUBJECT_CODE_HINT, "mã môn học")


def _unique_codes(codes: list[str], path: str) -> None:
    seen: set[str] = set()
    for i, code in enumerate(codes):
        if code in seen:
            raise RecordError(f"{path}[{i}].code", f"môn {code} xuất hiện hai lần")
        seen.add(code)


# ---------------------------------------------------------------------------------------
# Primary: TT 27/2020

@dataclass(frozen=True, slots=True)
class PrimarySubject:
    code: str
    name: str
    level: SubjectLevel | None  # Mức đạt được (Điều 7.1.a)
    test: int | None  # Điểm KTĐK: end-of-year periodic test, integer 0–10 (Điều 7.1.b–d)
    comment: str | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "level": self.level.value if self.level else None, "test": self.test,
                "comment": self.comment}


@dataclass(frozen=True, slots=True)
class PrimaryComments:
    qualities: str | None
    general_competences: str | None
    specific_competences: str | None

    def to_json(self) -> dict[str, Any]:
        return {"qualities": self.qualities, "general_competences": self.general_competences,
                "specific_competences": self.specific_competences}


@dataclass(frozen=True, slots=True)
class PrimaryResults:
    subjects: tuple[PrimarySubject, ...]
    qualities: Ratings  # 5 phẩm chất chủ yếu (Điều 7.2)
    competences: Ratings  # 3 năng lực chung + 7 năng lực đặc thù (Điều 7.2)
    comments: PrimaryComments
    evaluation: YearEvaluation | None  # Điều 9.2
    completed_grade: bool | None
    completed_primary: bool | None  # grade 5 only
    completion_text: str | None  # e.g. "Hoàn thành chương trình lớp 4"
    award: Award | None  # Điều 13
    special_award: str | None  # khen thưởng đột xuất

    def rating(self, name: str) -> Rating | None:
        return dict(self.qualities + self.competences)[name]

    def to_json(self) -> dict[str, Any]:
        def ratings(values: Ratings) -> dict[str, str | None]:
            return {k: (v.value if v else None) for k, v in values}

        return {"subjects": [s.to_json() for s in self.subjects],
                "qualities": ratings(self.qualities),
                "competences": ratings(self.competences),
                "comments": self.comments.to_json(),
                "evaluation": self.evaluation.value if self.evaluation else None,
                "completed_grade": self.completed_grade,
                "completed_primary": self.completed_primary,
                "completion_text": self.completion_text,
                "award": self.award.value if self.award else None,
                "special_award": self.special_award}


RATING_CODES = tuple(r.value for r in Rating)
SUBJECT_LEVEL_CODES = tuple(v.value for v in SubjectLevel)
LEVEL_CODES = tuple(v.value for v in Level)
COMMENT_CODES = tuple(c.value for c in CommentResult)


def _ratings(f: Fields, names: tuple[str, ...], optional: frozenset[str]) -> Ratings:
    values = RATING_CODES
    out = []
    for name in names:
        if name in optional:
            out.append((name, f.optional_code(name, Rating, values)))
        else:
            out.append((name, f.code(name, Rating, values, "mức đánh giá (T, D hoặc C)")))
    return tuple(out)


def read_primary(f: Fields) -> PrimaryResults:
    subjects = []
    for path, item in f.items("subjects"):
        s = Fields(item, path, ("code", "name", "level", "test", "comment"),
                   absent_is_null=f.absent_is_null)
        subjects.append(PrimarySubject(
            code=_subject_code(s), name=s.text("name", "tên môn học"),
            level=s.optional_code("level", SubjectLevel, SUBJECT_LEVEL_CODES),
            test=s.optional_integer("test", 0, 10),  # TT 27/2020 Điều 7.1: no decimals
            comment=s.optional_text("comment", multiline=True)))
    _unique_codes([s.code for s in subjects], f.at("subjects"))
    c = f.object("comments", ("qualities", "general_competences", "specific_competences"))
    return PrimaryResults(
        subjects=tuple(subjects),
        qualities=_ratings(f.object("qualities", QUALITIES), QUALITIES, frozenset()),
        competences=_ratings(f.object("competences", COMPETENCES), COMPETENCES,
                             OPTIONAL_COMPETENCES),
        comments=PrimaryComments(
            qualities=c.optional_text("qualities", multiline=True),
            general_competences=c.optional_text("general_competences", multiline=True),
            specific_competences=c.optional_text("specific_competences", multiline=True)),
        evaluation=f.optional_code("evaluation", YearEvaluation,
                                   [v.value for v in YearEvaluation]),
        completed_grade=f.optional_boolean("completed_grade"),
        completed_primary=f.optional_boolean("completed_primary"),
        completion_text=f.optional_text("completion_text"),
        award=f.optional_code("award", Award, [a.value for a in PRIMARY_AWARDS]),
        special_award=f.optional_text("special_award", multiline=True))


# ---------------------------------------------------------------------------------------
# Secondary: TT 22/2021 (and GDTX learners, assessed the same way here)

@dataclass(frozen=True, slots=True)
class TeacherRef:
    name: str
    identity_number: str

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "identity_number": self.identity_number}


@dataclass(frozen=True, slots=True)
class SecondarySubject:
    """One row of the subject table: term and year results, and the result after the summer
    re-evaluation (TT 22/2021 Điều 14). Score subjects carry "7.9"-style strings; comment
    subjects carry D or CD (Điều 5.3)."""

    code: str
    name: str
    assessment: Assessment  # score or comment
    hk1: str | None
    hk2: str | None
    year: str | None
    retest: str | None
    teacher: TeacherRef | None
    comment: str | None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "assessment": self.assessment.value,
                "hk1": self.hk1, "hk2": self.hk2, "year": self.year, "retest": self.retest,
                "teacher": self.teacher.to_json() if self.teacher else None,
                "comment": self.comment}


@dataclass(frozen=True, slots=True)
class TermLevels:
    """Học tập (Điều 9) or rèn luyện (Điều 8): each term, the year, and after the summer
    (re-training, Điều 13; re-evaluation, Điều 14)."""

    hk1: Level | None
    hk2: Level | None
    year: Level | None
    after_summer: Level | None

    def to_json(self) -> dict[str, Any]:
        return {k: (v.value if v else None) for k, v in (
            ("hk1", self.hk1), ("hk2", self.hk2), ("year", self.year),
            ("after_summer", self.after_summer))}


@dataclass(frozen=True, slots=True)
class SecondaryResults:
    subjects: tuple[SecondarySubject, ...]
    hoc_tap: TermLevels
    ren_luyen: TermLevels
    completed_programme: bool | None  # grades 9 and 12 (Điều 12.1)
    award: Award | None  # Điều 15
    special_award: str | None

    def to_json(self) -> dict[str, Any]:
        return {"subjects": [s.to_json() for s in self.subjects],
                "hoc_tap": self.hoc_tap.to_json(), "ren_luyen": self.ren_luyen.to_json(),
                "completed_programme": self.completed_programme,
                "award": self.award.value if self.award else None,
                "special_award": self.special_award}


def _result(s: Fields, key: str, assessment: Assessment) -> str | None:
    if assessment is Assessment.SCORE:
        return s.optional_matching(key, SCORE, (
            "điểm 0–10 dạng chuỗi, số nguyên hoặc một chữ số thập phân với dấu chấm, ví dụ "
            "\"7.9\" (TT 22/2021 Điều 5.3.b)"))
    return s.optional_code(key, str, COMMENT_CODES)


def _levels(f: Fields) -> TermLevels:
    return TermLevels(*(f.optional_code(k, Level, LEVEL_CODES)
                        for k in ("hk1", "hk2", "year", "after_summer")))


def read_secondary(f: Fields) -> SecondaryResults:
    subjects = []
    for path, item in f.items("subjects"):
        s = Fields(item, path, ("code", "name", "assessment", "hk1", "hk2", "year", "retest",
                                "teacher", "comment"), absent_is_null=f.absent_is_null)
        assessment = s.code("assessment", Assessment,
                            [Assessment.SCORE.value, Assessment.COMMENT.value],
                            "hình thức đánh giá")
        t = s.optional_object("teacher", ("name", "identity_number"))
        teacher = None
        if t is not None:
            number = identity_number(t, "identity_number", required=True,
                                     person="giáo viên bộ môn")
            assert number is not None
            teacher = TeacherRef(t.text("name", "họ tên giáo viên bộ môn"), number)
        subjects.append(SecondarySubject(
            code=_subject_code(s), name=s.text("name", "tên môn học"), assessment=assessment,
            hk1=_result(s, "hk1", assessment), hk2=_result(s, "hk2", assessment),
            year=_result(s, "year", assessment), retest=_result(s, "retest", assessment),
            teacher=teacher, comment=s.optional_text("comment", multiline=True)))
    _unique_codes([s.code for s in subjects], f.at("subjects"))
    keys = ("hk1", "hk2", "year", "after_summer")
    return SecondaryResults(
        subjects=tuple(subjects), hoc_tap=_levels(f.object("hoc_tap", keys)),
        ren_luyen=_levels(f.object("ren_luyen", keys)),
        completed_programme=f.optional_boolean("completed_programme"),
        award=f.optional_code("award", Award, [a.value for a in SECONDARY_AWARDS]),
        special_award=f.optional_text("special_award", multiline=True))
