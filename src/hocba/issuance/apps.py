from django.apps import AppConfig


class IssuanceConfig(AppConfig):
    """The signing chain of a học bạ, its issue, and revocation and replacement."""

    name = "hocba.issuance"
    label = "issuance"
    verbose_name = "Ký số và phát hành học bạ"
