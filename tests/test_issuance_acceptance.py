"""Issue 5 "Independent acceptance": every record the demo issues through the real chain —
a primary class (GVCN → CBQL → seal) and a secondary one (subject teachers first) — is accepted
by poppler's ``pdfsig`` with the demo root trusted in an NSS database (every signature valid and
trusted, the seal's covering the whole document), by ``xmlsec1 --verify`` with the demo CA for
every ``ds:Signature``, and by our own ``verify_pdf`` and ``verify_xml``; and one flipped byte,
in the signed content or in a signature's own signed attributes, is caught by all four.

The records are issued once per module in a demo database of its own (the fixtures of
``test_issuance``), then rolled back; the checks run on their bytes.
"""

from __future__ import annotations

import io
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import cms
from django.db import transaction
from lxml import etree
from pyhanko.pdf_utils.reader import PdfFileReader

from hocba.certificates.keys import pki_dir
from hocba.issuance import demo, selectors
from hocba.issuance.models import Artefacts
from hocba.signing import trust_anchors
from hocba.signing.pdf_incremental import PdfFile
from hocba.signing.pdf_objects import Name
from hocba.signing.pdf_verify import verify_pdf
from hocba.signing.services import PkiServices
from hocba.signing.xml_signature import SIGNING_TIME
from hocba.signing.xmldsig import verify_xml
from tests.test_issuance import _class, _composed, demo_db, pki_services  # noqa: F401
from tests.test_signing_xml import NS, accepted, signature_ids, xmlsec1

pytestmark = pytest.mark.django_db
SAMPLES = (("27260001", "4A", 2),  # Tiểu học: GVCN → CBQL → văn thư
           ("27260002", "7A", 2))  # THCS: every subject teacher first
DS_NS = "http://www.w3.org/2000/09/xmldsig#"


@dataclass(frozen=True)
class Issued:
    label: str  # school/class/record id, for failure messages
    pdf: bytes
    xml: bytes


@pytest.fixture(scope="module")
def issued(demo_db: Any, pki_services: PkiServices) -> Iterator[list[Issued]]:  # noqa: F811
    found = []
    with demo_db.unblock(), transaction.atomic():
        for school, name, count in SAMPLES:
            school_class = _class(school, name)
            records = _composed(school_class, count)
            done = demo.issue_class(school_class, base_url=pki_services.base_url,
                                    records=records)
            assert done == count, (school, name)
            for record in records:
                pdf = selectors.current_pdf(record)
                assert pdf is not None
                xml = bytes(Artefacts.objects.get(record=record).xml)
                found.append(Issued(f"{school}/{name}/{record.pk}", pdf, xml))
        transaction.set_rollback(True)
    yield found


@pytest.fixture(scope="module")
def nssdb(pki_services: PkiServices, tmp_path_factory: pytest.TempPathFactory) -> Path:  # noqa: F811
    """An NSS database trusting the demo root, as a verifier outside the school would set up."""
    directory = tmp_path_factory.mktemp("nss")
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
                   check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "hocba-demo-root", "-t",
                    "CT,C,C", "-i", str(pki_dir() / "root-ca.pem")], check=True,
                   capture_output=True)
    return directory


# --- the tools ---------------------------------------------------------------------------------

def pdfsig(pdf: bytes, nssdb: Path, tmp_path: Path) -> list[tuple[str, str]]:
    """pdfsig's report, (field, block) per signed field in pdfsig's order (the form's)."""
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfsig", "-nssdir", f"sql:{nssdb}", str(path)],
                          capture_output=True, text=True, check=False)
    report = done.stdout + done.stderr
    blocks = re.split(r"^Signature #\d+:\n", report, flags=re.M)[1:]
    assert blocks, report
    found = []
    for block in blocks:
        name = re.search(r"Signature Field Name: (\S+)", block)
        assert name, block
        found.append((name.group(1), block))
    return found


def pdfsig_doubts_repeated_certificates() -> bool:
    """poppler 22.12's pdfsig says "Unknown issue with Certificate" for the second signature
    it checks by a certificate it has already seen (tests/test_signing_pdf.py, last test,
    has the trace). Later poppler trusts both."""
    version = subprocess.run(["pdfsig", "-v"], capture_output=True, text=True).stderr
    return "pdfsig version 22.12." in version


def certificates_by_field(pdf: bytes) -> dict[str, bytes]:
    reader = PdfFileReader(io.BytesIO(pdf))
    return {str(s.field_name): s.signer_cert.sha256 for s in reader.embedded_signatures}


def xmlsec1_reports(xml: bytes, tmp_path: Path) -> dict[str, str]:
    """``xmlsec1 --verify`` for each ds:Signature, by its Id, the demo root trusted."""
    return {node_id: xmlsec1(xml, node_id, pki_dir() / "root-ca.pem",
                             pki_dir() / "issuing-ca.pem", tmp_path)
            for node_id in signature_ids(xml)}


