from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hocba.accounts"
    verbose_name = "Người dùng và phân quyền"
