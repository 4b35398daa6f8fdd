"""The printable học bạ (issue 4, part 3): the PDF as poppler, zbar and pyHanko see it.

Every check reads the real file with an independent tool: ``pdfinfo`` (page size and count),
``pdffonts`` (embedding), ``pdftotext`` (what a reader copies out), ``pdftoppm`` + ``zbarimg``
(the QR code as a phone reads it) and pyHanko's reader (the signature fields). The test that
writes docs/record-pages/*.png keeps a picture of every template page under review.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
import shutil
import subprocess
import unicodedata
import uuid
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from hocba.rendering import RenderError, render_book, render_record
from hocba.rendering.preview import main as preview_main
from hocba.rendering.preview import page_images
from hocba.rendering.qr import qr_code, verification_address
from hocba.rendering.specimen import full_year

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "docs" / "examples"
PAGES = REPO / "docs" / "record-pages"
VERIFY = "https://hocba.example.vn/tra-cuu"
TOOLS = ("pdfinfo", "pdffonts", "pdftotext", "pdftoppm", "zbarimg")


@pytest.fixture(scope="module", autouse=True)
def _poppler_and_zbar() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(f"Missing {', '.join(missing)}: the PDF tests need the Debian packages "
                    "poppler-utils and zbar-tools.", pytrace=False)


def example(level: str) -> dict[str, Any]:
    return json.loads((EXAMPLES / f"record-{level}.json").read_text(encoding="utf-8"))


def run(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True).stdout


def saved(pdf: bytes, folder: Path, name: str = "hocba.pdf") -> Path:
    path = folder / name
    path.write_bytes(pdf)
    return path


def text_of(pdf: bytes, folder: Path, *, layout: bool = True) -> str:
    """What pdftotext extracts; with ``layout`` a table row stays on one line."""
    mode = ["-layout"] if layout else []
    return run("pdftotext", *mode, "-enc", "UTF-8", str(saved(pdf, folder, "text.pdf")), "-")


def words(text: str) -> str:
    """``text`` with every run of white space as one space (a wrapped cell reads whole)."""
    return " ".join(text.split())


def info(pdf: bytes, folder: Path) -> dict[str, str]:
    out = run("pdfinfo", str(saved(pdf, folder, "info.pdf")))
    return {k.strip(): v.strip() for k, v in
            (line.split(":", 1) for line in out.splitlines() if ":" in line)}


def qr_payloads(pdf: bytes, folder: Path, page: int) -> list[str]:
    source = saved(pdf, folder, "qr.pdf")
    subprocess.run(["pdftoppm", "-r", "150", "-f", str(page), "-l", str(page), "-png",
                    str(source), str(folder / "qr")], check=True)
    image = next(folder.glob("qr-*.png"))
    out = subprocess.run(["zbarimg", "--quiet", "--raw", str(image)], capture_output=True,
                         text=True, check=False)
    return out.stdout.splitlines()


def pdf_date(value: str) -> datetime:
    """A PDF date (``D:20250530070500Z`` or ``D:20250530140500+07'00'``) as a datetime."""
    found = re.fullmatch(r"D:(\d{14})(Z|[+-]\d\d'\d\d'?)", value)
    assert found, value
    zone = "+00:00" if found.group(2) == "Z" else found.group(2)[:6].replace("'", ":")
    return datetime.strptime(found.group(1) + zone, "%Y%m%d%H%M%S%z")


def fields(pdf: bytes) -> dict[str, dict[str, Any]]:
    """Every signature field: its value (None when empty), page index and rectangle."""
    reader = PdfFileReader(BytesIO(pdf))
    pages = [reader.find_page_for_modification(i)[0].idnum
             for i in range(int(reader.root["/Pages"]["/Count"]))]
    out = {}
    for name, value, ref in enumerate_sig_fields(reader):
        field = ref.get_object()
        out[name] = {"value": value, "page": pages.index(field.raw_get("/P").idnum),
                     "rect": [float(v) for v in field["/Rect"]]}
    return out


@pytest.fixture(scope="module")
def primary_pdf() -> bytes:
    return render_record(example("primary"), verify_url=VERIFY)


@pytest.fixture(scope="module")
def secondary_pdf() -> bytes:
    return render_record(example("secondary"), verify_url=VERIFY)


def previous_year(record: dict[str, Any]) -> dict[str, Any]:
    """The same student's grade 6 year, a year before the secondary example."""
    older = copy.deepcopy(record)
    older.update(school_year="2023-2024", lookup_code="5d1e2c3b-4a59-4687-9a0b-c1d2e3f4a5b6",
                 composed_at="2024-05-29T10:00:00+07:00", created_on="2024-05-29",
                 homeroom_comment="Em hiền lành, chăm chỉ.")
    older["class"] = {"name": "6A", "grade": 6}
    older["history"] = record["history"][:1]
    older["secondary"]["subjects"] = [
        {**record["secondary"]["subjects"][0], "hk1": "6.1", "hk2": "6.6", "year": "6.4"},
        {**record["secondary"]["subjects"][2], "name": "Giáo dục thể chất"},
        {"code": "KHTN", "name": "Khoa học tự nhiên", "assessment": "score", "hk1": "8.0",
         "hk2": "8.4", "year": "8.3", "retest": None,
         "teacher": {"name": "Trịnh Văn Quyết", "identity_number": "027185000031"},
         "comment": None},
    ]
    return older


