"""The ``hocba assess`` contract: JSON in, JSON out, and a precise error for a bad input.

``assess_text`` reads the input document (see docs/assessment.md for every field), checks it
with errors that name the JSON path (``students[0].subjects[2].hk1.tx[3]: điểm 11 ngoài
khoảng 0–10``), runs the regime's engine and returns the output document; ``dumps`` writes
it with every score as a JSON number with one decimal (8 → ``8.0``).

Numbers never pass through binary floating point: the JSON text is parsed with
``parse_float=Decimal``, and a Python float handed to ``assess`` is converted with
``Decimal(str(x))``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from hocba.domain.assessment import gdtx, tt22, tt27
from hocba.domain.assessment.common import (
    ONE_DECIMAL,
    TEN,
    ZERO,
    AssessmentError,
    CommentResult,
    Level,
    Rating,
    SubjectLevel,
)

REGIMES = ("tt22", "tt27", "gdtx")
# Descriptive fields an input may carry; they are not used.
_METADATA = frozenset({"school", "school_year", "class"})
MAX_REPORTED = 50


class ContractError(Exception):
    """One or more errors in the input, each with its path; nothing was assessed."""

    def __init__(self, errors: list[AssessmentError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors

    def report(self) -> str:
        lines = [str(e) for e in self.errors[:MAX_REPORTED]]
        if len(self.errors) > MAX_REPORTED:
            lines.append(f"… và {len(self.errors) - MAX_REPORTED} lỗi khác")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Reading JSON values with their path

def _fail(path: str, message: str) -> AssessmentError:
    return AssessmentError(path, message)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float | Decimal):
        return f"số {value}"
    if isinstance(value, str):
        return f"chuỗi “{value}”"
    if isinstance(value, list):
        return "một danh sách"
    if isinstance(value, dict):
        return "một đối tượng"
    return type(value).__name__


def _object(value: Any, path: str, required: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(path, f"cần một đối tượng JSON, nhận được {_kind(value)}")
    for key in required:
        if key not in value:
            raise _fail(_join(path, key), "thiếu trường bắt buộc")
    allowed = set(required) | set(optional)
    for key in value:
        if key not in allowed:
            raise _fail(_join(path, key), (
                f"trường không có trong hợp đồng (được phép: {', '.join(sorted(allowed))})"))
    return value


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list(value: Any, path: str, *, non_empty: bool = False) -> list[Any]:
    if not isinstance(value, list):
        raise _fail(path, f"cần một danh sách JSON, nhận được {_kind(value)}")
    if non_empty and not value:
        raise _fail(path, "danh sách rỗng")
    return value


def _text(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(path, f"cần một chuỗi khác rỗng, nhận được {_kind(value)}")
    return value.strip()


def _integer(value: Any, path: str, low: int, high: int | None, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(path, f"{what} phải là số nguyên, nhận được {_kind(value)}")
    if value < low or (high is not None and value > high):
        bound = f"{low}–{high}" if high is not None else f"≥ {low}"
        raise _fail(path, f"{what} {value} ngoài khoảng {bound}")
    return value


def _decimal(value: Any, path: str, what: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _fail(path, f"{what} phải là một số, nhận được {_kind(value)}")
    number = value if isinstance(value, Decimal) else Decimal(str(value))
    if not number.is_finite():
        raise _fail(path, f"{what} không phải là số hữu hạn")
    return number


def score(value: Any, path: str) -> Decimal:
    """A TT 22 score: 0–10, integer or one decimal (TT 22/2021 Điều 5.3.b)."""
    number = _decimal(value, path, "điểm")
    if number < ZERO or number > TEN:
        raise _fail(path, f"điểm {value} ngoài khoảng 0–10")
    try:
        exact = number == number.quantize(ONE_DECIMAL)
    except InvalidOperation:  # pragma: no cover - unreachable for numbers within 0–10
        exact = False
    if not exact:
        raise _fail(path, (f"điểm {value} có quá một chữ số thập phân (TT 22/2021 Điều "
                           f"5.3.b: số nguyên hoặc lấy đến chữ số thập phân thứ nhất)"))
    return number


def periodic_test_score(value: Any, path: str) -> int:
    """A TT 27 periodic test score: an integer 0–10, never a decimal (Điều 7.1.c)."""
    if isinstance(value, Decimal | float) and not isinstance(value, bool):
        raise _fail(path, (f"điểm kiểm tra định kì {value} phải là số nguyên 0–10, không cho "
                           f"điểm thập phân (TT 27/2020 Điều 7.1)"))
    return _integer(value, path, 0, 10, "điểm kiểm tra định kì")


E = TypeVar("E", Level, CommentResult, SubjectLevel, Rating)


def _code(enum_type: type[E], what: str) -> Callable[[Any, str], E]:
    members = {m.value: m for m in enum_type}

    def read(value: Any, path: str) -> E:
        if isinstance(value, str) and value in members:
            return members[value]
        raise _fail(path, f"{what} phải là một trong {', '.join(members)}, "
                          f"nhận được {_kind(value)}")

    return read


_level = _code(Level, "mức đánh giá")
_comment = _code(CommentResult, "mức đánh giá môn nhận xét")
_subject_level = _code(SubjectLevel, "mức đạt được của môn học")
_rating = _code(Rating, "mức đánh giá phẩm chất, năng lực")


# ---------------------------------------------------------------------------------------
# The document

def loads(text: str | bytes) -> Any:
    """Parse JSON with every decimal number as a ``Decimal``; NaN and Infinity refused."""
    def constant(name: str) -> Any:
        raise ValueError(f"{name} không phải là số hợp lệ trong JSON")

    try:
        return json.loads(text, parse_float=Decimal, parse_constant=constant)
    except json.JSONDecodeError as exc:
        raise ContractError([_fail("", (f"JSON không hợp lệ ở dòng {exc.lineno}, cột "
                                        f"{exc.colno}: {exc.msg}"))]) from None
    except UnicodeDecodeError:
        raise ContractError([_fail("", "tệp không phải văn bản UTF-8")]) from None
    except ValueError as exc:
        raise ContractError([_fail("", f"JSON không hợp lệ: {exc}")]) from None


def assess_text(text: str | bytes, *, explanations: bool = True) -> dict[str, Any]:
    return assess(loads(text), explanations=explanations)


def assess(document: Any, *, explanations: bool = True) -> dict[str, Any]:
    """Check the whole input, evaluate every student, return the output document.

    Raises ``ContractError`` with every student's first error (all-or-nothing)."""
    try:
        regime = _regime(document)
        top = _object(document, "", ("regime", "grade", "students"),
                      ("rules", *_METADATA))
        if regime == "tt27":
            grade = _integer(top["grade"], "grade", 1, 5, "lớp")
        else:
            grade = _integer(top["grade"], "grade", 6, 12, "lớp")
        rules = _rules(regime, top.get("rules"))
        students = _list(top["students"], "students", non_empty=True)
    except AssessmentError as exc:
        raise ContractError([exc]) from None

    errors: list[AssessmentError] = []
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(students):
        path = f"students[{index}]"
        try:
            if not isinstance(raw, dict):
                raise _fail(path, f"cần một đối tượng JSON, nhận được {_kind(raw)}")
            if "id" not in raw:
                raise _fail(f"{path}.id", "thiếu trường bắt buộc")
            student_id = _text(raw["id"], f"{path}.id")
            if student_id in seen:
                raise _fail(f"{path}.id", (f"mã “{student_id}” trùng với "
                                           f"students[{seen[student_id]}]"))
            seen[student_id] = index
            if regime == "tt27":
                out.append(_primary(raw, path, grade, explanations))
            else:
                out.append(_secondary(raw, path, rules, explanations))
        except AssessmentError as exc:
            errors.append(exc)
    if errors:
        raise ContractError(errors)
    return {"regime": regime, "grade": grade, "students": out}


