"""The 54 ethnic groups of Viet Nam with their statistical codes.

Codes and names from the General Statistics Office list (Quyết định 121-TCTK/PPCĐ, 1979),
which the education sector database (CSDL ngành) uses. Names are matched forgivingly:
"Khmer" and "Khơ-me", "H'Mông" and "Mông" are the same group.
"""

from __future__ import annotations

from hocba.domain.text import fold

ETHNIC_GROUPS: dict[str, str] = {
    "01": "Kinh", "02": "Tày", "03": "Thái", "04": "Hoa", "05": "Khơ-me", "06": "Mường",
    "07": "Nùng", "08": "Mông", "09": "Dao", "10": "Gia-rai", "11": "Ngái", "12": "Ê-đê",
    "13": "Ba-na", "14": "Xơ-đăng", "15": "Sán Chay", "16": "Cơ-ho", "17": "Chăm",
    "18": "Sán Dìu", "19": "Hrê", "20": "Mnông", "21": "Ra-glai", "22": "Xtiêng",
    "23": "Bru-Vân Kiều", "24": "Thổ", "25": "Giáy", "26": "Cơ-tu", "27": "Giẻ-Triêng",
    "28": "Mạ", "29": "Khơ-mú", "30": "Co", "31": "Tà-ôi", "32": "Chơ-ro", "33": "Kháng",
    "34": "Xinh-mun", "35": "Hà Nhì", "36": "Chu-ru", "37": "Lào", "38": "La Chí",
    "39": "La Ha", "40": "Phù Lá", "41": "La Hủ", "42": "Lự", "43": "Lô Lô", "44": "Chứt",
    "45": "Mảng", "46": "Pà Thẻn", "47": "Cơ Lao", "48": "Cống", "49": "Bố Y", "50": "Si La",
    "51": "Pu Péo", "52": "Brâu", "53": "Ơ Đu", "54": "Rơ-măm",
}

_ALIASES: dict[str, str] = {
    "khmer": "05", "hmong": "08", "hmông": "08", "mong": "08", "meo": "08", "ede": "12",
    "bana": "13", "stieng": "22", "vankieu": "23", "bru": "23", "kmu": "29", "khomu": "29",
    "tadoi": "31", "taoi": "31", "gietrieng": "27", "giarai": "10", "jrai": "10",
}

_BY_FOLDED: dict[str, str] = {fold(name): code for code, name in ETHNIC_GROUPS.items()}
_BY_FOLDED.update({fold(alias): code for alias, code in _ALIASES.items()})


def ethnic_code(name_or_code: str) -> str | None:
    """The two-digit code for a group name (any common spelling) or code; None if unknown."""
    value = name_or_code.strip()
    if value.isdigit():
        code = f"{int(value):02d}"
        return code if code in ETHNIC_GROUPS else None
    return _BY_FOLDED.get(fold(value))


def ethnic_name(code: str) -> str:
    return ETHNIC_GROUPS[code]
