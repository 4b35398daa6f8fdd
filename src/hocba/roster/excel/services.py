"""Import a class list or a teacher list from Excel: all or nothing.

One user action, one transaction (DESIGN.md "Errors are values"): authorise, read and check
every row and cell, collect every error; only a file without a single error is written,
in one ``transaction.atomic()`` with bulk operations, and logged as one audit event (bulk
writes send no signals, so the event lists the codes written).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from hocba.accounts.authz import can, require
from hocba.audit.services import record_denied, record_write
from hocba.curriculum.models import Subject
from hocba.curriculum.services import ensure_subjects
from hocba.domain import roster_sheet as rs
from hocba.domain.access import Action, Place, Target
from hocba.domain.roster_sheet import CellError, file_error, sheet_error
from hocba.domain.text import fold
from hocba.organisation.models import School, SchoolYear
from hocba.roster.excel.reader import FormulaCell, ImportFileError, open_workbook
from hocba.roster.models import Enrolment, SchoolClass, Student, Teacher, TeachingAssignment

_IN_CHUNK = 500  # values per IN (...) query: under SQLite's and PostgreSQL's limits
_BATCH = 500

T = TypeVar("T")


@dataclass
class ImportResult:
    """What an import did, or every reason it did nothing."""

    kind: str  # rs.CLASS_LIST.kind or rs.TEACHER_LIST.kind
    filename: str
    school_year: str = ""
    errors: list[CellError] = field(default_factory=list)
    dry_run: bool = False
    created: int = 0
    updated: int = 0
    class_names: list[str] = field(default_factory=list)
    moved: int = 0  # students whose class changed
    homerooms: int = 0
    assignments: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def total(self) -> int:
        return self.created + self.updated

    @property
    def title(self) -> str:
        return rs.SPECS[self.kind].title

    def summary(self) -> str:
        if self.errors:
            return (f"Không nhập được tệp “{self.filename}” — chưa có dữ liệu nào được ghi: "
                    f"{len(self.errors)} lỗi.")
        if self.kind == rs.CLASS_LIST.kind:
            counts = f"{self.total} học sinh vào {len(self.class_names)} lớp"
            if self.dry_run:
                return (f"Tệp “{self.filename}” hợp lệ: {counts} ({self.created} mới, "
                        f"{self.updated} đã có). Chưa ghi gì vì chỉ kiểm tra.")
            text = f"Đã nhập {counts} ({self.created} mới, {self.updated} cập nhật)."
            if self.moved:
                text += f" {self.moved} học sinh được chuyển lớp."
            return text
        counts = f"{self.total} giáo viên ({self.created} mới, {self.updated} "
        if self.dry_run:
            return (f"Tệp “{self.filename}” hợp lệ: {counts}đã có). "
                    "Chưa ghi gì vì chỉ kiểm tra.")
        return (f"Đã nhập {counts}cập nhật); {self.homerooms} lớp có giáo viên chủ nhiệm, "
                f"{self.assignments} phân công giảng dạy.")

    def error_report(self) -> str:
        """One line per error, in sheet, row and column order."""
        return "\n".join(str(e) for e in self.errors)


# --- shared steps --------------------------------------------------------------------------

def _authorise(actor: Any, school: School, school_year: SchoolYear) -> None:
    """EDIT_ROSTER on the school, for that school year (a year-scoped grant covers one year)."""
    require(actor, Action.EDIT_ROSTER, school)
    place = Place(province=school.province_id, area=school.area_id, school=school.pk,
                  year=school_year.pk)
    decision = can(actor, Action.EDIT_ROSTER, Target("school", (place,)))
    if not decision:
        reason = f"Không được sửa danh sách của năm học {school_year.name}: {decision.reason}"
        record_denied(actor, Action.EDIT_ROSTER, school, reason)
        raise PermissionDenied(reason)


@dataclass
class _Sheet:
    name: str
    rows: list[list[Any]]
    formulas: list[FormulaCell]


def _read_sheet(data: bytes, filename: str, spec: rs.SheetSpec,
                errors: list[CellError]) -> _Sheet | None:
    """The data sheet of the file: the one named like the template's, else the first with a
    header row of ``spec``; a file holding the other kind of list is named as such."""
    try:
        book = open_workbook(data, filename)
    except ImportFileError as exc:
        errors.append(exc.error)
        return None
    try:
        names = book.sheet_names()
        if not names:
            errors.append(file_error(f"tệp “{filename}” không có trang tính nào hiện ra",
                                     f"một trang “{spec.title}” theo tệp mẫu"))
            return None
        names.sort(key=lambda n: fold(n) != fold(spec.title))  # stable: the named one first
        first: _Sheet | None = None
        for name in names:
            rows = book.rows(name)
            other = rs.other_kind(spec, rows)
            if other is not None:
                errors.append(sheet_error(
                    name, f"trang này là {other.title.lower()}, không phải "
                    f"{spec.title.lower()}",
                    f"chọn loại “{other.title}” khi nhập tệp này, hoặc tải lên "
                    f"{spec.title.lower()}"))
                return None
            named = fold(name) == fold(spec.title)
            if rs.has_column(spec, spec.code_key, rows) or (named and rs.has_header(spec, rows)):
                return _Sheet(name, rows, book.formulas(name))
            if first is None:
                first = _Sheet(name, rows, [])
        assert first is not None
        first.formulas = book.formulas(first.name)
        return first  # parsing it reports the missing header row or columns
    except ImportFileError as exc:
        errors.append(exc.error)
        return None
    finally:
        book.close()


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), _IN_CHUNK):
        yield values[i:i + _IN_CHUNK]


def _fetch(query: Callable[[Sequence[Any]], Iterable[T]], values: Iterable[Any]) -> list[T]:
    """``query`` run over ``values`` in chunks (one IN (...) list per chunk)."""
    values = sorted(set(values))
    return [obj for chunk in _chunks(values) for obj in query(chunk)]


def _school_names(ids: Iterable[int]) -> dict[int, str]:
    wanted = set(ids)
    return dict(School.objects.filter(pk__in=wanted).values_list("pk", "name")) if wanted else {}


def _lock(school: School) -> None:
    # Serialises imports into one school (PostgreSQL); SQLite's IMMEDIATE transactions
    # already hold the write lock.
    list(School.objects.select_for_update().filter(pk=school.pk).values_list("pk", flat=True))


def _concurrent_change(exc: IntegrityError) -> CellError:
    return file_error(
        f"dữ liệu vừa được thay đổi bởi một thao tác khác trong lúc nhập, chưa ghi gì ({exc})",
        "tải tệp lên lại")


# --- the class list ------------------------------------------------------------------------

def import_class_list(data: bytes, *, filename: str, school: School, school_year: SchoolYear,
                      actor: Any, dry_run: bool = False) -> ImportResult:
    """Place the students of a class list into the school's classes of ``school_year``.

    A known code of this school updates that student and moves them if their class changed;
    a new code creates the student. Nothing is written unless the whole file is valid."""
    _authorise(actor, school, school_year)
    result = ImportResult(rs.CLASS_LIST.kind, filename, school_year.name, dry_run=dry_run)
    classes = {c.name: c for c in SchoolClass.objects.filter(school=school,
                                                             school_year=school_year)}
    sheet = _read_sheet(data, filename, rs.CLASS_LIST, result.errors)
    if sheet is None:
        return result
    today = timezone.localdate()
    ctx = rs.ClassListContext(rs.class_index(classes), school_year.name, school_year.start,
                              today)
    parsed = rs.parse_class_list(sheet.name, sheet.rows, ctx)
    result.errors.extend(parsed.errors)
    result.errors.extend(rs.formula_errors(sheet.name, parsed.layout, sheet.formulas))
    try:
        with transaction.atomic():
            _lock(school)
            existing = {s.student_code: s for s in _fetch(
                lambda c: Student.objects.filter(student_code__in=c),
                [r.student_code for r in parsed.rows])}
            result.errors.extend(_check_students(parsed, school, existing))
            result.class_names = sorted({r.class_name for r in parsed.rows})
            result.updated = sum(1 for r in parsed.rows if r.student_code in existing)
            result.created = len(parsed.rows) - result.updated
            if result.errors or dry_run:
                return _finish(result)
            _write_class_list(parsed.rows, school, school_year, classes, existing, today,
                              result)
            record_write(actor, "nhap_danh_sach_lop", school, detail={
                "tep": filename, "nam_hoc": school_year.name, "so_hoc_sinh": result.total,
                "moi": result.created, "cap_nhat": result.updated, "chuyen_lop": result.moved,
                "lop": result.class_names,
                "ma_hoc_sinh": [r.student_code for r in parsed.rows],
            })
    except IntegrityError as exc:
        result.errors = [_concurrent_change(exc)]
    return _finish(result)


def _finish(result: ImportResult) -> ImportResult:
    if result.errors:
        result.errors.sort(key=CellError.sort_key)
    return result


def _check_students(parsed: rs.ParsedSheet[rs.StudentRow], school: School,
                    existing: dict[str, Student]) -> list[CellError]:
    """What only the database knows: codes of other schools, identity numbers in use."""
    layout = parsed.layout
    errors: list[CellError] = []
    if layout is None:
        return errors
    elsewhere = {s.school_id for s in existing.values() if s.school_id != school.pk}
    names = _school_names(elsewhere)
    for row in parsed.rows:
        student = existing.get(row.student_code)
        if student is not None and student.school_id != school.pk:
            errors.append(layout.error(
                "student_code", row.row,
                f"mã học sinh “{row.student_code}” là của một học sinh đang học "
                f"{names[student.school_id]}",
                "mã của học sinh trường mình; học sinh chuyển đến phải làm thủ tục chuyển "
                "trường trước"))
    # Only numbers that are not already the same student's need looking up.
    new_numbers = [r.personal_id for r in parsed.rows if r.personal_id and (
        r.student_code not in existing
        or existing[r.student_code].personal_id != r.personal_id)]
    owners = {pid: (code, school_id) for pid, code, school_id in _fetch(
        lambda c: Student.objects.filter(personal_id__in=c).values_list(
            "personal_id", "student_code", "school_id"), new_numbers)}
    names = _school_names(sid for _, sid in owners.values() if sid != school.pk)
    for row in parsed.rows:
        owner = owners.get(row.personal_id) if row.personal_id else None
        if owner is None or owner[0] == row.student_code:
            continue
        code, school_id = owner
        who = (f"học sinh mã {code}" if school_id == school.pk
               else f"một học sinh của {names[school_id]}")
        errors.append(layout.error(
            "personal_id", row.row, f"số định danh “{row.personal_id}” đã là của {who}",
            "số định danh của chính học sinh này (mỗi người một số)"))
    return errors


_IDENTITY = ("full_name", "birth_date", "sex")
_OPTIONAL = ("personal_id", "ethnicity", "nationality", *rs.STUDENT_TEXT_FIELDS)


def _student_values(row: rs.StudentRow) -> dict[str, Any]:
    """The fields the row sets. A blank optional cell keeps what the database has."""
    values: dict[str, Any] = {"full_name": row.full_name, "birth_date": row.birth_date,
                              "sex": row.sex.value}
    for name in _OPTIONAL:
        value = getattr(row, name)
        if value is not None:
            values[name] = value
    return values


def _apply_changes(obj: Any, values: dict[str, Any]) -> set[str]:
    """Set on ``obj`` the values that differ from what it holds; return those field names
    (an upsert then bulk-updates only rows and fields that changed)."""
    diff = {k for k, v in values.items() if getattr(obj, k) != v}
    for k in diff:
        setattr(obj, k, values[k])
    return diff


def _write_class_list(rows: list[rs.StudentRow], school: School, school_year: SchoolYear,
                      classes: dict[str, SchoolClass], existing: dict[str, Student],
                      today: date, result: ImportResult) -> None:
    new: list[Student] = []
    changed: list[Student] = []
    changed_fields: set[str] = set()
    for row in rows:
        values = _student_values(row)
        student = existing.get(row.student_code)
        if student is None:
            values.setdefault("ethnicity", "01")  # Kinh
            values.setdefault("nationality", "Việt Nam")
            new.append(Student(student_code=row.student_code, school=school, **values))
            continue
        diff = _apply_changes(student, values)
        if diff:
            changed.append(student)
            changed_fields |= diff
    Student.objects.bulk_create(new, batch_size=_BATCH)
    if changed:
        Student.objects.bulk_update(changed, sorted(changed_fields), batch_size=_BATCH)
    if any(s.pk is None for s in new):  # a backend that does not return bulk-inserted keys
        fresh = {s.student_code: s for s in _fetch(
            lambda c: Student.objects.filter(student_code__in=c), [s.student_code for s in new])}
        new = [fresh[s.student_code] for s in new]
    students = {s.student_code: s for s in (*existing.values(), *new)}
    result.moved = _place_in_classes(rows, students, {s.pk for s in new}, school_year,
                                     classes, today)


def _place_in_classes(rows: list[rs.StudentRow], students: dict[str, Student],
                      new_ids: set[int], school_year: SchoolYear,
                      classes: dict[str, SchoolClass], today: date) -> int:
    """Open each student's enrolment in the named class; a different open class of the same
    year is closed as a class change. Returns how many students changed class."""
    ids = [students[r.student_code].pk for r in rows if students[r.student_code].pk
           not in new_ids]
    class_ids = [c.pk for c in classes.values()]
    # Tuples, not instances: on a re-import every student has an open stay and few change.
    open_now: dict[int, list[tuple[int, int, date]]] = defaultdict(list)
    for pk, student_id, class_id, start in _fetch(lambda c: Enrolment.objects.filter(
            student_id__in=c, end_date__isnull=True, school_class_id__in=class_ids
    ).values_list("pk", "student_id", "school_class_id", "start_date"), ids):
        open_now[student_id].append((pk, class_id, start))
    earlier = _previous_grades([i for i in ids if not open_now.get(i)], school_year)
    # A class change takes effect today, but never outside the school year it belongs to.
    change_day = min(today, school_year.end)
    closed: list[Enrolment] = []
    repointed: list[Enrolment] = []
    opened: list[Enrolment] = []
    moved = 0

    def close(pk: int, start: date) -> None:
        closed.append(Enrolment(pk=pk, end_date=max(change_day, start),
                                exit_reason=Enrolment.Exit.CLASS_CHANGE))

    for row in rows:
        student = students[row.student_code]
        target = classes[row.class_name]
        current = sorted(open_now.get(student.pk, []), key=lambda e: e[2])
        if any(class_id == target.pk for _, class_id, _ in current):
            for pk, class_id, start in current:
                if class_id != target.pk:
                    close(pk, start)
            continue
        if not current:
            opened.append(Enrolment(student=student, school_class=target,
                                    start_date=school_year.start,
                                    reason=_entry_reason(earlier.get(student.pk), target)))
            continue
        moved += 1
        (first_pk, _, first_start), *others = current
        if change_day <= first_start:
            # Before the stay has begun: a corrected placement, not a change with a history.
            repointed.append(Enrolment(pk=first_pk, school_class=target))
        else:
            close(first_pk, first_start)
            opened.append(Enrolment(student=student, school_class=target,
                                    start_date=change_day,
                                    reason=Enrolment.Reason.CLASS_CHANGE))
        for pk, _, start in others:
            close(pk, start)
    if closed:
        Enrolment.objects.bulk_update(closed, ["end_date", "exit_reason"], batch_size=_BATCH)
    if repointed:
        Enrolment.objects.bulk_update(repointed, ["school_class"], batch_size=_BATCH)
    Enrolment.objects.bulk_create(opened, batch_size=_BATCH)
    return moved


def _previous_grades(ids: list[int], school_year: SchoolYear) -> dict[int, int]:
    """Each student's grade in their latest earlier school year (for promoted / repeating)."""
    latest: dict[int, tuple[date, int]] = {}
    for chunk in _chunks(ids):
        for sid, start, grade in Enrolment.objects.filter(
                student_id__in=chunk, school_class__school_year__start__lt=school_year.start
        ).values_list("student_id", "start_date", "school_class__grade"):
            if sid not in latest or start > latest[sid][0]:
                latest[sid] = (start, grade)
    return {sid: grade for sid, (_, grade) in latest.items()}


