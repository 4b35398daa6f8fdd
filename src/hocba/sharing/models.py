"""Verification codes a holder (the student or a parent) chose to share.

A code lets one verifier see one issued record, with the holder's name, until it expires or is
withdrawn (issue 6 §2: "a verification code the holder chose to share"). Only an HMAC of the
code is kept, never the code itself: someone who reads the database cannot use it.

Append-only: a code is created once and never edited; its withdrawal is a row of its own, so
the history of who shared what, and when they took it back, stays whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

from hocba.issuance.models import AppendOnly
from hocba.records.models import HocBaRecord

if TYPE_CHECKING:
    from hocba.domain.access import Target


class SharedCode(AppendOnly):
    record = models.ForeignKey(HocBaRecord, on_delete=models.PROTECT,
                               related_name="shared_codes", verbose_name="học bạ")
    # HMAC-SHA256 (RFC 2104) of the normalised code under the server's secret key, hex.
    code_hmac = models.CharField("HMAC của mã", max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="người tạo")
    role = models.CharField("vai trò", max_length=60)
    created_at = models.DateTimeField("lúc tạo")
    expires_at = models.DateTimeField("hết hạn lúc")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["record", "expires_at"])]
        verbose_name = "mã xác minh chia sẻ"
        verbose_name_plural = "mã xác minh chia sẻ"

    def __str__(self) -> str:
        return f"{self.record} — mã xác minh #{self.pk}"

    def access_target(self) -> Target:
        return self.record.access_target()


class Withdrawal(AppendOnly):
    """The holder took a code back before it expired."""

    shared_code = models.OneToOneField(SharedCode, on_delete=models.PROTECT,
                                       related_name="withdrawal")
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="người thu hồi")
    withdrawn_at = models.DateTimeField("lúc thu hồi")

    class Meta:
        verbose_name = "thu hồi mã xác minh"
        verbose_name_plural = "thu hồi mã xác minh"

    def __str__(self) -> str:
        return f"{self.shared_code} — thu hồi"

    def access_target(self) -> Target:
        return self.shared_code.access_target()
