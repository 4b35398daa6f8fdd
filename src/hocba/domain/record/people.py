"""Who and where: the school, the student, the class, the learning history and the signers.

Each part is a frozen snapshot taken when the record is composed; nothing here refers back
to the roster. ``read_*`` builds a part from its JSON object, ``to_json`` writes it back with
every key present (``null`` for an unknown value).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from hocba.domain.identity import Sex, check_personal_id
from hocba.domain.record.reading import Fields, RecordError

SUBJECT_CODE = re.compile(r"^[A-Z][A-Z0-9_]{0,39}$")
SUBJECT_CODE_HINT = "mã môn viết hoa không dấu, ví dụ TOAN, NGU_VAN"


def identity_number(f: Fields, key: str, *, required: bool, person: str) -> str | None:
    """A 12-digit personal identity number (TT 07/2016/TT-BCA Điều 7)."""
    value = f.optional_text(key)
    if value is None:
        if required:
            raise RecordError(f.at(key), f"thiếu số định danh cá nhân của {person}")
        return None
    problem = check_personal_id(value, person=person)
    if problem:
        raise RecordError(f.at(key), f"{problem.message} (cần {problem.expected})")
    return value


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    code: str
    name: str
    education_office_code: str
    education_office_name: str
    province: str
    district: str | None  # none after 01/07/2025 (two-tier local government)
    commune: str
    place_of_issue: str  # địa danh phát hành học bạ

    KEYS = ("code", "name", "education_office_code", "education_office_name", "province",
            "district", "commune", "place_of_issue")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name,
                "education_office_code": self.education_office_code,
                "education_office_name": self.education_office_name,
                "province": self.province, "district": self.district,
                "commune": self.commune, "place_of_issue": self.place_of_issue}


def read_school(f: Fields) -> SchoolInfo:
    return SchoolInfo(
        code=f.text("code", "mã trường"), name=f.text("name", "tên trường"),
        education_office_code=f.text("education_office_code", "mã sở giáo dục"),
        education_office_name=f.text("education_office_name", "tên sở giáo dục"),
        province=f.text("province", "tỉnh/thành phố"), district=f.optional_text("district"),
        commune=f.text("commune", "xã/phường"),
        place_of_issue=f.text("place_of_issue", "địa danh phát hành học bạ"))


@dataclass(frozen=True, slots=True)
class StudentIdentity:
    """Identity as on the birth certificate (TT 27/2020 Phụ lục 1, trang 3)."""

    code: str  # mã học sinh (CSDL ngành)
    identity_number: str | None  # mã số định danh cá nhân
    full_name: str
    sex: Sex
    birth_date: date
    birth_place: str | None
    home_town: str | None
    address: str | None
    ethnicity: str | None
    nationality: str | None
    father: str | None
    mother: str | None
    guardian: str | None

    KEYS = ("code", "identity_number", "full_name", "sex", "birth_date", "birth_place",
            "home_town", "address", "ethnicity", "nationality", "father", "mother",
            "guardian")

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "identity_number": self.identity_number,
                "full_name": self.full_name, "sex": self.sex.value,
                "birth_date": self.birth_date.isoformat(), "birth_place": self.birth_place,
                "home_town": self.home_town, "address": self.address,
                "ethnicity": self.ethnicity, "nationality": self.nationality,
                "father": self.father, "mother": self.mother, "guardian": self.guardian}


def read_student(f: Fields) -> StudentIdentity:
    return StudentIdentity(
        code=f.text("code", "mã học sinh"),
        identity_number=identity_number(f, "identity_number", required=False,
                                        person="học sinh"),
        full_name=f.text("full_name", "họ và tên"),
        sex=f.code("sex", Sex, [s.value for s in Sex], "giới tính"),
        birth_date=f.calendar_date("birth_date", "ngày sinh"),
        birth_place=f.optional_text("birth_place"), home_town=f.optional_text("home_town"),
        address=f.optional_text("address"), ethnicity=f.optional_text("ethnicity"),
        nationality=f.optional_text("nationality"), father=f.optional_text("father"),
        mother=f.optional_text("mother"), guardian=f.optional_text("guardian"))


@dataclass(frozen=True, slots=True)
class ClassInfo:
    name: str
    grade: int

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "grade": self.grade}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One line of the learning history (quá trình học tập): a class at a school from a date."""

    school_year: str
    class_name: str
    school: str
    since: date  # ngày chuyển đến (NGAY_TRANG_THAI_CHUYEN_DEN)

    def to_json(self) -> dict[str, Any]:
        return {"school_year": self.school_year, "class": self.class_name,
                "school": self.school, "since": self.since.isoformat()}


