"""Profile tt27-primary/1.0: the primary học bạ of CV 2088/BGDĐT-GDTH, Phụ lục 1, v1.0 (05/2024).

Structure (II.1.5): HOC_BA holds DU_LIEU_HOC_BA (everything the school creates: THONG_TIN_CHUNG,
QUA_TRINH_HOC_TAP, TONG_KET, the subject table and the quality/competence assessment) and
DANH_SACH_THONG_TIN_KY (GVCN, optional in v1.0; CBQL and KY_PHAT_HANH, mandatory), kept
outside the data. The field table (Phụ lục 1.1) does not name the container of the subject
rows nor of the ratings: BANG_DIEM/MON_HOC and DANH_GIA_NANG_LUC_PHAM_CHAT are ours.
"""

from __future__ import annotations

from hocba.domain.assessment.common import Award
from hocba.domain.moet.nodes import Block, Leaf, Repeat
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
from hocba.domain.moet.values import Codes, Kind

VERSION = "1.0"
REGIMES = Codes({"tt27": THONG_TU["tt27"]}, "thông tư")
LEVELS = Codes({"TH": LEVEL.table["TH"]}, "mã cấp học")
# TT 27/2020 Điều 7.1.a: Hoàn thành tốt / Hoàn thành / Chưa hoàn thành.
SUBJECT_LEVEL = Codes({"T": "T", "H": "H", "C": "C"}, "mức đạt được")
# TT 27/2020 Điều 7.2: Tốt / Đạt / Cần cố gắng, written T / Đ / C as on the printed forms.
RATING = Codes({"T": "T", "D": "Đ", "C": "C"}, "mức phẩm chất, năng lực")
# TT 27/2020 Điều 9.2: the abbreviations of the class summary (Phụ lục 2).
EVALUATION = Codes({"HTXS": "HTXS", "HTT": "HTT", "HT": "HT", "CHT": "CHT"},
                   "kết quả xếp loại")


def _rating(tag: str, name: str, group: str, required: bool = True) -> Leaf:
    return Leaf(tag, f"primary.{group}.{name}", Kind.CODE, required, codes=RATING)


SUMMARY = Block("TONG_KET", children=(
    Leaf("KET_QUA_XEP_LOAI", "primary.evaluation", Kind.CODE, True, codes=EVALUATION),
    Leaf("DUOC_LEN_LOP", "promoted", Kind.BOOL, True),
    Leaf("NOI_DUNG_HOAN_THANH_CHUONG_TRINH", "primary.completion_text"),
    Leaf("DA_HOAN_THANH_CHUONG_TRINH_LOP_HOC", "primary.completed_grade", Kind.BOOL, True),
    Leaf("DA_HOAN_THANH_CHUONG_TRINH_TIEU_HOC", "primary.completed_primary", Kind.BOOL),
    Leaf("NOI_DUNG_KHEN_THUONG", "primary.award", Kind.CODE,
         codes=awards(Award.HS_XUAT_SAC, Award.HS_TIEU_BIEU)),
    Leaf("NOI_DUNG_KHEN_THUONG_DOT_XUAT", "primary.special_award"),
    Leaf("NHAN_XET_GVCN", "homeroom_comment", required=True),
))

SUBJECTS = Repeat("BANG_DIEM", "MON_HOC", "primary.subjects", required=True, children=(
    Leaf("MA_MON_HOC", "code", required=True),
    Leaf("TEN_MON_HOC", "name", required=True),
    Leaf("MUC_DAT_DUOC", "level", Kind.CODE, True, codes=SUBJECT_LEVEL),
    Leaf("DIEM_KIEM_TRA_DINH_KY", "test", Kind.INT),
))

