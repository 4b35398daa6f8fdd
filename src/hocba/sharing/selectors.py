"""Reads of the holder's shared verification codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from hocba.accounts.authz import grants_for
from hocba.domain.access import FAMILY_ROLES
from hocba.records.models import HocBaRecord
from hocba.sharing import codes
from hocba.sharing.models import SharedCode


def live_codes(record_id: int, *, now: dt.datetime | None = None) -> QuerySet[SharedCode]:
    """The record's codes that still open it: not expired, not withdrawn."""
    return SharedCode.objects.filter(record_id=record_id, expires_at__gt=now or timezone.now(),
                                     withdrawal__isnull=True)


def shared_code_matches(record_id: int, code: str) -> bool:
    """True when ``code`` is a live verification code the holder of record ``record_id``
    chose to share (not expired, not withdrawn); compared in constant time."""
    if not code or not codes.well_formed(code):
        return False
    found = False
    # Every live code is compared, so the time taken says nothing about which one matched.
    for stored in live_codes(record_id).values_list("code_hmac", flat=True):
        found |= codes.same(stored, record_id, code)
    return found


def holder_records(user: Any) -> QuerySet[HocBaRecord]:
    """The issued records of the students the user holds as student or parent."""
    students = {g.student for g in grants_for(user) if g.role in FAMILY_ROLES and g.student}
    return (HocBaRecord.objects.filter(student_id__in=students, issue__isnull=False)
            .select_related("student", "school", "school_year", "school_class", "issue",
                            "revocation")
            .order_by("student__full_name", "-school_year__name", "id"))


def codes_of(records: Any) -> dict[int, list[SharedCode]]:
    by_record: dict[int, list[SharedCode]] = {}
    for shared in (SharedCode.objects.filter(record__in=records)
                   .select_related("created_by", "withdrawal").order_by("-created_at", "-id")):
        by_record.setdefault(shared.record_id, []).append(shared)
    return by_record