# --- pages, fonts and metadata ------------------------------------------------------------

@pytest.mark.parametrize("level", ["primary", "secondary"])
def test_one_year_is_four_a4_pages_with_title_and_composed_date(level, tmp_path, request):
    # CV 2088 PL2: cover, identity page, then the year (two pages, A4).
    pdf = request.getfixturevalue(f"{level}_pdf")
    record = example(level)
    meta = info(pdf, tmp_path)
    assert meta["Pages"] == "4"
    assert "(A4)" in meta["Page size"]
    assert record["student"]["full_name"] in meta["Title"]
    assert record["school_year"] in meta["Title"]
    assert meta["Author"] == record["school"]["name"]
    # The creation date is the record's composed_at, not the clock: rendering the same
    # record gives the same pages.
    reader = PdfFileReader(BytesIO(pdf))
    created = pdf_date(str(reader.trailer["/Info"]["/CreationDate"]))
    assert created == datetime.fromisoformat(record["composed_at"])


@pytest.mark.parametrize("level", ["primary", "secondary"])
def test_every_font_is_embedded_liberation_serif(level, tmp_path, request):
    pdf = request.getfixturevalue(f"{level}_pdf")
    rows = run("pdffonts", str(saved(pdf, tmp_path))).splitlines()[2:]
    assert rows
    for row in rows:
        name, *_rest = row.split()
        assert "LiberationSerif" in name
        assert row.split()[-5:-3] == ["yes", "yes"], row  # emb, sub


@pytest.mark.parametrize("level", ["primary", "secondary"])
def test_pdfa_2b_identification_survives_the_signature_fields_update(level, request):
    pdf = request.getfixturevalue(f"{level}_pdf")
    reader = PdfFileReader(BytesIO(pdf))
    assert reader.xrefs.total_revisions == 2  # Typst's file + the fields' update
    assert reader.trailer["/ID"][0] != reader.trailer["/ID"][1]  # a new revision (§14.4)
    xmp = reader.root["/Metadata"].data.decode("utf-8")
    assert re.search(r'pdfaid:part(="|>)2', xmp)
    assert re.search(r'pdfaid:conformance(="|>)B', xmp)
    # PDF/A wants the Info dictionary and the XMP to agree; the update leaves both as Typst
    # wrote them, so the modification date stays the record's composed_at.
    info_dict = reader.trailer["/Info"]
    producer = info_dict.get("/Producer")
    if producer is None:
        assert "pdf:Producer" not in xmp
    else:
        assert f'pdf:Producer="{producer}"' in xmp or f"<pdf:Producer>{producer}<" in xmp
    info_date = pdf_date(str(info_dict["/ModDate"]))
    xmp_date = re.search(r'xmp:ModifyDate(?:="|>)([^"<]+)', xmp)
    assert xmp_date and datetime.fromisoformat(xmp_date.group(1)) == info_date
    assert info_date == datetime.fromisoformat(example(level)["composed_at"])


