"""Group commit of audit events: many request threads, one writer, one transaction a batch.

The public status API answers hundreds of look-ups a second and each answer is an audited read
(QĐ 1789 Điều 4, "có lưu vết"). One INSERT committed per answer made the database the
bottleneck: on PostgreSQL a transaction per row, on SQLite every thread of both server
processes queueing for the one write lock, its busy handler sleeping in between (BENCHMARKS.md,
"Verification status under wrk").

Here a request thread hands its event to this process's writer thread and **waits until the
event is committed**: nothing is answered that is not in the log. The writer takes what queued
while it committed the last batch, waits ``gather`` seconds for more, and writes them all with
one INSERT in one transaction (at most ``max_batch``: 500 events of 16 columns stay under
SQLite's 32,766 parameters), so the batch grows with the load. If the write fails, every
request of that batch gets the error (it fails rather than answering unlogged); the writer
drops its connection and goes on.

Only for events outside any transaction: an event inside one must commit or roll back with it
and is written in it (``services.record(..., grouped=True)`` chooses).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any


class AuditUnavailable(RuntimeError):
    """The writer did not commit the event in time; the caller must not answer."""


class _Waiter:
    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


class GroupCommit:
    """Events queued by any thread, written by one daemon thread per process.

    ``write(batch)`` writes a list of events in one transaction (called on the writer thread,
    which has its own database connection); ``close()`` drops that connection after an error.
    """

    def __init__(self, write: Callable[[Sequence[Any]], None], close: Callable[[], None],
                 *, max_batch: int = 500, gather: float = 0.0, timeout: float = 30.0) -> None:
        self._write = write
        self._gather = gather
        self._close = close
        self._max_batch = max_batch
        self._timeout = timeout
        self.batches = 0  # batches written, for tests
        self._forked()
        # A forked server worker inherits neither the writer thread nor, safely, its lock.
        os.register_at_fork(after_in_child=self._forked)

    def _forked(self) -> None:
        self._ready = threading.Condition()
        self._pending: list[tuple[Any, _Waiter]] = []
        self._running = False

    def append(self, event: Any) -> None:
        """Queue ``event`` and return once it is committed; raise the writer's error, or
        ``AuditUnavailable`` after ``timeout`` seconds."""
        waiter = _Waiter()
        with self._ready:
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="hocba-audit-writer",
                                 daemon=True).start()
            self._pending.append((event, waiter))
            self._ready.notify()
        if not waiter.done.wait(self._timeout):
            raise AuditUnavailable("Không ghi được nhật ký truy cập trong thời hạn; yêu cầu "
                                   "không được trả lời.")
        if waiter.error is not None:
            raise waiter.error

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
            if self._gather > 0:
                time.sleep(self._gather)
            with self._ready:
                batch = self._pending[:self._max_batch]
                del self._pending[:self._max_batch]
            error: BaseException | None = None
            try:
                self._write([event for event, _ in batch])
                self.batches += 1
            except BaseException as exc:  # handed to the waiting requests, never swallowed
                error = exc
                try:
                    self._close()
                except Exception:  # noqa: S110 (the write's error is the one to report)
                    pass
            for _, waiter in batch:
                waiter.error = error
                waiter.done.set()
