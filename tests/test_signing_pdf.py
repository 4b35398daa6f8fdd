"""PAdES signatures in a rendered học bạ (issue 5 §4 "PDF"): the first signature certifies, the
later ones approve, the school's seal is B-LT and the file's last revision (its DSS goes in the
update before it); poppler's pdfsig and pyHanko's validator judge.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm
from pyhanko.sign.validation import validate_pdf_signature, validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from hocba.signing.backends import Pkcs12Signer, SigningError
from hocba.signing.online import HttpTimestamper
from hocba.signing.pades import (
    PdfSigningError,
    StampText,
    prepare_pdf_signature,
    sign_pdf,
)
from hocba.signing.pdf_fields import SignatureField, signature_fields
from hocba.signing.pdf_incremental import IncrementalUpdate, PdfFile
from hocba.signing.pdf_objects import Name, Stream
from hocba.signing.pki import DemoPki
from hocba.signing.services import PkiServices
from tests.test_signing_pki import off_the_event_loop

EXAMPLES = Path(__file__).resolve().parents[1] / "docs" / "examples"
SIGNED_AT = dt.datetime(2025, 5, 30, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=7)))
VERIFY_URL = "http://127.0.0.1:8000/tra-cuu"


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    signer: Pkcs12Signer

    def stamp(self) -> StampText:
        return StampText(self.name, self.role, SIGNED_AT)


@dataclass(frozen=True)
class World:
    services: PkiServices
    pki: DemoPki
    people: dict[str, Person]
    tsa: HttpTimestamper
    nssdb: Path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("pades")
    with PkiServices.for_directory(directory / "pki") as services:
        pki = services.pki

        def person(issued: Any, name: str, role: str) -> Person:
            return Person(name, role, Pkcs12Signer.load(issued.pkcs12_path, issued.password))

        people = {
            "GVBM_TOAN": person(pki.issue_personal("Ngô Minh Tâm", "027180000021", "Giáo viên"),
                                "Ngô Minh Tâm", "Giáo viên môn Toán"),
            "GVBM_NGU_VAN": person(pki.issue_personal("Đỗ Thị Hoa", "027180000022",
                                                      "Giáo viên"),
                                   "Đỗ Thị Hoa", "Giáo viên môn Ngữ văn"),
            "GVBM_GDTC": person(pki.issue_personal("Trịnh Quốc Bảo", "027180000023",
                                                   "Giáo viên"),
                                "Trịnh Quốc Bảo", "Giáo viên môn Giáo dục thể chất"),
            "GVCN": person(pki.issue_personal("Lê Thị Thu", "027180000011",
                                              "Giáo viên chủ nhiệm"),
                           "Lê Thị Thu", "Giáo viên chủ nhiệm"),
            "CBQL": person(pki.issue_personal("Phạm Văn Hùng", "027175000003", "Hiệu trưởng"),
                           "Phạm Văn Hùng", "Hiệu trưởng"),
            "KY_PHAT_HANH": person(pki.issue_organisation("Trường Tiểu học Phật Tích", "27260001"),
                                   "Trường Tiểu học Phật Tích", "Văn thư ký phát hành"),
        }
        nssdb = directory / "nssdb"
        nssdb.mkdir()
        subprocess.run(["certutil", "-N", "-d", f"sql:{nssdb}", "--empty-password"], check=True)
        subprocess.run(["certutil", "-A", "-d", f"sql:{nssdb}", "-n", "hocba demo root",
                        "-t", "C,C,C", "-i", str(pki.root_path)], check=True)
        yield World(services, pki, people, HttpTimestamper(f"{services.base_url}/tsa"), nssdb)


def render(kind: str) -> bytes:
    from hocba.rendering import render_record

    with (EXAMPLES / f"record-{kind}.json").open(encoding="utf-8") as handle:
        return render_record(json.load(handle), verify_url=VERIFY_URL)


def sign_chain(world: World, pdf: bytes, fields: list[str], **levels: str) -> bytes:
    for field in fields:
        person = world.people[field]
        pdf = sign_pdf(pdf, field, person.signer, signing_time=SIGNED_AT,
                       appearance=person.stamp(), level=levels.get(field),
                       timestamper=world.tsa)
    return pdf


@pytest.fixture(scope="module")
def primary(world: World) -> bytes:
    """GVCN certifies, CBQL approves, the seal approves at its default level (B-LT: the DSS
    in the update before it)."""
    return sign_chain(world, render("primary"), ["GVCN", "CBQL", "KY_PHAT_HANH"])


@pytest.fixture(scope="module")
def secondary(world: World) -> bytes:
    """Subject teachers first (the first certifies), then GVCN, CBQL and the seal at its
    default level (B-LT), as the issuance signs it.

    Three different teachers: for one teacher signing two subjects, see the pdfsig 22.12
    test at the end of this file."""
    pdf = render("secondary")
    subjects = [f.name for f in _fields(pdf) if f.name.startswith("GVBM_")]
    assert subjects == ["GVBM_TOAN", "GVBM_NGU_VAN", "GVBM_GDTC"]
    return sign_chain(world, pdf, [*subjects, "GVCN", "CBQL", "KY_PHAT_HANH"])


def _fields(pdf: bytes) -> list[SignatureField]:
    return list(signature_fields(PdfFile(pdf)))


def pdfsig(world: World, pdf: bytes, tmp_path: Path, name: str = "hoc-ba.pdf") -> str:
    path = tmp_path / name
    path.write_bytes(pdf)
    done = subprocess.run(["pdfsig", "-no-ocsp", "-nssdir", f"sql:{world.nssdb}", str(path)],
                          capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def signatures(report: str) -> dict[str, str]:
    """pdfsig's report per signed field."""
    blocks = re.split(r"^Signature #\d+:\n", report, flags=re.M)[1:]
    found = {}
    for block in blocks:
        name = re.search(r"Signature Field Name: (\S+)", block)
        if name and "is not signed" not in block:
            found[name.group(1)] = block
    return found