def test_rendering_the_same_record_twice_gives_the_same_bytes(primary_pdf):
    # Nothing in the file comes from the clock or chance: a record's PDF can be rebuilt and
    # compared byte for byte.
    assert render_record(example("primary"), verify_url=VERIFY) == primary_pdf


def test_metadata_holds_no_identity_number_or_birth_date(primary_pdf):
    reader = PdfFileReader(BytesIO(primary_pdf))
    student = example("primary")["student"]
    metadata = reader.root["/Metadata"].data.decode("utf-8") + repr(
        {k: str(v) for k, v in reader.trailer["/Info"].items()})
    for private in (student["identity_number"], student["birth_date"], student["code"],
                    student["address"], student["mother"]):
        assert private not in metadata


# --- what a reader copies out ---------------------------------------------------------------

def test_primary_text_has_name_every_subject_labels_and_lookup_code(primary_pdf, tmp_path):
    record = example("primary")
    text = text_of(primary_pdf, tmp_path)
    assert unicodedata.is_normalized("NFC", text)
    assert "Nguyễn Thị Ngọc Ánh" in text
    for subject in record["primary"]["subjects"]:
        assert subject["name"] in words(text_of(primary_pdf, tmp_path, layout=False))
    assert text.count(record["lookup_code"]) == 2  # identity page and the year's page
    assert "HỌC BẠ TIỂU HỌC" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    # Codes print as the regulation's words: TT 27/2020 Điều 7.1.a (T, H), 7.2 (T, Đ),
    # 9.2.a (HTXS), Điều 13 (HS_XUAT_SAC).
    assert re.search(r"Tiếng Việt\s+Hoàn thành tốt\s+9\s+Đọc lưu loát", text)
    assert re.search(r"Đạo đức\s+Hoàn thành tốt", text)
    assert re.search(r"Chăm chỉ\s+Tốt", text)
    flat = words(text)
    assert "Đánh giá kết quả giáo dục: Hoàn thành xuất sắc" in flat
    assert "Khen thưởng: Học sinh Xuất sắc" in flat
    assert "Hoàn thành chương trình lớp 4; Được lên lớp 5" in flat
    assert "Ngày, tháng, năm sinh: 17/05/2014" in flat
    assert "Giới tính: Nữ" in flat
    assert "Phật Tích, ngày 30 tháng 5 năm 2025" in flat


def test_secondary_text_has_every_subject_with_terms_year_and_teacher(secondary_pdf, tmp_path):
    record = example("secondary")
    text = text_of(secondary_pdf, tmp_path)
    assert "Trần Đức Hưng" in text
    assert "HỌC BẠ TRUNG HỌC CƠ SỞ" in text
    assert text.count(record["lookup_code"]) == 2
    # Scores with the Vietnamese decimal comma (TT 22/2021 Điều 5.3.b: one decimal);
    # comment-only subjects as Đ (Điều 5.3.a).
    assert re.search(r"1\s+Toán\s+7,9\s+8,3\s+8,2\s+Nguyễn Thị Mai", text)
    assert re.search(r"2\s+Ngữ văn\s+6,8\s+7,0\s+6,9\s+Đỗ Văn Khánh", text)
    assert re.search(r"3\s+Giáo dục thể chất\s+Đ\s+Đ\s+Đ\s+Vũ Minh Tuấn", text)
    # Học tập and rèn luyện per term and year (Điều 8, 9), absences, promotion (Điều 12),
    # award (Điều 15), the homeroom comment.
    assert re.search(r"Học kì I\s+Khá\s+Tốt", text)
    assert re.search(r"Cả năm\s+Khá\s+Tốt", text)
    flat = words(text)
    assert "Tổng số buổi nghỉ học cả năm: 4 (có phép: 3, không phép: 1)" in flat
    assert "Được lên lớp 8" in flat
    assert "Khen thưởng: Học sinh Giỏi" in flat
    assert "Em chăm ngoan, có ý thức tự học." in flat
    assert "PHÊ DUYỆT CỦA HIỆU TRƯỞNG" in flat


