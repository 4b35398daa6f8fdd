"""Authorisation edge cases outside the matrix (each builds its own world)."""

from __future__ import annotations

from typing import Any

import pytest

from hocba.accounts.authz import can, forget_grants
from hocba.accounts.targets import StudentResults
from hocba.domain.access import Action as A
from hocba.domain.access import Role


@pytest.mark.django_db
def test_an_account_without_roles_may_do_nothing(world: Any) -> None:
    from hocba.accounts.models import User

    nobody = User.objects.create_user(username="khach", password="x" * 12)
    decision = can(nobody, A.VIEW_SCHOOL, world.school)
    assert not decision
    assert decision.reason == "Tài khoản chưa được phân quyền."


@pytest.mark.django_db
def test_a_deactivated_account_loses_every_right(world: Any) -> None:
    principal = world.users[Role.PRINCIPAL]
    principal.is_active = False
    principal.save()
    forget_grants(principal)
    assert not can(principal, A.VIEW_STUDENT, world.student)


@pytest.mark.django_db
def test_the_school_admin_is_told_why_results_are_closed(world: Any) -> None:
    decision = can(world.users[Role.SCHOOL_ADMIN], A.VIEW_RESULTS, StudentResults(world.student))
    assert not decision
    assert "Quản trị nhà trường" in decision.reason
    assert "kết quả học tập" in decision.reason