def slot_of_signatures(xml: bytes) -> dict[str, str]:
    """Signature Id → the slot (the element holding it), e.g. ``GVBM`` of a subject."""
    root = etree.fromstring(xml)
    return {s.get("Id"): s.getparent().tag for s in root.iterfind(".//ds:Signature", NS)}


# --- every issued record, accepted ---------------------------------------------------------

def test_the_demo_issues_primary_and_secondary_records(issued: list[Issued]) -> None:
    assert len(issued) == sum(count for _, _, count in SAMPLES)
    for record in issued:
        fields = list(certificates_by_field(record.pdf))
        assert fields[-1] == "KY_PHAT_HANH" and {"GVCN", "CBQL"} <= set(fields), record.label
    secondary = [r for r in issued if r.label.startswith("27260002/")]
    assert all(any(f.startswith("GVBM_") for f in certificates_by_field(r.pdf))
               for r in secondary)


def test_pdfsig_finds_every_signature_valid_trusted_and_the_seal_covering_everything(
        issued: list[Issued], nssdb: Path, tmp_path: Path) -> None:
    doubts = pdfsig_doubts_repeated_certificates()
    for record in issued:
        certificates = certificates_by_field(record.pdf)
        found = pdfsig(record.pdf, nssdb, tmp_path)
        assert sorted(f for f, _ in found) == sorted(certificates), record.label
        seen: set[bytes] = set()
        for field, block in found:
            assert "Signature Validation: Signature is Valid." in block, (record.label, block)
            certificate = certificates[field]
            if certificate in seen and doubts:  # the same teacher's second subject
                assert "Unknown issue with Certificate or corrupted data." in block, block
            else:
                assert "Certificate Validation: Certificate is Trusted." in block, \
                    (record.label, block)
            seen.add(certificate)
        seal = dict(found)["KY_PHAT_HANH"]  # the last signature (pdfsig lists the form's order)
        # issue 5: the document is unmodified after the last signature, the seal's
        assert "Total document signed" in seal and "Not total document signed" not in seal, \
            record.label
        assert all("Not total document signed" in block for field, block in found
                   if field != "KY_PHAT_HANH"), record.label


def test_xmlsec1_accepts_every_xml_signature_with_the_demo_ca(
        issued: list[Issued], tmp_path: Path) -> None:
    for record in issued:
        reports = xmlsec1_reports(record.xml, tmp_path)
        slots = slot_of_signatures(record.xml)
        assert {"GVCN", "CBQL", "KY_PHAT_HANH"} <= set(slots.values()), record.label
        for node_id, report in reports.items():
            assert accepted(report), (record.label, node_id, report)
            references = re.search(r"SignedInfo References \(ok/all\): (\d+)/(\d+)", report)
            assert references and references.group(1) == references.group(2), report


def test_our_verifiers_pass_every_signature(issued: list[Issued]) -> None:
    anchors = trust_anchors()
    for record in issued:
        pdf_checks = verify_pdf(record.pdf, anchors)
        assert [c.field for c in pdf_checks] == list(certificates_by_field(record.pdf))
        for check in pdf_checks:
            assert check.intact and check.valid and check.trusted, (record.label, check)
            assert check.identity_number is not None, check
        seal = pdf_checks[-1]
        assert seal.field == "KY_PHAT_HANH" and seal.covers_whole_document
        assert seal.timestamped and seal.modification_level == "NONE"
        assert seal.identity_number == f"MA_TRUONG:{record.label.split('/')[0]}"
        xml_checks = verify_xml(record.xml, anchors)
        assert len(xml_checks) == len(signature_ids(record.xml))
        assert all(c.valid for c in xml_checks), (record.label, xml_checks)



# --- one flipped byte, caught by all four ----------------------------------------------------

def samples(issued: list[Issued]) -> list[Issued]:
    """The first record of each class: verify_pdf's difference analysis of a 16-signature
    secondary record costs ~2 s, so every record is checked whole, one per class tampered."""
    return [next(r for r in issued if r.label.startswith(f"{school}/{name}/"))
            for school, name, _ in SAMPLES]


def page_content_flipped(pdf: bytes) -> bytes:
    """One byte of page 1's content stream, which the first revision holds and every
    signature's /ByteRange covers."""
    document = PdfFile(pdf)
    contents = document.get(next(document.pages()))[Name("Contents")]
    offset = document.offset_of((contents[0] if isinstance(contents, list) else contents).num)
    tampered = bytearray(pdf)
    tampered[pdf.index(b"stream\n", offset) + 20] ^= 0x01
    return bytes(tampered)