def test_a_name_typed_decomposed_prints_and_extracts_exactly_as_composed(primary_pdf, tmp_path):
    record = example("primary")
    decomposed = copy.deepcopy(record)
    decomposed["student"]["full_name"] = unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Ánh")
    decomposed["primary"]["subjects"][0]["comment"] = unicodedata.normalize(
        "NFD", record["primary"]["subjects"][0]["comment"])
    assert decomposed["student"]["full_name"] != record["student"]["full_name"]
    pdf = render_record(decomposed, verify_url=VERIFY)
    assert text_of(pdf, tmp_path) == text_of(primary_pdf, tmp_path)


def test_signing_date_pads_day_and_january_february_with_a_zero(tmp_path):
    # NĐ 30/2020/NĐ-CP Phụ lục I: "ngày 05 tháng 01", but "tháng 5" stays as it is.
    record = example("secondary")
    record["issued_on"] = "2025-01-05"
    text = words(text_of(render_record(record, verify_url=VERIFY), tmp_path))
    assert "Tiên Du, ngày 05 tháng 01 năm 2025" in text
    assert "Ngày ký: 05/01/2025" in text


def test_grade_five_completes_primary_rather_than_moving_up(tmp_path):
    # TT 27/2020 Điều 11 (grade 5): "Hoàn thành chương trình tiểu học", no "Được lên lớp 6".
    record = example("primary")
    record["class"] = {"name": "5A", "grade": 5}
    record["primary"].update(completed_primary=True, completion_text=None)
    text = words(text_of(render_record(record, verify_url=VERIFY), tmp_path))
    assert "tiểu học: Hoàn thành chương trình tiểu học Phật Tích, ngày" in text
    assert "Được lên lớp" not in text


def test_nulls_the_contract_allows_print_blank(tmp_path):
    # docs/record.schema.json: the homeroom teacher, identity number, district and health
    # may be null.
    record = example("secondary")
    record["signers"]["homeroom"] = None
    record["student"]["identity_number"] = None
    record["school"]["district"] = None
    record["secondary"]["subjects"][0]["teacher"] = None
    pdf = render_record(record, verify_url=VERIFY)
    text = words(text_of(pdf, tmp_path))
    assert "027212000107" not in text
    assert "Mã số định danh cá nhân: Quốc tịch" in text  # the label stays, the value blank
    assert "Huyện" not in text
    assert "Lê Thị Thu" not in text and "Nguyễn Thị Mai" not in text
    assert {"GVCN", "GVBM_TOAN"} <= set(fields(pdf))


def test_continuing_education_prints_hoc_vien(tmp_path):
    record = example("secondary")
    record["regime"] = "gdtx"
    text = words(text_of(render_record(record, verify_url=VERIFY), tmp_path))
    assert "Họ và tên học viên: Trần Đức Hưng" in text
    assert "học sinh" not in text


# --- the QR code ------------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["primary", "secondary"])
def test_qr_holds_only_the_verification_address_and_lookup_code(level, tmp_path, request):
    pdf = request.getfixturevalue(f"{level}_pdf")
    code = example(level)["lookup_code"]
    assert qr_payloads(pdf, tmp_path, page=2) == [f"{VERIFY}?ma={code}"]


def test_qr_with_the_fixed_mask_reads_back_for_many_lookup_codes(tmp_path):
    # qr.py fixes the data mask instead of scoring all eight (ISO/IEC 18004 §7.8.3): any
    # mask decodes, and zbar reads every one of these codes.
    chance = random.Random(4)
    expected = []
    for n in range(24):
        code = str(uuid.UUID(int=chance.getrandbits(128), version=4))
        expected.append(verification_address(VERIFY, code))
        qr_code(expected[-1]).save(str(tmp_path / f"qr{n:02}.png"), scale=3, border=4)
    images = sorted(str(p) for p in tmp_path.glob("qr*.png"))
    assert run("zbarimg", "--quiet", "--raw", *images).splitlines() == expected