def _regime(document: Any) -> str:
    if not isinstance(document, dict):
        raise _fail("", f"cần một đối tượng JSON ở gốc, nhận được {_kind(document)}")
    if "regime" not in document:
        raise _fail("regime", f"thiếu trường bắt buộc ({', '.join(REGIMES)})")
    regime = document["regime"]
    if regime not in REGIMES:
        raise _fail("regime", (f"chế độ đánh giá không được hỗ trợ: {_kind(regime)} (được "
                               f"phép: {', '.join(REGIMES)})"))
    return str(regime)


def _rules(regime: str, raw: Any) -> tt22.SecondaryRules:
    if regime == "tt22" or regime == "tt27":
        if raw is not None:
            raise _fail("rules", (f"chế độ {regime} theo đúng thông tư, không thay đổi tham số; "
                                  f"“rules” chỉ dùng cho gdtx"))
        return tt22.TT22_RULES
    if raw is None:
        return gdtx.GDTX_RULES
    knobs = _object(raw, "rules", (), tuple(gdtx.OVERRIDABLE))
    values = {k: _integer(v, f"rules.{k}", 0, None, k) for k, v in knobs.items()}
    try:
        return gdtx.gdtx_rules(values)
    except AssessmentError as exc:
        raise exc.under("rules") from None


# ---------------------------------------------------------------------------------------
# TT 22 and GDTX

