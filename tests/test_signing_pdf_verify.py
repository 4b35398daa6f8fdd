"""Our own PDF verifier (issue 5 "Independent acceptance"): one check per signed field, judged
offline from the record's DSS at its seal's time-stamp; a changed byte, a foreign root and a
file that is not a PDF are each told apart in Vietnamese.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore

from hocba.signing import ensure_demo_pki
from hocba.signing.pdf_incremental import PdfFile
from hocba.signing.pdf_objects import Name
from hocba.signing.pdf_verify import PdfSignatureCheck, PdfVerificationError, verify_pdf
from tests.test_signing_pdf import World, render, sign_chain, world  # noqa: F401


@pytest.fixture(scope="module")
def sealed(world: World) -> bytes:  # noqa: F811
    return sign_chain(world, render("primary"), ["GVCN", "CBQL", "KY_PHAT_HANH"])


def anchors(world: World) -> list[x509.Certificate]:  # noqa: F811
    return [world.pki.root]


def by_field(checks: list[PdfSignatureCheck]) -> dict[str, PdfSignatureCheck]:
    return {c.field: c for c in checks}


def page_content_flipped(pdf: bytes) -> bytes:
    document = PdfFile(pdf)
    contents = document.get(next(document.pages()))[Name("Contents")]
    offset = document.offset_of((contents[0] if isinstance(contents, list) else contents).num)
    tampered = bytearray(pdf)
    tampered[pdf.index(b"stream\n", offset) + 20] ^= 0x01  # page 1's content, revision 1
    return bytes(tampered)


def test_a_sealed_record_is_valid_in_every_signature(world: World, sealed: bytes) -> None:  # noqa: F811
    checks = by_field(verify_pdf(sealed, anchors(world)))
    assert list(checks) == ["GVCN", "CBQL", "KY_PHAT_HANH"]
    for check in checks.values():
        assert check.intact and check.valid and check.trusted, check
        assert check.reason.startswith("Hợp lệ")
    seal = checks["KY_PHAT_HANH"]
    assert seal.covers_whole_document and seal.modification_level == "NONE"
    assert seal.timestamped and seal.signing_time is not None
    assert seal.identity_number == "MA_TRUONG:27260001"
    assert "CN=Trường Tiểu học Phật Tích" in seal.signer
    teacher = checks["GVCN"]
    assert not teacher.covers_whole_document and teacher.modification_level == "FORM_FILLING"
    assert teacher.identity_number == "CCCD:027180000011" and not teacher.timestamped
    assert checks["CBQL"].identity_number == "CCCD:027175000003"


def test_a_sealed_record_still_verifies_after_its_ocsp_answers_expire(
        world: World, sealed: bytes, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """The demo OCSP answers in the DSS are good for an hour. Two days later a verifier that
    judges "now" finds no current status (hard-fail: not trusted); ``verify_pdf`` judges at
    the seal's time-stamp, as PAdES B-LT means it to be read years later."""
    import pyhanko_certvalidator.context as certvalidator_context

    class TwoDaysLater(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> TwoDaysLater:
            return cls.fromtimestamp(dt.datetime.now(tz).timestamp() + 2 * 86400, tz)

    monkeypatch.setattr(certvalidator_context, "datetime", TwoDaysLater)
    reader = PdfFileReader(io.BytesIO(sealed))
    now_context = DocumentSecurityStore.read_dss(reader).as_validation_context({
        "trust_roots": [asn1_x509.Certificate.load(world.pki.root.public_bytes(Encoding.DER))],
        "allow_fetching": False, "revocation_mode": "hard-fail"})
    with ThreadPoolExecutor(max_workers=1) as pool:  # pyHanko's asyncio.run, off any loop
        naive = pool.submit(validate_pdf_signature, reader.embedded_signatures[0],
                            now_context).result()
    assert not naive.trusted  # "now" is past every OCSP answer's nextUpdate
    checks = verify_pdf(sealed, anchors(world))
    assert all(c.valid and c.trusted for c in checks), [c.reason for c in checks]


def test_one_flipped_byte_of_page_content_is_not_intact(world: World, sealed: bytes) -> None:  # noqa: F811
    for check in verify_pdf(page_content_flipped(sealed), anchors(world)):
        assert not check.intact and not check.valid, check
        assert "bị sửa" in check.reason


def test_a_changed_byte_in_a_signatures_zero_padding_is_refused(
        world: World, sealed: bytes) -> None:  # noqa: F811
    """/Contents (outside every /ByteRange) holds the CMS and zeros; pdfsig ignores the
    zeros, we account for them: one changed, the seal is not valid."""
    padding = sealed.rindex(b"00000000>")  # the last signature's /Contents: the seal's
    tampered = bytearray(sealed)
    tampered[padding] = ord("1")
    checks = by_field(verify_pdf(bytes(tampered), anchors(world)))
    assert checks["GVCN"].valid and checks["CBQL"].valid
    seal = checks["KY_PHAT_HANH"]
    assert seal.intact and not seal.valid and "dữ liệu lạ sau chữ ký" in seal.reason


def test_a_record_signed_under_a_foreign_root_is_not_trusted(
        world: World, sealed: bytes, tmp_path: Path) -> None:  # noqa: F811
    foreign = ensure_demo_pki(tmp_path / "other-pki").root
    for check in verify_pdf(sealed, [foreign]):
        assert check.intact and not check.trusted and not check.valid, check
        assert "không chuỗi tới CA gốc tin cậy" in check.reason


def test_a_record_still_in_the_chain_is_checked_without_a_dss(world: World) -> None:  # noqa: F811
    signed = sign_chain(world, render("primary"), ["GVCN", "CBQL"])
    checks = by_field(verify_pdf(signed, anchors(world)))
    assert checks["CBQL"].valid and checks["CBQL"].covers_whole_document
    assert checks["GVCN"].valid and not checks["GVCN"].covers_whole_document


def test_a_file_that_is_not_a_pdf_is_refused_in_vietnamese(world: World, sealed: bytes) -> None:  # noqa: F811
    with pytest.raises(PdfVerificationError, match="không phải là PDF"):
        verify_pdf(b"<HocBa/>", anchors(world))
    with pytest.raises(PdfVerificationError, match="tệp PDF hỏng"):
        verify_pdf(b"%PDF-1.7\n1 0 obj << /Type /Catalog", anchors(world))
    assert verify_pdf(render("primary"), anchors(world)) == []  # nothing signed yet


def test_it_runs_where_an_event_loop_is_running(world: World, sealed: bytes) -> None:  # noqa: F811
    async def inside() -> list[PdfSignatureCheck]:
        return verify_pdf(sealed, anchors(world))

    # A thread of its own, so the loop is ours even after the browser journeys left one
    # running in the main thread.
    with ThreadPoolExecutor(1) as pool:
        checks = pool.submit(asyncio.run, inside()).result()
    assert checks and all(c.valid for c in checks)


def test_an_archive_time_stamp_is_checked_as_a_field_of_its_own(world: World) -> None:  # noqa: F811
    """B-LTA: a document time-stamp over the DSS after the seal; every signature is judged at
    the seal's time-stamp, the document time-stamp at its own."""
    pdf = sign_chain(world, render("primary"), ["GVCN", "CBQL", "KY_PHAT_HANH"],
                     KY_PHAT_HANH="B-LTA")
    checks = by_field(verify_pdf(pdf, anchors(world)))
    assert list(checks) == ["GVCN", "CBQL", "KY_PHAT_HANH", "DAU_THOI_GIAN_1"]
    assert all(c.valid and c.intact and c.trusted for c in checks.values()), checks
    stamp = checks["DAU_THOI_GIAN_1"]
    assert stamp.timestamped and stamp.covers_whole_document
    assert not checks["KY_PHAT_HANH"].covers_whole_document