def trust_roots(world: World) -> list[asn1_x509.Certificate]:
    return [asn1_x509.Certificate.load(world.pki.root.public_bytes(Encoding.DER))]


def validate(world: World, pdf: bytes, *, offline_from_dss: bool = False
             ) -> dict[str, PdfSignatureStatus]:
    def work() -> dict[str, PdfSignatureStatus]:
        reader = PdfFileReader(io.BytesIO(pdf))
        results = {}
        for embedded in reader.embedded_signatures:
            if embedded.sig_object_type == "/DocTimeStamp":
                continue
            if offline_from_dss:
                context = DocumentSecurityStore.read_dss(reader).as_validation_context({
                    "trust_roots": trust_roots(world), "allow_fetching": False,
                    "revocation_mode": "hard-fail"})
            else:
                context = ValidationContext(trust_roots=trust_roots(world),
                                            allow_fetching=False, revocation_mode="soft-fail")
            results[embedded.field_name] = validate_pdf_signature(embedded, context)
        return results

    return off_the_event_loop(work)


# --- what an independent tool sees -----------------------------------------------------------

def test_pdfsig_finds_every_signature_of_a_primary_record_valid_and_trusted(
        world: World, primary: bytes, tmp_path: Path) -> None:
    found = signatures(pdfsig(world, primary, tmp_path))
    assert set(found) == {"GVCN", "CBQL", "KY_PHAT_HANH"}
    for field, block in found.items():
        assert "Signature Validation: Signature is Valid." in block, (field, block)
        assert "Certificate Validation: Certificate is Trusted." in block, (field, block)
        assert "Signature Type: ETSI.CAdES.detached" in block
        assert "Signing Hash Algorithm: SHA-256" in block
    # issue 5 "Independent acceptance": nothing was changed after the last signature
    assert "Total document signed" in found["KY_PHAT_HANH"]
    assert "Not total document signed" in found["GVCN"] + found["CBQL"]
    assert "Signer Certificate Common Name: Phạm Văn Hùng" in found["CBQL"]
    assert "Signer Certificate Common Name: Trường Tiểu học Phật Tích" in found["KY_PHAT_HANH"]
    # /M carries the signing time with its offset; pdfsig prints the wall-clock part
    assert "Signing Time: May 30 2025 14:05:00" in found["GVCN"]
    assert b"/M (D:20250530140500+07'00')" in primary


