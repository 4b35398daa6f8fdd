"""Demo results for primary classes (TT 27/2020): a finished year has all four points and the
year-end record of every pupil, evaluable by the engine with a believable spread (some
Hoàn thành xuất sắc, a few Chưa hoàn thành); a year in progress has mid-term I and end of
term I only; the same seed gives the same data; one audit event per class.

The small demo (``generator.seed``) builds the schools, here without its own primary results
(and without the locks that go with them): the tests seed them themselves."""

from __future__ import annotations

import hashlib
import random
from collections import Counter

import pytest
from django.db import transaction

from hocba.audit.models import AuditEvent
from hocba.curriculum.selectors import curriculum_of
from hocba.demo import generator
from hocba.demo.results_tt27 import seed_primary_results
from hocba.demo.schools import small_schools
from hocba.gradebook.models import PrimaryClassRecord, PrimarySubjectResult
from hocba.gradebook.primary_evaluation import class_members
from hocba.gradebook.primary_summary import year_results
from hocba.organisation.models import School, SchoolYear
from hocba.roster.models import SchoolClass

pytestmark = pytest.mark.django_db


@pytest.fixture
def primary_school(monkeypatch: pytest.MonkeyPatch) -> School:
    monkeypatch.setattr(generator, "seed_primary_results", lambda *a, **k: None)
    monkeypatch.setattr(generator, "lock_terms", lambda *a, **k: 0)
    generator.seed(size="small")
    return School.objects.get(code=small_schools()[0].code)


def digest() -> str:
    rows = sorted(PrimarySubjectResult.objects.values_list(
        "student__student_code", "subject__code", "point", "level", "test", "comment"),
        key=str)
    rows += sorted(PrimaryClassRecord.objects.values_list(
        "student__student_code", "point", "cham_chi", "tinh_toan", "weight_kg", "height_cm",
        "year_comment"), key=str)
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def test_a_finished_year_is_complete_and_evaluates_with_a_believable_spread(
        primary_school: School) -> None:
    last_year = SchoolYear.objects.get(name=generator.PREVIOUS_YEAR[0])
    done = seed_primary_results(primary_school, last_year, complete=True,
                                rng=random.Random("demo-tt27"))
    classes = list(SchoolClass.objects.filter(school=primary_school, school_year=last_year))
    assert done.classes == len(classes) == 8  # grades 1–4 last year, two classes each
    evaluations: Counter[str] = Counter()
    for school_class in classes:
        pupils = class_members(school_class)
        assert pupils  # they finished last year in this class
        compulsory = [r for r in curriculum_of(school_class) if not r.optional]
        for row in compulsory:
            results = PrimarySubjectResult.objects.filter(school_class=school_class,
                                                          subject__code=row.code)
            assert results.count() == 4 * len(pupils), (school_class.name, row.code)
            # TT 27/2020 Điều 7.1.b–d: a test exactly where the subject and point take one.
            for point in (1, 2, 3, 4):
                tested = row.periodic_test if point in (2, 4) else row.midterm_test
                at_point = results.filter(point=point)
                assert at_point.filter(test__isnull=tested).count() == 0, (
                    school_class.name, row.code, point)
        assert PrimaryClassRecord.objects.filter(school_class=school_class).count() == (
            4 * len(pupils))
        for pupil in year_results(school_class):
            assert pupil.missing == (), (pupil.student.full_name, pupil.missing)
            assert pupil.weight_kg is not None and pupil.height_cm is not None
            assert pupil.evaluation is not None
            evaluations[pupil.evaluation] += 1
    assert evaluations["HTXS"] >= 20 and evaluations["HTT"] >= 20 and evaluations["HT"] >= 20
    assert 1 <= evaluations["CHT"] <= 20
    # One audit event per class; bulk writes send no per-row signal.
    assert AuditEvent.objects.filter(action="sinh_ket_qua_demo", object_type="SchoolClass",
                                     school_id=primary_school.pk).count() == 8
    assert not AuditEvent.objects.filter(detail__model="gradebook.PrimarySubjectResult").exists()


def test_a_year_in_progress_has_the_first_two_points_and_is_seeded_once(
        primary_school: School) -> None:
    year = SchoolYear.objects.get(name=generator.CURRENT_YEAR[0])
    done = seed_primary_results(primary_school, year, complete=False,
                                rng=random.Random("demo-tt27"))
    assert done.classes == 10
    assert set(PrimarySubjectResult.objects.values_list("point", flat=True)) == {1, 2}
    assert set(PrimaryClassRecord.objects.values_list("point", flat=True)) == {1, 2}
    assert not PrimaryClassRecord.objects.exclude(weight_kg=None).exists()
    school_class = SchoolClass.objects.get(school=primary_school, school_year=year, name="4A")
    pupil = year_results(school_class)[0]
    assert pupil.evaluation is None and "Toán cuối năm: thiếu mức đạt được" in pupil.missing

    first = digest()
    # A class that has results is left alone…
    again = seed_primary_results(primary_school, year, complete=False,
                                 rng=random.Random("demo-tt27"))
    assert again.classes == 0 and digest() == first


def test_the_same_seed_gives_the_same_results(primary_school: School) -> None:
    year = SchoolYear.objects.get(name=generator.CURRENT_YEAR[0])

    def seeded(seed: str) -> str:
        with transaction.atomic():
            seed_primary_results(primary_school, year, complete=False,
                                 rng=random.Random(seed))
            result = digest()
            transaction.set_rollback(True)
        return result

    assert seeded("demo-tt27") == seeded("demo-tt27") != seeded("another seed")
