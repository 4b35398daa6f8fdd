"""The signing chain of a record, its issue, revocation and correction, and the batch jobs
that sign a class or a school in the background.

Append-only where the law wants it (CV 119/BGDĐT-GDTH: "once issued the information cannot
be changed"; QĐ 1789 Điều 21: "once written, results cannot be edited"): signature events,
the issue, returns, revocations and correction decisions are only ever inserted, and the
artefacts of an issued record are frozen. The models refuse changes; database triggers
(migration 0002, SQLite and PostgreSQL) refuse them for anyone who goes around the models.

While a record is being signed nothing is rewritten: its ``Artefacts`` row keeps the
unsigned renditions, and each signature adds, in the same transaction as the event that
records it, one ``PdfRevision`` (the incremental update PAdES appends) and one
``XmlRevision`` (the bytes of the XML that the signature changed: its slot's NGAY_KY and
ds:Signature, the issue date). A signature so stores a few kilobytes instead of the whole
77 KB XML; the unique (record, number) of each revision makes a second writer of the same
signature fail. At the seal the issued XML and both hashes are written into ``Artefacts``
(``version`` = the signatures it holds), which is then frozen. ``selectors.current_xml`` and
``current_pdf`` assemble a record's files as signed so far; ``issued_files`` the issued pair.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models

from hocba.records.models import HocBaRecord

if TYPE_CHECKING:
    from hocba.domain.access import Target


class FrozenError(RuntimeError):
    """A write the chain's history does not allow (an edit or a delete of what is kept)."""