def _entry_reason(previous_grade: int | None, target: SchoolClass) -> str:
    if previous_grade is None:
        return Enrolment.Reason.ADMITTED
    if target.grade > previous_grade:
        return Enrolment.Reason.PROMOTED
    if target.grade == previous_grade:
        return Enrolment.Reason.REPEATING
    return Enrolment.Reason.ADMITTED


# --- the teacher list ----------------------------------------------------------------------

def import_teacher_list(data: bytes, *, filename: str, school: School,
                        school_year: SchoolYear, actor: Any, dry_run: bool = False
                        ) -> ImportResult:
    """Create or update the school's teachers, their homeroom classes and their teaching
    assignments of ``school_year`` (the file replaces the assignments of the teachers in
    it). Nothing is written unless the whole file is valid."""
    _authorise(actor, school, school_year)
    result = ImportResult(rs.TEACHER_LIST.kind, filename, school_year.name, dry_run=dry_run)
    classes = {c.name: c for c in SchoolClass.objects.filter(school=school,
                                                             school_year=school_year)}
    sheet = _read_sheet(data, filename, rs.TEACHER_LIST, result.errors)
    if sheet is None:
        return result
    ctx = rs.TeacherListContext(rs.class_index(classes), school_year.name, school_year.start,
                                timezone.localdate(), tuple(school.levels))
    parsed = rs.parse_teacher_list(sheet.name, sheet.rows, ctx)
    result.errors.extend(parsed.errors)
    result.errors.extend(rs.formula_errors(sheet.name, parsed.layout, sheet.formulas))
    try:
        with transaction.atomic():
            _lock(school)
            existing = {t.staff_code: t for t in _fetch(
                lambda c: Teacher.objects.filter(staff_code__in=c).select_related("school"),
                [r.staff_code for r in parsed.rows])}
            result.errors.extend(_check_teachers(parsed, school, classes, existing))
            result.updated = sum(1 for r in parsed.rows if r.staff_code in existing)
            result.created = len(parsed.rows) - result.updated
            result.homerooms = sum(1 for r in parsed.rows if r.homeroom_class)
            result.assignments = sum(len(r.assignments or ()) for r in parsed.rows)
            if result.errors or dry_run:
                return _finish(result)
            _write_teacher_list(parsed.rows, school, classes, existing)
            record_write(actor, "nhap_danh_sach_giao_vien", school, detail={
                "tep": filename, "nam_hoc": school_year.name, "so_giao_vien": result.total,
                "moi": result.created, "cap_nhat": result.updated,
                "chu_nhiem": {r.homeroom_class: r.staff_code for r in parsed.rows
                              if r.homeroom_class},
                "phan_cong": {r.staff_code: [f"{s}:{c}" for s, c in r.assignments]
                              for r in parsed.rows if r.assignments},
                "ma_giao_vien": [r.staff_code for r in parsed.rows],
            })
    except IntegrityError as exc:
        result.errors = [_concurrent_change(exc)]
    return _finish(result)