def read_history_entry(f: Fields) -> HistoryEntry:
    return HistoryEntry(school_year=f.school_year("school_year"),
                        class_name=f.text("class", "tên lớp"),
                        school=f.text("school", "tên trường"),
                        since=f.calendar_date("since", "ngày chuyển đến"))


@dataclass(frozen=True, slots=True)
class Signer:
    """A person who will sign the record: name, identity number, title as printed."""

    name: str
    identity_number: str
    title: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "identity_number": self.identity_number,
                "title": self.title}


def read_signer(f: Fields, person: str) -> Signer:
    number = identity_number(f, "identity_number", required=True, person=person)
    assert number is not None
    return Signer(name=f.text("name", f"họ tên {person}"), identity_number=number,
                  title=f.optional_text("title"))


@dataclass(frozen=True, slots=True)
class SubjectTeacher:
    """A subject teacher (GVBM) who signs the results of ``subjects`` (secondary only)."""

    name: str
    identity_number: str
    subjects: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "identity_number": self.identity_number,
                "subjects": list(self.subjects)}


def read_subject_teacher(f: Fields) -> SubjectTeacher:
    number = identity_number(f, "identity_number", required=True, person="giáo viên bộ môn")
    assert number is not None
    codes = []
    for path, code in f.items("subjects"):
        if not isinstance(code, str) or not SUBJECT_CODE.match(code):
            raise RecordError(path, f"mã môn không hợp lệ: cần {SUBJECT_CODE_HINT}")
        codes.append(code)
    if not codes:
        raise RecordError(f.at("subjects"), "giáo viên bộ môn phải ký ít nhất một môn")
    return SubjectTeacher(name=f.text("name", "họ tên giáo viên bộ môn"),
                          identity_number=number, subjects=tuple(codes))


@dataclass(frozen=True, slots=True)
class Signers:
    homeroom: Signer | None  # GVCN
    principal: Signer  # CBQL: the principal or a deputy who signs the record
    subject_teachers: tuple[SubjectTeacher, ...]  # GVBM, one slot per subject

    def to_json(self) -> dict[str, Any]:
        return {"homeroom": self.homeroom.to_json() if self.homeroom else None,
                "principal": self.principal.to_json(),
                "subject_teachers": [t.to_json() for t in self.subject_teachers]}


def read_signers(f: Fields) -> Signers:
    signer_keys = ("name", "identity_number", "title")
    homeroom = f.optional_object("homeroom", signer_keys)
    teachers = tuple(
        read_subject_teacher(Fields(item, path, ("name", "identity_number", "subjects"),
                                    absent_is_null=f.absent_is_null))
        for path, item in f.items("subject_teachers"))
    seen_people: set[str] = set()
    seen_subjects: set[str] = set()
    for i, teacher in enumerate(teachers):
        path = f.at(f"subject_teachers[{i}]")
        if teacher.identity_number in seen_people:
            raise RecordError(path, (f"giáo viên {teacher.identity_number} đã có ở trên; gộp "
                                     f"các môn của một người vào một mục"))
        seen_people.add(teacher.identity_number)
        for code in teacher.subjects:
            if code in seen_subjects:
                raise RecordError(path, f"môn {code} đã có người ký; mỗi môn một chỗ ký GVBM")
            seen_subjects.add(code)
    return Signers(
        homeroom=read_signer(homeroom, "giáo viên chủ nhiệm") if homeroom else None,
        principal=read_signer(f.object("principal", signer_keys), "cán bộ quản lý"),
        subject_teachers=teachers)