def test_pdfsig_sees_the_whole_secondary_record_signed_by_the_seal(
        world: World, secondary: bytes, tmp_path: Path) -> None:
    found = signatures(pdfsig(world, secondary, tmp_path))
    assert set(found) == {"GVBM_TOAN", "GVBM_NGU_VAN", "GVBM_GDTC", "GVCN", "CBQL",
                          "KY_PHAT_HANH"}
    for field, block in found.items():
        assert "Signature Validation: Signature is Valid." in block, (field, block)
        assert "Certificate Validation: Certificate is Trusted." in block, (field, block)
    # nothing was changed after the last signature
    assert "Total document signed" in found["KY_PHAT_HANH"]
    assert all("Not total document signed" in found[f] for f in found if f != "KY_PHAT_HANH")


def test_pyhanko_finds_every_signature_intact_valid_trusted_and_allowed(
        world: World, primary: bytes, secondary: bytes) -> None:
    for pdf, certifier in ((primary, "GVCN"), (secondary, "GVBM_TOAN")):
        results = validate(world, pdf)
        assert len(results) >= 3
        for field, status in results.items():
            assert status.intact and status.valid and status.trusted, (field, status)
            assert status.docmdp_ok and status.bottom_line, (field, status)
        reader = PdfFileReader(io.BytesIO(pdf))
        levels = {s.field_name: s.docmdp_level for s in reader.embedded_signatures}
        # the first signature certifies with form filling allowed; the others approve
        assert levels.pop(certifier) == MDPPerm.FILL_FORMS
        assert set(levels.values()) == {None}
        assert str(results[certifier].modification_level) == "ModificationLevel.FORM_FILLING"


def offline_status(world: World, pdf: bytes) -> dict[str, PdfSignatureStatus]:
    """Every signature validated from the DSS alone: no fetching, no status = not valid."""
    results = validate(world, pdf, offline_from_dss=True)
    for field, status in results.items():
        assert status.intact and status.valid and status.trusted, (field, status)
        assert status.docmdp_ok and status.bottom_line, (field, status.pretty_print_details())
    return results


def test_the_seal_is_b_lt_as_the_last_revision_and_every_signature_verifies_offline(
        world: World, primary: bytes, secondary: bytes) -> None:
    for pdf, signers in ((primary, 3), (secondary, 6)):
        reader = PdfFileReader(io.BytesIO(pdf))
        dss = DocumentSecurityStore.read_dss(reader)
        assert len(dss.ocsps) >= signers + 1  # every signer and the TSA
        revisions = reader.xrefs.total_revisions
        seal = next(s for s in reader.embedded_signatures if s.field_name == "KY_PHAT_HANH")
        # the DSS update is the one just before the seal's, and the seal's is the last
        assert seal.signed_revision == revisions - 1
        dss_ref = reader.root.raw_get("/DSS").reference
        assert reader.xrefs.get_last_change(dss_ref) == revisions - 2
        results = offline_status(world, pdf)
        sealed = results["KY_PHAT_HANH"]
        assert sealed.timestamp_validity is not None and sealed.timestamp_validity.trusted
        assert sealed.coverage == SignatureCoverageLevel.ENTIRE_FILE
        assert sealed.modification_level == ModificationLevel.NONE
        # the people's signatures see a DSS and a signature added after them: allowed
        for field, status in results.items():
            if field != "KY_PHAT_HANH":
                assert status.modification_level == ModificationLevel.FORM_FILLING, field
        # The OCSP answers were fetched before the seal signed: still valid at its time-stamp
        # (thisUpdate ≤ that time ≤ nextUpdate), where a verifier judges it years later.
        stamped_at = sealed.timestamp_validity.timestamp
        context = dss.as_validation_context({
            "trust_roots": trust_roots(world), "allow_fetching": False,
            "revocation_mode": "hard-fail", "moment": stamped_at})
        at_time = off_the_event_loop(partial(validate_pdf_signature, seal, context))
        assert at_time.bottom_line, at_time.pretty_print_details()


