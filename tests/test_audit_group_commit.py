"""Group commit of audited reads (QĐ 1789 Điều 4: every read of a student's data is logged).

The public status API's reads are handed to one writer thread per process and committed
together: a request returns only once its event is committed, a failed write fails every
request of its batch, a writer that never answers fails the request in time, and a forked
server worker starts a writer of its own. On the database: a grouped event outside a
transaction is committed by the writer's own connection before ``record`` returns; inside a
transaction it is written in it and rolls back with it.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from django.db import connection, transaction

from hocba.audit import services as audit
from hocba.audit.context import Origin, acting_from
from hocba.audit.group_commit import AuditUnavailable, GroupCommit
from hocba.audit.models import AuditEvent


class Ledger:
    """A writer that keeps what it committed, slowly enough for requests to queue."""

    def __init__(self, seconds: float = 0.02, fail_first: int = 0) -> None:
        self.committed: list[Any] = []
        self.batches: list[list[Any]] = []
        self.closed = 0
        self.seconds = seconds
        self.fail_first = fail_first

    def write(self, batch: Sequence[Any]) -> None:
        time.sleep(self.seconds)
        if self.fail_first:
            self.fail_first -= 1
            raise ConnectionError("máy chủ cơ sở dữ liệu không trả lời")
        self.batches.append(list(batch))
        self.committed.extend(batch)

    def close(self) -> None:
        self.closed += 1


def _in_threads(count: int, work: Any) -> list[Any]:
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            results[i] = work(i)
        except BaseException as exc:
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_each_request_returns_only_once_its_event_is_committed() -> None:
    ledger = Ledger()
    group = GroupCommit(ledger.write, ledger.close)

    def read(i: int) -> bool:
        group.append(("xem", i))
        return ("xem", i) in ledger.committed  # already committed when append returned

    assert _in_threads(40, read) == [True] * 40
    assert sorted(i for _, i in ledger.committed) == list(range(40))
    # The requests that queued while a batch was being written went in together.
    assert len(ledger.batches) < 40
    assert group.batches == len(ledger.batches)


def test_a_failed_write_fails_every_request_of_its_batch_and_the_writer_goes_on() -> None:
    ledger = Ledger(seconds=0.05, fail_first=1)
    group = GroupCommit(ledger.write, ledger.close)
    started = threading.Event()

    def first(_: int) -> Any:
        started.set()
        group.append("lần 1")

    def later(i: int) -> Any:
        started.wait()
        time.sleep(0.01)  # queued while the first batch is being written (and fails)
        group.append(f"lần 2.{i}")

    failed = _in_threads(1, first)
    assert isinstance(failed[0], ConnectionError)
    assert ledger.closed == 1  # the writer's connection is dropped after an error
    assert _in_threads(5, later) == [None] * 5  # the next batches are written
    assert "lần 1" not in ledger.committed and len(ledger.committed) == 5


def test_a_writer_that_never_answers_fails_the_request_in_time() -> None:
    blocked = threading.Event()

    def stuck(batch: Sequence[Any]) -> None:
        blocked.wait(5)

    group = GroupCommit(stuck, lambda: None, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(AuditUnavailable, match="Không ghi được nhật ký truy cập"):
        group.append("xem")
    assert time.monotonic() - started < 2
    blocked.set()


def test_gathering_puts_a_burst_in_one_transaction() -> None:
    ledger = Ledger(seconds=0)
    group = GroupCommit(ledger.write, ledger.close, gather=0.2)
    assert _in_threads(10, lambda i: group.append(i)) == [None] * 10
    assert len(ledger.batches) <= 2  # the first may leave before the others queue


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_forked_server_worker_starts_its_own_writer() -> None:
    """gunicorn forks its workers from the process that loaded the application."""
    ledger = Ledger(seconds=0)
    group = GroupCommit(ledger.write, ledger.close)
    group.append("cha")  # the parent's writer thread is running
    pid = os.fork()
    if pid == 0:  # the child: its own writer, its own queue
        try:
            group.append("con")
            os._exit(0 if ledger.committed == ["cha", "con"] else 1)
        finally:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert ledger.committed == ["cha"]


# --- on the database ------------------------------------------------------------------------

@pytest.fixture
def committed_log(transactional_db: None) -> Iterator[None]:
    """Events committed by the writer's own connection: a transactional test, whose flush at
    the end needs the append-only triggers lifted and put back (as the browser journeys do)."""
    from tests.browser.conftest import let_flush_empty_audit_log

    yield
    let_flush_empty_audit_log()


def _read(i: int) -> None:
    with acting_from(Origin(ip="203.0.113.7", user_agent="kiểm tra", channel="api")):
        audit.record(AuditEvent.Kind.READ, "xem", scope=(1, 2, 3),
                     detail={"ma_tra_cuu": f"ma-{i}", "tra_cuu_cong_khai": True}, grouped=True)


def _between_batches(writer: GroupCommit,
                     monkeypatch: pytest.MonkeyPatch) -> contextlib.AbstractContextManager[Any]:
    """What the test's own queries hold so as not to overlap the writer's transaction.

    Only for the test database of SQLite: an in-memory database in shared-cache mode, whose
    table locks fail at once ("database table is locked") where a file database, the
    server's, waits for its busy timeout. A check made between two batches still sees only
    what was committed, so the assertion is unchanged. PostgreSQL reads and writes at once.
    """
    if connection.vendor != "sqlite":
        return contextlib.nullcontext()
    lock = threading.Lock()
    write = writer._write

    def one_at_a_time(batch: Sequence[Any]) -> None:
        with lock:
            write(batch)

    monkeypatch.setattr(writer, "_write", one_at_a_time)
    return lock


def test_grouped_reads_are_committed_by_the_writer_before_record_returns(
        committed_log: None, monkeypatch: pytest.MonkeyPatch) -> None:
    writer = audit._group()
    batches = writer.batches
    between_batches = _between_batches(writer, monkeypatch)

    def read_then_count(i: int) -> bool:
        _read(i)
        try:
            with between_batches:
                return AuditEvent.objects.filter(detail__ma_tra_cuu=f"ma-{i}").exists()
        finally:
            connection.close()  # the thread's own; an open one keeps the test database alive

    assert _in_threads(12, read_then_count) == [True] * 12
    assert writer.batches > batches  # written by the writer thread, not in place
    events = AuditEvent.objects.filter(detail__tra_cuu_cong_khai=True)
    assert events.count() == 12
    assert set(events.values_list("kind", "action", "ip", "user_agent", "channel",
                                  "school_id", "province_id", "area_id", "actor_name")) == {
        ("doc", "xem", "203.0.113.7", "kiểm tra", "api", 1, 2, 3, "(ẩn danh)")}


def test_a_grouped_read_inside_a_transaction_is_written_in_it(committed_log: None) -> None:
    batches = audit._group().batches
    with transaction.atomic():
        _read(0)
        assert AuditEvent.objects.filter(detail__ma_tra_cuu="ma-0").exists()
        transaction.set_rollback(True)
    assert not AuditEvent.objects.filter(detail__ma_tra_cuu="ma-0").exists()
    assert audit._group().batches == batches
