"""Signing journey (issue 5, "Done when"): in the browser, the homeroom teacher signs their
class in one confirmation, the principal signs the whole school in one confirmation and
watches the progress bar reach the end, the văn thư seals; the record page says it is issued
and names every signer, and ``pdfsig`` finds every signature of the downloaded PDF valid.

The world is the small demo (``hocba.demo.generator``) with one primary class's records
composed and all but three discarded, so the chain is GVCN → CBQL → seal on three records.
The live server runs the background worker in its own thread, as the web server does
(``hocba.issuance.jobs.kick``); the demo PKI's TSA and OCSP run on a free port.
"""
# ruff: noqa: F811  (the demo PKI fixture is shared with test_issuance, imported by name)

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from hocba.accounts.models import User
from hocba.domain import issuance as rules
from hocba.issuance import jobs, selectors
from hocba.records import compose
from hocba.records.models import HocBaRecord
from hocba.roster.models import SchoolClass
from hocba.signing.services import PkiServices
from tests.browser.conftest import login, shot_path
from tests.test_issuance import (  # noqa: F401  (the module's demo PKI, TSA and OCSP)
    _class,
    _pdfsig,
    _principal,
    _signers,
    pki_services,
)
from tests.world import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
]

SCHOOL, CLASS = "24222002", "1A"  # a primary school whose demo seal the Phòng approved
SIGNED = 3  # records kept out of the class: enough to see a bar move, few enough to be quick
_TRIGGERS = [importlib.import_module(f"hocba.issuance.migrations.{name}")
             for name in ("0002_immutability_triggers", "0004_pdf_revision_triggers",
                          "0006_xml_revision_triggers")] + [
    # Issuing appends to the transparency log (issue 6), whose tables are append-only too.
    importlib.import_module("hocba.transparency.migrations.0002_append_only_triggers")]
_RESTORE_UID = "tests.browser.restore_issuance_triggers"


def _set_issuance_triggers(present: bool) -> None:
    from django.db import connection

    with connection.schema_editor() as editor:
        for module in _TRIGGERS if present else reversed(_TRIGGERS):
            (module.forwards if present else module.backwards)(None, editor)


def _restore_issuance_triggers(sender: Any, **kwargs: Any) -> None:
    from django.db.models.signals import post_migrate

    post_migrate.disconnect(dispatch_uid=_RESTORE_UID)
    _set_issuance_triggers(present=True)


@pytest.fixture
def _flushable_signatures(transactional_db: None) -> Iterator[None]:
    """The signing chain's tables refuse DELETE and TRUNCATE once they hold rows, so the
    flush after the journey would fail: as ``conftest._flushable_audit_log`` does for the
    audit log, the triggers are dropped just before the flush and created again after it."""
    yield
    from django.db.models.signals import post_migrate

    _set_issuance_triggers(present=False)
    post_migrate.connect(_restore_issuance_triggers, weak=False, dispatch_uid=_RESTORE_UID)


@pytest.fixture
def _one_at_a_time_on_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite's in-memory test database is shared between threads in shared-cache mode,
    where a table another connection is writing is "locked" at once (no busy timeout, unlike
    the file database with WAL the application runs on). So on SQLite the live server's
    requests and the worker thread's claims and signed chunks take turns; the worker still
    runs in its own thread, chunk by chunk, while the page polls."""
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    turn = threading.RLock()

    def in_turn(function: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            with turn:
                return function(*args, **kwargs)
        return run

    monkeypatch.setattr(WSGIHandler, "__call__", in_turn(WSGIHandler.__call__))
    for name in ("claim", "process", "reclaim_orphans", "reclaim_all", "refresh"):
        if hasattr(jobs, name):
            monkeypatch.setattr(jobs, name, in_turn(getattr(jobs, name)))


@pytest.fixture
def worker_gate(_one_at_a_time_on_sqlite: None, monkeypatch: pytest.MonkeyPatch
                ) -> Iterator[threading.Event]:
    """Open by default; closed, the worker thread holds its claimed chunk until it opens
    again, so the journey sees the page before any record is signed and then watches the
    page's script move the bar (no timing involved)."""
    gate = threading.Event()
    gate.set()
    process = jobs.process

    def held(*args: Any, **kwargs: Any) -> Any:
        gate.wait(timeout=60)
        return process(*args, **kwargs)

    monkeypatch.setattr(jobs, "process", held)
    yield gate
    gate.set()


@dataclass
class SigningWorld:
    school_class: SchoolClass
    records: list[HocBaRecord]
    signers: dict[str, User]


@pytest.fixture
def signing_world(_flushable_signatures: None, _one_at_a_time_on_sqlite: None,
                  live_server: Any, _password_hash: str,
                  pki_services: PkiServices) -> SigningWorld:
    from hocba.demo import generator

    generator.seed(size="small")
    school_class = _class(SCHOOL, CLASS)
    principal = _principal(school_class)
    compose.compose_class(principal, school_class)
    composed = list(selectors.signing_records(school_class=school_class))
    for record in composed[SIGNED:]:
        compose.discard(principal, record)
    signers = _signers(school_class, pki_services)
    User.objects.filter(pk__in=[u.pk for u in signers.values()]).update(password=_password_hash)
    return SigningWorld(school_class, composed[:SIGNED], signers)