def _check_teachers(parsed: rs.ParsedSheet[rs.TeacherRow], school: School,
                    classes: dict[str, SchoolClass], existing: dict[str, Teacher]
                    ) -> list[CellError]:
    layout = parsed.layout
    errors: list[CellError] = []
    if layout is None:
        return errors
    for row in parsed.rows:
        teacher = existing.get(row.staff_code)
        if teacher is not None and teacher.school_id != school.pk:
            errors.append(layout.error(
                "staff_code", row.row,
                f"mã giáo viên “{row.staff_code}” là của một giáo viên {teacher.school.name}",
                "mã của giáo viên trường mình (mỗi giáo viên một mã)"))
    owners = {t.personal_id: t for t in _fetch(
        lambda c: Teacher.objects.filter(personal_id__in=c),
        [r.personal_id for r in parsed.rows if r.personal_id])}
    for row in parsed.rows:
        owner = owners.get(row.personal_id) if row.personal_id else None
        if owner is not None and owner.staff_code != row.staff_code:
            who = (f"giáo viên mã {owner.staff_code}" if owner.school_id == school.pk
                   else "một giáo viên trường khác")
            errors.append(layout.error(
                "personal_id", row.row, f"số định danh “{row.personal_id}” đã là của {who}",
                "số định danh của chính giáo viên này (mỗi người một số)"))
    # A class × subject kept by a teacher who is not in the file cannot be given to another.
    in_file = {r.staff_code for r in parsed.rows}
    wanted = {pair: r for r in parsed.rows for pair in (r.assignments or ())}
    if wanted:
        for a in TeachingAssignment.objects.filter(
                school_class__in=list(classes.values())).select_related(
                "teacher", "subject", "school_class"):
            asking = wanted.get((a.subject.code, a.school_class.name))
            if asking is not None and a.teacher.staff_code not in in_file:
                errors.append(layout.error(
                    "assignments", asking.row,
                    f"lớp {a.school_class.name} môn {a.subject.name} đang do giáo viên "
                    f"{a.teacher.full_name} (mã {a.teacher.staff_code}) dạy, người không có "
                    "trong tệp",
                    "bỏ phân công này, hoặc đưa cả giáo viên đang dạy vào tệp với phân công "
                    "mới của họ"))
    return errors


