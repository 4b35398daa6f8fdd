from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from hocba.accounts import throttle
from hocba.audit.middleware import client_ip


class ThrottledLoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Tên đăng nhập hoặc mật khẩu không đúng.",
        "inactive": "Tài khoản này đã bị khoá.",
        "locked": "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(minutes)d phút.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Tên đăng nhập"
        self.fields["password"].label = "Mật khẩu"
        self.fields["username"].widget.attrs.update({"autocomplete": "username"})

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request is not None else None
        if username and throttle.is_locked(username, ip):
            raise forms.ValidationError(
                self.error_messages["locked"], code="locked",
                params={"minutes": throttle.minutes_locked()},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if username:
                throttle.note_failure(username, ip)
            raise
        throttle.clear_failures(username, ip)
        return cleaned