class AppendOnly(models.Model):
    """Inserted once, never updated or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise FrozenError(f"{self._meta.verbose_name}: chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise FrozenError(f"{self._meta.verbose_name}: chỉ được ghi thêm, không được xoá.")


def _record_target(record: HocBaRecord) -> Target:
    return record.access_target()


class Artefacts(models.Model):
    """The record's unsigned XML and PDF as rendered (``version`` 0); at the seal ``xml`` becomes
    the issued XML, the hashes those of the issued XML and PDF (``pdf`` + its ``PdfRevision``
    rows) and ``version`` the number of signatures. Frozen once issued. The XML as signed so
    far is ``xml`` with its ``XmlRevision`` rows numbered above ``version`` applied."""

    record = models.OneToOneField(HocBaRecord, on_delete=models.PROTECT, primary_key=True,
                                  related_name="artefacts")
    xml = models.BinaryField("XML")
    pdf = models.BinaryField("PDF")
    xml_sha256 = models.CharField("SHA-256 của XML", max_length=64)
    pdf_sha256 = models.CharField("SHA-256 của PDF", max_length=64)
    version = models.PositiveIntegerField("số chữ ký", default=0)
    rendered_at = models.DateTimeField("lúc dựng bản thể hiện")

    class Meta:
        verbose_name = "bản XML/PDF đang ký"
        verbose_name_plural = "bản XML/PDF đang ký"

    def __str__(self) -> str:
        return f"{self.record} — {self.version} chữ ký"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and IssuedRecord.objects.filter(record=self.record_id).exists():
            raise FrozenError("Học bạ đã phát hành: bản XML/PDF không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise FrozenError("Bản XML/PDF của học bạ không được xoá.")

    def access_target(self) -> Target:
        return _record_target(self.record)


class PdfRevision(AppendOnly):
    """One signature's incremental update of the record's PDF (ISO 32000-1 §7.5.6): the
    PDF after signature ``number`` is the unsigned PDF followed by revisions 1…number."""

    record = models.ForeignKey(HocBaRecord, on_delete=models.PROTECT,
                               related_name="pdf_revisions")
    number = models.PositiveIntegerField("thứ tự chữ ký")
    data = models.BinaryField("phần thêm vào PDF")
    pdf_sha256 = models.CharField("SHA-256 của PDF sau chữ ký", max_length=64)

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"],
                                               name="one_pdf_revision_per_number")]
        verbose_name = "phần PDF của một chữ ký"
        verbose_name_plural = "phần PDF của chữ ký"

    def __str__(self) -> str:
        return f"{self.record_id} #{self.number}"


class XmlRevision(AppendOnly):
    """One signature's change to the record's XML: the XML after signature ``number`` is the
    XML before it with everything between its first ``head`` bytes and its last ``tail`` bytes
    replaced by ``data`` (the slot's filled fields and ds:Signature, and the issue date when
    this signature fixes it); ``xml_sha256`` is the hash of the whole XML after it."""

    record = models.ForeignKey(HocBaRecord, on_delete=models.PROTECT,
                               related_name="xml_revisions")
    number = models.PositiveIntegerField("thứ tự chữ ký")
    head = models.PositiveIntegerField("số byte giữ nguyên ở đầu")
    tail = models.PositiveIntegerField("số byte giữ nguyên ở cuối")
    data = models.BinaryField("phần XML thay vào")
    xml_sha256 = models.CharField("SHA-256 của XML sau chữ ký", max_length=64)

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"],
                                               name="one_xml_revision_per_number")]
        verbose_name = "phần XML của một chữ ký"
        verbose_name_plural = "phần XML của chữ ký"

    def __str__(self) -> str:
        return f"{self.record_id} #{self.number}"

    def apply(self, before: bytes) -> bytes:
        return apply_xml_change(before, self.head, self.tail, bytes(self.data))


def apply_xml_change(before: bytes, head: int, tail: int, data: bytes) -> bytes:
    """The XML after a signature whose ``XmlRevision`` is (head, tail, data)."""
    if head + tail > len(before):
        raise ValueError("phần XML của chữ ký không khớp với bản XML trước nó")
    return before[:head] + data + before[len(before) - tail:]


class SignatureEvent(AppendOnly):
    """One signature given: which slot, by whom, with which certificate, when, and the
    hashes of the XML and PDF before and after it."""

    record = models.ForeignKey(HocBaRecord, on_delete=models.PROTECT,
                               related_name="signature_events")
    slot = models.CharField("chỗ ký", max_length=48)
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+", verbose_name="người ký")
    role = models.CharField("vai trò", max_length=20)
    certificate = models.BinaryField("chứng thư số (DER)")
    certificate_serial = models.CharField("số hiệu chứng thư", max_length=64)
    certificate_subject = models.CharField("chủ thể chứng thư", max_length=400)
    signing_time = models.DateTimeField("thời điểm ký")
    xml_before = models.CharField(max_length=64)
    xml_after = models.CharField(max_length=64)
    pdf_before = models.CharField(max_length=64)
    pdf_after = models.CharField(max_length=64)
    job = models.ForeignKey("SigningJob", null=True, blank=True, on_delete=models.PROTECT,
                            related_name="events")
    recorded_at = models.DateTimeField("lúc ghi", auto_now_add=True)

    class Meta:
        ordering = ["record", "id"]
        constraints = [
            # A slot is signed once: a crash, a retry or two workers cannot sign it twice.
            models.UniqueConstraint(fields=["record", "slot"], name="one_signature_per_slot"),
        ]
        verbose_name = "chữ ký"
        verbose_name_plural = "chữ ký"

    def __str__(self) -> str:
        return f"{self.slot} — {self.certificate_subject} — {self.signing_time:%Y-%m-%d %H:%M}"

    def access_target(self) -> Target:
        return _record_target(self.record)


class ReturnedRecord(AppendOnly):
    """A record sent back by the signer whose turn it was, with the reason: the chain stops,
    the record is discarded and học vụ composes it again once the data is corrected."""

    record = models.OneToOneField(HocBaRecord, on_delete=models.PROTECT,
                                  related_name="returned")
    slot = models.CharField("chỗ ký đang chờ", max_length=48)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name="người trả lại")
    role = models.CharField("vai trò", max_length=60)
    reason = models.TextField("lý do")
    returned_at = models.DateTimeField("lúc trả lại")

    class Meta:
        verbose_name = "học bạ bị trả lại"
        verbose_name_plural = "học bạ bị trả lại"

    def __str__(self) -> str:
        return f"{self.record} — trả lại: {self.reason}"

    def access_target(self) -> Target:
        return _record_target(self.record)


class IssuedRecord(AppendOnly):
    """The record issued: the seal given (CV 2088 PL1 III step 7), with the hashes of the
    final XML and PDF (kept in the frozen ``Artefacts`` row)."""

    record = models.OneToOneField(HocBaRecord, on_delete=models.PROTECT, related_name="issue")
    issued_at = models.DateTimeField("lúc phát hành")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name="người phát hành")
    seal = models.OneToOneField(SignatureEvent, on_delete=models.PROTECT, related_name="+")
    xml_sha256 = models.CharField("SHA-256 của XML phát hành", max_length=64)
    pdf_sha256 = models.CharField("SHA-256 của PDF phát hành", max_length=64)

    class Meta:
        verbose_name = "học bạ đã phát hành"
        verbose_name_plural = "học bạ đã phát hành"

    def __str__(self) -> str:
        return f"{self.record} — phát hành {self.issued_at:%Y-%m-%d %H:%M}"

    def access_target(self) -> Target:
        return _record_target(self.record)


class CorrectionRequest(AppendOnly):
    """After the closing date, the school asks the Sở to correct an issued record (QĐ 1789
    Điều 21). The Sở's answer is a ``CorrectionDecision``."""

    record = models.ForeignKey(HocBaRecord, on_delete=models.PROTECT,
                               related_name="correction_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+", verbose_name="người đề nghị")
    requested_at = models.DateTimeField("lúc đề nghị")
    reason = models.TextField("nội dung đề nghị")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "đề nghị chỉnh lý"
        verbose_name_plural = "đề nghị chỉnh lý"

    def __str__(self) -> str:
        return f"{self.record} — đề nghị chỉnh lý #{self.pk}"

    def access_target(self) -> Target:
        return _record_target(self.record)

    @property
    def state(self) -> str:
        decision = getattr(self, "decision", None)
        if decision is None:
            return "Chờ Sở GDĐT duyệt"
        return "Đã duyệt" if decision.approved else "Bị từ chối"