RATINGS = Block("DANH_GIA_NANG_LUC_PHAM_CHAT", children=(
    _rating("NANG_LUC_TU_CHU_TU_HOC", "tu_chu_tu_hoc", "competences"),
    _rating("NANG_LUC_GIAO_TIEP_HOC_TAC", "giao_tiep_hop_tac", "competences"),  # sic
    _rating("NANG_LUC_GIAI_QUYET_VAN_DE_SANG_TAO", "giai_quyet_van_de", "competences"),
    _rating("NANG_LUC_NGON_NGU", "ngon_ngu", "competences"),
    _rating("NANG_LUC_TINH_TOAN", "tinh_toan", "competences"),
    _rating("NANG_LUC_KHOA_HOC", "khoa_hoc", "competences"),
    _rating("NANG_LUC_CONG_NGHE", "cong_nghe", "competences", required=False),
    _rating("NANG_LUC_TIN_HOC", "tin_hoc", "competences", required=False),
    _rating("NANG_LUC_THAM_MI", "tham_mi", "competences"),
    _rating("NANG_LUC_THE_CHAT", "the_chat", "competences"),
    _rating("PHAM_CHAT_YEU_NUOC", "yeu_nuoc", "qualities"),
    _rating("PHAM_CHAT_NHAN_AI", "nhan_ai", "qualities"),
    _rating("PHAM_CHAT_CHAM_CHI", "cham_chi", "qualities"),
    _rating("PHAM_CHAT_TRUNG_THUC", "trung_thuc", "qualities"),
    _rating("PHAM_CHAT_TRACH_NHIEM", "trach_nhiem", "qualities"),
    Leaf("NHAN_XET_PHAM_CHAT", "primary.comments.qualities", required=True),
    Leaf("NHAN_XET_NANG_LUC_CHUNG", "primary.comments.general_competences", required=True),
    Leaf("NHAN_XET_NANG_LUC_DAC_THU", "primary.comments.specific_competences", required=True),
))

TREE = Block("HOC_BA", children=(
    Block("DU_LIEU_HOC_BA", id="data", children=(
        general_info(version=VERSION, regimes=REGIMES, levels=LEVELS, health_required=True),
        learning_history(),
        SUMMARY,
        SUBJECTS,
        RATINGS,
        extension(subject_comments=True),
    )),
    Block("DANH_SACH_THONG_TIN_KY", children=(
        homeroom_slot(),
        principal_slot(),
        issuance_slot(),
    )),
))

PROFILE = Profile(
    key="tt27-primary/1.0",
    title="Học bạ số cấp tiểu học (TT 27/2020)",
    source="Công văn 2088/BGDĐT-GDTH (08/05/2024), Phụ lục 1: Đặc tả học bạ số thí điểm cấp "
           "tiểu học, phiên bản 1.0 (05/2024), mục II.1 và Phụ lục 1.1",
    provisional=False,
    version=VERSION,
    levels=("TH",),
    thong_tu=REGIMES.table,
    xsd="tt27-primary-1.0.xsd",
    slot_tags=frozenset({"GVCN", "CBQL", "KY_PHAT_HANH"}),
    signatures=(
        SignatureSlot("GVCN", "DANH_SACH_THONG_TIN_KY/GVCN", "thongtinhocba"),
        SignatureSlot("CBQL", "DANH_SACH_THONG_TIN_KY/CBQL", "data"),
        SignatureSlot("KY_PHAT_HANH", "DANH_SACH_THONG_TIN_KY/KY_PHAT_HANH", "data"),
    ),
    ids={"data": "DU_LIEU_HOC_BA", "thongtinhocba": "DU_LIEU_HOC_BA/THONG_TIN_CHUNG"},
    deviations=(
        "TEN_QUAN_HUYEN không bắt buộc: không còn cấp huyện từ 01/07/2025.",
        "HO_VA_TEN_ME không bắt buộc khi có HO_VA_TEN_NGUOI_GIAM_HO.",
        "NGAY_KY_PHAT_HANH_HOC_BA, CBQL/NGAY_KY, KY_PHAT_HANH/NGAY_KY có sau khi phát hành/ký; "
        "bản chưa ký không có.",
        "Tên do hocba đặt (Phụ lục 1.1 không nêu): QUA_TRINH, BANG_DIEM/MON_HOC, "
        "DANH_GIA_NANG_LUC_PHAM_CHAT; khối mở rộng hb:MO_RONG (urn:hocba:mo-rong:1).",
        "Id thongtinhocba đặt trên THONG_TIN_CHUNG (theo công cụ ký của nhà cung cấp, chưa "
        "chính thức).",
    ),
    tree=TREE,
    checks=(check_parent,),
)
