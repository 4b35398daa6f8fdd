"""Writes of the homeroom teacher's primary class summary: the class record of a point
(qualities and competences, TT 27/2020 Điều 7.2, and their comments; at the end of the year
absences, weight, height, the GVCN's comment, the class's recognition of Điều 13 and an ad-hoc
award) and the supplementary evaluation of a pupil rated Chưa hoàn thành (Điều 11).

Writes are authorised on the class (``Action.EDIT_RESULTS``: the GVCN's class-level results),
validated whole, refused on a stale version with the name of who changed the row, written in
one transaction (all or nothing) and audited. At a point whose term the principal has locked a
changed row is not written: each changed value becomes a correction request with the GVCN's
reason, which the principal decides on the locks page (HCMC QĐ 1789 Điều 13;
``summary_corrections``). The supplementary evaluation comes after the year's results are
closed (by 15 August), so the lock of term II does not stop it; it never changes the year's
own values: the engine reports the result "after supplementary evaluation" beside the year's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.audit.models import AuditEvent
from hocba.audit.services import record
from hocba.domain.access import Action
from hocba.domain.assessment.tt27 import COMPETENCES, QUALITIES, takes_test
from hocba.domain.text import clean
from hocba.gradebook.cells import COMMENT_MAX, CellError
from hocba.gradebook.models import CorrectionRequest, PrimaryClassRecord
from hocba.gradebook.primary_cells import (
    END_OF_YEAR,
    POINT_LABELS,
    POINT_PHRASES,
    POINT_TERM,
    SOURCE,
    parse_level,
    parse_rating,
    parse_test,
)
from hocba.gradebook.primary_evaluation import (
    class_data,
    class_members,
    evaluate,
    rating_label,
    studied,
)
from hocba.gradebook.selectors import lock_of
from hocba.gradebook.summary_corrections import reason_required, request_corrections
from hocba.roster.models import SchoolClass, Student

RATINGS = QUALITIES + COMPETENCES
COMMENTS = ("comment_qualities", "comment_general", "comment_specific")
YEAR_END = ("absences_excused", "absences_unexcused", "weight_kg", "height_cm", "year_comment",
            "recognised_outstanding", "adhoc_award")
LABELS = {"comment_qualities": "nhận xét phẩm chất",
          "comment_general": "nhận xét năng lực chung",
          "comment_specific": "nhận xét năng lực đặc thù",
          "absences_excused": "nghỉ có phép", "absences_unexcused": "nghỉ không phép",
          "weight_kg": "cân nặng", "height_cm": "chiều cao", "year_comment": "nhận xét của GVCN",
          "recognised_outstanding": "tập thể lớp công nhận",
          "adhoc_award": "khen thưởng đột xuất"}
# Bounds of the database's check constraints (models_primary).
WEIGHT = (Decimal(5), Decimal(150))
HEIGHT = (Decimal(40), Decimal(220))


class PrimarySummaryError(ValueError):
    """Refused: nothing was written. ``problems`` are Vietnamese messages naming the pupil
    and the field; ``conflict`` says that one of them is a stale version."""

    def __init__(self, problems: list[str], conflict: bool = False) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
        self.conflict = conflict


def field_label(name: str) -> str:
    return rating_label(name).lower() if name in RATINGS else LABELS[name]


@dataclass(frozen=True)
class Saved:
    """What a save did: rows written now (open terms) and the correction requests sent to the
    principal for points of locked terms (HCMC QĐ 1789 Điều 13)."""

    written: int
    requests: list[CorrectionRequest]


@dataclass(frozen=True)
class RecordEdit:
    """What the form posted for one pupil at one point (raw text by model field), and the
    version of the row the page showed."""

    student: Student
    point: int
    values: dict[str, str]
    expected_version: int


def _number(raw: str, bounds: tuple[Decimal, Decimal], unit: str, example: str
            ) -> tuple[Decimal | None, str]:
    text = clean(raw).replace(" ", "").replace(",", ".")
    if not text:
        return None, ""
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None, f"“{clean(raw)}” không phải là số {unit}; ví dụ {example}."
    if not value.is_finite() or value != value.quantize(Decimal("0.1")):
        return None, f"chỉ lấy một chữ số thập phân, ví dụ {example}."
    low, high = bounds
    if value < low or value > high:
        return None, f"phải từ {low} đến {high} {unit}."
    return value.quantize(Decimal("0.1")), ""


def _parse_value(name: str, raw: str) -> tuple[Any, str]:
    """(the value to store, "" or why it is refused)."""
    if name in RATINGS:
        try:
            return parse_rating(name, raw) or "", ""
        except CellError as exc:
            return None, exc.message
    if name in ("absences_excused", "absences_unexcused"):
        text = clean(raw)
        if not text:
            return 0, ""
        if not text.isdigit():
            return None, f"số buổi nghỉ phải là số nguyên không âm (nhận được “{text}”)."
        return (int(text), "") if int(text) <= 32767 else (None, f"{text} buổi là không thể có.")
    if name == "weight_kg":
        return _number(raw, WEIGHT, "kg", "28,5")
    if name == "height_cm":
        return _number(raw, HEIGHT, "cm", "132")
    if name == "recognised_outstanding":
        return clean(raw).lower() in ("1", "on", "true", "co", "có"), ""
    text = clean(raw)
    if len(text) > COMMENT_MAX:
        return None, f"dài quá {COMMENT_MAX} kí tự."
    return text, ""


def _parse(edit: RecordEdit) -> tuple[dict[str, Any], list[str]]:
    values, problems = {}, []
    allowed = set(RATINGS + COMMENTS) | (set(YEAR_END) if edit.point == END_OF_YEAR else set())
    for name, raw in edit.values.items():
        if name not in allowed:
            problems.append(f"{edit.student.full_name}: không có ô “{name}” ở thời điểm "
                            f"{POINT_PHRASES[edit.point]}.")
            continue
        value, why = _parse_value(name, raw)
        if why:
            problems.append(f"{edit.student.full_name}, {field_label(name)} "
                            f"({POINT_PHRASES[edit.point]}): {why}")
            continue
        values[name] = value
    return values, problems


def _scope(school_class: SchoolClass) -> tuple[int | None, int | None, int | None]:
    school = school_class.school
    return school.pk, school.province_id, school.area_id


def _stale(rec: PrimaryClassRecord) -> str:
    when = (f" lúc {timezone.localtime(rec.updated_at):%H:%M %d/%m/%Y}"
            if isinstance(rec.updated_at, datetime) else "")
    by = str(rec.updated_by) if rec.updated_by else "người khác"
    return (f"{rec.student.full_name}, {POINT_PHRASES[rec.point]}: dòng này vừa được "
            f"{by} sửa{when}; không lưu để không ghi đè. Hãy tải lại trang, xem lại rồi lưu.")


def _plain(value: Any) -> Any:
    """A value as the audit log's JSON keeps it (a Decimal as its text)."""
    return str(value) if isinstance(value, Decimal) else value


