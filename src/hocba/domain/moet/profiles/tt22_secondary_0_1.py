"""Profile tt22-secondary/0.1-provisional: the secondary học bạ (THCS, THPT, GDTX learners).

PROVISIONAL. The Ministry's secondary specification (CV 115/BGDĐT-GDTrH) was not found
(DOMAIN-SECONDARY.md §1). This profile keeps the primary v1.0 conventions (CV 119 requires
one technical model for all levels) and the signing layout observed in production signers
(DOMAIN-SECONDARY.md §2.1, [T]):

* DANH_SACH_THONG_TIN_KY/GVCN signs Id ``thongtinhocba``;
* DANH_SACH_THONG_TIN_KY/DANH_SACH_GVBM/GVBM[@Id="gvbm_MA"]: one slot per subject, whose
  signature covers only that subject's DIEM_TONG_KET[@Id="dtk_MA"];
* PHAT_HANH_HOC_BA/CBQL and PHAT_HANH_HOC_BA/KY_PHAT_HANH sign Id ``data``.

Results follow TT 22/2021: per subject, term I, term II, the year and the summer
re-evaluation (Điều 14); học tập and rèn luyện per term, year and after the summer (Điều 8,
9, 13), coded T/K/Đ/CĐ as in the sector catalogue (DOMAIN-SECONDARY.md §3.2).
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from hocba.domain.assessment.common import Award
from hocba.domain.moet.nodes import Block, Custom, Json, Leaf, Repeat
from hocba.domain.moet.profiles import Profile, SignatureSlot
from hocba.domain.moet.profiles.common import (
    LEVEL,
    THONG_TU,
    awards,
    check_parent,
    extension,
    general_info,
    homeroom_slot,
    issuance_slot,
    learning_history,
    principal_slot,
)
from hocba.domain.moet.state import State
from hocba.domain.moet.values import Codes, Kind

VERSION = "0.1"
REGIMES = Codes({"tt22": THONG_TU["tt22"], "gdtx": THONG_TU["gdtx"]}, "thông tư")
LEVELS = Codes({"THCS": LEVEL.table["THCS"], "THPT": LEVEL.table["THPT"]}, "mã cấp học")
TT22_LEVEL = Codes({"TOT": "T", "KHA": "K", "DAT": "Đ", "CHUA_DAT": "CĐ"},
                   "mức đánh giá")  # TT 22/2021 Điều 8, 9
ASSESSMENT = Codes({"score": "DIEM", "comment": "NHAN_XET"},
                   "hình thức đánh giá")  # Điều 5.3.b, 5.3.a
SUBJECT_ID = "dtk_{code}"
SLOT_ID = "gvbm_{code}"
SLOT_PREFIX = "gvbm_"


def _levels(tag: str, group: str) -> Block:
    return Block(tag, children=tuple(
        Leaf(xml, f"secondary.{group}.{field}", Kind.CODE, codes=TT22_LEVEL)
        for xml, field in (("HOC_KY_1", "hk1"), ("HOC_KY_2", "hk2"), ("CA_NAM", "year"),
                           ("SAU_KY_NGHI_HE", "after_summer"))))


SUMMARY = Block("TONG_KET", children=(
    _levels("KET_QUA_HOC_TAP", "hoc_tap"),
    _levels("KET_QUA_REN_LUYEN", "ren_luyen"),
    Leaf("DUOC_LEN_LOP", "promoted", Kind.BOOL, True),
    Leaf("DA_HOAN_THANH_CHUONG_TRINH_CAP_HOC", "secondary.completed_programme", Kind.BOOL),
    Leaf("NOI_DUNG_KHEN_THUONG", "secondary.award", Kind.CODE,
         codes=awards(Award.HS_XUAT_SAC, Award.HS_GIOI)),
    Leaf("NOI_DUNG_KHEN_THUONG_DOT_XUAT", "secondary.special_award"),
    Leaf("NHAN_XET_GVCN", "homeroom_comment", required=True),
))

SUBJECTS = Repeat("BANG_DIEM", "DIEM_TONG_KET", "secondary.subjects", id_format=SUBJECT_ID,
                  required=True, children=(
    Leaf("MA_MON_HOC", "code", required=True),
    Leaf("TEN_MON_HOC", "name", required=True),
    Leaf("HINH_THUC_DANH_GIA", "assessment", Kind.CODE, True, codes=ASSESSMENT),
    Leaf("HOC_KY_1", "hk1", Kind.RESULT),
    Leaf("HOC_KY_2", "hk2", Kind.RESULT),
    Leaf("CA_NAM", "year", Kind.RESULT),
    Leaf("SAU_DANH_GIA_LAI", "retest", Kind.RESULT),
    Leaf("NHAN_XET", "comment"),
    Leaf("TEN_GIAO_VIEN_BO_MON", "teacher.name"),
    Leaf("SO_CCCD_GIAO_VIEN_BO_MON", "teacher.identity_number"),
))


def write_subject_slots(parent: Any, record: Json) -> None:
    """One GVBM slot per subject a teacher signs, in the order of signers.subject_teachers."""
    teachers = record["signers"]["subject_teachers"]
    if not teachers:
        return
    box = etree.SubElement(parent, "DANH_SACH_GVBM")
    for teacher in teachers:
        for code in teacher["subjects"]:
            slot = etree.SubElement(box, "GVBM", Id=SLOT_ID.format(code=code))
            etree.SubElement(slot, "HO_VA_TEN").text = teacher["name"]
            etree.SubElement(slot, "SO_CCCD").text = teacher["identity_number"]


def read_subject_slots(parent: Any, state: State) -> None:
    """Back to signers.subject_teachers: slots grouped by the teacher's identity number, in
    order of first appearance; each slot must pair with a subject of the BANG_DIEM."""
    box = parent.find("DANH_SACH_GVBM")
    if box is None:
        return
    subject_ids = {element.get("Id") for element in
                   parent.getroottree().iterfind("DU_LIEU_HOC_BA/BANG_DIEM/DIEM_TONG_KET")}
    teachers: dict[str, int] = {}
    for slot in box.findall("GVBM"):
        slot_id = slot.get("Id") or ""
        code = slot_id[len(SLOT_PREFIX):] if slot_id.startswith(SLOT_PREFIX) else ""
        if not code or SUBJECT_ID.format(code=code) not in subject_ids:
            state.problem(slot, (f"chỗ ký GVBM Id “{slot_id}” không ghép được với môn nào: "
                                 f"cần Id {SLOT_ID} với một DIEM_TONG_KET Id {SUBJECT_ID} "
                                 f"trong BANG_DIEM"))
            continue
        number = slot.findtext("SO_CCCD") or ""
        index = teachers.setdefault(number, len(teachers))
        steps = ("signers", "subject_teachers", index)
        state.set((*steps, "name"), slot.findtext("HO_VA_TEN"), slot.find("HO_VA_TEN"))
        state.set((*steps, "identity_number"), number, slot.find("SO_CCCD"))
        state.append((*steps, "subjects"), code, slot)


TREE = Block("HOC_BA", children=(
    Block("DU_LIEU_HOC_BA", id="data", children=(
        general_info(version=VERSION, regimes=REGIMES, levels=LEVELS, health_required=False),
        learning_history(),
        SUMMARY,
        SUBJECTS,
        extension(subject_comments=False),
    )),
    Block("DANH_SACH_THONG_TIN_KY", children=(
        homeroom_slot(),
        Custom("GVBM", write_subject_slots, read_subject_slots,
               extra={"paths": ("signers.subject_teachers",)}),
    )),
    Block("PHAT_HANH_HOC_BA", children=(
        principal_slot(),
        issuance_slot(),
    )),
))

PROFILE = Profile(
    key="tt22-secondary/0.1-provisional",
    title="Học bạ số cấp trung học (TT 22/2021), tạm thời",
    source="Tạm thời: bố cục chữ ký theo công cụ ký của nhà cung cấp (DOMAIN-SECONDARY §2), "
           "quy tắc XML và THONG_TIN_CHUNG theo CV 2088 PL1 v1.0; đặc tả trung học của Bộ "
           "(CV 115/BGDĐT-GDTrH) chưa tìm thấy",
    provisional=True,
    version=VERSION,
    levels=("THCS", "THPT"),
    thong_tu=REGIMES.table,
    xsd="tt22-secondary-0.1.xsd",
    slot_tags=frozenset({"GVCN", "CBQL", "KY_PHAT_HANH"}),
    signatures=(
        SignatureSlot("GVBM", "DANH_SACH_THONG_TIN_KY/DANH_SACH_GVBM/GVBM[@Id='gvbm_{code}']",
                      "dtk_{code}"),
        SignatureSlot("GVCN", "DANH_SACH_THONG_TIN_KY/GVCN", "thongtinhocba"),
        SignatureSlot("CBQL", "PHAT_HANH_HOC_BA/CBQL", "data"),
        SignatureSlot("KY_PHAT_HANH", "PHAT_HANH_HOC_BA/KY_PHAT_HANH", "data"),
    ),
    ids={"data": "DU_LIEU_HOC_BA", "thongtinhocba": "DU_LIEU_HOC_BA/THONG_TIN_CHUNG",
         "dtk_{code}": "DU_LIEU_HOC_BA/BANG_DIEM/DIEM_TONG_KET",
         "gvbm_{code}": "DANH_SACH_THONG_TIN_KY/DANH_SACH_GVBM/GVBM"},
    deviations=(
        "Toàn bộ hồ sơ là tạm thời; chỉ các tên HOC_BA, DANH_SACH_THONG_TIN_KY, GVCN, "
        "DANH_SACH_GVBM, GVBM@Id, DIEM_TONG_KET@Id, PHAT_HANH_HOC_BA, CBQL, KY_PHAT_HANH và "
        "Id data, thongtinhocba có nguồn (công cụ ký của nhà cung cấp).",
        "CAN_NANG, CHIEU_CAO không bắt buộc (học bạ TT 22 không có dòng này).",
        "TEN_QUAN_HUYEN, HO_VA_TEN_ME, các ngày phát hành/ký: như hồ sơ tiểu học.",
        "PHIEN_BAN 0.1 đánh dấu hồ sơ tạm thời của hocba.",
    ),
    tree=TREE,
    checks=(check_parent,),
)
