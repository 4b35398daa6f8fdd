"""The public portal's two forms: a look-up with its second factor, and a file to verify."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import PurePath
from typing import Any

from django import forms

from hocba.sharing import codes

UPLOAD_TYPES = {".pdf": "PDF", ".xml": "XML"}
_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d")


def upload_max_bytes() -> int:
    """The service's limit (settings.VERIFICATION_MAX_UPLOAD_BYTES), checked at the door too."""
    from hocba.verification.services import max_upload_bytes

    return max_upload_bytes()


def parse_lookup_code(value: str) -> str | None:
    """The canonical UUID text (CV 2088 PL1 mục II.1: MA_TRA_CUU_UUID), or None."""
    try:
        return str(uuid.UUID(value.strip()))
    except (ValueError, AttributeError):
        return None


class LookupForm(forms.Form):
    ma = forms.CharField(label="Mã tra cứu", max_length=64, error_messages={
        "required": "Trường «Mã tra cứu»: cần nhập mã in dưới mã QR của học bạ."})
    ngay_sinh = forms.CharField(label="Ngày sinh của học sinh", max_length=20, required=False)
    ma_xac_minh = forms.CharField(label="Mã xác minh được chia sẻ", max_length=32,
                                  required=False)

    def clean_ma(self) -> str:
        code = parse_lookup_code(self.cleaned_data["ma"])
        if code is None:
            raise forms.ValidationError(
                "Trường «Mã tra cứu»: cần 36 ký tự dạng xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, "
                "in dưới mã QR của học bạ.")
        return code

    def clean_ngay_sinh(self) -> dt.date | None:
        text = self.cleaned_data["ngay_sinh"].strip()
        if not text:
            return None
        for fmt in _DATE_FORMATS:
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
        raise forms.ValidationError(
            "Trường «Ngày sinh»: nhập theo dạng ngày/tháng/năm, ví dụ 05/09/2012.")

    def clean_ma_xac_minh(self) -> str | None:
        text = self.cleaned_data["ma_xac_minh"].strip()
        if not text:
            return None
        if not codes.well_formed(text):
            raise forms.ValidationError(
                "Trường «Mã xác minh»: gồm 12 chữ và số, dạng XXXX-XXXX-XXXX, như người giữ "
                "học bạ đã gửi.")
        return codes.normalise(text)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not data.get("ngay_sinh") and not data.get("ma_xac_minh"):
            raise forms.ValidationError(
                "Cần nhập ngày sinh của học sinh, hoặc mã xác minh do người giữ học bạ chia sẻ.")
        return data


class UploadForm(forms.Form):
    tep = forms.FileField(label="Tệp học bạ (PDF hoặc XML)", error_messages={
        "required": "Trường «Tệp học bạ»: hãy chọn tệp PDF hoặc XML của học bạ.",
        "empty": "Tệp học bạ đã chọn rỗng (0 byte).",
    })

    def clean_tep(self) -> Any:
        upload = self.cleaned_data["tep"]
        name = upload.name or ""
        if PurePath(name).suffix.lower() not in UPLOAD_TYPES:
            raise forms.ValidationError(
                f"Tệp «{name}» không phải PDF hoặc XML: chỉ kiểm tra được tệp .pdf hoặc .xml "
                "của học bạ.")
        limit = upload_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"Tệp «{name}» nặng {upload.size / 1024 / 1024:.1f} MB, vượt giới hạn "
                f"{limit / 1024 / 1024:.0f} MB.")
        return upload