def _row(school_class: SchoolClass, student: Student, point: int, values: dict[str, Any]
         ) -> tuple[PrimaryClassRecord, dict[str, list[Any]]]:
    """The pupil's record of the point, locked for update, and the values that change it
    (model field → [old, new])."""
    rec, _ = PrimaryClassRecord.objects.get_or_create(student=student,
                                                      school_class=school_class, point=point)
    rec = PrimaryClassRecord.objects.select_for_update(of=("self",)).select_related(
        "student", "updated_by", "school_class__school").get(pk=rec.pk)
    return rec, {k: [getattr(rec, k), v] for k, v in values.items() if getattr(rec, k) != v}


def _request(user: Any, role: str, school_class: SchoolClass, edit: RecordEdit,
             values: dict[str, Any], reason: str) -> tuple[list[CorrectionRequest], str, str]:
    """A locked term's point (QĐ 1789 Điều 13): one request per changed value, nothing
    written. (requests, conflict message, reason missing message)."""
    rec, changes = _row(school_class, edit.student, edit.point, values)
    if not changes:
        return [], "", ""
    if rec.version != edit.expected_version:
        return [], _stale(rec), ""
    if not reason:
        return [], "", reason_required(rec)
    return request_corrections(user, role, rec, changes, reason), "", ""


def _write(user: Any, role: str, school_class: SchoolClass, student: Student, point: int,
           expected: int, values: dict[str, Any], action: str) -> tuple[bool, str]:
    """Apply ``values`` to the pupil's record of the point. (written, conflict message)."""
    rec, changes = _row(school_class, student, point, values)
    if not changes:
        return False, ""
    if rec.version != expected:
        return False, _stale(rec)
    for name, (_, new) in changes.items():
        setattr(rec, name, new)
    rec.version += 1
    rec.updated_by = user
    rec.updated_at = timezone.now()
    rec.save()
    record(AuditEvent.Kind.WRITE, action, actor=user, role=role, obj=rec,
           scope=_scope(school_class), detail={
               "hoc_sinh": student.student_code, "lop": school_class.name,
               "thoi_diem": point, "phien_ban": rec.version,
               "thay_doi": {k: {"cu": _plain(old), "moi": _plain(new)}
                            for k, (old, new) in changes.items()}})
    return True, ""


