"""Reading the signing chain: which slots a record has filled, what is waiting for whom."""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from hocba.domain.issuance import SlotSpec, next_slots, required_slots
from hocba.issuance.models import (
    Artefacts,
    CorrectionRequest,
    IssuedRecord,
    PdfRevision,
    ReturnedRecord,
    Revocation,
    SignatureEvent,
    SigningJob,
    XmlRevision,
    apply_xml_change,
)
from hocba.records.models import HocBaRecord, RecordStatus
from hocba.signing.xmldsig import cache_size


@dataclass
class ChainState:
    """Where one record stands in its chain."""

    record: HocBaRecord
    data: dict[str, Any]
    required: tuple[SlotSpec, ...]
    filled: set[str] = field(default_factory=set)
    returned: bool = False
    issued: bool = False
    revoked: bool = False

    @property
    def due(self) -> tuple[SlotSpec, ...]:
        if self.returned or self.issued:
            return ()
        return next_slots(self.required, self.filled)

    @property
    def due_slots(self) -> set[str]:
        return {s.slot for s in self.due}


@functools.lru_cache(maxsize=8192)
def _parsed(identity_hash: str, canonical: str) -> tuple[dict[str, Any], tuple[SlotSpec, ...]]:
    # A record's canonical JSON never changes (its SHA-256 is its identity): parse it and
    # work out its slots once per process, not once per slot of the chain. Read-only.
    data: dict[str, Any] = json.loads(canonical)
    return data, required_slots(data)


def chain_states(records: Iterable[HocBaRecord]) -> dict[int, ChainState]:
    """The chain state of many records in a fixed number of queries."""
    rows = list(records)
    ids = [r.pk for r in rows]
    states = {}
    for r in rows:
        data, required = _parsed(r.identity_hash, r.canonical)
        states[r.pk] = ChainState(r, data, required)
    for record_id, slot in SignatureEvent.objects.filter(record__in=ids).values_list(
            "record_id", "slot"):
        states[record_id].filled.add(slot)
    for record_id in ReturnedRecord.objects.filter(record__in=ids).values_list("record_id",
                                                                               flat=True):
        states[record_id].returned = True
    for record_id in IssuedRecord.objects.filter(record__in=ids).values_list("record_id",
                                                                             flat=True):
        states[record_id].issued = True
    for record_id in Revocation.objects.filter(record__in=ids).values_list("record_id",
                                                                           flat=True):
        states[record_id].revoked = True
    return states


def chain_state(record: HocBaRecord) -> ChainState:
    return chain_states([record])[record.pk]


def signing_records(**filters: Any) -> QuerySet[HocBaRecord]:
    """Live records (composed, not discarded nor revoked) for the signing pages."""
    return (HocBaRecord.objects.filter(status=RecordStatus.COMPOSED, **filters)
            .select_related("student", "school_class__school", "school_year", "school")
            .order_by("school_class__grade", "school_class__name", "student__full_name", "id"))


@dataclass
class Files:
    """A record's XML and PDF as signed so far, with the hashes the database holds for them
    (the signing path checks the bytes against them) and the signatures they carry."""

    xml: bytes
    pdf: bytes
    xml_sha256: str
    pdf_sha256: str
    signatures: int


def current_files(records: Iterable[HocBaRecord]) -> dict[int, Files]:
    """Each record's files as signed so far, in three queries: the stored renditions (the
    issued XML once issued), then their XML and PDF revisions applied in order."""
    ids = [r.pk for r in records]
    base = {record_id: (bytes(xml), bytes(pdf), xml_sha, pdf_sha, version)
            for record_id, xml, pdf, xml_sha, pdf_sha, version in
            Artefacts.objects.filter(record__in=ids).values_list(
                "record_id", "xml", "pdf", "xml_sha256", "pdf_sha256", "version")}
    xmls = {record_id: parts[0] for record_id, parts in base.items()}
    xml_sha = {record_id: parts[2] for record_id, parts in base.items()}
    for revision in XmlRevision.objects.filter(record__in=ids).order_by(
            "record_id", "number").values_list("record_id", "number", "head", "tail", "data",
                                               "xml_sha256"):
        record_id, number, head, tail, data, sha = revision
        if number > base[record_id][4]:  # not yet in the stored XML
            xmls[record_id] = apply_xml_change(xmls[record_id], head, tail, bytes(data))
            xml_sha[record_id] = sha
    pdfs = {record_id: [parts[1]] for record_id, parts in base.items()}
    pdf_sha = {record_id: parts[3] for record_id, parts in base.items()}
    count = dict.fromkeys(base, 0)
    for record_id, data, sha in PdfRevision.objects.filter(record__in=ids).order_by(
            "record_id", "number").values_list("record_id", "data", "pdf_sha256"):
        pdfs[record_id].append(bytes(data))
        pdf_sha[record_id] = sha
        count[record_id] += 1
    return {record_id: Files(xmls[record_id], b"".join(pdfs[record_id]), xml_sha[record_id],
                             pdf_sha[record_id], count[record_id]) for record_id in base}


