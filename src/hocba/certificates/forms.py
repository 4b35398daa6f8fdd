"""The upload form of a certificate (a school's seal or a person's own)."""

from __future__ import annotations

from django import forms

from hocba.certificates.models import KeyHolding, Provider

MAX_BYTES = 64 * 1024  # a certificate with its chain is a few kilobytes


class CertificateUpload(forms.Form):
    tep = forms.FileField(label="Tệp chứng thư số (.cer, .crt, .pem, .p7b)",
                          error_messages={"required": "Chưa chọn tệp chứng thư số."})
    ma_kieu_chu_ky = forms.ChoiceField(
        label="Kiểu chữ ký (ma_kieu_chu_ky)", choices=KeyHolding.choices,
        initial=KeyHolding.USB_TOKEN,
        error_messages={"invalid_choice": "Kiểu chữ ký «%(value)s» không hợp lệ."})
    nha_phat_hanh = forms.ChoiceField(
        label="Nhà phát hành (nha_phat_hanh)", choices=Provider.choices,
        error_messages={"invalid_choice": "Nhà phát hành «%(value)s» không hợp lệ."})
    noi_giu_khoa = forms.CharField(
        label="Nơi giữ khoá", max_length=300, required=False,
        help_text="USB token: «nhãn token/nhãn khoá»; ký số từ xa: mã tài khoản ký của nhà "
                  "cung cấp; demo: đường dẫn tệp .p12 trong thư mục PKI demo.")

    def clean_tep(self) -> bytes:
        upload = self.cleaned_data["tep"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"Tệp «{upload.name}» quá lớn cho một chứng thư số (tối đa 64 KB).")
        data: bytes = upload.read()
        return data

    def problems(self) -> list[str]:
        """The form's errors as sentences, for the same list as the checks' problems."""
        return error_sentences(self)


def error_sentences(form: forms.Form) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


class Decision(forms.Form):
    quyet_dinh = forms.ChoiceField(choices=[("duyet", "Duyệt"), ("tu_choi", "Từ chối")],
                                   error_messages={"required": "Chưa chọn duyệt hay từ chối.",
                                                   "invalid_choice": "Quyết định không hợp lệ."})
    ly_do = forms.CharField(max_length=1000, required=False)