def save_records(user: Any, school_class: SchoolClass, edits: list[RecordEdit],
                 reason: str = "") -> Saved:
    """Save the GVCN's changed rows, all or nothing. At a point of a locked term a changed
    row is not written: each changed value becomes a correction request with ``reason``
    (required; HCMC QĐ 1789 Điều 13).

    Raises PermissionDenied (not the class's GVCN) or PrimarySummaryError (impossible
    values, a locked term's change without a reason, a pupil not in the class, a row changed
    by someone else since the page was loaded — with their name); nothing is written then."""
    decision = require(user, Action.EDIT_RESULTS, school_class)
    members = {s.pk for s in class_members(school_class)}
    locked = {t for t in (1, 2) if lock_of(school_class, t) is not None}
    reason = clean(reason)
    parsed, problems = [], []
    for edit in edits:
        if edit.point not in POINT_LABELS:
            problems.append("Thời điểm đánh giá chỉ là giữa HK I, cuối HK I, giữa HK II hoặc "
                            f"cuối năm ({SOURCE} Điều 6).")
            continue
        if edit.student.pk not in members:
            problems.append(f"{edit.student.full_name} không còn học lớp {school_class.name}.")
            continue
        values, wrong = _parse(edit)
        problems += wrong
        parsed.append((edit, values))
    if problems:
        raise PrimarySummaryError(problems)
    written, requests, conflicts, unexplained = 0, [], [], []
    with transaction.atomic():
        for edit, values in parsed:
            if POINT_TERM[edit.point] in locked:
                made, conflict, why = _request(user, decision.role_label, school_class, edit,
                                               values, reason)
                requests += made
                unexplained += [why] if why else []
            else:
                done, conflict = _write(user, decision.role_label, school_class,
                                        edit.student, edit.point, edit.expected_version,
                                        values, "sua_tong_hop_lop")
                written += done
            if conflict:
                conflicts.append(conflict)
        if conflicts or unexplained:  # leaving the block by an exception rolls every row back
            raise PrimarySummaryError(conflicts + unexplained, conflict=bool(conflicts))
    return Saved(written, requests)


@dataclass(frozen=True)
class SupplementaryEdit:
    """The supplementary evaluation typed for one pupil: per subject (level, test) and per
    quality or competence a rating, raw; the version of the end-of-year record shown."""

    student: Student
    subjects: dict[str, tuple[str, str]]
    ratings: dict[str, str]
    expected_version: int


def _parse_supplementary(edit: SupplementaryEdit, names: dict[str, str], grade: int
                         ) -> tuple[dict[str, Any], list[str]]:
    who = f"{edit.student.full_name}, đánh giá bổ sung"
    subjects: dict[str, dict[str, Any]] = {}
    problems = []
    for code, (level_raw, test_raw) in edit.subjects.items():
        if code not in names:
            problems.append(f"{who}: học sinh không học môn “{code}”.")
            continue
        try:
            level = parse_level(code, level_raw)
            test = parse_test(code, test_raw)
        except CellError as exc:
            problems.append(f"{who}, {names[code]}: {exc.message}")
            continue
        tested = takes_test(code, grade)
        if level is None and test is None:
            continue
        if level is None or (tested and test is None):
            problems.append(f"{who}, {names[code]}: cần cả mức đạt được"
                            f"{' và điểm kiểm tra' if tested else ''} ({SOURCE} Điều 7.1, 11).")
            continue
        if test is not None and not tested:
            problems.append(f"{who}, {names[code]}: môn này không có bài kiểm tra định kì "
                            f"({SOURCE} Điều 7.1.b–d).")
            continue
        subjects[code] = {"level": level, "test": test}
    ratings = {}
    for name, raw in edit.ratings.items():
        if name not in RATINGS:
            problems.append(f"{who}: không có phẩm chất, năng lực “{name}”.")
            continue
        try:
            rating = parse_rating(name, raw)
        except CellError as exc:
            problems.append(f"{who}, {field_label(name)}: {exc.message}")
            continue
        if rating:
            ratings[name] = rating
    stored: dict[str, Any] = {}
    if subjects:
        stored["subjects"] = subjects
    if ratings:
        stored["ratings"] = ratings
    return stored, problems


def save_supplementary(user: Any, school_class: SchoolClass, edits: list[SupplementaryEdit]
                       ) -> int:
    """Save the supplementary evaluation (TT 27/2020 Điều 11) of pupils the year rates Chưa
    hoàn thành, all or nothing. Returns the number of pupils written. Raises
    PermissionDenied or PrimarySummaryError."""
    decision = require(user, Action.EDIT_RESULTS, school_class)
    data = class_data(school_class)
    members = {s.pk for s in data.members}
    parsed, problems = [], []
    for edit in edits:
        if edit.student.pk not in members:
            problems.append(f"{edit.student.full_name} không còn học lớp {school_class.name}.")
            continue
        evaluation = evaluate(data, edit.student)
        if evaluation.result is None or evaluation.result.evaluation.completes_grade:
            problems.append(f"{edit.student.full_name}: chỉ học sinh Chưa hoàn thành mới được "
                            f"đánh giá bổ sung ({SOURCE} Điều 11).")
            continue
        names = {r.code: r.name for r in studied(data, edit.student)}
        stored, wrong = _parse_supplementary(edit, names, school_class.grade)
        problems += wrong
        parsed.append((edit, stored))
    if problems:
        raise PrimarySummaryError(problems)
    written, conflicts = 0, []
    with transaction.atomic():
        for edit, stored in parsed:
            done, conflict = _write(user, decision.role_label, school_class, edit.student,
                                    END_OF_YEAR, edit.expected_version,
                                    {"supplementary": stored}, "danh_gia_bo_sung")
            written += done
            if conflict:
                conflicts.append(conflict)
        if conflicts:
            raise PrimarySummaryError(conflicts, conflict=True)
    return written