def _secondary(raw: Any, path: str, rules: tt22.SecondaryRules, explain: bool
               ) -> dict[str, Any]:
    conduct: tuple[str, ...] = ("conduct",)
    data = _object(raw, path, ("id", "absences", "subjects")
                   + (conduct if rules.conduct_required else ()),
                   () if rules.conduct_required else conduct)
    student = tt22.StudentInput(
        id=data["id"].strip(),
        absences=_integer(data["absences"], f"{path}.absences", 0, None, "số buổi nghỉ"),
        conduct=_conduct(data.get("conduct"), f"{path}.conduct", rules),
        subjects=tuple(_secondary_subject(s, f"{path}.subjects[{i}]")
                       for i, s in enumerate(_list(data["subjects"], f"{path}.subjects",
                                                   non_empty=True))))
    try:
        result = tt22.evaluate_student(student, rules)
    except AssessmentError as exc:  # the engine's paths are relative to the student
        raise exc.under(path) from None
    return secondary_output(result, rules, explain)


def _conduct(raw: Any, path: str, rules: tt22.SecondaryRules) -> tt22.Conduct | None:
    if raw is None and not rules.conduct_required:
        return None
    data = _object(raw, path, ("hk1", "hk2"), ("summer",))
    summer = data.get("summer")
    return tt22.Conduct(_level(data["hk1"], f"{path}.hk1"), _level(data["hk2"], f"{path}.hk2"),
                        None if summer is None else _level(summer, f"{path}.summer"))


def _secondary_subject(raw: Any, path: str) -> tt22.Subject:
    data = _object(raw, path, ("code", "assessment", "periods_per_year", "hk1", "hk2"),
                   ("retest", "name"))
    code = _text(data["code"], f"{path}.code")
    kind = data["assessment"]
    periods = _integer(data["periods_per_year"], f"{path}.periods_per_year", 1, None,
                       "số tiết/năm")
    retest = data.get("retest")
    if kind == "score":
        return tt22.ScoreSubject(
            code, periods, _score_term(data["hk1"], f"{path}.hk1"),
            _score_term(data["hk2"], f"{path}.hk2"),
            None if retest is None else score(retest, f"{path}.retest"))
    if kind == "comment":
        return tt22.CommentSubject(
            code, periods, _comment_term(data["hk1"], f"{path}.hk1"),
            _comment_term(data["hk2"], f"{path}.hk2"),
            None if retest is None else _comment(retest, f"{path}.retest"))
    raise _fail(f"{path}.assessment", (f"hình thức đánh giá phải là “score” (nhận xét kết hợp "
                                       f"điểm số) hoặc “comment” (chỉ nhận xét), nhận được "
                                       f"{_kind(kind)}"))


def _score_term(raw: Any, path: str) -> tt22.ScoreTerm:
    data = _object(raw, path, ("tx", "gk", "ck"))
    tx = tuple(score(v, f"{path}.tx[{i}]")
               for i, v in enumerate(_list(data["tx"], f"{path}.tx")))
    return tt22.ScoreTerm(tx, score(data["gk"], f"{path}.gk"), score(data["ck"], f"{path}.ck"))


def _comment_term(raw: Any, path: str) -> tt22.CommentTerm:
    data = _object(raw, path, ("tx", "gk", "ck"))
    tx = tuple(_comment(v, f"{path}.tx[{i}]")
               for i, v in enumerate(_list(data["tx"], f"{path}.tx")))
    return tt22.CommentTerm(tx, _comment(data["gk"], f"{path}.gk"),
                            _comment(data["ck"], f"{path}.ck"))


def _value(level: Any) -> Any:
    return None if level is None else level.value


def secondary_output(result: tt22.StudentResult, rules: tt22.SecondaryRules = tt22.TT22_RULES,
                     explain: bool = True) -> dict[str, Any]:
    """The output object of one TT 22 / GDTX student (scores stay ``Decimal``)."""
    subjects: list[dict[str, Any]] = []
    for s in result.subjects:
        entry: dict[str, Any] = {"code": s.code}
        if isinstance(s, tt22.ScoreSubjectResult):
            entry.update(hk1=s.hk1, hk2=s.hk2, year=s.year)
        else:
            entry.update(hk1=s.hk1.value, hk2=s.hk2.value, year=s.year.value)
        if s.subject.retest is not None:
            retest = s.subject.retest
            entry["retest"] = retest.value if isinstance(retest, CommentResult) else retest
        subjects.append(entry)
    after = result.hoc_tap_after_reevaluation
    out: dict[str, Any] = {
        "id": result.id,
        "subjects": subjects,
        "hoc_tap": {"hk1": result.hoc_tap_hk1.level.value, "hk2": result.hoc_tap_hk2.level.value,
                    "year": result.hoc_tap_year.level.value,
                    "after_reevaluation": None if after is None else after.level.value},
        "ren_luyen": {"hk1": _value(result.ren_luyen_hk1), "hk2": _value(result.ren_luyen_hk2),
                      "year": _value(result.ren_luyen_year),
                      "after_summer": _value(result.ren_luyen_after_summer)},
        "len_lop": result.len_lop,
        "award": _value(result.award),
    }
    if explain:
        out["explanations"] = [e.as_dict() for e in result.all_explanations(rules)]
    return out