def seal_attributes_flipped(pdf: bytes) -> bytes:
    """One byte of the seal's own signed attributes (the SHA-256 of its certificate in
    signing-certificate-v2), inside the CMS the seal's /Contents holds in hex."""
    reader = PdfFileReader(io.BytesIO(pdf))
    seal = reader.embedded_signatures[-1]
    assert seal.field_name == "KY_PHAT_HANH"
    attributes: cms.CMSAttributes = seal.signer_info["signed_attrs"]
    encoded = attributes.dump()
    at = pdf.index(encoded.hex().encode()) + 2 * encoded.index(seal.signer_cert.sha256)
    tampered = bytearray(pdf)
    tampered[at:at + 2] = b"%02x" % (encoded[encoded.index(seal.signer_cert.sha256)] ^ 0x01)
    assert len(tampered) == len(pdf)
    return bytes(tampered)


def test_a_flipped_byte_of_page_content_breaks_every_pdf_signature(
        issued: list[Issued], nssdb: Path, tmp_path: Path) -> None:
    for record in samples(issued):
        tampered = page_content_flipped(record.pdf)
        found = pdfsig(tampered, nssdb, tmp_path)
        assert len(found) == len(certificates_by_field(record.pdf)), record.label
        assert not any("Signature is Valid." in block for _, block in found), record.label
        for check in verify_pdf(tampered, trust_anchors()):
            assert not check.intact and not check.valid and "bị sửa" in check.reason, check


def test_a_flipped_byte_of_the_seals_signed_attributes_breaks_the_seal_alone(
        issued: list[Issued], nssdb: Path, tmp_path: Path) -> None:
    for record in samples(issued):
        tampered = seal_attributes_flipped(record.pdf)
        found = dict(pdfsig(tampered, nssdb, tmp_path))
        seal = found.pop("KY_PHAT_HANH")
        assert "Signature is Valid." not in seal, (record.label, seal)
        assert all("Signature Validation: Signature is Valid." in block
                   for block in found.values()), record.label
        checks = verify_pdf(tampered, trust_anchors())
        assert not checks[-1].valid and checks[-1].field == "KY_PHAT_HANH", checks[-1]
        assert all(c.valid for c in checks[:-1]), (record.label, checks[:-1])


def covering(xml: bytes, element: Any) -> set[str]:
    """The Ids of the signatures whose References name the element or one holding it."""
    ids = {e.get("Id") for e in (element, *element.iterancestors()) if e.get("Id")}
    root = etree.fromstring(xml)
    return {s.get("Id") for s in root.iterfind(".//ds:Signature", NS)
            if any((r.get("URI") or "").lstrip("#") in ids
                   for r in s.iterfind("ds:SignedInfo/ds:Reference", NS))}


def score_flipped(xml: bytes) -> tuple[bytes, set[str]]:
    """One byte of the first subject's result in BANG_DIEM (a secondary DIEM_TONG_KET's year
    score, a primary MON_HOC's test score or level), and the signatures covering it: its
    subject teacher's (secondary), the CBQL's and the seal's (DU_LIEU_HOC_BA)."""
    root = etree.fromstring(xml)
    subject = root.find(".//BANG_DIEM")[0]
    leaf = next(e for tag in ("CA_NAM", "DIEM_KIEM_TRA_DINH_KY", "MUC_DAT_DUOC")
                for e in subject.iterfind(tag) if e.text and e.text[0].isascii())
    start = xml.index(b"<BANG_DIEM>")
    at = xml.index(f"<{leaf.tag}>{leaf.text}</{leaf.tag}>".encode(), start) + len(leaf.tag) + 2
    tampered = bytearray(xml)
    tampered[at] ^= 0x01
    return bytes(tampered), covering(xml, leaf)


def seal_signing_time_flipped(xml: bytes) -> tuple[bytes, set[str]]:
    """One digit of the seal's signed SigningTime (its SignatureProperties, referenced by its
    own SignedInfo): only the seal's signature covers it."""
    root = etree.fromstring(xml)
    seal = root.find(".//KY_PHAT_HANH/ds:Signature", NS)
    when = seal.find(f".//{{{DS_NS}}}SignatureProperty/{SIGNING_TIME}")
    start = xml.index(f'Id="{seal.get("Id")}"'.encode())
    at = xml.index(when.text.encode(), start) + 18  # the seconds' last digit
    tampered = bytearray(xml)
    tampered[at] ^= 0x01
    return bytes(tampered), {seal.get("Id")}


@pytest.mark.parametrize("flip", [score_flipped, seal_signing_time_flipped])
def test_a_flipped_byte_of_the_xml_is_caught_by_xmlsec1_and_verify_xml(
        flip: Any, issued: list[Issued], tmp_path: Path) -> None:
    for record in samples(issued):
        tampered, broken = flip(record.xml)
        assert len(tampered) == len(record.xml) and tampered != record.xml
        assert "KY_PHAT_HANH" in {slot_of_signatures(record.xml)[i] for i in broken}
        reports = xmlsec1_reports(tampered, tmp_path)
        rejected = {node_id for node_id, report in reports.items() if not accepted(report)}
        assert rejected == broken, (record.label, flip.__name__)
        by_id = dict(zip(signature_ids(tampered), verify_xml(tampered, trust_anchors()),
                         strict=True))
        assert {i for i, c in by_id.items() if not c.valid} == broken, record.label