def _subjects(codes: set[str]) -> dict[str, Subject]:
    subjects = {s.code: s for s in Subject.objects.filter(code__in=sorted(codes))}
    if codes - subjects.keys():
        subjects = ensure_subjects()  # the catalogue is data; a fresh database may lack it
    return subjects


_TEACHER_OPTIONAL = ("birth_date", "personal_id", "phone", "email")


def _write_teacher_list(rows: list[rs.TeacherRow], school: School,
                        classes: dict[str, SchoolClass], existing: dict[str, Teacher]) -> None:
    codes = {r.main_subject for r in rows if r.main_subject}
    codes |= {s for r in rows for s, _ in (r.assignments or ())}
    subjects = _subjects(codes)
    new: list[Teacher] = []
    changed: list[Teacher] = []
    changed_fields: set[str] = set()
    for row in rows:
        values: dict[str, Any] = {"full_name": row.full_name, "sex": row.sex.value}
        for name in _TEACHER_OPTIONAL:
            value = getattr(row, name)
            if value is not None:
                values[name] = value
        if row.main_subject:
            values["main_subject_id"] = subjects[row.main_subject].pk
        teacher = existing.get(row.staff_code)
        if teacher is None:
            values.setdefault("phone", "")
            values.setdefault("email", "")
            new.append(Teacher(staff_code=row.staff_code, school=school, **values))
            continue
        diff = _apply_changes(teacher, values)
        if diff:
            changed.append(teacher)
            changed_fields |= {k.removesuffix("_id") for k in diff}
    Teacher.objects.bulk_create(new, batch_size=_BATCH)
    if changed:
        Teacher.objects.bulk_update(changed, sorted(changed_fields), batch_size=_BATCH)
    if any(t.pk is None for t in new):
        fresh = {t.staff_code: t for t in Teacher.objects.filter(
            staff_code__in=[t.staff_code for t in new])}
        new = [fresh[t.staff_code] for t in new]
    teachers = {t.staff_code: t for t in (*existing.values(), *new)}
    _write_homerooms(rows, teachers, classes)
    _write_assignments(rows, teachers, classes, subjects)


