"""Security baseline: Argon2, log-in throttling, cookies, CSRF, CSP, no secret in the repo."""

from __future__ import annotations

import importlib
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.test import Client

from hocba.domain.access import Role
from tests.world import PASSWORD

LOGIN = "/dang-nhap/"


def test_passwords_are_hashed_with_argon2id() -> None:
    settings_module = importlib.import_module("hocba.settings")
    assert settings_module.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert Argon2PasswordHasher().encode("mật khẩu", "somesalt12345678").startswith(
        "argon2$argon2id$")


def _attempt(client: Client, username: str, password: str) -> str:
    return client.post(LOGIN, {"username": username, "password": password}).content.decode()


def test_five_failures_lock_the_account_even_against_the_right_password(world: Any) -> None:
    client = Client()
    for _ in range(5):
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in _attempt(client, "hieutruong", "sai")
    page = _attempt(client, "hieutruong", PASSWORD)
    assert "Đăng nhập sai quá nhiều lần" in page
    assert "_auth_user_id" not in client.session


def test_a_successful_log_in_is_audited_and_clears_nothing_else(world: Any) -> None:
    from hocba.audit.models import AuditEvent

    client = Client()
    response = client.post(LOGIN, {"username": "gvcn", "password": PASSWORD})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(kind="dang_nhap", actor=world.users[Role.GVCN]).exists()


def test_session_and_csrf_cookies_are_secure_httponly_samesite(world: Any) -> None:
    client = Client()
    response = client.post(LOGIN, {"username": "gvcn", "password": PASSWORD})
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    csrf = client.get(LOGIN).cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"


def test_a_post_without_csrf_token_is_refused(world: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(LOGIN, {"username": "gvcn", "password": PASSWORD})
    assert response.status_code == 403


@pytest.mark.django_db
def test_every_page_carries_the_security_headers(client: Any) -> None:
    response = client.get(LOGIN)
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_the_secret_key_is_generated_into_var_and_never_committed() -> None:
    from django.conf import settings

    key_file = Path(settings.VAR_DIR) / "secret_key"
    assert key_file.exists() and len(settings.SECRET_KEY) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    repo = Path(__file__).resolve().parents[1]
    tracked = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True,
                             check=False).stdout.split()
    assert not [f for f in tracked if f.startswith("var/") or f.endswith("secret_key")]


@pytest.mark.django_db
def test_pages_are_vietnamese_by_default_and_english_on_request(client: Any) -> None:
    """An English-speaking browser still gets Vietnamese; the switch gives English."""
    page = client.get(LOGIN, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="vi">' in page
    client.post("/i18n/setlang/", {"language": "en", "next": LOGIN})
    assert '<html lang="en">' in client.get(LOGIN).content.decode()


def test_failures_older_than_the_window_no_longer_count(world: Any, settings: Any) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from hocba.accounts.models import LoginFailure

    client = Client()
    for _ in range(5):
        _attempt(client, "vanthu", "sai")
    LoginFailure.objects.update(at=timezone.now() - timedelta(
        seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS + 1))
    assert "Đăng nhập sai quá nhiều lần" not in _attempt(client, "vanthu", "sai")
    assert LoginFailure.objects.count() == 1  # the stale ones were cleared
    response = client.post(LOGIN, {"username": "vanthu", "password": PASSWORD})
    assert response.status_code == 302