class CorrectionDecision(AppendOnly):
    request = models.OneToOneField(CorrectionRequest, on_delete=models.PROTECT,
                                   related_name="decision")
    approved = models.BooleanField("duyệt")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="người quyết định")
    decided_at = models.DateTimeField("lúc quyết định")
    note = models.TextField("ghi chú", blank=True)

    class Meta:
        verbose_name = "quyết định chỉnh lý"
        verbose_name_plural = "quyết định chỉnh lý"

    def __str__(self) -> str:
        return f"{self.request} — {'duyệt' if self.approved else 'từ chối'}"


class Revocation(AppendOnly):
    """An issued record revoked (thu hồi): before the closing date, or after it on a
    correction the Sở approved (QĐ 1789 Điều 21). Its replacement is a ``Replacement``."""

    record = models.OneToOneField(HocBaRecord, on_delete=models.PROTECT,
                                  related_name="revocation")
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="người thu hồi")
    revoked_at = models.DateTimeField("lúc thu hồi")
    reason = models.TextField("lý do")
    correction = models.OneToOneField(CorrectionRequest, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="revocation")

    class Meta:
        verbose_name = "thu hồi học bạ"
        verbose_name_plural = "thu hồi học bạ"

    def __str__(self) -> str:
        return f"{self.record} — thu hồi: {self.reason}"

    def access_target(self) -> Target:
        return _record_target(self.record)


class Replacement(AppendOnly):
    """The record that replaces a revoked one, with a new look-up code (CV 2088 PL1 II.1):
    ``old.revocation.replacement.record`` forwards, ``new.replaces.revocation.record`` back."""

    revocation = models.OneToOneField(Revocation, on_delete=models.PROTECT,
                                      related_name="replacement")
    record = models.OneToOneField(HocBaRecord, on_delete=models.PROTECT,
                                  related_name="replaces")

    class Meta:
        verbose_name = "học bạ thay thế"
        verbose_name_plural = "học bạ thay thế"

    def __str__(self) -> str:
        return f"{self.record} thay thế {self.revocation.record}"


class SigningJob(models.Model):
    """One confirmation: a signer signs one slot of many records in the background."""

    class State(models.TextChoices):
        QUEUED = "cho", "Đang chờ"
        RUNNING = "dang_ky", "Đang ký"
        DONE = "xong", "Đã xong"
        FAILED = "loi", "Có lỗi"

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name="người ký")
    role = models.CharField("vai trò", max_length=20)
    school = models.ForeignKey("organisation.School", on_delete=models.PROTECT,
                               related_name="+")
    school_class = models.ForeignKey("roster.SchoolClass", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    slot = models.CharField("chỗ ký", max_length=48)
    confirmed_at = models.DateTimeField("lúc xác nhận")  # the signing time of every item
    state = models.CharField(max_length=8, choices=State.choices, default=State.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = "lượt ký hàng loạt"
        verbose_name_plural = "lượt ký hàng loạt"

    def __str__(self) -> str:
        return f"#{self.pk} {self.slot} {self.done}/{self.total}"


class SigningJobItem(models.Model):
    class State(models.TextChoices):
        PENDING = "cho", "Chờ ký"
        CLAIMED = "dang_ky", "Đang ký"
        DONE = "xong", "Đã ký"
        FAILED = "loi", "Lỗi"

    job = models.ForeignKey(SigningJob, on_delete=models.CASCADE, related_name="items")
    record = models.ForeignKey(HocBaRecord, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    claimed_by = models.CharField(max_length=64, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    message = models.TextField(blank=True)
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "id"]
        constraints = [models.UniqueConstraint(fields=["job", "record"], name="one_item_per_job")]
        indexes = [models.Index(fields=["state", "lease_until"])]

    def __str__(self) -> str:
        return f"#{self.job_id}/{self.record_id} {self.state}"