def _write_homerooms(rows: list[rs.TeacherRow], teachers: dict[str, Teacher],
                     classes: dict[str, SchoolClass]) -> None:
    """The named class gets the teacher; a teacher whose cell is empty keeps no class."""
    listed = {teachers[r.staff_code].pk for r in rows if r.has_homeroom_column}
    if not listed:
        return
    wanted = {r.homeroom_class: teachers[r.staff_code].pk for r in rows if r.homeroom_class}
    changed = []
    for cls in classes.values():
        teacher_id = wanted.get(cls.name)
        if teacher_id is None and cls.homeroom_teacher_id in listed:
            cls.homeroom_teacher_id = None
            changed.append(cls)
        elif teacher_id is not None and cls.homeroom_teacher_id != teacher_id:
            cls.homeroom_teacher_id = teacher_id
            changed.append(cls)
    if changed:
        SchoolClass.objects.bulk_update(changed, ["homeroom_teacher"], batch_size=_BATCH)


def _write_assignments(rows: list[rs.TeacherRow], teachers: dict[str, Teacher],
                       classes: dict[str, SchoolClass], subjects: dict[str, Subject]) -> None:
    """Replace the year's assignments of the listed teachers with those of the file."""
    listed = {teachers[r.staff_code].pk for r in rows if r.assignments is not None}
    if not listed:
        return
    wanted = {(classes[c].pk, subjects[s].pk): teachers[r.staff_code].pk
              for r in rows for s, c in (r.assignments or ())}
    reassigned, removed = [], []
    for a in TeachingAssignment.objects.filter(school_class__in=list(classes.values())):
        key = (a.school_class_id, a.subject_id)
        teacher_id = wanted.pop(key, None)
        if teacher_id is None:
            if a.teacher_id in listed:
                removed.append(a.pk)
        elif a.teacher_id != teacher_id:
            a.teacher_id = teacher_id
            reassigned.append(a)
    if removed:
        # Few rows, and their deletion is worth a line each in the audit log (signals).
        TeachingAssignment.objects.filter(pk__in=removed).delete()
    if reassigned:
        TeachingAssignment.objects.bulk_update(reassigned, ["teacher"], batch_size=_BATCH)
    TeachingAssignment.objects.bulk_create(
        [TeachingAssignment(school_class_id=cls, subject_id=subj, teacher_id=t)
         for (cls, subj), t in wanted.items()], batch_size=_BATCH)
