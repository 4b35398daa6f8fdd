"""Background signing: a database-backed job queue, no broker (DESIGN.md: "same process /
database-backed queue"), on SQLite and PostgreSQL.

A job is one confirmation of one signer for one slot over many records; an item is one
record. A worker claims a chunk of pending items (PostgreSQL: ``SELECT … FOR UPDATE SKIP
LOCKED``; SQLite: one ``UPDATE … WHERE id IN (SELECT … LIMIT n)`` that takes the write lock
first, so two processes never claim the same item), marks them claimed with a lease, signs
them in one ``sign_digests`` call and writes each record's signature, new artefacts and item
state in one transaction (``services.sign_records``). Several workers share the queue on both
databases (on SQLite the writes take turns, the rendering and signing run side by side).
A worker first claims the next slot of the classes it signed last (it keeps those records'
parsed files) and leaves a class alone while another worker signs another slot of it.
After a crash the claimed items come back when their lease runs out (on SQLite also at once
when a worker starts and the crashed worker's process on this host is gone); a record whose
slot is already signed is counted as done, so nothing is signed twice and nothing is skipped.

The web server runs a worker in a thread when a job is queued (``kick``); ``hocba worker``
runs one as a process.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
import uuid
from collections import deque
from collections.abc import Collection, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q, Subquery
from django.utils import timezone

from hocba.audit.services import record_write
from hocba.domain import issuance as rules
from hocba.issuance import services
from hocba.issuance.models import SigningJob, SigningJobItem
from hocba.records.models import HocBaRecord
from hocba.signing.backends import SigningError

log = logging.getLogger(__name__)


def lease() -> dt.timedelta:
    """How long a claimed item stays with its worker before another may take it over."""
    return dt.timedelta(seconds=float(os.environ.get("HOCBA_SIGNING_LEASE", "300")))


def chunk_size() -> int:
    return int(os.environ.get("HOCBA_SIGNING_CHUNK", str(services.CHUNK)))


def queue(actor: Any, records: Sequence[HocBaRecord], slot: str, *,
          school_class: Any = None, now: dt.datetime | None = None) -> SigningJob:
    """The signer's one confirmation for ``slot`` over ``records``, queued for the worker.
    Authorised now (and again when signed); the signing time is the confirmation's."""
    if not records:
        raise rules.IssuanceRefused("Không có học bạ nào chờ ký ở chỗ ký này.")
    decision = services.authorise_slot(actor, records, slot)
    now = now or timezone.now()
    with transaction.atomic():
        job = SigningJob.objects.create(
            created_by=actor, role=decision.role_label[:20], school=records[0].school,
            school_class=school_class, slot=slot, confirmed_at=now, total=len(records))
        SigningJobItem.objects.bulk_create(SigningJobItem(job=job, record=r) for r in records)
        record_write(actor, "xac_nhan_ky_hang_loat", school_class or records[0].school,
                     role=decision.role_label, detail={
                         "luot_ky": job.pk, "cho_ky": slot, "so_hoc_ba": len(records),
                         "thoi_diem_ky": now.isoformat()})
    return job


def _host() -> str:
    return socket.gethostname()[:30]  # a claim names host:pid:worker:claim in 64 characters


def _worker_id() -> str:
    return f"{_host()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reclaim_orphans() -> int:
    """Items claimed by a worker of this host whose process is gone (killed, crashed) are
    pending again at once; a live worker's items stay its own (``host:pid:…`` names it)."""
    host = _host()
    dead = []
    for claimed_by in (SigningJobItem.objects.filter(state=SigningJobItem.State.CLAIMED)
                       .values_list("claimed_by", flat=True).distinct()):
        name, _, rest = claimed_by.partition(":")
        pid = rest.partition(":")[0]
        if name == host and pid.isdigit() and not _alive(int(pid)):
            dead.append(claimed_by)
    if not dead:
        return 0
    return SigningJobItem.objects.filter(state=SigningJobItem.State.CLAIMED,
                                         claimed_by__in=dead).update(
        state=SigningJobItem.State.PENDING, claimed_by="", lease_until=None)


def reclaim_all() -> int:
    """Every claimed item pending again (only when no worker can be running)."""
    return SigningJobItem.objects.filter(state=SigningJobItem.State.CLAIMED).update(
        state=SigningJobItem.State.PENDING, claimed_by="", lease_until=None)


# Classes whose records this process signed lately. A worker keeps the parsed XML and PDF of
# the records it signed (``hocba.signing.xmldsig``/``pades``), so it first claims the next
# slot of those classes: with several workers each keeps to its own classes and reads only
# what the last signature added, instead of every worker parsing every record.
_RECENT: deque[int] = deque(maxlen=64)


def claim(worker: str, limit: int, prefer: Collection[int] = ()) -> list[SigningJobItem]:
    """Up to ``limit`` items of one job, pending or with an expired lease, now ours: of the
    first open job of a class in ``prefer``, else of the first open job. A job whose class
    another job is being signed in (another slot, by another worker: two signatures of one
    record at once, one refused and signed again) waits; items of the same job are shared."""
    now = timezone.now()
    busy = SigningJob.objects.filter(school_class__isnull=False,
                                     items__state=SigningJobItem.State.CLAIMED,
                                     items__lease_until__gte=now)
    free = SigningJob.objects.exclude(
        Q(school_class_id__in=Subquery(busy.values("school_class_id")))
        & ~Q(id__in=Subquery(busy.values("id"))))
    choices = [free.filter(school_class_id__in=list(prefer))] if prefer else []
    for jobs in [*choices, free]:
        items = _claim(worker, limit, Q(job_id__in=Subquery(jobs.values("id"))))
        if items:
            return items
    return []