def test_b_lt_after_keeps_the_dss_after_the_seal(world: World, tmp_path: Path) -> None:
    pdf = sign_chain(world, render("primary"), ["GVCN", "CBQL", "KY_PHAT_HANH"],
                     KY_PHAT_HANH="B-LT-AFTER")
    results = offline_status(world, pdf)
    assert results["KY_PHAT_HANH"].modification_level == ModificationLevel.LTA_UPDATES
    found = signatures(pdfsig(world, pdf, tmp_path))
    assert all("Signature is Valid." in block for block in found.values())
    assert "Not total document signed" in found["KY_PHAT_HANH"]


def test_a_seal_prepared_without_its_tsa_still_gets_the_tsa_status_after_it(
        world: World) -> None:
    """The call the issuance made before B-LT moved the DSS: status for the TSA follows."""
    certified = sign_chain(world, render("primary"), ["GVCN", "CBQL"])
    school = world.people["KY_PHAT_HANH"]
    prepared = prepare_pdf_signature(certified, "KY_PHAT_HANH", school.signer.certificate,
                                     school.signer.chain, signing_time=SIGNED_AT,
                                     appearance=school.stamp())
    [signature] = school.signer.sign_digests([prepared.digest])
    pdf = prepared.finish(signature, timestamper=world.tsa)
    results = offline_status(world, pdf)
    assert results["KY_PHAT_HANH"].modification_level == ModificationLevel.LTA_UPDATES


def test_b_lta_adds_a_document_timestamp_over_the_dss(world: World, tmp_path: Path) -> None:
    pdf = sign_chain(world, render("primary"), ["GVCN", "CBQL", "KY_PHAT_HANH"],
                     KY_PHAT_HANH="B-LTA")
    reader = PdfFileReader(io.BytesIO(pdf))
    [stamp] = [s for s in reader.embedded_signatures if s.sig_object_type == "/DocTimeStamp"]
    context = DocumentSecurityStore.read_dss(reader).as_validation_context({
        "trust_roots": trust_roots(world), "allow_fetching": False,
        "revocation_mode": "hard-fail"})
    status = off_the_event_loop(lambda: validate_pdf_timestamp(stamp, validation_context=context))
    assert status.intact and status.valid and status.trusted
    offline_status(world, pdf)
    report = pdfsig(world, pdf, tmp_path)
    assert "Signature Field Name: DAU_THOI_GIAN_1" in report
    assert report.count("Signature Validation: Signature is Valid.") == 3


# --- tampering ---------------------------------------------------------------------------------

def test_one_flipped_byte_in_signed_content_breaks_every_signature(
        world: World, primary: bytes, tmp_path: Path) -> None:
    document = PdfFile(primary)
    page = document.get(next(document.pages()))
    contents = page[Name("Contents")]
    offset = document.offset_of((contents[0] if isinstance(contents, list) else contents).num)
    content = primary.index(b"stream\n", offset) + 20  # inside page 1's content, revision 1
    tampered = bytearray(primary)
    tampered[content] ^= 0x01
    found = signatures(pdfsig(world, bytes(tampered), tmp_path))
    assert len(found) == 3
    assert not any("Signature is Valid." in block for block in found.values())
    for status in validate(world, bytes(tampered)).values():
        assert not status.intact and not status.bottom_line


def test_a_flipped_byte_in_the_principals_revision_breaks_it_and_what_follows(
        world: World, primary: bytes, tmp_path: Path) -> None:
    [cbql] = [f for f in _fields(primary) if f.name == "CBQL"]
    document = PdfFile(primary)
    signing_time = primary.index(b"/M (D:2025", document.offset_of(cbql.dictionary[Name("V")].num))
    tampered = bytearray(primary)
    tampered[signing_time + 10] ^= 0x01  # a digit of the CBQL signature's /M
    found = signatures(pdfsig(world, bytes(tampered), tmp_path))
    assert "Signature is Valid." in found["GVCN"]  # its revision is untouched
    assert "Signature is Valid." not in found["CBQL"]
    assert "Signature is Valid." not in found["KY_PHAT_HANH"]


