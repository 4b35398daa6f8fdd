"""Rate limits on the public verification doors, per client address.

Look-up codes are UUID v4 and need a second factor, so guessing is hopeless; the limits keep
anyone from trying at scale, and keep uploads (the costly check) from starving the server.
A fixed window per (door, address) in Django's cache: the embedded default is each server
process's memory (good enough for one machine: an address gets at most ``workers ×`` the
limit); production points ``CACHES`` at Redis for one shared count.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from hocba.audit.middleware import client_ip

# requests per window per address; settings.VERIFICATION_RATE_LIMITS overrides
DEFAULT_LIMITS = {"lookup": (120, 60), "upload": (20, 60), "log": (600, 60)}


def limits(door: str) -> tuple[int, int]:
    configured = getattr(settings, "VERIFICATION_RATE_LIMITS", {})
    return configured.get(door, DEFAULT_LIMITS[door])


def allow(request: HttpRequest, door: str) -> bool:
    """Count this request against ``door`` for its address; False once over the limit."""
    limit, window = limits(door)
    if limit <= 0:
        return True
    slot = int(time.time() // window)
    key = f"verify-rate:{door}:{client_ip(request) or '-'}:{slot}"
    if cache.add(key, 1, timeout=window + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 1)
        return True
    return count <= limit


def retry_after(door: str) -> int:
    _, window = limits(door)
    return window - int(time.time()) % window


TOO_MANY = ("Bạn đã tra cứu quá nhiều lần trong thời gian ngắn. Vui lòng thử lại sau "
            "{seconds} giây.")
