"""Log-in throttling: too many failures for a user name or from one address lock it out.

Stored in the database (not the cache) so that it holds across server workers and restarts
with no extra service. A success does not erase failures from other addresses.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hocba.accounts.models import LoginFailure


def _window_start():  # type: ignore[no-untyped-def]
    return timezone.now() - timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def is_locked(username: str, ip: str | None) -> bool:
    recent = LoginFailure.objects.filter(at__gte=_window_start())
    limit = settings.LOGIN_FAILURE_LIMIT
    if recent.filter(username=username.lower()).count() >= limit:
        return True
    # An address trying many names is refused too (a larger allowance: a school's NAT).
    return ip is not None and recent.filter(ip=ip).count() >= limit * 4


def note_failure(username: str, ip: str | None) -> None:
    # Failures older than the window no longer count: drop them so the table stays small.
    LoginFailure.objects.filter(at__lt=_window_start()).delete()
    LoginFailure.objects.create(username=username.lower()[:150], ip=ip)


def clear_failures(username: str, ip: str | None) -> None:
    LoginFailure.objects.filter(Q(username=username.lower()) & Q(ip=ip)).delete()


def minutes_locked() -> int:
    return max(1, settings.LOGIN_FAILURE_WINDOW_SECONDS // 60)