def _sign_all(page: Page, slot: str) -> None:
    """Tick the one confirmation for the slot's queue and press «Ký tất cả»."""
    queue = page.get_by_test_id(f"cho-ky-{slot}")
    expect(queue).to_contain_text(f"Chờ bạn ký: {SIGNED}")
    queue.get_by_role("checkbox").check()
    queue.get_by_role("button", name="Ký tất cả").click()


def _wait_until_done(page: Page) -> None:
    bar = page.locator("progress#tien-do-thanh")
    expect(page.get_by_role("status")).to_contain_text("Đã ký xong", timeout=60_000)
    expect(bar).to_have_attribute("max", str(SIGNED))
    assert bar.evaluate("b => b.value") == SIGNED
    expect(page.get_by_role("status")).to_contain_text(f"{SIGNED}/{SIGNED} đã ký · 0 lỗi")


def test_the_class_then_the_whole_school_are_signed_and_sealed_in_the_browser(
        open_page: Any, base_url: str, signing_world: SigningWorld,
        worker_gate: threading.Event, tmp_path: Path) -> None:
    school_class = signing_world.school_class
    school, year = school_class.school, school_class.school_year

    # The homeroom teacher: their class, one confirmation for all three.
    gvcn = open_page()
    login(gvcn, base_url, signing_world.signers[rules.GVCN].username, PASSWORD)
    gvcn.goto(f"{base_url}/ky-hoc-ba/lop/{school_class.pk}/")
    expect(gvcn.get_by_role("heading", level=1)).to_have_text(f"Ký học bạ lớp {CLASS}")
    _sign_all(gvcn, rules.GVCN)
    _wait_until_done(gvcn)
    gvcn.get_by_role("link", name="Quay lại trang ký").click()
    expect(gvcn.get_by_test_id(f"cho-ky-{rules.GVCN}")).to_contain_text(
        "Bạn đã ký hết học bạ ở chỗ ký này.")
    # Primary records have no subject slots: the GVCN who also teaches subjects sees none.
    expect(gvcn.locator('[data-testid^="cho-ky-GVBM"]')).to_have_count(0)
    gvcn.screenshot(path=str(shot_path("ky-hoc-ba-lop-da-ky")), full_page=True)

    # The principal: the whole school, one confirmation, the bar moves to the end.
    principal = open_page()
    login(principal, base_url, signing_world.signers[rules.CBQL].username, PASSWORD)
    principal.goto(f"{base_url}/ky-hoc-ba/truong/{school.pk}/{year.pk}/")
    expect(principal.get_by_role("heading", level=1)).to_have_text("Ký học bạ cả trường")
    principal.screenshot(path=str(shot_path("ky-hoc-ba-ca-truong")), full_page=True)
    worker_gate.clear()
    _sign_all(principal, rules.CBQL)
    heading = principal.get_by_role("heading", level=1)
    expect(heading).to_have_text(f"Đang ký: {rules.slot_label(rules.CBQL)}")
    expect(principal.get_by_role("status")).to_contain_text(f"0/{SIGNED} đã ký")
    principal.screenshot(path=str(shot_path("ky-hoc-ba-dang-ky")), full_page=True)
    worker_gate.set()  # the worker signs; the page's script follows it to the end
    _wait_until_done(principal)
    expect(heading).to_have_text(f"Đã ký xong: {rules.slot_label(rules.CBQL)}")
    principal.screenshot(path=str(shot_path("ky-hoc-ba-tien-do")), full_page=True)

    # The văn thư seals the whole school: the records are issued.
    van_thu = open_page()
    login(van_thu, base_url, signing_world.signers[rules.KY_PHAT_HANH].username, PASSWORD)
    van_thu.goto(f"{base_url}/ky-hoc-ba/truong/{school.pk}/{year.pk}/")
    _sign_all(van_thu, rules.KY_PHAT_HANH)
    _wait_until_done(van_thu)

    record = signing_world.records[0]
    principal.goto(f"{base_url}/ky-hoc-ba/hoc-ba/{record.lookup_code}/")
    expect(principal.get_by_test_id("trang-thai")).to_contain_text("Đã phát hành")
    chain = principal.get_by_test_id("chuoi-chu-ky")
    for slot in (rules.GVCN, rules.CBQL):
        expect(chain).to_contain_text(signing_world.signers[slot].full_name)
    expect(chain).to_contain_text(school.name)  # the seal's certificate names the school
    expect(chain).not_to_contain_text("Chưa ký")
    expect(chain).not_to_contain_text("UID=")  # certificates named as people read them
    principal.screenshot(path=str(shot_path("hoc-ba-da-phat-hanh")), full_page=True)

    # The issued PDF, as downloaded from the record page: every signature valid.
    response = principal.request.get(f"{base_url}/ky-hoc-ba/hoc-ba/{record.lookup_code}/"
                                     "ban-dang-ky.pdf")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    printed = _pdfsig(response.body(), tmp_path)
    assert printed.count("Signature is Valid") == 3, printed
    assert "not signed" not in printed and "Invalid" not in printed
    assert all(r.issue for r in HocBaRecord.objects.filter(pk__in=[
        r.pk for r in signing_world.records]).select_related("issue"))
