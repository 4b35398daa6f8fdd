"""The holder shares an issued record with a verifier, and takes the code back.

The student or a parent (Action.SHARE_RECORDS) creates a code for one issued record with an
expiry they choose; the code is shown once and only its HMAC is stored (``codes``). Both
writes are in the audit log (who, which record, until when), never the code itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from hocba.accounts.authz import require
from hocba.audit.services import record_write
from hocba.domain.access import Action
from hocba.records.models import HocBaRecord
from hocba.sharing import codes
from hocba.sharing.models import SharedCode, Withdrawal

# The expiries a holder may choose, in days.
EXPIRY_DAYS = (7, 30, 90)


class SharingRefused(ValueError):
    """A sharing request that cannot be done; the message says why, in Vietnamese."""


@dataclass(frozen=True)
class NewCode:
    shared: SharedCode
    code: str  # shown to the holder once, never stored


def create_code(actor: Any, record: HocBaRecord, days: int, *,
                now: dt.datetime | None = None) -> NewCode:
    decision = require(actor, Action.SHARE_RECORDS, record)
    if days not in EXPIRY_DAYS:
        raise SharingRefused("Trường «Thời hạn»: chọn 7, 30 hoặc 90 ngày.")
    if not hasattr(record, "issue"):
        raise SharingRefused("Học bạ này chưa được phát hành: chưa thể chia sẻ để xác minh.")
    if hasattr(record, "revocation"):
        raise SharingRefused("Học bạ này đã bị thu hồi: hãy chia sẻ học bạ thay thế.")
    now = now or timezone.now()
    for _attempt in range(3):  # a collision of 60 random bits: retry, never reuse
        code = codes.new_code()
        try:
            with transaction.atomic():
                shared = SharedCode.objects.create(
                    record=record, code_hmac=codes.code_hmac(record.pk, code),
                    created_by=actor, role=decision.role_label, created_at=now,
                    expires_at=now + dt.timedelta(days=days))
                record_write(actor, "tao_ma_xac_minh", record, role=decision.role_label,
                             detail={"ma_tra_cuu": str(record.lookup_code),
                                     "ma_xac_minh_so": shared.pk,
                                     "het_han": shared.expires_at.isoformat()})
        except IntegrityError:
            continue
        return NewCode(shared, code)
    raise SharingRefused("Không tạo được mã xác minh, vui lòng thử lại.")


def withdraw(actor: Any, shared: SharedCode, *, now: dt.datetime | None = None) -> Withdrawal:
    decision = require(actor, Action.SHARE_RECORDS, shared.record)
    if hasattr(shared, "withdrawal"):
        raise SharingRefused("Mã xác minh này đã được thu hồi trước đó.")
    now = now or timezone.now()
    try:
        with transaction.atomic():
            withdrawal = Withdrawal.objects.create(shared_code=shared, withdrawn_by=actor,
                                                   withdrawn_at=now)
            record_write(actor, "thu_hoi_ma_xac_minh", shared.record,
                         role=decision.role_label,
                         detail={"ma_tra_cuu": str(shared.record.lookup_code),
                                 "ma_xac_minh_so": shared.pk})
    except IntegrityError:  # withdrawn at the same moment from another page
        raise SharingRefused("Mã xác minh này đã được thu hồi trước đó.") from None
    return withdrawal