def test_verify_url_with_its_own_query_is_refused():
    with pytest.raises(RenderError, match=r"không được có phần «\?…»"):
        render_record(example("primary"), verify_url=f"{VERIFY}?lang=vi")


def test_lookup_code_must_be_a_uuid():
    record = example("primary")
    record["lookup_code"] = "HB-2025-0042"
    with pytest.raises(RenderError, match="lookup_code: «HB-2025-0042» không phải mã tra cứu"):
        render_record(record, verify_url=VERIFY)


# --- signature fields -------------------------------------------------------------------------

@pytest.mark.parametrize("level", ["primary", "secondary"])
def test_each_field_is_a_standard_signature_widget_on_its_page(level, request):
    # ISO 32000-1 §12.7.4.5 and §12.5.6.19, PDF/A-2 §6.3.2–6.3.3: one merged field/widget
    # dictionary per slot, listed in the AcroForm and on its page, printable, with an
    # appearance holding only /N. The signing issue fills the fields by their /T names.
    reader = PdfFileReader(BytesIO(request.getfixturevalue(f"{level}_pdf")))
    acro_form = reader.root["/AcroForm"]
    assert acro_form["/SigFlags"] == 1
    listed = [ref.idnum for ref in acro_form.raw_get("/Fields")]
    assert len(listed) == len(set(listed)) >= 3
    for ref in acro_form.raw_get("/Fields"):
        field = ref.get_object()
        assert field["/FT"] == "/Sig" and "/V" not in field
        assert field["/Type"] == "/Annot" and field["/Subtype"] == "/Widget"
        assert field["/F"] == 4
        assert re.fullmatch(r"[A-Z_]+", field["/T"])
        assert len(field["/Rect"]) == 4 and field["/TU"]
        page = field["/P"]
        assert ref.idnum in [a.idnum for a in page.raw_get("/Annots")]
        appearance = field["/AP"]
        assert list(appearance) == ["/N"] and appearance["/N"]["/Subtype"] == "/Form"


def test_primary_has_empty_fields_for_homeroom_principal_and_school(primary_pdf):
    found = fields(primary_pdf)
    assert set(found) == {"GVCN", "CBQL", "KY_PHAT_HANH"}
    assert all(f["value"] is None for f in found.values())
    assert {f["page"] for f in found.values()} == {3}  # the year's second page


def test_secondary_has_one_empty_field_per_subject_teacher_and_the_three_slots(secondary_pdf):
    found = fields(secondary_pdf)
    assert set(found) == {"GVBM_TOAN", "GVBM_NGU_VAN", "GVBM_GDTC", "GVCN", "CBQL",
                          "KY_PHAT_HANH"}
    assert all(f["value"] is None for f in found.values())
    teachers = [found[f"GVBM_{code}"] for code in ("TOAN", "NGU_VAN", "GDTC")]
    assert {t["page"] for t in teachers} == {2}  # the subject table
    # One row each, top to bottom in the table's order, no overlap.
    tops = [t["rect"][3] for t in teachers]
    assert tops == sorted(tops, reverse=True)
    for upper, lower in itertools.pairwise(teachers):
        assert lower["rect"][3] <= upper["rect"][1] + 0.01
    assert {found[s]["page"] for s in ("GVCN", "CBQL", "KY_PHAT_HANH")} == {3}


@pytest.mark.parametrize("level", ["primary", "secondary"])
def test_school_seal_overlaps_the_left_third_of_the_principal_signature(level, request):
    # NĐ 30/2020 Điều 26.1; HCMC QĐ 1789/QĐ-SGDĐT Điều 11: the seal covers about a third of
    # the signature, on its left.
    found = fields(request.getfixturevalue(f"{level}_pdf"))
    seal, principal = found["KY_PHAT_HANH"]["rect"], found["CBQL"]["rect"]
    width = principal[2] - principal[0]
    assert seal[0] < principal[0]
    assert seal[2] == pytest.approx(principal[0] + width / 3, abs=1)
    assert seal[1] < principal[3] and seal[3] > principal[1]  # same height band


# --- a whole book ---------------------------------------------------------------------------

