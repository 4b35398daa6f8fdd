from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from hocba.accounts.authz import grants_for

router = Router(tags=["Tài khoản"])


class GrantOut(Schema):
    role: str
    role_label: str
    school_id: int | None
    school_year_id: int | None
    school_class_id: int | None
    subject_id: int | None
    student_id: int | None


class MeOut(Schema):
    username: str
    full_name: str
    grants: list[GrantOut]


@router.get("/toi", response=MeOut, summary="Tài khoản đang đăng nhập và các vai trò")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(username=user.get_username(), full_name=getattr(user, "full_name", ""), grants=[
        GrantOut(role=g.role.value, role_label=g.role.label, school_id=g.school,
                 school_year_id=g.year, school_class_id=g.school_class, subject_id=g.subject,
                 student_id=g.student) for g in grants_for(user)])
