"""Class changes and transfers, from the student's and the class's pages (học vụ, principal)."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from hocba.domain.text import clean
from hocba.roster import services
from hocba.roster.models import SchoolClass, Student


def _date(request: HttpRequest) -> date:
    raw = request.POST.get("ngay", "")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise services.RosterError(
            "ngay", f"Ngày “{raw}” không hợp lệ; cần ngày theo dạng ngày/tháng/năm.") from None


@login_required
@require_POST
def student_move(request: HttpRequest, pk: int) -> HttpResponse:
    student = get_object_or_404(Student, pk=pk)
    kind = request.POST.get("loai")
    try:
        on = _date(request)
        if kind == "chuyen_lop":
            target = get_object_or_404(SchoolClass, pk=request.POST.get("lop") or 0)
            services.change_class(request.user, student, target, on)
            messages.success(request, f"Đã chuyển {student.full_name} sang lớp {target.name} "
                                      f"từ ngày {on:%d/%m/%Y}.")
        elif kind == "chuyen_di":
            services.transfer_out(request.user, student, on, request.POST.get("truong", ""))
            messages.success(request, f"Đã ghi nhận {student.full_name} chuyển đi từ ngày "
                                      f"{on:%d/%m/%Y}.")
        else:
            messages.error(request, "Thao tác không hợp lệ.")
    except services.RosterError as exc:
        messages.error(request, str(exc))
    return redirect("student_detail", pk=student.pk)


@login_required
@require_POST
def class_transfer_in(request: HttpRequest, pk: int) -> HttpResponse:
    school_class = get_object_or_404(SchoolClass, pk=pk)
    code = clean(request.POST.get("ma_hoc_sinh"))
    student = Student.objects.filter(student_code=code).first()
    try:
        if student is None:
            raise services.RosterError("ma_hoc_sinh", f"Không có học sinh mã “{code}”. Học sinh "
                                       "mới chưa có mã thì nhập qua danh sách lớp (Excel).")
        on = _date(request)
        services.transfer_in(request.user, student, school_class, on,
                             request.POST.get("truong", ""))
        messages.success(request, f"Đã nhận {student.full_name} vào lớp {school_class.name} "
                                  f"từ ngày {on:%d/%m/%Y}.")
    except services.RosterError as exc:
        messages.error(request, str(exc))
    return redirect("class_detail", pk=school_class.pk)