def test_new_page_content_after_the_signatures_is_flagged(
        world: World, primary: bytes, tmp_path: Path) -> None:
    document = PdfFile(primary)
    page_ref = next(document.pages())
    page = dict(document.get(page_ref))
    update = IncrementalUpdate(document)
    forged = update.add(Stream({}, b"BT /F1 24 Tf 100 700 Td (Xuat sac) Tj ET"))
    contents = page[Name("Contents")]
    page[Name("Contents")] = [*(contents if isinstance(contents, list) else [contents]), forged]
    update.put(page_ref, page)
    changed = bytes(update.write())
    for field, status in validate(world, changed).items():
        assert status.intact and status.valid, field  # the signed bytes are untouched...
        assert not status.docmdp_ok and not status.bottom_line, field  # ...but not allowed
        assert str(status.modification_level) == "ModificationLevel.OTHER"
    found = signatures(pdfsig(world, changed, tmp_path))
    assert all("Not total document signed" in block for block in found.values())


# --- what a person sees --------------------------------------------------------------------------

def test_the_stamps_show_name_role_and_time_in_vietnamese(
        primary: bytes, tmp_path: Path) -> None:
    path = tmp_path / "hoc-ba.pdf"
    path.write_bytes(primary)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    text = re.sub(r"\s+", " ", text)
    for expected in ("Ký bởi: Lê Thị Thu", "Giáo viên chủ nhiệm", "Ký bởi: Phạm Văn Hùng",
                     "Hiệu trưởng", "Thời gian: 30/05/2025 14:05", "Văn thư ký phát hành",
                     "Ký bởi: Trường Tiểu học Phật Tích", "30/05/2025 14:05"):
        assert expected in text, expected


def test_the_stamp_font_is_embedded_once_and_reused(primary: bytes) -> None:
    assert primary.count(b"/FontName /HOCBAV+NotoSerif-Regular") == 1
    assert primary.count(b"/BaseFont /HOCBAV+NotoSerif-Regular") == 2  # Type0 + CIDFont


# --- refusals ----------------------------------------------------------------------------------

def test_an_unknown_or_already_signed_field_is_refused_by_name(
        world: World, primary: bytes) -> None:
    person = world.people["CBQL"]
    with pytest.raises(PdfSigningError, match="Không có ô chữ ký «HIEU_PHO» trong học bạ"):
        sign_pdf(primary, "HIEU_PHO", person.signer, signing_time=SIGNED_AT,
                 appearance=person.stamp())
    with pytest.raises(PdfSigningError, match="Ô chữ ký «CBQL» đã được ký"):
        sign_pdf(primary, "CBQL", person.signer, signing_time=SIGNED_AT,
                 appearance=person.stamp())


def test_a_signature_that_does_not_match_the_digest_is_not_written(world: World) -> None:
    person = world.people["GVCN"]
    prepared = prepare_pdf_signature(render("primary"), "GVCN", person.signer.certificate,
                                     person.signer.chain, signing_time=SIGNED_AT,
                                     appearance=person.stamp())
    [wrong] = person.signer.sign_digests([bytes(32)])
    with pytest.raises(PdfSigningError, match="không khớp với chứng thư số"):
        prepared.finish(wrong)


def test_the_seal_needs_a_time_stamp_authority(world: World) -> None:
    person = world.people["KY_PHAT_HANH"]
    with pytest.raises(PdfSigningError, match="cần máy chủ cấp dấu thời gian"):
        sign_pdf(render("primary"), "KY_PHAT_HANH", person.signer, signing_time=SIGNED_AT,
                 appearance=person.stamp())


# --- many digests per confirmation, and xref streams ---------------------------------------------

def test_a_class_is_signed_with_one_confirmation(world: World, tmp_path: Path) -> None:
    person = world.people["GVCN"]
    records = [render("primary"), render("primary")]
    prepared = [prepare_pdf_signature(pdf, "GVCN", person.signer.certificate,
                                      person.signer.chain, signing_time=SIGNED_AT,
                                      appearance=person.stamp()) for pdf in records]
    signatures_ = person.signer.sign_digests([p.digest for p in prepared])  # one confirmation
    for index, (one, signature) in enumerate(zip(prepared, signatures_, strict=True)):
        found = signatures(pdfsig(world, one.finish(signature), tmp_path, f"{index}.pdf"))
        assert "Signature is Valid." in found["GVCN"]


