"""The verification cache: a stored original's check, done once (issue 6 §2).

Validating the signatures of a học bạ costs a tenth of a second to a second; the status of a
look-up code is asked hundreds of times a second. The check of a file is a pure function of
its bytes and the trust anchors (PDF signatures are judged at the seal's time-stamp, XML ones
at their signing time: ``hocba.signing.pdf_verify``, ``xml_verify``), so it is kept here by
(SHA-256 of the file, fingerprint of the anchors) and never recomputed. It is a cache: losing
it costs time, not truth; the SHA-256 it is keyed by is compared with the issued one
(``IssuedRecord``) and the log's leaf on every request.
"""

from __future__ import annotations

from django.db import models


class FileCheckCache(models.Model):
    sha256 = models.CharField("SHA-256 của tệp", max_length=64)
    anchors = models.CharField("dấu vân tay của tập CA gốc tin cậy", max_length=64)
    kind = models.CharField("loại tệp", max_length=3)  # pdf, xml
    result = models.JSONField("kết quả kiểm tra (FileCheck)")
    checked_at = models.DateTimeField("lúc kiểm tra", auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["sha256", "anchors"],
                                               name="one_check_per_file_and_anchors")]
        verbose_name = "kết quả kiểm tra tệp (bộ nhớ đệm)"
        verbose_name_plural = "kết quả kiểm tra tệp (bộ nhớ đệm)"

    def __str__(self) -> str:
        return f"{self.kind} {self.sha256[:16]}…"