# ---------------------------------------------------------------------------------------
# TT 27

def _primary(raw: Any, path: str, grade: int, explain: bool) -> dict[str, Any]:
    data = _object(raw, path, ("id", "subjects", "qualities", "competences"),
                   ("recognised_outstanding", "supplementary", "principal_decision"))
    recognised = data.get("recognised_outstanding", False)
    if not isinstance(recognised, bool):
        raise _fail(f"{path}.recognised_outstanding",
                    f"cần true hoặc false, nhận được {_kind(recognised)}")
    decision_raw = data.get("principal_decision")
    decision = None
    if decision_raw is not None:
        choices = {d.value: d for d in tt27.PrincipalDecision}
        if decision_raw not in choices:
            raise _fail(f"{path}.principal_decision", (
                f"phải là một trong {', '.join(choices)}, nhận được {_kind(decision_raw)}"))
        decision = choices[decision_raw]
    supplementary = None
    if data.get("supplementary") is not None:
        sp = f"{path}.supplementary"
        sup = _object(data["supplementary"], sp, (), ("subjects", "qualities", "competences"))
        supplementary = tt27.Supplementary(
            subjects=_primary_subjects(sup.get("subjects", []), f"{sp}.subjects"),
            qualities=_ratings(sup.get("qualities", {}), f"{sp}.qualities", tt27.QUALITIES),
            competences=_ratings(sup.get("competences", {}), f"{sp}.competences",
                                 tt27.COMPETENCES))
    student = tt27.PrimaryStudent(
        id=data["id"].strip(), grade=grade,
        subjects=_primary_subjects(data["subjects"], f"{path}.subjects", non_empty=True),
        qualities=_ratings(data["qualities"], f"{path}.qualities", tt27.QUALITIES),
        competences=_ratings(data["competences"], f"{path}.competences", tt27.COMPETENCES),
        recognised_outstanding=recognised, supplementary=supplementary,
        principal_decision=decision)
    try:
        result = tt27.evaluate_student(student)
    except AssessmentError as exc:
        raise exc.under(path) from None
    return primary_output(result, explain)


def _primary_subjects(raw: Any, path: str, non_empty: bool = False
                      ) -> tuple[tt27.PrimarySubject, ...]:
    out = []
    for i, item in enumerate(_list(raw, path, non_empty=non_empty)):
        p = f"{path}[{i}]"
        data = _object(item, p, ("code", "level"), ("test", "name"))
        test = data.get("test")
        out.append(tt27.PrimarySubject(
            _text(data["code"], f"{p}.code"), _subject_level(data["level"], f"{p}.level"),
            None if test is None else periodic_test_score(test, f"{p}.test")))
    return tuple(out)


def _ratings(raw: Any, path: str, names: tuple[str, ...]) -> tuple[tuple[str, Rating], ...]:
    """Known names only; completeness is the engine's rule (optional competences, partial
    supplementary evaluations)."""
    data = _object(raw, path, (), names)
    return tuple((name, _rating(data[name], f"{path}.{name}")) for name in names
                 if name in data)


def primary_output(result: tt27.PrimaryResult, explain: bool = True) -> dict[str, Any]:
    after = result.evaluation_after_supplementary
    out: dict[str, Any] = {
        "id": result.id,
        "evaluation": result.evaluation.value,
        "award": _value(result.award),
        "completed_grade": result.completed_grade,
        "evaluation_after_supplementary": None if after is None else after.value,
        "len_lop": result.len_lop,
        "hoc_ba_note": result.hoc_ba_note,
    }
    if explain:
        out["explanations"] = [e.as_dict() for e in result.explanations]
    return out


# ---------------------------------------------------------------------------------------
# Writing

def dumps(document: Any, indent: int | None = 2) -> str:
    """JSON text (non-ASCII kept) where every ``Decimal`` is a number with one decimal.

    Each ``Decimal`` is formatted to one decimal (``8`` → ``"8.0"``) and handed to the
    encoder as the float parsed from that text; Python writes a float as the shortest text
    that reads back as the same float, which for a one-decimal number of this size is that
    very text. Formatting only: no arithmetic is ever done on the float."""
    return json.dumps(document, ensure_ascii=False, indent=indent, default=_one_decimal)


def _one_decimal(value: Any) -> float:
    if isinstance(value, Decimal):
        return float(f"{value:.1f}")
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
