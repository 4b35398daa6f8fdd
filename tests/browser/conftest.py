"""Browser journeys: the real application served by pytest-django's live server, driven by
Debian's headless Chromium through the Playwright sync API.

One browser for the whole session, a fresh context (cookies, storage) and page per test.
The live server runs in a thread against the test database, so the data a journey needs must
be committed: every journey uses ``transactional_db`` (pytest-django forces it for
``live_server``) and ``browser_world`` builds the known world of ``tests.world`` in it.

Session and CSRF cookies stay ``Secure`` as in production: Chromium treats
``http://localhost`` (the live server's address) as a secure context and stores and sends
them (checked; see ``test_login_journeys``).
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SHOTS = Path("/tmp/shots")  # noqa: S108 -- debugging output only, outside the repository
# Playwright's auto-waiting bound: long enough for a slow CI machine, short enough that a
# missing element fails the journey quickly.
EXPECT_TIMEOUT_MS = 10_000

# The world's twelve users are created with a fast hasher, then all given one Argon2 hash of
# ``tests.world.PASSWORD`` computed once per session: the server keeps production's hashers
# and every log-in verifies a real Argon2 hash, without paying ~0.2 s per user per test.
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


# --- the browser --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM}: the browser journeys need Debian's chromium "
            "package (apt-get install chromium). They never download a browser.",
            pytrace=False,
        )
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so the page fixture knows the test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_')}.png"


def new_page(browser: Browser, **context_options: Any) -> tuple[BrowserContext, Page]:
    """A fresh context and page. The browser asks for Vietnamese, as a school's would."""
    options: dict[str, Any] = {"locale": "vi-VN", "viewport": {"width": 1280, "height": 800}}
    options.update(context_options)
    context = browser.new_context(**options)
    context.set_default_timeout(EXPECT_TIMEOUT_MS)
    return context, context.new_page()


@pytest.fixture
def open_page(browser: Browser, live_server: Any,
              request: pytest.FixtureRequest) -> Iterator[Callable[..., Page]]:
    """Open pages in fresh contexts (``open_page(viewport=..., is_mobile=True)``).

    Requesting ``live_server`` sets this fixture up after the database, so the contexts are
    closed (no request in flight) before the database is flushed. When the test fails, each
    open page's screenshot goes to /tmp/shots/<test-name>.png (then -2, -3, ...).
    """
    contexts: list[tuple[BrowserContext, Page]] = []

    def opener(**context_options: Any) -> Page:
        context, page = new_page(browser, **context_options)
        contexts.append((context, page))
        return page

    yield opener
    report = getattr(request.node, "report_call", None)
    for number, (context, page) in enumerate(contexts, start=1):
        if report is not None and report.failed and not page.is_closed():
            name = request.node.name + (f"-{number}" if number > 1 else "")
            try:
                page.screenshot(path=str(shot_path(name)), full_page=True)
            except Exception as exc:  # a screenshot must never hide the real failure
                print(f"screenshot of {name} failed: {exc!r}")
        context.close()


@pytest.fixture
def page(open_page: Callable[..., Page]) -> Page:
    """A desktop-sized page in a fresh context."""
    return open_page()


@pytest.fixture
def base_url(live_server: Any) -> str:
    return live_server.url


def login(page: Page, base_url: str, username: str, password: str) -> None:
    """Log in through the real form, by its visible Vietnamese labels. Returns once the
    answer (the home page, or the form again with an error) has loaded."""
    page.goto(f"{base_url}/dang-nhap/")
    page.get_by_label("Tên đăng nhập", exact=True).fill(username)
    page.get_by_label("Mật khẩu", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng nhập", exact=True).click()


# --- the database -------------------------------------------------------------------------

_TRIGGERS = importlib.import_module("hocba.audit.migrations.0002_append_only_triggers")


def _set_audit_triggers(connection: Any, present: bool) -> None:
    with connection.schema_editor() as editor:
        (_TRIGGERS.forwards if present else _TRIGGERS.backwards)(None, editor)


def _restore_audit_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections
    from django.db.models.signals import post_migrate

    post_migrate.disconnect(dispatch_uid=_RESTORE_UID)
    _set_audit_triggers(connections[using], present=True)


_RESTORE_UID = "tests.browser.restore_audit_triggers"


@pytest.fixture(autouse=True)
def _flushable_audit_log(request: pytest.FixtureRequest) -> Iterator[None]:
    """Let ``transactional_db`` empty the append-only audit log after a journey.

    The audit table refuses DELETE (SQLite trigger) and TRUNCATE (PostgreSQL trigger), so
    Django's flush at the end of a transactional test fails once a journey has logged
    anything. Just before the flush (this fixture depends on ``transactional_db``, so it is
    torn down first) the triggers are dropped with the migration's own ``backwards``; the
    flush then sends ``post_migrate``, on which they are created again with ``forwards``,
    so tests that run later see the database exactly as migrated.
    """
    if "live_server" not in request.fixturenames:
        yield  # a test without the browser and the database: nothing to flush
        return
    request.getfixturevalue("transactional_db")
    yield
    let_flush_empty_audit_log()


def let_flush_empty_audit_log() -> None:
    """Drop the audit log's append-only triggers until the coming flush has emptied it; its
    ``post_migrate`` creates them again. For any transactional test that logged something."""
    from django.db import connection
    from django.db.models.signals import post_migrate

    _set_audit_triggers(connection, present=False)
    post_migrate.connect(_restore_audit_triggers, weak=False, dispatch_uid=_RESTORE_UID)


@pytest.fixture(scope="session")
def _password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    from tests.world import PASSWORD

    return make_password(PASSWORD)


@pytest.fixture
def browser_world(transactional_db: None, live_server: Any, _password_hash: str) -> Any:
    """The known world of ``tests.world``, committed so that the live server sees it."""
    from django.test import override_settings

    from hocba.accounts.models import User
    from tests.world import build_world

    with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
        world = build_world()
    User.objects.update(password=_password_hash)
    return world
