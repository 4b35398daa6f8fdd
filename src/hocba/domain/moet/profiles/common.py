"""What the two profiles share: code tables, THONG_TIN_CHUNG, QUA_TRINH_HOC_TAP, the extension.

Code choices (docs/record.md, "Codes"):

* GIOI_TINH: 1 nam, 2 nữ, as QCVN 109:2017/BTTTT codes sex (0 "unknown" is not used)
  (DOMAIN-SECONDARY.md §3.2, the sector catalogue's ``gioitinh``);
* booleans (DUOC_LEN_LOP, DA_HOAN_THANH_…): 1 / 0, like the catalogue's ``duoclenlop``;
* MA_CAP_HOC: 1 tiểu học, 2 THCS, 3 THPT: our numbering, the official code list was not found;
* NAM_HOC: the first calendar year of the school year (2024 for 2024-2025); TEN_NAM_HOC:
  "2024-2025";
* THONG_TU: the circular the results follow: 27/2020/TT-BGDĐT, 22/2021/TT-BGDĐT, and
  06/VBHN-BGDĐT (the consolidated GDTX learner-assessment regulation) for GDTX learners.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from hocba.domain.assessment.common import Award
from hocba.domain.moet.nodes import Block, Json, Leaf, Repeat, Values
from hocba.domain.moet.values import Codes, Kind

EXTENSION_NS = "urn:hocba:mo-rong:1"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
PHU_LUC = "CV 2088 PL1 Phụ lục 1.1"

SEX = Codes({"nam": "1", "nu": "2"}, "giới tính")  # QCVN 109:2017/BTTTT
LEVEL = Codes({"TH": "1", "THCS": "2", "THPT": "3"}, "mã cấp học")
THONG_TU = {"tt27": "27/2020/TT-BGDĐT", "tt22": "22/2021/TT-BGDĐT", "gdtx": "06/VBHN-BGDĐT"}
AWARD_LABELS = {a.value: a.label for a in Award}  # TT 27/2020 Điều 13; TT 22/2021 Điều 15


def awards(*codes: Award) -> Codes:
    return Codes({a.value: AWARD_LABELS[a.value] for a in codes}, "nội dung khen thưởng")


def school_start_year(record: Json) -> str:
    return str(record["school_year"][:4])


def ext(tag: str) -> str:
    return f"{{{EXTENSION_NS}}}{tag}"


def general_info(*, version: str, regimes: Codes, levels: Codes, health_required: bool
                 ) -> Block:
    """THONG_TIN_CHUNG, in the order of Phụ lục 1.1; signed by the GVCN (Id thongtinhocba)."""
    x = True
    return Block("THONG_TIN_CHUNG", id="thongtinhocba", children=(
        Leaf("PHIEN_BAN", None, derive=lambda _: version),
        Leaf("THONG_TU", "regime", Kind.CODE, x, codes=regimes),
        Leaf("MA_TRA_CUU_UUID", "lookup_code", required=x),
        Leaf("TEN_NAM_HOC", "school_year", required=x),
        Leaf("MA_SO_GIAO_DUC", "school.education_office_code", required=x),
        Leaf("TEN_SO_GD", "school.education_office_name", required=x),
        Leaf("MA_TRUONG", "school.code", required=x),
        Leaf("TEN_TRUONG", "school.name", required=x),
        # X in v1.0; no district after 01/07/2025 (two-tier local government): optional.
        Leaf("TEN_QUAN_HUYEN", "school.district"),
        Leaf("TEN_XA_PHUONG", "school.commune", required=x),
        Leaf("TEN_TINH_THANH_PHO", "school.province", required=x),
        Leaf("MA_CAP_HOC", "level", Kind.CODE, x, codes=levels, also=("book.level",)),
        Leaf("SO_SO_DANG_BO", "book.registry_number", required=x),
        Leaf("HO_VA_TEN", "student.full_name", required=x),
        Leaf("SO_CCCD", "student.identity_number", required=x),
        Leaf("MA_HOC_SINH", "student.code", required=x),
        Leaf("GIOI_TINH", "student.sex", Kind.CODE, x, codes=SEX),
        Leaf("NGAY_SINH", "student.birth_date", Kind.DATE, x),
        Leaf("CAN_NANG", "health.weight_kg", Kind.DECIMAL, health_required),
        Leaf("CHIEU_CAO", "health.height_cm", Kind.DECIMAL, health_required),
        Leaf("TONG_SO_BUOI_NGHI_CO_PHEP", "attendance.excused", Kind.INT, x),
        Leaf("THONG_SO_BUOI_NGHI_KHONG_PHEP", "attendance.unexcused", Kind.INT, x),  # sic
        Leaf("NOI_SINH", "student.birth_place", required=x),
        Leaf("QUE_QUAN", "student.home_town", required=x),
        Leaf("CHO_O_HIEN_NAY", "student.address", required=x),
        Leaf("DAN_TOC", "student.ethnicity", required=x),
        Leaf("QUOC_TICH", "student.nationality", required=x),
        Leaf("HO_VA_TEN_CHA", "student.father"),
        # X in v1.0; a child raised by a guardian has no mother's name to give: the writer
        # requires the mother or the guardian instead (check_parent).
        Leaf("HO_VA_TEN_ME", "student.mother"),
        Leaf("HO_VA_TEN_NGUOI_GIAM_HO", "student.guardian"),
        Leaf("TEN_GIAM_HIEU_KY_HOC_BA", "signers.principal.name", required=x),
        Leaf("SO_CCCD_GIAM_HIEU_KY_HOC_BA", "signers.principal.identity_number", required=x),
        Leaf("DIA_DANH_PHAT_HANH_HOC_BA", "school.place_of_issue", required=x),
        Leaf("NGAY_TAO_HOC_BA", "created_on", Kind.DATE, x),
        # X in v1.0, but known only at issuance: the signing step sets it before CBQL signs.
        Leaf("NGAY_KY_PHAT_HANH_HOC_BA", "issued_on", Kind.DATE),
        Leaf("CHUC_VU_GIAM_HIEU_KY_HOC_BA", "signers.principal.title", required=x),
        Leaf("TEN_GIAO_VIEN_CHU_NHIEM", "signers.homeroom.name"),
        Leaf("SO_CCCD_GIAO_VIEN_CHU_NHIEM", "signers.homeroom.identity_number"),
        Leaf("MA_KHOI", "class.grade", Kind.INT, x),
        Leaf("TEN_LOP", "class.name", required=x),
        Leaf("NAM_HOC", None, derive=school_start_year),
    ))


def learning_history() -> Repeat:
    """QUA_TRINH_HOC_TAP: one QUA_TRINH (our name for the item) per line of the history."""
    return Repeat("QUA_TRINH_HOC_TAP", "QUA_TRINH", "history", required=True, children=(
        Leaf("TEN_LOP", "class", required=True),
        Leaf("TEN_TRUONG", "school", required=True),
        Leaf("NGAY_TRANG_THAI_CHUYEN_DEN", "since", Kind.DATE, True),
    ))


def extension(*, subject_comments: bool) -> Block:
    """hocba's own block (namespace urn:hocba:mo-rong:1) for the record values Phụ lục 1.1 has
    no tag for, so that reading the XML gives back the same record. Inside DU_LIEU_HOC_BA,
    hence covered by the CBQL and issuance signatures."""
    children: tuple[Any, ...] = (
        Leaf(ext("THOI_DIEM_LAP"), "composed_at", Kind.DATETIME, True, note="hocba"),
        Leaf(ext("NAM_HOC_MO_SO"), "book.first_year"),
        Leaf(ext("CHUC_VU_GIAO_VIEN_CHU_NHIEM"), "signers.homeroom.title"),
        Values(ext("NAM_HOC_QUA_TRINH"), "history", "school_year"),
    )
    if subject_comments:
        children += (Values(ext("NHAN_XET_MON_HOC"), "primary.subjects", "comment",
                            key=("MA_MON_HOC", "code")),)
    return Block(ext("MO_RONG"), children, nsmap={"hb": EXTENSION_NS})


def principal_slot() -> Block:
    return Block("CBQL", slot=True, children=(
        Leaf("SO_CCCD", "signers.principal.identity_number", required=True),))


def homeroom_slot() -> Block:
    return Block("GVCN", slot=True, when="signers.homeroom", children=(
        Leaf("SO_CCCD", "signers.homeroom.identity_number"),))


def issuance_slot() -> Block:
    # NGAY_KY of the issuance, when the record knows it; the signer may refine it.
    return Block("KY_PHAT_HANH", slot=True, children=(
        Leaf("NGAY_KY", "issued_on", Kind.DATE, read=False),))


def check_parent(record: Json) -> Iterator[tuple[str, str]]:
    """Phụ lục 1.1 makes HO_VA_TEN_ME mandatory; we accept a guardian instead (TT 27/2020
    PL1: identity as on the birth certificate, which a guardian's ward may not list)."""
    student = record["student"]
    if student.get("mother") is None and student.get("guardian") is None:
        yield ("student.mother", "thiếu HO_VA_TEN_ME (họ tên mẹ) hoặc HO_VA_TEN_NGUOI_GIAM_HO "
                                 "(họ tên người giám hộ): cần ít nhất một (CV 2088 PL1 Phụ lục "
                                 "1.1)")