def test_book_of_two_years_prints_both_with_cover_from_the_latest(tmp_path):
    latest = example("secondary")
    older = previous_year(latest)
    pdf = render_book([latest, older], verify_url=VERIFY)  # any order: printed oldest first
    assert info(pdf, tmp_path)["Pages"] == "6"
    assert "năm học 2023-2024 đến 2024-2025" in info(pdf, tmp_path)["Title"]
    text = text_of(pdf, tmp_path)
    cover = text.split("\f")[0]
    assert "Lớp: 7A" in cover and "Năm học: 2024-2025" in cover
    years = [m.group(1) for m in re.finditer(r"KẾT QUẢ HỌC TẬP NĂM HỌC (\S+)", text)]
    assert years == ["2023-2024", "2024-2025"]
    assert "Khoa học tự nhiên" in text and re.search(r"Toán\s+6,1\s+6,6\s+6,4", text)
    assert older["lookup_code"] in text and latest["lookup_code"] in text
    assert qr_payloads(pdf, tmp_path, page=2) == [f"{VERIFY}?ma={latest['lookup_code']}"]
    names = set(fields(pdf))
    assert {"GVCN_2023-2024", "CBQL_2023-2024", "KY_PHAT_HANH_2023-2024", "GVBM_KHTN_2023-2024",
            "GVCN_2024-2025", "CBQL_2024-2025", "GVBM_NGU_VAN_2024-2025"} <= names
    assert len(names) == 3 + 3 + 3 + 3


def test_book_refuses_a_year_of_another_student():
    latest = example("secondary")
    stranger = previous_year(latest)
    stranger["student"]["code"] = "2726000200999"
    with pytest.raises(RenderError, match="Năm học 2023-2024: là học bạ của học sinh khác"):
        render_book([stranger, latest], verify_url=VERIFY)


def test_book_refuses_to_mix_levels():
    secondary = example("secondary")
    primary = example("primary")
    primary["student"]["code"] = secondary["student"]["code"]
    with pytest.raises(RenderError, match="khác cấp học \\(TH, không phải THCS\\)"):
        render_book([primary, secondary], verify_url=VERIFY)


def test_book_refuses_two_records_of_one_year():
    latest = example("secondary")
    with pytest.raises(RenderError, match="Năm học bị lặp"):
        render_book([latest, latest], verify_url=VERIFY)


def test_missing_field_is_named():
    record = example("secondary")
    del record["student"]["full_name"]
    with pytest.raises(RenderError, match=r"Bản ghi học bạ: thiếu trường student\.full_name"):
        render_record(record, verify_url=VERIFY)


# --- pictures for review --------------------------------------------------------------------

@pytest.mark.parametrize(("level", "prefix"), [("primary", "tieu-hoc"),
                                               ("secondary", "trung-hoc")])
def test_page_images_for_review_are_written_and_stable(level, prefix, tmp_path):
    """docs/record-pages/{prefix}-p*.png: every page of a full-size year (all subjects of the
    grade), so that a template change shows as a changed picture in review."""
    record = full_year(example(level))
    pdf = render_record(record, verify_url=VERIFY)
    images = page_images(pdf, PAGES, prefix)
    assert [p.name for p in images] == [f"{prefix}-p{n}.png" for n in range(1, 5)]
    again = page_images(render_record(record, verify_url=VERIFY), tmp_path, prefix)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in images]
    # Every subject of the grade stays on the year's first page (no table cut).
    first_page = text_of(pdf, tmp_path, layout=False).split("\f")[2]
    subjects = record[level]["subjects"]
    assert len(subjects) >= 13
    for subject in subjects:
        assert subject["name"] in words(first_page)


def test_preview_command_renders_a_book_from_two_files(tmp_path):
    latest = example("secondary")
    files = []
    for record in (previous_year(latest), latest):
        path = tmp_path / f"{record['school_year']}.json"
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        files.append(str(path))
    out = tmp_path / "book.pdf"
    assert preview_main([*files, "-o", str(out), "--png", str(tmp_path / "png")]) == 0
    assert info(out.read_bytes(), tmp_path)["Pages"] == "6"
    assert len(list((tmp_path / "png").glob("hocba-p*.png"))) == 6
