from __future__ import annotations

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told that this is a test process.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    from tests.world import build_world

    return build_world()


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing() -> None:
    """Argon2 costs ~50 ms a hash; most tests create users. ``test_security`` checks that the
    real settings use Argon2."""
    from django.conf import settings
    from django.contrib.auth.hashers import get_hashers

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 "django.contrib.auth.hashers.Argon2PasswordHasher"]
    get_hashers.cache_clear()
