"""Subjects of the 2018 general education programme, by level.

A first catalogue, enough to assign teachers to classes and subjects. The gradebook issue
turns it into curriculum data versioned by school year (periods, assessment kind, electives).
Sources: Chương trình GDPT 2018 (TT 32/2018/TT-BGDĐT); TT 27/2020 and TT 22/2021 name the
subjects assessed; QĐ 2904/QĐ-BGDĐT splits "Tin học và Công nghệ" into two rows in grades 3–5.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SubjectInfo:
    code: str
    name: str
    levels: tuple[str, ...]


SUBJECTS: tuple[SubjectInfo, ...] = (
    SubjectInfo("TIENG_VIET", "Tiếng Việt", ("TH",)),
    SubjectInfo("TOAN", "Toán", ("TH", "THCS", "THPT", "GDTX")),
    SubjectInfo("DAO_DUC", "Đạo đức", ("TH",)),
    SubjectInfo("TU_NHIEN_XA_HOI", "Tự nhiên và Xã hội", ("TH",)),
    SubjectInfo("KHOA_HOC", "Khoa học", ("TH",)),
    SubjectInfo("LICH_SU_DIA_LY", "Lịch sử và Địa lí", ("TH", "THCS")),
    SubjectInfo("TIN_HOC", "Tin học", ("TH", "THCS", "THPT", "GDTX")),
    SubjectInfo("CONG_NGHE", "Công nghệ", ("TH", "THCS", "THPT")),
    SubjectInfo("GDTC", "Giáo dục thể chất", ("TH", "THCS", "THPT")),
    SubjectInfo("AM_NHAC", "Âm nhạc", ("TH", "THCS", "THPT")),
    SubjectInfo("MI_THUAT", "Mĩ thuật", ("TH", "THCS", "THPT")),
    SubjectInfo("NGOAI_NGU_1", "Ngoại ngữ 1", ("TH", "THCS", "THPT", "GDTX")),
    SubjectInfo("HDTN", "Hoạt động trải nghiệm", ("TH",)),
    SubjectInfo("HDTN_HN", "Hoạt động trải nghiệm, hướng nghiệp", ("THCS", "THPT", "GDTX")),
    SubjectInfo("NGU_VAN", "Ngữ văn", ("THCS", "THPT", "GDTX")),
    SubjectInfo("GDCD", "Giáo dục công dân", ("THCS",)),
    SubjectInfo("KHTN", "Khoa học tự nhiên", ("THCS",)),
    SubjectInfo(
        "NOI_DUNG_DIA_PHUONG", "Nội dung giáo dục của địa phương", ("THCS", "THPT", "GDTX")
    ),
    SubjectInfo("LICH_SU", "Lịch sử", ("THPT", "GDTX")),
    SubjectInfo("DIA_LY", "Địa lí", ("THPT", "GDTX")),
    SubjectInfo("VAT_LY", "Vật lí", ("THPT", "GDTX")),
    SubjectInfo("HOA_HOC", "Hóa học", ("THPT", "GDTX")),
    SubjectInfo("SINH_HOC", "Sinh học", ("THPT", "GDTX")),
    SubjectInfo("GDKT_PL", "Giáo dục kinh tế và pháp luật", ("THPT",)),
    SubjectInfo("GDQP_AN", "Giáo dục quốc phòng và an ninh", ("THPT",)),
    SubjectInfo("CHUYEN_DE", "Chuyên đề học tập", ("THPT",)),
    SubjectInfo("TIENG_DAN_TOC", "Tiếng dân tộc thiểu số", ("TH", "THCS", "THPT")),
    SubjectInfo("NGOAI_NGU_2", "Ngoại ngữ 2", ("THCS", "THPT")),
)

SUBJECTS_BY_CODE: dict[str, SubjectInfo] = {s.code: s for s in SUBJECTS}