def test_a_file_with_a_cross_reference_stream_gets_one_too(world: World, tmp_path: Path) -> None:
    document = PdfFile(render("primary"))
    update = IncrementalUpdate(document)
    document.uses_xref_stream = True  # as if the last writer had used xref streams
    update.put(document.root_ref, dict(document.root))
    streamed = bytes(update.write())
    signed = sign_chain(world, streamed, ["GVCN", "CBQL"])
    assert signed.count(b"/Type /XRef") == 3 and b"\ntrailer\n" not in signed[len(streamed):]
    found = signatures(pdfsig(world, signed, tmp_path))
    assert all("Signature is Valid." in block for block in found.values()) and len(found) == 2
    for status in validate(world, signed).values():
        assert status.bottom_line



def test_a_whole_book_signs_its_year_suffixed_fields(world: World, tmp_path: Path) -> None:
    from hocba.rendering import render_book

    with (EXAMPLES / "record-primary.json").open(encoding="utf-8") as handle:
        book = render_book([json.load(handle)], verify_url=VERIFY_URL)
    teacher, principal, school = (world.people[k] for k in ("GVCN", "CBQL", "KY_PHAT_HANH"))
    pdf = book
    for field, person in (("GVCN_2024-2025", teacher), ("CBQL_2024-2025", principal),
                          ("KY_PHAT_HANH_2024-2025", school)):
        pdf = sign_pdf(pdf, field, person.signer, signing_time=SIGNED_AT,
                       appearance=person.stamp(), timestamper=world.tsa)
    found = signatures(pdfsig(world, pdf, tmp_path))
    assert set(found) == {"GVCN_2024-2025", "CBQL_2024-2025", "KY_PHAT_HANH_2024-2025"}
    assert all("Signature is Valid." in block for block in found.values())
    assert "Total document signed" in found["KY_PHAT_HANH_2024-2025"]
    # the seal of a year is B-LT by default too
    assert len(DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf))).ocsps) >= 4


def test_a_revoked_seal_certificate_does_not_issue(world: World) -> None:
    pki = world.pki
    issued = pki.issue_organisation("Trường Tiểu học Đã Đóng Cửa", "27269999")
    pki.revoke(issued.certificate.serial_number)
    seal = Pkcs12Signer.load(issued.pkcs12_path, issued.password)
    certified = sign_chain(world, render("primary"), ["GVCN", "CBQL"])
    with pytest.raises(SigningError, match="Trường Tiểu học Đã Đóng Cửa đã bị thu hồi"):
        sign_pdf(certified, "KY_PHAT_HANH", seal, signing_time=SIGNED_AT,
                 appearance=StampText("Trường Tiểu học Đã Đóng Cửa", "Văn thư", SIGNED_AT),
                 timestamper=world.tsa)


def test_the_reader_takes_strings_and_names_as_iso_32000_writes_them() -> None:
    from hocba.signing.pdf_objects import HexString, parse_object, serialize

    samples = {
        rb"(a\(b\)c)": b"a(b)c", rb"(a(b)c)": b"a(b)c", b"(a\\\\b)": b"a\\b",
        rb"(\376\377\000G)": b"\xfe\xff\x00G", b"(line\\\ncont)": b"linecont",
        rb"(\0053)": b"\x053", rb"(x\qy)": b"xqy", b"<48 65 6C6c6>": b"Hell`", b"(a\\\r\nb)": b"ab",
    }
    for written, expected in samples.items():
        assert parse_object(written, 0)[0] == expected, written
    value = {Name("T"): b"GVCN (2024)", Name("A#B"): [1, HexString(b"\x00"), None, True]}
    assert parse_object(serialize(value), 0)[0] == value
    with pytest.raises(ValueError, match="chuỗi chưa đóng ngoặc"):
        parse_object(b"(a\\\\(b)", 0)


