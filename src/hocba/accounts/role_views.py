"""Phân quyền: the school admin (and the Sở) hand out roles and teacher accounts."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from hocba.accounts import services
from hocba.accounts.authz import grants_for, may_somewhere, visible_schools
from hocba.accounts.models import RoleAssignment, User
from hocba.domain.access import GRANTABLE, Action, Role
from hocba.domain.text import clean
from hocba.organisation.models import School, SchoolYear, Unit
from hocba.roster.models import Student, Teacher


def _user(request: HttpRequest) -> User:
    """The logged-in user (the views are behind login_required)."""
    assert isinstance(request.user, User)
    return request.user


def _grantable_roles(user) -> list[Role]:  # type: ignore[no-untyped-def]
    roles: set[Role] = set()
    for grant in grants_for(user):
        roles |= GRANTABLE.get(grant.role, frozenset())
    return sorted(roles, key=lambda r: list(Role).index(r))


class AssignForm(forms.Form):
    username = forms.CharField(label="Tên đăng nhập", max_length=150)
    full_name = forms.CharField(label="Họ và tên (nếu tạo tài khoản mới)", max_length=120,
                                required=False)
    role = forms.ChoiceField(label="Vai trò")
    school = forms.ModelChoiceField(label="Trường", queryset=School.objects.none(),
                                    required=False)
    unit = forms.ModelChoiceField(label="Đơn vị quản lý", queryset=Unit.objects.none(),
                                  required=False)
    student_code = forms.CharField(label="Mã học sinh (cho học sinh, phụ huynh)", required=False)
    school_year = forms.ModelChoiceField(label="Năm học", queryset=SchoolYear.objects.all(),
                                         required=False)

    def __init__(self, user, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(r.value, r.label) for r in _grantable_roles(user)]
        schools = visible_schools(user, Action.ASSIGN_ROLES)
        school_field, unit_field = self.fields["school"], self.fields["unit"]
        assert isinstance(school_field, forms.ModelChoiceField)
        assert isinstance(unit_field, forms.ModelChoiceField)
        school_field.queryset = schools.order_by("name")
        provinces = {s.province_id for s in schools}
        unit_field.queryset = Unit.objects.filter(
            Q(pk__in=provinces) | Q(parent__in=provinces)).order_by("kind", "name")
        self.fields["school_year"].initial = SchoolYear.current()

    def clean_student_code(self) -> Student | None:
        code = clean(self.cleaned_data.get("student_code"))
        if not code:
            return None
        student = Student.objects.filter(student_code=code).first()
        if student is None:
            raise ValidationError(f"Không có học sinh mã “{code}”.")
        return student


def _visible_assignments(user):  # type: ignore[no-untyped-def]
    schools = visible_schools(user, Action.ASSIGN_ROLES)
    provinces = {s.province_id for s in schools}
    return RoleAssignment.objects.filter(
        Q(school__in=schools) | Q(student__school__in=schools)
        | Q(unit__in=provinces) | Q(unit__parent__in=provinces)
    ).select_related("user", "school", "unit", "student", "school_year").order_by(
        "school__name", "role", "user__username")


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    if not may_somewhere(request.user, Action.ASSIGN_ROLES):
        raise PermissionDenied("Vai trò của bạn không được phân quyền người dùng.")
    form = AssignForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role, scope = Role(data["role"]), {
            "school": data["school"], "unit": data["unit"], "student": data["student_code"]}
        try:
            services.authorise_assignment(_user(request), role, **scope)
            with transaction.atomic():
                user, password = services.get_or_create_user(data["username"],
                                                             data["full_name"])
                services.assign_role(_user(request), user, role,
                                     school_year=data["school_year"], **scope)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            note = f" Mật khẩu tạm thời: {password} (chỉ hiện một lần)." if password else ""
            messages.success(request, f"Đã phân vai trò {Role(data['role']).label} "
                                      f"cho {user.username}.{note}")
            return redirect("role_list")
    page = Paginator(_visible_assignments(request.user), 50).get_page(request.GET.get("trang"))
    teachers = Teacher.objects.filter(
        school__in=visible_schools(request.user, Action.ASSIGN_ROLES), user__isnull=True
    ).order_by("full_name")[:200]
    return render(request, "accounts/role_list.html",
                  {"form": form, "page": page, "teachers_without_account": teachers})


@login_required
@require_POST
def role_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_object_or_404(RoleAssignment, pk=pk)
    services.revoke_role(_user(request), assignment)
    messages.success(request, f"Đã thu hồi vai trò {Role(assignment.role).label} "
                              f"của {assignment.user.username}.")
    return redirect("role_list")


@login_required
@require_POST
def teacher_account(request: HttpRequest, pk: int) -> HttpResponse:
    teacher = get_object_or_404(Teacher, pk=pk)
    try:
        account = services.create_teacher_account(_user(request), teacher)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"Đã tạo tài khoản “{account.user.username}” cho "
                                  f"{teacher.full_name}. Mật khẩu tạm thời: "
                                  f"{account.temporary_password} (chỉ hiện một lần).")
    return redirect("role_list")