# A signing process's last known files of the records it signed, by record: the next slot of
# the same record (a worker keeps to its classes) reads only the latest revisions' hashes and
# reuses the bytes when they match, instead of fetching the unsigned PDF, the XML and every
# revision again — on PostgreSQL that fetch (bytea, ~5 MB per THCS record over its 16 slots)
# was the largest single cost of issuing (bench/bench_issue.py, BENCHMARKS.md). SHA-256
# equality of the latest XML and PDF with the same signature count is what makes a hit, so a
# rolled-back or foreign write is never mistaken for ours.
_KNOWN: OrderedDict[int, Files] = OrderedDict()


def remember_files(record_id: int, files: Files) -> None:
    _KNOWN[record_id] = files
    _KNOWN.move_to_end(record_id)
    while len(_KNOWN) > cache_size() // 2:
        _KNOWN.popitem(last=False)


def signing_files(records: Iterable[HocBaRecord]) -> dict[int, Files]:
    """``current_files``, reusing the bytes this process last stored when the database's
    latest revisions still carry their hashes (two small queries, no blob)."""
    chunk = list(records)
    known = {r.pk: _KNOWN[r.pk] for r in chunk if r.pk in _KNOWN}
    latest: dict[int, list[Any]] = {}
    if known:
        for record_id, number, sha in PdfRevision.objects.filter(
                record__in=list(known)).values_list("record_id", "number", "pdf_sha256"):
            if number >= latest.setdefault(record_id, [0, "", ""])[0]:
                latest[record_id][:2] = [number, sha]
        for record_id, number, sha in XmlRevision.objects.filter(
                record__in=list(known)).values_list("record_id", "number", "xml_sha256"):
            entry = latest.get(record_id)
            if entry is not None and number == entry[0]:
                entry[2] = sha
    found = {record_id: files for record_id, files in known.items()
             if latest.get(record_id) == [files.signatures, files.pdf_sha256, files.xml_sha256]}
    missing = [r for r in chunk if r.pk not in found]
    if missing:
        found.update(current_files(missing))
    return found


def current_pdfs(records: Iterable[HocBaRecord]) -> dict[int, bytes]:
    """Each record's PDF as signed so far: the unsigned rendition and its revisions."""
    ids = [r.pk for r in records]
    pdfs = {record_id: [bytes(pdf)] for record_id, pdf in
            Artefacts.objects.filter(record__in=ids).values_list("record_id", "pdf")}
    for record_id, data in PdfRevision.objects.filter(record__in=ids).order_by(
            "record_id", "number").values_list("record_id", "data"):
        pdfs[record_id].append(bytes(data))
    return {record_id: b"".join(parts) for record_id, parts in pdfs.items()}


def current_pdf(record: HocBaRecord) -> bytes | None:
    return current_pdfs([record]).get(record.pk)


def current_xml(record: HocBaRecord) -> bytes | None:
    """The record's XML as signed so far (the issued XML once issued); None before the first
    signer's confirmation rendered it."""
    files = current_files([record]).get(record.pk)
    return files.xml if files else None


def issued_files(record: HocBaRecord) -> tuple[bytes, bytes] | None:
    """The issued XML and PDF of an issued record (None when it is not issued): what the
    verifiers and exports read."""
    if not IssuedRecord.objects.filter(record=record.pk).exists():
        return None
    files = current_files([record])[record.pk]
    return files.xml, files.pdf


def events_of(record: HocBaRecord) -> QuerySet[SignatureEvent]:
    return record.signature_events.select_related("signer").order_by("id")


def corrections_of(record: HocBaRecord) -> QuerySet[CorrectionRequest]:
    return (record.correction_requests.select_related("requested_by", "decision__decided_by")
            .order_by("-requested_at", "-id"))


def pending_corrections(province_id: int | None = None) -> QuerySet[CorrectionRequest]:
    qs = CorrectionRequest.objects.filter(decision__isnull=True).select_related(
        "record__student", "record__school", "record__school_year", "requested_by")
    if province_id is not None:
        qs = qs.filter(record__school__province_id=province_id)
    return qs


def job_progress(job: SigningJob) -> dict[str, Any]:
    return {"id": job.pk, "state": job.state, "state_label": job.get_state_display(),
            "total": job.total, "done": job.done, "failed": job.failed,
            "finished": job.state in (SigningJob.State.DONE, SigningJob.State.FAILED)}
