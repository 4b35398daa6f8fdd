from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from hocba.accounts.forms import ThrottledLoginForm
from hocba.audit.models import AuditEvent
from hocba.audit.services import record


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = ThrottledLoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        record(AuditEvent.Kind.AUTH, "dang_nhap", actor=self.request.user)
        return response


class LogoutView(auth_views.LogoutView):
    pass