def _claim(worker: str, limit: int, among: Q) -> list[SigningJobItem]:
    now = timezone.now()
    open_items = SigningJobItem.objects.filter(
        among, Q(state=SigningJobItem.State.PENDING)
        | Q(state=SigningJobItem.State.CLAIMED, lease_until__lt=now)).order_by("job_id", "id")
    if connection.vendor != "postgresql":
        return _claim_sqlite(open_items, worker, limit, now)
    with transaction.atomic():
        open_items = open_items.select_for_update(skip_locked=True)
        first = open_items.first()
        if first is None:
            return []
        items = list(open_items.filter(job_id=first.job_id)[:limit])
        SigningJobItem.objects.filter(pk__in=[i.pk for i in items]).update(
            state=SigningJobItem.State.CLAIMED, claimed_by=worker, lease_until=now + lease())
        SigningJob.objects.filter(pk=first.job_id, state=SigningJob.State.QUEUED).update(
            state=SigningJob.State.RUNNING)
    return items


def _claim_sqlite(open_items: Any, worker: str, limit: int,
                  now: dt.datetime) -> list[SigningJobItem]:
    # SQLite has no row locks: read-then-write in one transaction fails (or double-claims)
    # when another process wrote meanwhile. One UPDATE whose subquery picks the items takes
    # the write lock before it reads, so the pick and the claim are one step; the claim's
    # own token then finds exactly the items this call took.
    token = f"{worker}:{uuid.uuid4().hex[:8]}"
    first_job = open_items.values("job_id")[:1]
    chosen = open_items.filter(job_id=Subquery(first_job)).values("id")[:limit]
    taken = SigningJobItem.objects.filter(pk__in=Subquery(chosen)).update(
        state=SigningJobItem.State.CLAIMED, claimed_by=token, lease_until=now + lease())
    if not taken:
        return []
    items = list(SigningJobItem.objects.filter(state=SigningJobItem.State.CLAIMED,
                                               claimed_by=token).order_by("id"))
    if items:
        SigningJob.objects.filter(pk=items[0].job_id, state=SigningJob.State.QUEUED).update(
            state=SigningJob.State.RUNNING)
    return items


def process(items: list[SigningJobItem]) -> int:
    """Sign the claimed items (all of one job). Returns how many are settled."""
    job = SigningJob.objects.select_related("created_by", "school").get(pk=items[0].job_id)
    if job.school_class_id is not None:
        if job.school_class_id in _RECENT:
            _RECENT.remove(job.school_class_id)
        _RECENT.append(job.school_class_id)
    by_record = {i.record_id: i for i in items}
    records = list(HocBaRecord.objects.filter(pk__in=by_record).select_related(
        "school_class__school", "school", "student", "school_year").order_by("id"))
    try:
        services.sign_records(job.created_by, records, job.slot, now=job.confirmed_at,
                              items=by_record, job=job, chunk_size=len(records))
    except (PermissionDenied, rules.IssuanceRefused, SigningError) as exc:
        # Nothing of this chunk was written: say why on every item still ours.
        SigningJobItem.objects.filter(pk__in=[i.pk for i in items],
                                      state=SigningJobItem.State.CLAIMED).update(
            state=SigningJobItem.State.FAILED, message=str(exc)[:2000],
            done_at=timezone.now(), lease_until=None)
    refresh(job)
    return len(items)


def refresh(job: SigningJob) -> SigningJob:
    """The job's counts from its items; done once nothing is pending or claimed."""
    counts = dict(job.items.values_list("state").annotate(n=Count("id")).order_by())
    done = counts.get(SigningJobItem.State.DONE, 0)
    failed = counts.get(SigningJobItem.State.FAILED, 0)
    open_count = (counts.get(SigningJobItem.State.PENDING, 0)
                  + counts.get(SigningJobItem.State.CLAIMED, 0))
    fields: dict[str, Any] = {"done": done, "failed": failed}
    if open_count == 0:
        fields.update(state=SigningJob.State.FAILED if failed and not done
                      else SigningJob.State.DONE, finished_at=timezone.now())
    SigningJob.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)
    return job


def run_worker(*, once: bool = False, poll: float = 2.0,
               stop: threading.Event | None = None) -> int:
    """Claim and sign until stopped (``once``: until nothing is left). Returns items done."""
    worker = _worker_id()
    if connection.vendor != "postgresql":
        reclaim_orphans()
    settled = 0
    while stop is None or not stop.is_set():
        items = claim(worker, chunk_size(), prefer=_RECENT)
        if not items:
            if once:
                break
            time.sleep(poll)
            continue
        settled += process(items)
    return settled


_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def kick() -> None:
    """Start the in-process worker thread unless one is running (the web server's)."""
    global _thread
    with _thread_lock:
        if _thread is not None and _thread.is_alive():
            return
        _thread = threading.Thread(target=_thread_main, name="hocba-signing", daemon=True)
        _thread.start()


def _thread_main() -> None:
    from django.db import close_old_connections

    try:
        run_worker(once=True)
    except Exception:
        log.exception("hocba signing worker thread failed")
    finally:
        close_old_connections()
        connection.close()
