"""The permission matrix: every role × action × object, in scope and out of scope.

One table says, for each role and action, the objects of the test world on which it is
allowed; every other object of that action's column must be refused. The out-of-scope
objects are another school (same province, other area), another province, another school
year, another class and another child. Sources: DOMAIN.md §1.6; HCMC QĐ 1789/QĐ-SGDĐT Điều 5
(the school admin assigns rights and cannot read or write results), Điều 28–35.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from hocba.accounts.authz import can, visible_classes, visible_schools, visible_students
from hocba.accounts.targets import ClassSubject, StudentResults
from hocba.domain.access import Action, Role
from hocba.roster.models import SchoolClass, Student

A = Action
# pytest-django sets up the test database only when a collected test asks for it; the
# module-scoped world below needs it even when this file runs alone.
pytestmark = pytest.mark.django_db


def objects(w: Any) -> dict[str, Any]:
    return {
        "school": w.school,
        "school_other_area": w.other_school_same_area,
        "school_other_province": w.school_other_province,
        "province": w.province,
        "other_province": w.other_province,
        "6A": w.class_6a,
        "6B": w.class_6b,
        "6A_last_year": w.class_6a_last_year,
        "class_other_school": w.class_other_school,
        "student": w.student,
        "student_6B": w.classmate_6b,
        "student_last_year": w.last_year_student,
        "student_other_school": w.other_school_student,
        "student_other_province": w.other_province_student,
        "6A_math": ClassSubject(w.class_6a, w.math.pk),
        "6A_literature": ClassSubject(w.class_6a, w.literature.pk),
        "results": StudentResults(w.student),
        "results_math": StudentResults(w.student, w.math.pk),
        "results_6B": StudentResults(w.classmate_6b),
        "results_last_year": StudentResults(w.last_year_student),
        "results_other_province": StudentResults(w.other_province_student),
    }


# The objects each action is asked about.
COLUMNS: dict[Action, set[str]] = {
    A.VIEW_SCHOOL: {"school", "school_other_area", "school_other_province", "6A", "6B",
                    "6A_last_year", "class_other_school"},
    A.VIEW_STAFF: {"school", "school_other_area", "school_other_province"},
    A.VIEW_STUDENT: {"student", "student_6B", "student_last_year", "student_other_school",
                     "student_other_province", "6A", "6B", "6A_last_year"},
    A.EDIT_ROSTER: {"school", "school_other_area", "school_other_province", "6A",
                    "6A_last_year", "student", "student_other_school"},
    A.COMPOSE_RECORDS: {"school", "school_other_area", "6A", "6A_last_year",
                        "class_other_school"},
    A.VIEW_RESULTS: {"results", "results_math", "6A_math", "6A_literature", "6A", "results_6B",
                     "results_last_year", "results_other_province"},
    A.EDIT_RESULTS: {"results", "results_math", "6A_math", "6A_literature", "6A", "results_6B",
                     "results_last_year", "results_other_province"},
    # TT 22/2021 Điều 13–14 after the year: asked on classes and on a student's results.
    A.REASSESS: {"6A", "6B", "6A_last_year", "class_other_school", "results", "results_6B",
                 "results_last_year", "results_other_province", "6A_math"},
    A.ASSIGN_ROLES: {"school", "school_other_area", "school_other_province", "province",
                     "other_province", "student", "student_other_school"},
    A.VIEW_AUDIT: {"school", "school_other_area", "school_other_province", "province",
                   "other_province"},
    # The signing chain is asked on a class, a class × subject and the school.
    A.SIGN_RECORDS: {"school", "school_other_area", "6A", "6B", "6A_last_year",
                     "class_other_school", "6A_math", "6A_literature"},
    A.SEAL_RECORDS: {"school", "school_other_area", "6A", "6A_last_year", "class_other_school"},
    A.REVOKE_RECORDS: {"school", "school_other_area", "6A", "6A_last_year",
                       "class_other_school"},
    A.APPROVE_CORRECTION: {"school", "school_other_area", "school_other_province"},
    A.REGISTER_CERTIFICATE: {"school", "school_other_area", "school_other_province"},
    A.APPROVE_CERTIFICATE: {"school", "school_other_area", "school_other_province"},
    # A holder shares an issued record: asked on a student's results (a record's place).
    A.SHARE_RECORDS: {"results", "results_6B", "results_last_year", "results_other_province"},
}

# Scopes named once, as the test world lays them out.
SCHOOL_THIS_YEAR_SCHOOLS = {"school", "6A", "6B"}
SCHOOL_THIS_YEAR_STUDENTS = {"student", "student_6B", "6A", "6B"}
SCHOOL_THIS_YEAR_RESULTS = {"results", "results_math", "6A_math", "6A_literature", "6A",
                            "results_6B"}
AREA_RESULTS = SCHOOL_THIS_YEAR_RESULTS | {"results_last_year"}
PROVINCE_STUDENTS = {"student", "student_6B", "student_last_year", "student_other_school",
                     "6A", "6B", "6A_last_year"}

ALLOWED: dict[Role, dict[Action, set[str]]] = {
    Role.BO_OFFICER: {
        A.VIEW_SCHOOL: COLUMNS[A.VIEW_SCHOOL], A.VIEW_STAFF: COLUMNS[A.VIEW_STAFF],
        A.VIEW_STUDENT: COLUMNS[A.VIEW_STUDENT], A.VIEW_RESULTS: COLUMNS[A.VIEW_RESULTS],
        A.VIEW_AUDIT: COLUMNS[A.VIEW_AUDIT],
    },
    Role.SO_OFFICER: {
        A.VIEW_SCHOOL: {"school", "school_other_area", "6A", "6B", "6A_last_year",
                        "class_other_school"},
        A.VIEW_STAFF: {"school", "school_other_area"},
        A.VIEW_STUDENT: PROVINCE_STUDENTS,
        A.VIEW_RESULTS: AREA_RESULTS,
        A.VIEW_AUDIT: {"school", "school_other_area", "province"},
        A.ASSIGN_ROLES: {"school", "school_other_area", "province", "student",
                         "student_other_school"},
        # Certificates of THPT schools and corrections after the closing date, in its province.
        A.APPROVE_CERTIFICATE: {"school", "school_other_area"},
        A.APPROVE_CORRECTION: {"school", "school_other_area"},
    },
    Role.PHONG_OFFICER: {
        A.VIEW_SCHOOL: {"school", "6A", "6B", "6A_last_year"},
        A.VIEW_STAFF: {"school"},
        A.VIEW_STUDENT: {"student", "student_6B", "student_last_year", "6A", "6B",
                         "6A_last_year"},
        A.VIEW_RESULTS: AREA_RESULTS,
        A.VIEW_AUDIT: {"school"},
        A.APPROVE_CERTIFICATE: {"school"},  # TH and THCS schools of its area
    },
    # QĐ 1789 Điều 5: assigns rights, never reads or writes results.
    Role.SCHOOL_ADMIN: {
        A.VIEW_SCHOOL: SCHOOL_THIS_YEAR_SCHOOLS, A.VIEW_STAFF: {"school"},
        A.VIEW_STUDENT: SCHOOL_THIS_YEAR_STUDENTS, A.ASSIGN_ROLES: {"school", "student"},
        A.REGISTER_CERTIFICATE: {"school"},
    },
    Role.PRINCIPAL: {
        A.VIEW_SCHOOL: SCHOOL_THIS_YEAR_SCHOOLS, A.VIEW_STAFF: {"school"},
        A.VIEW_STUDENT: SCHOOL_THIS_YEAR_STUDENTS, A.EDIT_ROSTER: {"school", "6A", "student"},
        A.VIEW_RESULTS: SCHOOL_THIS_YEAR_RESULTS, A.VIEW_AUDIT: {"school"},
        A.COMPOSE_RECORDS: {"school", "6A"},
        # QĐ 1789 Điều 28: approves re-tests and summer training; this school, this year.
        A.REASSESS: {"6A", "6B", "results", "results_6B", "6A_math"},
        # CBQL signs the school's records, this year; revokes and replaces them; registers the
        # school's certificate (QĐ 1789 Điều 28).
        A.SIGN_RECORDS: {"school", "6A", "6B", "6A_math", "6A_literature"},
        A.REVOKE_RECORDS: {"school", "6A"},
        A.REGISTER_CERTIFICATE: {"school"},
    },
    Role.VICE_PRINCIPAL: {
        A.VIEW_SCHOOL: SCHOOL_THIS_YEAR_SCHOOLS, A.VIEW_STAFF: {"school"},
        A.VIEW_STUDENT: SCHOOL_THIS_YEAR_STUDENTS, A.VIEW_RESULTS: SCHOOL_THIS_YEAR_RESULTS,
    },
    Role.VAN_THU: {
        A.VIEW_SCHOOL: SCHOOL_THIS_YEAR_SCHOOLS, A.VIEW_STUDENT: SCHOOL_THIS_YEAR_STUDENTS,
        A.VIEW_RESULTS: SCHOOL_THIS_YEAR_RESULTS,
        A.SEAL_RECORDS: {"school", "6A"}, A.REGISTER_CERTIFICATE: {"school"},
    },
    Role.HOC_VU: {
        A.VIEW_SCHOOL: SCHOOL_THIS_YEAR_SCHOOLS, A.VIEW_STAFF: {"school"},
        A.VIEW_STUDENT: SCHOOL_THIS_YEAR_STUDENTS, A.EDIT_ROSTER: {"school", "6A", "student"},
        A.VIEW_RESULTS: SCHOOL_THIS_YEAR_RESULTS, A.COMPOSE_RECORDS: {"school", "6A"},
        A.REASSESS: {"6A", "6B", "results", "results_6B", "6A_math"},
    },
    # Homeroom teacher of 6A this year.
    Role.GVCN: {
        A.VIEW_SCHOOL: {"school", "6A"},
        A.VIEW_STUDENT: {"student", "6A"},
        A.VIEW_RESULTS: {"results", "results_math", "6A_math", "6A_literature", "6A"},
        # Class-level results only (conduct, comments); subject scores are the GVBM's.
        A.EDIT_RESULTS: {"results", "6A"},
        A.SIGN_RECORDS: {"6A", "6A_math", "6A_literature"},
    },
    # Teaches Toán in 6A this year.
    Role.GVBM: {
        A.VIEW_SCHOOL: {"school", "6A"},
        A.VIEW_STUDENT: {"student", "6A"},
        A.VIEW_RESULTS: {"results_math", "6A_math"},
        A.EDIT_RESULTS: {"results_math", "6A_math"},
        A.SIGN_RECORDS: {"6A_math"},  # only the subject they teach
    },
    Role.STUDENT: {A.VIEW_STUDENT: {"student"}, A.VIEW_RESULTS: {"results", "results_math"},
                   A.SHARE_RECORDS: {"results"}},
    Role.PARENT: {A.VIEW_STUDENT: {"student"}, A.VIEW_RESULTS: {"results", "results_math"},
                  A.SHARE_RECORDS: {"results"}},
}

CASES = [
    (role, action, name)
    for role in Role
    for action in Action
    for name in sorted(COLUMNS[action])
]


def test_every_role_and_action_has_a_row() -> None:
    assert set(ALLOWED) == set(Role)
    for role, table in ALLOWED.items():
        for action, allowed in table.items():
            assert allowed <= COLUMNS[action], (role, action, allowed - COLUMNS[action])


@pytest.fixture(scope="module")
def matrix(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """One world for the whole matrix (read-only), rolled back at the end of the module."""
    from tests.world import build_world

    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        yield world, objects(world), django_db_blocker
        transaction.set_rollback(True)


@pytest.mark.parametrize(("role", "action", "name"), CASES,
                         ids=[f"{r.value}-{a.value}-{n}" for r, a, n in CASES])
def test_permission(matrix: Any, role: Role, action: Action, name: str) -> None:
    world, named, blocker = matrix
    expected = name in ALLOWED[role].get(action, set())
    with blocker.unblock():
        decision = can(world.users[role], action, named[name])
    assert decision.allowed is expected, decision.reason
    assert decision.reason  # every answer explains itself, in Vietnamese


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_list_filters_agree_with_the_policy(matrix: Any, role: Role) -> None:
    """What a list page shows is exactly what ``can`` allows one object at a time."""
    world, _, blocker = matrix
    with blocker.unblock():
        _check_lists_agree(world.users[role])


def _check_lists_agree(user: Any) -> None:
    expected_students = {s.pk for s in Student.objects.all() if can(user, A.VIEW_STUDENT, s)}
    assert set(visible_students(user).values_list("pk", flat=True)) == expected_students
    expected_classes = {c.pk for c in SchoolClass.objects.all() if can(user, A.VIEW_SCHOOL, c)}
    assert set(visible_classes(user).values_list("pk", flat=True)) == expected_classes
    from hocba.organisation.models import School

    expected_schools = {s.pk for s in School.objects.all() if can(user, A.VIEW_SCHOOL, s)}
    assert set(visible_schools(user).values_list("pk", flat=True)) == expected_schools


