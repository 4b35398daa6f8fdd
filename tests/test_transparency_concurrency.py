"""The transparency log under concurrent appends (issue 6 §1), on PostgreSQL: several server
workers issue records at the same moment, each appending in its own transaction. The
``LogState`` row lock must serialise them: every event is a leaf exactly once, the indices have
no gap, each signed head's root is the tree of the leaves before it, and consecutive heads are
consistent (``hocba log audit`` finds nothing).

On SQLite the server's database file serialises writers with ``BEGIN IMMEDIATE``; the test
database is an in-memory one whose shared cache locks tables without any busy wait, so the
threads below would fail on the test harness rather than on the product: PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.db import connection, connections

from hocba.domain import ledger
from hocba.domain.ledger import LogEvent
from hocba.transparency import audit, keys, services
from hocba.transparency.models import Leaf, SignedTreeHead

WHEN = dt.datetime(2025, 6, 20, 2, 0, tzinfo=dt.UTC)
WORKERS, ROUNDS, EVENTS = 6, 5, 3
_TRIGGERS = importlib.import_module("hocba.transparency.migrations.0002_append_only_triggers")

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql",
                                reason="the row lock under test is PostgreSQL's")


@pytest.fixture
def log_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Ed25519PrivateKey:
    key = Ed25519PrivateKey.generate()
    path = tmp_path / "log-key.pem"
    path.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    monkeypatch.setenv(keys.LOG_KEY_ENV, str(path))
    return key


@pytest.fixture
def committed_log(transactional_db: None) -> Iterator[None]:
    """Appends committed by the threads' own connections. For the flush at the end, the log's
    rows are deleted with its append-only triggers lifted (then put back), and the audit log's
    triggers are lifted as the browser journeys do (its rows record the heads' writes)."""
    from tests.browser.conftest import let_flush_empty_audit_log

    yield
    let_flush_empty_audit_log()
    with connection.schema_editor() as editor:
        _TRIGGERS.backwards(None, editor)
    try:
        Leaf.objects.all().delete()
        SignedTreeHead.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM transparency_node")
    finally:
        with connection.schema_editor() as editor:
            _TRIGGERS.forwards(None, editor)


def _event(worker: int, round_: int, n: int) -> LogEvent:
    number = (worker * ROUNDS + round_) * EVENTS + n
    return LogEvent(event=ledger.ISSUED, lookup_code=str(uuid.UUID(int=number + 1, version=4)),
                    record_sha256=f"{number:064x}", school=f"2726{worker:04d}",
                    time=WHEN + dt.timedelta(seconds=number), xml_sha256="b" * 64,
                    pdf_sha256="c" * 64)


def test_concurrent_appends_give_one_gapless_log_that_audits_clean(
        committed_log: None, log_key: Ed25519PrivateKey) -> None:
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def worker(number: int) -> None:
        try:
            start.wait(10)
            for round_ in range(ROUNDS):
                services.append_events([_event(number, round_, n) for n in range(EVENTS)])
        except BaseException as exc:
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert failures == []
    total = WORKERS * ROUNDS * EVENTS
    assert list(Leaf.objects.order_by("index").values_list("index", flat=True)) == list(
        range(total))
    codes = set(Leaf.objects.values_list("lookup_code", flat=True))
    assert codes == {uuid.UUID(_event(w, r, n).lookup_code) for w in range(WORKERS)
                     for r in range(ROUNDS) for n in range(EVENTS)}
    # One signed head per appending transaction, at the sizes the appends reached in turn.
    sizes = sorted(SignedTreeHead.objects.values_list("size", flat=True))
    assert sizes == list(range(EVENTS, total + 1, EVENTS))
    # Each worker's own events stay in its order (one transaction appends them together).
    for w in range(WORKERS):
        indices = [Leaf.objects.get(lookup_code=_event(w, r, n).lookup_code).index
                   for r in range(ROUNDS) for n in range(EVENTS)]
        assert indices == sorted(indices)
    assert audit.audit(log_key.public_key(), records=False) == []