def test_pdfsig_22_12_doubts_a_second_signature_by_the_same_certificate(
        world: World, tmp_path: Path) -> None:
    """A teacher of two subjects signs two GVBM fields with one certificate. pyHanko trusts
    both; poppler 22.12's pdfsig says "Unknown issue with Certificate" for whichever of them
    it checks second, whatever the signing order, so it is poppler's, not our CMS's.

    Why (traced with gdb in pdfsig 22.12 + NSS): poppler's SignatureHandler imports each
    CMS certificate with ``CERT_NewTempCertificate(db, der, NULL, PR_FALSE, copyDER=PR_FALSE)``
    over the CMS message's memory and frees that message after the signature; NSS's libpkix
    still holds the certificate object, now pointing at freed DER. For the next signature by
    the same certificate NSS no longer matches the bytes but finds the issuer and serial
    number taken, so the import and ``CERT_PKIXVerifyCert`` fail with
    SEC_ERROR_REUSED_ISSUER_AND_SERIAL (-8054), which poppler maps to its catch-all
    CERTIFICATE_GENERIC_ERROR. Nothing in the CMS avoids it: the signing certificate must be
    in SignedData.certificates (ETSI EN 319 142-1 §6.3), and pyHanko's CMS fails alike.
    """
    teacher = world.people["GVBM_TOAN"]

    def signed_in_order(fields: list[str]) -> bytes:
        pdf = render("secondary")
        for field in fields:
            pdf = sign_pdf(pdf, field, teacher.signer, signing_time=SIGNED_AT,
                           appearance=teacher.stamp())
        return pdf

    version = subprocess.run(["pdfsig", "-v"], capture_output=True, text=True).stderr
    for order in (["GVBM_TOAN", "GVBM_NGU_VAN"], ["GVBM_NGU_VAN", "GVBM_TOAN"]):
        pdf = signed_in_order(order)
        for field, status in validate(world, pdf).items():
            assert status.bottom_line, field
        report = pdfsig(world, pdf, tmp_path)
        found = signatures(report)
        assert list(found) == ["GVBM_TOAN", "GVBM_NGU_VAN"]  # pdfsig's order: the form's
        assert all("Signature is Valid." in block for block in found.values())
        assert "Certificate is Trusted." in found["GVBM_TOAN"]
        second = found["GVBM_NGU_VAN"]
        if "pdfsig version 22.12." in version:
            assert "Unknown issue with Certificate or corrupted data." in second, order
        else:  # a poppler that keeps its certificates' bytes trusts both
            assert "Certificate is Trusted." in second, (version, second)


def test_a_parsed_file_kept_between_signatures_writes_the_same_bytes_as_reading_it_again(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """``pades`` keeps the parsed file under each PDF it signed and reads only the next
    signer's new update (``PdfFile.extended``): the files must be the same, byte for byte
    (the same signature values replayed; only the reading differs)."""
    from hocba.signing import pades

    pdf = render("secondary")
    fields = [f.name for f in _fields(pdf) if f.name.startswith("GVBM_")] + ["GVCN", "CBQL"]

    def run(keep: int, values: list[bytes] | None) -> tuple[list[bytes], list[bytes]]:
        monkeypatch.setattr(pades, "_DOCUMENTS", pades._Documents(keep))
        data, files, used = pdf, [], []
        for n, field in enumerate(fields):
            person = world.people[field]
            prepared = prepare_pdf_signature(data, field, person.signer.certificate,
                                             person.signer.chain, signing_time=SIGNED_AT,
                                             appearance=person.stamp())
            value = values[n] if values else person.signer.sign_digests([prepared.digest])[0]
            data = prepared.finish(value)
            files.append(data)
            used.append(value)
        return files, used

    extended: list[int] = []
    original = PdfFile.extended.__func__  # type: ignore[attr-defined]

    def counted(cls: type[PdfFile], previous: PdfFile, data: bytes) -> PdfFile:
        extended.append(len(data))
        return original(cls, previous, data)  # type: ignore[no-any-return]

    monkeypatch.setattr(PdfFile, "extended", classmethod(counted))
    kept, values = run(128, None)
    assert len(extended) == len(fields) - 1  # every signature after the first reused one
    read, _ = run(0, values)
    assert kept == read
    assert [f.name for f in _fields(kept[-1]) if f.signed] == fields
